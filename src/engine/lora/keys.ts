/**
 * A LoRA file's tensors grouped into the modules they change. Two key families are read:
 *
 * - kohya / AUTOMATIC1111: `lora_unet_<path with _>.lora_down.weight`, `.lora_up.weight`, `.alpha`; text encoders
 *   `lora_te_` (SD), `lora_te1_` / `lora_te2_` (SDXL). The path's dots became underscores, so it is matched
 *   against the model's module paths written the same way (patch.ts); SDXL U-Net paths in sgm's layout
 *   (`input_blocks_4_1_…`) are rewritten to diffusers' first (sgmKeys.ts).
 * - diffusers / PEFT: `unet.<path>.lora_A.weight` / `.lora_B.weight` (`text_encoder.`, `text_encoder_2.`), with
 *   diffusers' older `.lora.down.weight` / `.lora.up.weight`, `.lora_linear_layer.down/up` and
 *   `.processor.to_q_lora.down/up` spellings; alpha from a `.alpha` tensor or from the `lora_adapter_metadata`
 *   diffusers writes (PEFT's lora_alpha / r, alpha_pattern, rank_pattern).
 *
 * scale = alpha / rank (no alpha: 1, PEFT's and kohya's default alpha = rank), times the user's strength later.
 */
import { LoraError } from "../../errors";
import { tensorToFloat32, type SafetensorsFile, type SafetensorsTensor } from "./safetensors";

export type LoraPart = "unet" | "text_encoder" | "text_encoder_2";

export interface LoraModule {
  part: LoraPart;
  /** The module's path: dotted (diffusers, `down_blocks.0.attentions.0…to_q`) or with underscores (kohya). */
  path: string;
  underscored: boolean;
  /**
   * `down` is [rank, in, (kh, kw)], `up` is [out, rank, (1, 1)]; views into the file, widened to float32 one
   * module at a time while patching so a half-precision LoRA is never held twice.
   */
  down: SafetensorsTensor;
  up: SafetensorsTensor;
  rank: number;
  /** alpha / rank. */
  scale: number;
  /** The key prefix the file uses, for messages. */
  key: string;
}

export interface ParsedLora {
  modules: LoraModule[];
  /** Keys that belong to no module this app can apply (LoHa, LoKr, DoRA, norms, embeddings…). */
  unknown: string[];
}

const KOHYA_PARTS: [string, LoraPart][] = [
  ["lora_unet_", "unet"],
  ["lora_te1_", "text_encoder"],
  ["lora_te2_", "text_encoder_2"],
  ["lora_te_", "text_encoder"],
];
const DIFFUSERS_PARTS: [string, LoraPart][] = [
  ["unet.", "unet"],
  ["text_encoder_2.", "text_encoder_2"],
  ["text_encoder.", "text_encoder"],
];

/** Suffixes of a module's down / up weights, and which spelling they belong to. */
const ROLES: { suffix: RegExp; role: "down" | "up" | "alpha" }[] = [
  { suffix: /\.lora_down\.weight$/, role: "down" },
  { suffix: /\.lora_up\.weight$/, role: "up" },
  { suffix: /\.lora_A(?:\.default)?\.weight$/, role: "down" },
  { suffix: /\.lora_B(?:\.default)?\.weight$/, role: "up" },
  { suffix: /\.lora(?:_linear_layer)?\.down\.weight$/, role: "down" },
  { suffix: /\.lora(?:_linear_layer)?\.up\.weight$/, role: "up" },
  { suffix: /\.alpha$/, role: "alpha" },
];

interface Group {
  part: LoraPart;
  path: string;
  underscored: boolean;
  down?: string;
  up?: string;
  alpha?: string;
}

/** `…attn1.processor.to_q_lora` (diffusers' attention-processor LoRAs) → `…attn1.to_q`. */
function processorPath(path: string): string {
  return path.replace(/\.processor\.(to_q|to_k|to_v|to_out)_lora$/, (_, m: string) => `.${m === "to_out" ? "to_out.0" : m}`);
}

