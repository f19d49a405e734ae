import { useId, useState } from "react";
import { embedUrl, iframeSnippet, type EmbedUi } from "../embed/options";
import { parseOrigins } from "../embed/origins";
import type { EmbedParams } from "../embed/protocol";
import { RANDOM_SEED } from "../params";
import { ChoiceSelect } from "./ChoiceSelect";
import { CopyButton } from "./CopyButton";
import { useApp } from "./StoreContext";

const FRAME_SIZES = {
  compact: { label: "Compact (320 × 440)", width: 320, height: 440 },
  medium: { label: "Medium (400 × 540)", width: 400, height: 540 },
  large: { label: "Large (540 × 700)", width: 540, height: 700 },
} as const;
type FrameSize = keyof typeof FRAME_SIZES;
const FRAME_CHOICES = (Object.keys(FRAME_SIZES) as FrameSize[]).map((value) => ({ value, label: FRAME_SIZES[value].label }));

/** For site owners: choose who may drive the widget and how it looks, and copy the iframe to paste. */
export function EmbedSnippet() {
  const ids = { origins: useId(), size: useId(), code: useId() };
  const params = useApp((s) => s.params);
  const modelDefaults = useApp((s) => s.manifest?.defaults);
  const [origins, setOrigins] = useState("");
  const [anyOrigin, setAnyOrigin] = useState(false);
  const [size, setSize] = useState<FrameSize>("compact");
  const [promptBox, setPromptBox] = useState(true);
  const [useForm, setUseForm] = useState(false);

  const parsed = parseOrigins(anyOrigin ? "*" : origins);
  const { prompt, negativePrompt, steps, guidance, width, height, sampler, seed } = params;
  const defaults: EmbedParams = useForm
    ? { prompt, negativePrompt, steps, guidance, width, height, sampler, ...(seed === RANDOM_SEED ? {} : { seed }) }
    : {};
  const ui: EmbedUi = promptBox ? "full" : "result";
  const page = new URL(`${import.meta.env.BASE_URL}embed.html`, location.href).href;
  const src = embedUrl(page, { allow: parsed.allow, ui, defaults }, modelDefaults);
  const code = iframeSnippet(src, FRAME_SIZES[size]);
  const apiOff = parsed.allow.kind === "origins" && parsed.allow.origins.size === 0;

  return (
    <details className="embed-snippet">
      <summary>Embed this generator on your site</summary>
      <div className="field">
        <label htmlFor={ids.origins}>Allowed origins</label>
        <textarea
          id={ids.origins}
          rows={2}
          value={origins}
          disabled={anyOrigin}
          placeholder="https://your-site.example"
          onChange={(e) => setOrigins(e.target.value)}
        />
        <p className="hint">Pages at these origins may drive the widget from script (comma-separated). Results go only to the page that asked.</p>
        <label className="inline">
          <input type="checkbox" checked={anyOrigin} onChange={(e) => setAnyOrigin(e.target.checked)} /> Allow any origin (*)
        </label>
        {parsed.problems.map((p) => (
          <p key={p} className="field-error">
            {p}
          </p>
        ))}
        {apiOff && <p className="hint">With no origins, visitors can still use the widget's own prompt box; no page script can drive it.</p>}
      </div>
      <div className="row">
        <div className="field">
          <label htmlFor={ids.size}>Frame size</label>
          <ChoiceSelect id={ids.size} value={size} choices={FRAME_CHOICES} onChoose={setSize} />
        </div>
      </div>
      <label className="inline">
        <input type="checkbox" checked={promptBox} onChange={(e) => setPromptBox(e.target.checked)} /> Show the prompt box
      </label>
      <label className="inline">
        <input type="checkbox" checked={useForm} onChange={(e) => setUseForm(e.target.checked)} /> Use the form's settings as the widget's defaults
      </label>
      <div className="field">
        <label htmlFor={ids.code}>Embed code</label>
        <textarea id={ids.code} rows={4} readOnly value={code} onFocus={(e) => e.target.select()} />
      </div>
      <div className="actions">
        {/* keyed by the code: a changed snippet has not been copied yet */}
        <CopyButton key={code} text={code} label="Copy embed code" />
        <a href={src} target="_blank" rel="noopener">
          Open the widget
        </a>
      </div>
      <p className="hint">
        For several WASM threads, serve your page with <code>Cross-Origin-Opener-Policy: same-origin</code> and{" "}
        <code>Cross-Origin-Embedder-Policy: require-corp</code>; without them the widget runs on one thread.
      </p>
    </details>
  );
}
