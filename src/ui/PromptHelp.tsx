import { useEffect, useState } from "react";
import type { PromptTokens } from "../protocol";
import { useApp } from "./StoreContext";

/** Waits for a pause in typing before asking the worker, so a long prompt is not tokenized per keystroke. */
const TYPING_PAUSE_MS = 150;
/** Enough of the ignored tail to recognise it. */
const IGNORED_SHOWN = 80;

/**
 * What the model makes of a prompt, as A1111's token counter does: tokens used of those the text encoder sees,
 * the part it cuts off, and for a model with a small word list (the built-in one) its words and the unknown ones.
 */
export function PromptHelp({ text, id, listWords = false }: { text: string; id: string; listWords?: boolean }) {
  const inspect = useApp((s) => s.inspectPrompt);
  const model = useApp((s) => `${s.model.id}|${s.model.base}`);
  // A1111's syntax keeps long prompts in chunks where the loaded model takes them: ask again when either changes
  const syntax = useApp((s) => s.params.promptSyntax);
  const loadedOn = useApp((s) => s.backend?.name);
  const [report, setReport] = useState<PromptTokens>();
  useEffect(() => {
    let current = true;
    const timer = setTimeout(() => void inspect(text).then((r) => current && setReport(r)), TYPING_PAUSE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [text, model, inspect, syntax, loadedOn]);
  if (!report) return null;
  const over = report.count > report.limit;
  const ignored = report.ignored ?? "";
  return (
    <div className="prompt-help" id={id}>
      <p className={over ? "token-count over" : "token-count"}>
        <span aria-label="Tokens used">
          {report.count}/{report.limit}
        </span>{" "}
        tokens
      </p>
      {over && (
        <p className="field-warning" role="status">
          Only the first {report.limit} tokens reach the model; it never sees “
          {ignored.length > IGNORED_SHOWN ? `${ignored.slice(0, IGNORED_SHOWN)}…` : ignored}”.
        </p>
      )}
      {report.unknownWords.length > 0 && (
        <p className="field-warning" role="status">
          This model does not know: {report.unknownWords.join(", ")}. Those words are ignored.
        </p>
      )}
      {listWords && report.vocabulary && (
        <p className="hint">
          This model knows only these {report.vocabulary.length} words: {report.vocabulary.join(", ")}.
        </p>
      )}
    </div>
  );
}
