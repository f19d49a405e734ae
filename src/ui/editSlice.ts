import { DEFAULT_MASK_BLUR, DEFAULT_OUTPAINT_SEAM, DEFAULT_TILING, type GenerateParams } from "../params";
import type { RgbaImageMessage, VaeTilingMessage } from "../protocol";
import { NO_MARGINS, sizeForSource, type EditMode, type Margins, type SourceImage } from "./editing";
import { emptyMask, invertMask, type Mask } from "./maskPaint";
import { decodeImageFile, SourceImageError } from "./sourceImage";
import type { SliceCreator, StoreDeps } from "./store";

export interface EditSlice {
  mode: EditMode;
  source?: SourceImage;
  /** Why the last image the user gave could not be used. */
  sourceError?: string;
  fit: "crop" | "pad";
  /** Inpainting mask over the source, one byte per source pixel. */
  mask?: Mask;
  /** Brush diameter in source pixels. */
  brushSize: number;
  erasing: boolean;
  maskBlur: number;
  outpaint: Margins;
  outpaintSeam: number;
  tiling: VaeTilingMessage;
  setMode(mode: EditMode): void;
  /** Makes `image` the source: a fresh mask, and the generation size set from it. */
  setSource(name: string, image: RgbaImageMessage): void;
  /** Decodes a picked or dropped file into the source; false (and `sourceError` says why) when it cannot be used. */
  loadSource(file: Blob, name: string): Promise<boolean>;
  /** A finished image becomes the img2img source, with its prompts. */
  sendToImg2img(png: Blob, name: string, params: GenerateParams): Promise<void>;
  setFit(fit: "crop" | "pad"): void;
  setMask(mask: Mask): void;
  clearMask(): void;
  invertMask(): void;
  setBrushSize(px: number): void;
  setErasing(on: boolean): void;
  setMaskBlur(px: number): void;
  setMargin(side: keyof Margins, px: number): void;
  setOutpaintSeam(px: number): void;
  setTiling(patch: Partial<VaeTilingMessage>): void;
}

export const DEFAULT_BRUSH = 16;

export const createEditSlice =
  (deps: StoreDeps): SliceCreator<EditSlice> =>
  (set, get) => {
    const decode = deps.decodeImage ?? decodeImageFile;
    // Only the newest file may become the source; an older, slower decode would replace the user's latest pick.
    let loadSeq = 0;

    return {
      mode: "txt2img",
      fit: "crop",
      brushSize: DEFAULT_BRUSH,
      erasing: false,
      maskBlur: DEFAULT_MASK_BLUR,
      outpaint: NO_MARGINS,
      outpaintSeam: DEFAULT_OUTPAINT_SEAM,
      tiling: DEFAULT_TILING,

      setMode: (mode) => set({ mode, formProblems: [] }),
      setSource(name, image) {
        const sizes = get().manifest?.sizes;
        const size = sizes ? sizeForSource(image.width, image.height, sizes) : {};
        set((s) => ({
          source: { name, image },
          sourceError: undefined,
          mask: emptyMask(image.width, image.height),
          params: { ...s.params, ...size },
          formProblems: [],
        }));
      },
      async loadSource(file, name) {
        const seq = ++loadSeq;
        try {
          const image = await decode(file, name);
          if (seq === loadSeq) get().setSource(name, image);
          return seq === loadSeq;
        } catch (err) {
          if (!(err instanceof SourceImageError)) console.error("Decoding a source image failed.", err);
          const message = err instanceof SourceImageError ? err.message : `“${name}” could not be opened as an image.`;
          if (seq === loadSeq) set({ sourceError: message });
          return false;
        }
      },
      async sendToImg2img(png, name, params) {
        if (!(await get().loadSource(png, name))) return;
        set((s) => ({ mode: "img2img", params: { ...s.params, prompt: params.prompt, negativePrompt: params.negativePrompt } }));
      },
      setFit: (fit) => set({ fit }),
      setMask: (mask) => set({ mask, formProblems: [] }),
      clearMask: () => set((s) => (s.mask ? { mask: emptyMask(s.mask.width, s.mask.height) } : {})),
      invertMask: () => set((s) => (s.mask ? { mask: invertMask(s.mask), formProblems: [] } : {})),
      setBrushSize: (px) => set({ brushSize: px }),
      setErasing: (on) => set({ erasing: on }),
      setMaskBlur: (px) => set({ maskBlur: px, formProblems: [] }),
      setMargin: (side, px) => set((s) => ({ outpaint: { ...s.outpaint, [side]: px }, formProblems: [] })),
      setOutpaintSeam: (px) => set({ outpaintSeam: px, formProblems: [] }),
      setTiling: (patch) => set((s) => ({ tiling: { ...s.tiling, ...patch }, formProblems: [] })),
    };
  };
