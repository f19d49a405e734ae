/** The seed field's text as a seed: empty or −1 mean a random one (AUTOMATIC1111's convention); other text is kept for validation to judge. */
import { RANDOM_SEED } from "../params";

export function parseSeedInput(text: string): number {
  const trimmed = text.trim();
  return trimmed === "" ? RANDOM_SEED : Number(trimmed);
}

/** What the field shows for a seed: nothing (and a "random" placeholder) for −1, so typing a seed starts from empty. */
export function seedInputText(seed: number): string {
  return seed === RANDOM_SEED || Number.isNaN(seed) ? "" : String(seed);
}
