import { useId } from "react";
import { DEFAULT_STRENGTH, MAX_OUTPAINT_SEAM } from "../params";
import { MAX_MASK_BLUR } from "../params";
import { NO_MARGINS, sizeForSource, stepsToRun, type Margins } from "./editing";
import { FieldError } from "./FieldError";
import { useApp } from "./StoreContext";
import { NumberInput } from "./NumberInput";

/** How much of the schedule runs: low stays close to the source, 1 repaints it from noise. */
export function StrengthField() {
  const id = useId();
  const strength = useApp((s) => s.params.denoisingStrength ?? DEFAULT_STRENGTH);
  const steps = useApp((s) => s.params.steps);
  const sampler = useApp((s) => s.params.sampler);
  const setParam = useApp((s) => s.setParam);
  const runs = stepsToRun(steps, strength, sampler);
  return (
    <div className="field">
      <label htmlFor={id}>Denoising strength</label>
      <span className="slider">
        <input
          id={id}
          type="range"
          min={0}
          max={1}
          step={0.01}
          value={strength}
          onChange={(e) => setParam("denoisingStrength", Number(e.target.value))}
        />
        <output htmlFor={id}>{strength.toFixed(2)}</output>
      </span>
      <p className="hint">
        Low keeps close to the source; 1 repaints it. Runs {Number.isInteger(runs) ? runs : "?"} of {Number.isInteger(steps) ? steps : "?"} steps.
      </p>
      <FieldError field="denoisingStrength" />
    </div>
  );
}

/** "Crop to fit" / "Pad to fit", shown only when the source has to change size at all. */
export function ResizeMode() {
  const fit = useApp((s) => s.fit);
  const setFit = useApp((s) => s.setFit);
  const sourceWidth = useApp((s) => s.source?.image.width ?? 0);
  const sourceHeight = useApp((s) => s.source?.image.height ?? 0);
  const sizes = useApp((s) => s.manifest?.sizes);
  const outpainting = useApp((s) => s.mode === "outpaint");
  const paramWidth = useApp((s) => s.params.width);
  const paramHeight = useApp((s) => s.params.height);
  if (!sizes || sourceWidth === 0) return null;
  // outpainting keeps the source's own pixels, brought to the nearest size the model allows
  const target = outpainting ? sizeForSource(sourceWidth, sourceHeight, sizes) : { width: paramWidth, height: paramHeight };
  if (target.width === sourceWidth && target.height === sourceHeight) return null;
  return (
    <fieldset className="resize-mode">
      <legend>Resize mode</legend>
      <p className="hint">
        The source is {sourceWidth}×{sourceHeight}; it is brought to {target.width}×{target.height}.
      </p>
      {(["crop", "pad"] as const).map((mode) => (
        <label key={mode} className="inline">
          <input type="radio" name="fit" value={mode} checked={fit === mode} onChange={() => setFit(mode)} />
          {mode === "crop" ? "Crop to fit" : "Pad to fit"}
        </label>
      ))}
    </fieldset>
  );
}

export function MaskBlurField() {
  const id = useId();
  const blur = useApp((s) => s.maskBlur);
  const setMaskBlur = useApp((s) => s.setMaskBlur);
  return (
    <div className="field">
      <label htmlFor={id}>Mask blur (px)</label>
      <NumberInput id={id} min={0} max={MAX_MASK_BLUR} value={blur} onValue={setMaskBlur} />
      <p className="hint">How far the new content fades into the kept image.</p>
      <FieldError field="maskBlur" />
    </div>
  );
}

const SIDES: { side: keyof Margins; label: string }[] = [
  { side: "left", label: "Extend left (px)" },
  { side: "right", label: "Extend right (px)" },
  { side: "top", label: "Extend up (px)" },
  { side: "bottom", label: "Extend down (px)" },
];

function MarginField({ side, label }: { side: keyof Margins; label: string }) {
  const id = useId();
  const value = useApp((s) => s.outpaint[side]);
  const multiple = useApp((s) => s.manifest?.sizes.multiple ?? 8);
  const setMargin = useApp((s) => s.setMargin);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <NumberInput id={id} min={0} step={multiple} value={value} onValue={(v) => setMargin(side, v)} />
    </div>
  );
}

/** How far to extend the canvas on each side, and the size that makes. */
export function OutpaintControls() {
  const sizes = useApp((s) => s.manifest?.sizes);
  const sourceWidth = useApp((s) => s.source?.image.width ?? 0);
  const sourceHeight = useApp((s) => s.source?.image.height ?? 0);
  const m = useApp((s) => s.outpaint);
  const base = sizes && sourceWidth > 0 ? sizeForSource(sourceWidth, sourceHeight, sizes) : undefined;
  const margins = Object.values(m).every(Number.isFinite) ? m : NO_MARGINS;
  return (
    <div className="outpaint-controls">
      <div className="margins">
        {SIDES.map((s) => (
          <MarginField key={s.side} side={s.side} label={s.label} />
        ))}
      </div>
      {base && (
        <p className="hint">
          Result:{" "}
          <output>
            {base.width + margins.left + margins.right}×{base.height + margins.top + margins.bottom}
          </output>{" "}
          pixels
          {sizes ? ` (at most ${sizes.max}×${sizes.max}, in steps of ${sizes.multiple})` : ""}.
        </p>
      )}
      <FieldError field="outpaint" />
      <SeamField />
    </div>
  );
}

/** How far into the source outpainting repaints along each new edge: shown on the preview as a red band. */
function SeamField() {
  const id = useId();
  const seam = useApp((s) => s.outpaintSeam);
  const setSeam = useApp((s) => s.setOutpaintSeam);
  return (
    <div className="field">
      <label htmlFor={id}>Seam (px)</label>
      <NumberInput id={id} min={0} max={MAX_OUTPAINT_SEAM} value={seam} onValue={setSeam} />
      <p className="hint">
        A band this wide along each new edge of the source is repainted too (striped red in the preview), then blended by the mask blur, so old and
        new join without a line. 0 keeps every source pixel.
      </p>
      <FieldError field="outpaintSeam" />
    </div>
  );
}
