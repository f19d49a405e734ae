import { useEffect } from "react";
import { useApp } from "./StoreContext";

/**
 * Escape stops the running job, as in other generators' UIs. An open dialog takes Escape for itself (the
 * browser closes it), so one press never does both.
 */
export function useEscapeCancels(): void {
  const cancel = useApp((s) => s.cancel);
  const running = useApp((s) => s.current !== undefined);
  useEffect(() => {
    if (!running) return;
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.key !== "Escape" || e.defaultPrevented || document.querySelector("dialog[open]")) return;
      e.preventDefault();
      cancel();
    };
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [cancel, running]);
}
