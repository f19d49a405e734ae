/**
 * "PNG info": turns the A1111-style parameters in any PNG (ours, AUTOMATIC1111's, Forge's, Fooocus's in the
 * A1111 scheme) into form settings, and every way that can fail into one sentence for the user.
 */
import { SAMPLER_NAMES, type GenerateParams } from "../params";
import { MissingParametersError, ParametersFormatError, readGenerationInfo, type GenerationInfo } from "../png/parameters";
import { PngFormatError } from "../png/pngChunks";

export interface SettingsFromPng {
  settings: Partial<GenerateParams>;
  /** What could not be carried over, in words for the user. */
  notes: string[];
}

/** Larger files are not images this app made or could use; reading them would only hold up the page. */
export const MAX_PNG_BYTES = 64 * 1024 * 1024;

/**
 * Our sampler for A1111's "Sampler" and "Schedule type" (A1111 1.9+ writes `DPM++ 2M` + `Karras`; older
 * versions and Fooocus write `DPM++ 2M Karras` as the sampler). Undefined when we have no match.
 */
export function samplerFor(sampler: string, scheduleType?: string): string | undefined {
  const byName = new Map(SAMPLER_NAMES.map((name) => [name.toLowerCase(), name]));
  const base = sampler.trim().toLowerCase();
  const schedule = scheduleType?.trim().toLowerCase();
  if (schedule === "karras") return byName.get(`${base} karras`);
  return byName.get(base);
}

export function settingsFromInfo(info: GenerationInfo): SettingsFromPng {
  const notes: string[] = [];
  const settings: Partial<GenerateParams> = {
    prompt: info.prompt,
    negativePrompt: info.negativePrompt,
    steps: info.steps,
    guidance: info.cfgScale,
    seed: info.seed,
    width: info.width,
    height: info.height,
  };
  const sampler = samplerFor(info.sampler, info.scheduleType);
  if (sampler) settings.sampler = sampler;
  else {
    const named = info.scheduleType ? `${info.sampler} (${info.scheduleType})` : info.sampler;
    notes.push(`The sampler “${named}” is not available here, so the form keeps its own.`);
  }
  if (!Number.isSafeInteger(info.seed)) notes.push("The seed is larger than this app can reproduce exactly.");
  return { settings, notes };
}

export function settingsFromPng(bytes: Uint8Array): SettingsFromPng {
  return settingsFromInfo(readGenerationInfo(bytes));
}

/** One sentence for any failure to read settings from a file: never a stack trace, never a crash. */
export function describePngError(err: unknown): string {
  if (err instanceof MissingParametersError) return "This PNG has no generation parameters.";
  if (err instanceof PngFormatError) return err.message;
  if (err instanceof ParametersFormatError) return `This PNG's generation parameters could not be read: ${err.message}`;
  return `This file could not be read${err instanceof Error && err.message ? ` (${err.message})` : ""}.`;
}

/** Reads a dropped or chosen file; the result says either what to fill in or what went wrong. */
export async function readSettingsFile(file: Blob): Promise<{ ok: true; value: SettingsFromPng } | { ok: false; message: string }> {
  if (file.size > MAX_PNG_BYTES) {
    return { ok: false, message: `This file is too large to be a generated image (over ${MAX_PNG_BYTES / 2 ** 20} MB).` };
  }
  try {
    return { ok: true, value: settingsFromPng(new Uint8Array(await file.arrayBuffer())) };
  } catch (err) {
    return { ok: false, message: describePngError(err) };
  }
}