function locate(key: string): { part: LoraPart; path: string; underscored: boolean; role: "down" | "up" | "alpha" } | undefined {
  const role = ROLES.find((r) => r.suffix.test(key));
  if (!role) return undefined;
  const base = key.replace(role.suffix, "");
  for (const [prefix, part] of KOHYA_PARTS) {
    if (base.startsWith(prefix) && !base.includes(".")) return { part, path: base.slice(prefix.length), underscored: true, role: role.role };
  }
  for (const [prefix, part] of DIFFUSERS_PARTS) {
    if (base.startsWith(prefix)) return { part, path: processorPath(base.slice(prefix.length)), underscored: false, role: role.role };
  }
  // the oldest diffusers LoRAs were U-Net-only attention processors without a prefix
  if (/^(down_blocks|mid_block|up_blocks)\./.test(base)) return { part: "unet", path: processorPath(base), underscored: false, role: role.role };
  return undefined;
}

interface AdapterConfig {
  r?: number;
  lora_alpha?: number;
  rank_pattern?: Record<string, number>;
  alpha_pattern?: Record<string, number>;
  use_rslora?: boolean;
}

/** diffusers' `lora_adapter_metadata`: PEFT LoraConfig fields under `unet.` / `text_encoder.` prefixes. */
function adapterConfigs(metadata: Record<string, string>): Partial<Record<LoraPart, AdapterConfig>> {
  const raw = metadata.lora_adapter_metadata;
  if (!raw) return {};
  let flat: Record<string, unknown>;
  try {
    flat = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return {};
  }
  const configs: Partial<Record<LoraPart, AdapterConfig>> = {};
  for (const [key, value] of Object.entries(flat)) {
    const [, part, field] = /^(unet|text_encoder|text_encoder_2)\.(.+)$/.exec(key) ?? [];
    if (!part) continue;
    ((configs[part as LoraPart] ??= {}) as Record<string, unknown>)[field] = value;
  }
  return configs;
}

/** PEFT's pattern lookup: a pattern key matches a module whose path ends with it at a dot. */
function patternValue(patterns: Record<string, number> | undefined, path: string): number | undefined {
  for (const [pattern, value] of Object.entries(patterns ?? {})) {
    if (path === pattern || path.endsWith(`.${pattern}`)) return value;
  }
  return undefined;
}

export function parseLora(file: SafetensorsFile, fileName: string): ParsedLora {
  const groups = new Map<string, Group>();
  const unknown: string[] = [];
  for (const key of file.tensors.keys()) {
    const at = locate(key);
    if (!at) {
      unknown.push(key);
      continue;
    }
    const id = `${at.part}|${at.path}`;
    const group = groups.get(id) ?? { part: at.part, path: at.path, underscored: at.underscored };
    group[at.role] = key;
    groups.set(id, group);
  }
  const configs = adapterConfigs(file.metadata);
  const modules: LoraModule[] = [];
  for (const g of groups.values()) {
    if (!g.down || !g.up) {
      unknown.push(...[g.down, g.up, g.alpha].filter((k): k is string => k !== undefined));
      continue;
    }
    const down = file.tensors.get(g.down)!;
    const up = file.tensors.get(g.up)!;
    const rank = down.shape[0];
    if (![2, 4].includes(down.shape.length) || ![2, 4].includes(up.shape.length) || up.shape[1] !== rank) {
      throw new LoraError(
        `${fileName}: ${g.down} ${JSON.stringify(down.shape)} and ${g.up} ${JSON.stringify(up.shape)} are not a LoRA pair ` +
          `(down is [rank, in], up is [out, rank], 4-D for convolutions).`,
        { file: fileName, key: g.down },
      );
    }
    const config = configs[g.part];
    let scale = 1;
    if (g.alpha) scale = tensorToFloat32(file.tensors.get(g.alpha)!, fileName)[0] / rank;
    else if (config) {
      const r = patternValue(config.rank_pattern, g.path) ?? config.r ?? rank;
      const a = patternValue(config.alpha_pattern, g.path) ?? config.lora_alpha ?? r;
      // PEFT's LoraLayer.update_layer: lora_alpha / sqrt(r) with use_rslora, else lora_alpha / r
      scale = config.use_rslora ? a / Math.sqrt(r) : a / r;
    }
    modules.push({
      part: g.part,
      path: g.path,
      underscored: g.underscored,
      down,
      up,
      rank,
      scale,
      key: g.down.replace(ROLES.find((r) => r.suffix.test(g.down!))!.suffix, ""),
    });
  }
  return { modules, unknown };
}
