import { PROMPT_FORM_ID } from "./PromptForm";
import { useApp } from "./StoreContext";

/**
 * Generate and Cancel, outside the form so the bar can stay on screen (sticky) however long the column above
 * it grows: an inpainting source and its brush tools would otherwise push Generate a screen or two down.
 */
export function ActionBar() {
  const working = useApp((s) => s.current !== undefined || s.queue.length > 0);
  const ready = useApp((s) => s.manifest !== undefined);
  const cancel = useApp((s) => s.cancel);
  return (
    <div className="actions action-bar">
      {/* Generate stays enabled while the engine works: each press queues another job. */}
      <button type="submit" form={PROMPT_FORM_ID} disabled={!ready} title="Ctrl/Cmd+Enter; queues behind running jobs">
        Generate
      </button>
      <button type="button" onClick={cancel} disabled={!working} title="Stops the running job and empties the queue">
        Cancel
      </button>
    </div>
  );
}
