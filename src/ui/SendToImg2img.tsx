import { useState } from "react";
import type { GenerateParams } from "../params";
import { SOURCE_PANEL_ID } from "./SourcePanel";
import { useApp } from "./StoreContext";

/** Makes a finished image the img2img source (with its prompts) and brings the source panel into view. */
export function SendToImg2img({ png, name, params }: { png: () => Promise<Blob | undefined>; name: string; params: GenerateParams }) {
  const sendToImg2img = useApp((s) => s.sendToImg2img);
  const [busy, setBusy] = useState(false);
  const send = async () => {
    setBusy(true);
    try {
      const blob = await png();
      if (!blob) return;
      await sendToImg2img(blob, name, params);
      document.getElementById(SOURCE_PANEL_ID)?.scrollIntoView({ behavior: "smooth", block: "start" });
    } finally {
      setBusy(false);
    }
  };
  return (
    <button type="button" disabled={busy} onClick={() => void send()} title="Start an image-to-image variation from this image">
      Send to img2img
    </button>
  );
}
