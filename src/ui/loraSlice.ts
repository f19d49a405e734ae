import { errorMessage } from "../errors";
import type { LoraChoice, LoraInfo } from "../protocol";
import type { SliceCreator, StoreDeps } from "./store";

/** A stored LoRA as the panel shows it: whether it is applied, and how strongly. */
export interface LoraEntry extends LoraInfo {
  active: boolean;
  strength: number;
}

export interface LoraSlice {
  loras: LoraEntry[];
  /** What the last add or remove could not do. */
  loraError?: string;
  /** The name or URL being added. */
  addingLora?: string;
  /** Keys the engine could not apply, from the last load with LoRAs. */
  loraWarnings: string[];
  refreshLoras(): Promise<void>;
  addLoraFile(file: { name: string; arrayBuffer(): Promise<ArrayBuffer> }): Promise<void>;
  addLoraUrl(url: string): Promise<void>;
  removeLora(name: string): Promise<void>;
  setLora(name: string, change: Partial<Pick<LoraEntry, "active" | "strength">>): void;
  showLoraWarnings(warnings: string[]): void;
}

export const DEFAULT_LORA_STRENGTH = 1;

/** The LoRAs a job applies: the active ones with a strength other than 0. */
export function activeLoras(loras: readonly LoraEntry[]): LoraChoice[] {
  return loras.filter((l) => l.active && l.strength !== 0).map((l) => ({ name: l.name, strength: l.strength }));
}

export const createLoraSlice =
  (deps: StoreDeps): SliceCreator<LoraSlice> =>
  (set, get) => {
    /** The worker's list, keeping the user's choices for LoRAs still there; a newly added one starts active. */
    const merge = (infos: LoraInfo[], added?: string) =>
      set((s) => ({
        loras: infos.map((info) => {
          const old = s.loras.find((l) => l.name === info.name);
          return { ...info, active: old?.active ?? info.name === added, strength: old?.strength ?? DEFAULT_LORA_STRENGTH };
        }),
      }));

    async function run(label: string, action: Parameters<StoreDeps["engine"]["loras"]>[0], added?: string) {
      set({ addingLora: label, loraError: undefined });
      try {
        merge(await deps.engine.loras(action), added);
      } catch (err) {
        set({ loraError: errorMessage(err) });
      } finally {
        set({ addingLora: undefined });
      }
    }

    return {
      loras: [],
      loraWarnings: [],
      refreshLoras: async () => {
        try {
          merge(await deps.engine.loras({ op: "list" }));
        } catch (err) {
          set({ loraError: errorMessage(err) });
        }
      },
      async addLoraFile(file) {
        const name = file.name.replace(/\.safetensors$/i, "");
        if (!/\.safetensors$/i.test(file.name)) {
          set({ loraError: `${file.name} is not a .safetensors file; LoRAs are added as .safetensors (kohya/A1111 or diffusers).` });
          return;
        }
        await run(name, { op: "add", name, data: new Uint8Array(await file.arrayBuffer()) }, name);
      },
      async addLoraUrl(url) {
        const trimmed = url.trim();
        if (!/^https?:\/\/\S+\.safetensors(\?\S*)?$/i.test(trimmed)) {
          set({ loraError: `"${url}" is not the address of a .safetensors file (https://…/name.safetensors).` });
          return;
        }
        const name = decodeURIComponent(trimmed.split("?")[0].split("/").pop() ?? "").replace(/\.safetensors$/i, "");
        await run(name, { op: "addUrl", url: trimmed }, name);
      },
      removeLora: (name) => run(name, { op: "remove", name }),
      setLora: (name, change) => set((s) => ({ loras: s.loras.map((l) => (l.name === name ? { ...l, ...change } : l)) })),
      showLoraWarnings: (warnings) => (warnings.join("\n") === get().loraWarnings.join("\n") ? undefined : set({ loraWarnings: warnings })),
    };
  };
