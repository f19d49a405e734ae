import { PROMPT_FORM_ID } from "./PromptForm";
import { useApp } from "./StoreContext";

/**
 * Generate, Cancel and Clear queue, outside the form so the bar can stay on screen (sticky) however long the column above
 * it grows: an inpainting source and its brush tools would otherwise push Generate a screen or two down.
 */
export function ActionBar() {
  const running = useApp((s) => s.current !== undefined);
  const waiting = useApp((s) => s.queue.length > 0);
  const ready = useApp((s) => s.manifest !== undefined);
  const cancel = useApp((s) => s.cancel);
  const clearQueue = useApp((s) => s.clearQueue);
  return (
    <div className="actions action-bar">
      {/* Generate stays enabled while the engine works: each press queues another job. */}
      <button type="submit" form={PROMPT_FORM_ID} disabled={!ready} title="Ctrl/Cmd+Enter; queues behind running jobs">
        Generate
      </button>
      <button type="button" onClick={cancel} disabled={!running} title="Esc; stops the running job, the queue goes on">
        Cancel
      </button>
      <button type="button" onClick={clearQueue} disabled={!waiting} title="Drops the waiting jobs; the running one goes on">
        Clear queue
      </button>
    </div>
  );
}
