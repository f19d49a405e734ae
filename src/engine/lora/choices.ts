/**
 * Which LoRAs a job applies: the ones chosen in the LoRA panel, and the prompt's `<lora:name:…>` tags read as
 * A1111's extensions-builtin/Lora/extra_networks_lora.py reads them — `<lora:name>` (1.0), `<lora:name:te>`,
 * `<lora:name:te:unet>`, or `te=` / `unet=` named; the U-Net's multiplier defaults to the text encoder's.
 * A LoRA named by a tag is applied as the tag says, not also at its panel strength.
 */
import { InvalidParamsError } from "../../errors";
import type { LoraChoice } from "../../protocol";
import { parseExtraNetworks } from "../prompt/extraNetworks";

export interface LoraUse {
  name: string;
  strength: number;
  unetStrength?: number;
  /** From a prompt tag (the prompt already names it) rather than the panel. */
  fromPrompt: boolean;
}

function multiplier(text: string | undefined, fallback: number, tag: string): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value)) {
    throw new InvalidParamsError(`The prompt tag ${tag} has "${text}" where a strength (a number such as 0.8) belongs.`, { field: "prompt" });
  }
  return value;
}

export function loraUses(panel: readonly LoraChoice[], prompt: string): LoraUse[] {
  const tagged: LoraUse[] = [];
  for (const tag of parseExtraNetworks(prompt).tags) {
    if (tag.network !== "lora") continue;
    const text = `<lora:${tag.items.join(":")}>`;
    const name = tag.items[0];
    const te = multiplier(tag.named.te, multiplier(tag.positional[1], 1, text), text);
    const unet = multiplier(tag.named.unet, multiplier(tag.positional[2], te, text), text);
    tagged.push({ name, strength: te, ...(unet !== te ? { unetStrength: unet } : {}), fromPrompt: true });
  }
  const named = new Set(tagged.map((t) => t.name));
  const fromPanel = panel.filter((c) => !named.has(c.name)).map((c) => ({ name: c.name, strength: c.strength, fromPrompt: false }));
  return [...fromPanel, ...tagged];
}

/**
 * The prompt for the PNG's parameters: as typed, with a tag for each panel LoRA, as A1111 appends one for
 * its `sd_lora` setting, so the image round-trips through A1111 and this app alike.
 */
export function promptWithLoraTags(prompt: string, uses: readonly LoraUse[]): string {
  const tags = uses.filter((u) => !u.fromPrompt).map((u) => `<lora:${u.name}:${u.strength}>`);
  return tags.length === 0 ? prompt : `${prompt}${prompt === "" ? "" : " "}${tags.join(" ")}`;
}

/** A1111's `Lora hashes` value: `alias: hash` pairs, with ':' and ',' taken out of the alias. */
export function loraHashesText(entries: readonly { name: string; hash: string }[]): string {
  return entries.map((e) => `${e.name.replace(/[:,]/g, "")}: ${e.hash}`).join(", ");
}
