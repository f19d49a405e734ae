import { useCallback, useEffect, useId, useState } from "react";
import { readSettingsFile } from "./pngInfo";
import { SOURCE_DROP_SELECTOR } from "./SourcePanel";
import { useApp } from "./StoreContext";

type Message = { kind: "ok" | "error"; text: string };

const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes("Files") === true;
const overSource = (e: DragEvent) => e.target instanceof Element && e.target.closest(SOURCE_DROP_SELECTOR) !== null;

/**
 * Drop a PNG anywhere on the page (or pick one) to fill the form with the settings it was made with.
 * Listens on the window so a drop on any part of the page counts, and so a dropped file never makes
 * the browser navigate away from the app.
 */
export function PngInfo() {
  const inputId = useId();
  const applySettings = useApp((s) => s.applySettings);
  const [message, setMessage] = useState<Message>();
  const [dragging, setDragging] = useState(false);
  const [onSource, setOnSource] = useState(false);

  const read = useCallback(
    async (file: File) => {
      const result = await readSettingsFile(file);
      if (!result.ok) {
        setMessage({ kind: "error", text: result.message });
        return;
      }
      applySettings(result.value.settings);
      setMessage({ kind: "ok", text: [`Filled the form from “${file.name}”.`, ...result.value.notes].join(" ") });
    },
    [applySettings],
  );

  useEffect(() => {
    let depth = 0;
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      setOnSource(overSource(e));
    };
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth++;
      setDragging(true);
    };
    const leave = () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const drop = (e: DragEvent) => {
      depth = 0;
      setDragging(false);
      const file = e.dataTransfer?.files[0];
      // the source image panel took this file
      if (!file || e.defaultPrevented) return;
      e.preventDefault();
      void read(file);
    };
    window.addEventListener("dragover", over);
    window.addEventListener("dragenter", enter);
    window.addEventListener("dragleave", leave);
    window.addEventListener("drop", drop);
    return () => {
      window.removeEventListener("dragover", over);
      window.removeEventListener("dragenter", enter);
      window.removeEventListener("dragleave", leave);
      window.removeEventListener("drop", drop);
    };
  }, [read]);

  return (
    <section className="png-info" aria-label="Settings from a PNG">
      <label htmlFor={inputId}>Read settings from a PNG</label>
      <input
        id={inputId}
        type="file"
        accept="image/png"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = "";
          if (file) void read(file);
        }}
      />
      <p className="hint">…or drop one (ours, AUTOMATIC1111's, Forge's or Fooocus's) anywhere on the page.</p>
      {message && (
        <p className={message.kind === "error" ? "error" : "note"} role={message.kind === "error" ? "alert" : "status"}>
          {message.text}
        </p>
      )}
      {dragging && !onSource && (
        <div className="drop-overlay" aria-hidden="true">
          Drop a PNG to read its settings
        </div>
      )}
    </section>
  );
}
