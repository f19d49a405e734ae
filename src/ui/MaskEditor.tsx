import { useEffect, useId, useRef, useState, type KeyboardEvent, type PointerEvent } from "react";
import { arrowRect, fillRect, keyStep, startRect } from "./maskKeyboard";
import { MASKED, paintOverlay, paintStroke, stampDisc, toMaskPoint, type Mask, type Point, type Rect } from "./maskPaint";
import { useApp } from "./StoreContext";

const TINT = [250, 82, 82] as const;
const OPACITY = 0.55;
const MAX_BRUSH = 128;

interface Stroke {
  pointerId: number;
  /** A copy of the mask that this stroke paints into; it replaces the store's mask when the stroke ends. */
  mask: Mask;
  last: Point;
}

/**
 * The inpainting mask, drawn over the source image: a canvas at the source's resolution, stretched to
 * the frame, painted with pointer events (mouse, pen and touch alike). Only the touched rectangle is
 * repainted while a stroke runs, so large sources stay responsive.
 */
export function MaskCanvas() {
  const mask = useApp((s) => s.mask);
  const setMask = useApp((s) => s.setMask);
  const brushSize = useApp((s) => s.brushSize);
  const erasing = useApp((s) => s.erasing);
  const canvas = useRef<HTMLCanvasElement>(null);
  const overlay = useRef<ImageData | null>(null);
  const stroke = useRef<Stroke | null>(null);
  const [keyRect, setKeyRect] = useState<Rect>();
  const [keyFocus, setKeyFocus] = useState(false);
  const hintId = useId();

  const repaint = (m: Mask, rect: Rect | undefined) => {
    const ctx = canvas.current?.getContext("2d");
    if (!ctx || !rect) return;
    if (overlay.current?.width !== m.width || overlay.current.height !== m.height) overlay.current = new ImageData(m.width, m.height);
    paintOverlay(m, overlay.current.data, rect, TINT, OPACITY);
    ctx.putImageData(overlay.current, 0, 0, rect.x, rect.y, rect.width, rect.height);
  };

  useEffect(() => {
    if (mask) repaint(mask, { x: 0, y: 0, width: mask.width, height: mask.height });
  }, [mask]);

  if (!mask) return null;
  const radius = brushSize / 2;
  const value = erasing ? 0 : MASKED;
  const pointAt = (e: { clientX: number; clientY: number }, target: HTMLCanvasElement) =>
    toMaskPoint(e.clientX, e.clientY, target.getBoundingClientRect(), mask);

  const down = (e: PointerEvent<HTMLCanvasElement>) => {
    if (e.pointerType === "mouse" && e.button !== 0) return;
    e.preventDefault();
    e.currentTarget.setPointerCapture(e.pointerId);
    const working = { ...mask, data: mask.data.slice() };
    const p = pointAt(e, e.currentTarget);
    stroke.current = { pointerId: e.pointerId, mask: working, last: p };
    repaint(working, stampDisc(working, p.x, p.y, radius, value));
  };
  const move = (e: PointerEvent<HTMLCanvasElement>) => {
    const s = stroke.current;
    if (!s || s.pointerId !== e.pointerId) return;
    // coalesced events keep a fast stroke's curve instead of joining frame-rate samples with straight lines
    for (const ev of e.nativeEvent.getCoalescedEvents?.() ?? [e.nativeEvent]) {
      const p = pointAt(ev, e.currentTarget);
      repaint(s.mask, paintStroke(s.mask, s.last, p, radius, value));
      s.last = p;
    }
  };
  const end = (e: PointerEvent<HTMLCanvasElement>) => {
    const s = stroke.current;
    if (!s || s.pointerId !== e.pointerId) return;
    stroke.current = null;
    setMask(s.mask);
  };

  // the keyboard's way to paint: a rectangle over the mask, moved and sized with arrows, filled with Enter
  // a rectangle from an earlier, larger source starts afresh
  const rect = keyRect && keyRect.x + keyRect.width <= mask.width && keyRect.y + keyRect.height <= mask.height ? keyRect : startRect(mask);
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      const working = { ...mask, data: mask.data.slice() };
      if (fillRect(working, rect, value)) setMask(working);
      return;
    }
    const next = arrowRect(rect, e.key, e.shiftKey, keyStep(mask), mask);
    if (!next) return;
    e.preventDefault();
    setKeyRect(next);
  };
  const percent = (v: number, of: number) => `${(100 * v) / of}%`;

  return (
    <>
      <canvas
        ref={canvas}
        className="mask-canvas"
        width={mask.width}
        height={mask.height}
        role="img"
        aria-label="Inpainting mask"
        title={erasing ? "Drag to erase the mask" : "Drag to paint the area to regenerate"}
        onPointerDown={down}
        onPointerMove={move}
        onPointerUp={end}
        onPointerCancel={end}
      />
      <div
        className="mask-keys"
        tabIndex={0}
        role="application"
        aria-label={`Mask rectangle at ${rect.x}, ${rect.y}, ${rect.width}×${rect.height} px`}
        aria-describedby={hintId}
        onKeyDown={onKeyDown}
        onFocus={() => setKeyFocus(true)}
        onBlur={() => setKeyFocus(false)}
      >
        {keyFocus && (
          <div
            className={erasing ? "mask-rect erasing" : "mask-rect"}
            style={{
              left: percent(rect.x, mask.width),
              top: percent(rect.y, mask.height),
              width: percent(rect.width, mask.width),
              height: percent(rect.height, mask.height),
            }}
          />
        )}
        <span id={hintId} className="visually-hidden">
          Arrow keys move the rectangle, Shift with arrow keys resizes it, Enter {erasing ? "erases" : "paints"} it.
        </span>
      </div>
    </>
  );
}

/** Brush size, eraser, clear and invert for the mask. */
export function BrushTools() {
  const sizeId = useId();
  const brushSize = useApp((s) => s.brushSize);
  const erasing = useApp((s) => s.erasing);
  const setBrushSize = useApp((s) => s.setBrushSize);
  const setErasing = useApp((s) => s.setErasing);
  const clearMask = useApp((s) => s.clearMask);
  const invertMask = useApp((s) => s.invertMask);
  return (
    <div className="brush-tools">
      <div className="field">
        <label htmlFor={sizeId}>Brush size</label>
        <span className="slider">
          <input id={sizeId} type="range" min={1} max={MAX_BRUSH} value={brushSize} onChange={(e) => setBrushSize(Number(e.target.value))} />
          <output htmlFor={sizeId}>{brushSize} px</output>
        </span>
      </div>
      <p className="hint">
        Without a mouse: Tab to the image, move the rectangle with the arrow keys, size it with Shift+arrows, press Enter to paint it.
      </p>
      <div className="actions">
        <button type="button" aria-pressed={erasing} onClick={() => setErasing(!erasing)} title="Paint to remove parts of the mask">
          Eraser
        </button>
        <button type="button" onClick={clearMask}>
          Clear mask
        </button>
        <button type="button" onClick={invertMask} title="Regenerate everything except what is painted">
          Invert mask
        </button>
      </div>
    </div>
  );
}
