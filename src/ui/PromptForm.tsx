import { useId, type FormEvent, type KeyboardEvent } from "react";
import { DEFAULT_PROMPT_SYNTAX, PROMPT_SYNTAXES, SAMPLER_NAMES, type PromptSyntax } from "../params";
import type { BackendChoice } from "../protocol";
import { ChoiceSelect } from "./ChoiceSelect";
import { FieldError } from "./FieldError";
import { PromptHelp } from "./PromptHelp";
import { useApp } from "./StoreContext";
import { SeedField } from "./SeedField";
import { MAX_BATCH } from "./store";
import { TilingSettings } from "./TilingSettings";
import { NumberInput } from "./NumberInput";

function NumberField({ field, label, step = 1 }: { field: "steps" | "guidance" | "width" | "height"; label: string; step?: number }) {
  const id = useId();
  const value = useApp((s) => s.params[field]);
  const setParam = useApp((s) => s.setParam);
  const sizes = useApp((s) => s.manifest?.sizes);
  const isSize = field === "width" || field === "height";
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <NumberInput
        id={id}
        step={isSize ? (sizes?.multiple ?? 8) : step}
        min={isSize ? sizes?.min : field === "steps" ? 1 : 0}
        max={isSize ? sizes?.max : undefined}
        value={value}
        onValue={(v) => setParam(field, v)}
      />
      <FieldError field={field} />
    </div>
  );
}

interface PromptFieldProps {
  field: "prompt" | "negativePrompt";
  label: string;
  rows: number;
  placeholder?: string;
  /** Also list the words of a model with a small word list (once, under the prompt). */
  listWords?: boolean;
}

/** A prompt box with what the model makes of it (tokens, cut-off, unknown words) and its errors below. */
function PromptField({ field, label, rows, placeholder, listWords }: PromptFieldProps) {
  const id = useId();
  const text = useApp((s) => s.params[field]);
  const setParam = useApp((s) => s.setParam);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        rows={rows}
        value={text}
        placeholder={placeholder}
        aria-describedby={`${id}-help`}
        onChange={(e) => setParam(field, e.target.value)}
      />
      <PromptHelp text={text} id={`${id}-help`} listWords={listWords} />
      <FieldError field={field} />
    </div>
  );
}

const SYNTAX_LABELS: Record<PromptSyntax, string> = {
  A1111: "A1111 (weights, BREAK, long)",
  plain: "Plain (as diffusers, 77 tokens)",
};
const SYNTAX_CHOICES = PROMPT_SYNTAXES.map((value) => ({ value, label: SYNTAX_LABELS[value] }));
const SAMPLER_CHOICES = SAMPLER_NAMES.map((value) => ({ value, label: value }));
const BACKEND_CHOICES: { value: BackendChoice; label: string }[] = [
  { value: "auto", label: "Auto (WebGPU, else WASM)" },
  { value: "webgpu", label: "WebGPU" },
  { value: "wasm", label: "WASM" },
];
/** The action bar's Generate button lives outside the form and names it. */
export const PROMPT_FORM_ID = "prompt-form";

export function PromptForm() {
  const samplerId = useId();
  const syntaxId = useId();
  const batchId = useId();
  const backendId = useId();
  const params = useApp((s) => s.params);
  // an LCM-distilled U-Net takes the guidance scale as an input rather than through a second, unconditioned batch
  const guidanceEmbedded = useApp((s) => s.manifest?.timeCondProjDim !== undefined);
  const batchCount = useApp((s) => s.batchCount);
  const backendChoice = useApp((s) => s.backendChoice);
  const setParam = useApp((s) => s.setParam);
  const setBatchCount = useApp((s) => s.setBatchCount);
  const setBackendChoice = useApp((s) => s.setBackendChoice);
  // select the stable array itself: a fresh `[]` per render would loop zustand's subscription
  const variants = useApp((s) => s.manifest?.variants);
  const variant = useApp((s) => s.variant);
  const setVariant = useApp((s) => s.setVariant);
  const variantId = useId();
  const generate = useApp((s) => s.generate);
  const outpainting = useApp((s) => s.mode === "outpaint");

  const submit = (e: FormEvent) => {
    e.preventDefault();
    generate();
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      generate();
    }
  };

  return (
    <form className="prompt-form" id={PROMPT_FORM_ID} onSubmit={submit} onKeyDown={onKeyDown} noValidate>
      <PromptField field="prompt" label="Prompt" rows={3} placeholder="a red star on a blue background" listWords />
      <PromptField field="negativePrompt" label="Negative prompt" rows={2} />
      <div className="row">
        <NumberField field="steps" label="Steps" />
        <NumberField field="guidance" label={guidanceEmbedded ? "Guidance (LCM, embedded)" : "Guidance (CFG)"} step={0.5} />
      </div>
      {outpainting ? (
        <p className="hint">Outpainting: the size is the source&rsquo;s plus how far it is extended.</p>
      ) : (
        <div className="row">
          <NumberField field="width" label="Width" />
          <NumberField field="height" label="Height" />
        </div>
      )}
      <div className="row">
        <SeedField />
        <div className="field">
          <label htmlFor={batchId}>Batch count</label>
          <NumberInput id={batchId} min={1} max={MAX_BATCH} value={batchCount} onValue={setBatchCount} />
          <FieldError field="batchCount" />
        </div>
      </div>
      <div className="row">
        <div className="field">
          <label htmlFor={samplerId}>Sampler</label>
          <ChoiceSelect id={samplerId} value={params.sampler} choices={SAMPLER_CHOICES} onChoose={(s) => setParam("sampler", s)} />
          <FieldError field="sampler" />
        </div>
        <div className="field">
          <label htmlFor={syntaxId}>Prompt syntax</label>
          <ChoiceSelect
            id={syntaxId}
            value={params.promptSyntax ?? DEFAULT_PROMPT_SYNTAX}
            choices={SYNTAX_CHOICES}
            onChoose={(s) => setParam("promptSyntax", s)}
          />
          <FieldError field="promptSyntax" />
        </div>
        <div className="field">
          <label htmlFor={backendId}>Backend</label>
          <ChoiceSelect id={backendId} value={backendChoice} choices={BACKEND_CHOICES} onChoose={setBackendChoice} />
          <FieldError field="backend" />
        </div>
        {variants && variants.length > 1 && (
          <div className="field">
            <label htmlFor={variantId}>Weights</label>
            <select id={variantId} value={variant ?? ""} onChange={(e) => setVariant(e.target.value || undefined)}>
              <option value="">Auto (first this device runs)</option>
              {variants.map((v) => (
                <option key={v.id} value={v.id}>
                  {v.label}
                  {v.requiresShaderF16 ? " (needs WebGPU shader-f16)" : ""}
                </option>
              ))}
            </select>
          </div>
        )}
      </div>
      <TilingSettings />
    </form>
  );
}
