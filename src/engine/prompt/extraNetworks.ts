import { PY_WORD } from "./pythonText";

/**
 * One `<network:arg1:arg2…>` tag, e.g. `<lora:detail:0.8>`, read as A1111's ExtraNetworkParams reads it:
 * every argument in `items`; arguments with exactly one "=" (`te=0.5`) in `named`, the others in `positional`.
 */
export interface ExtraNetworkTag {
  network: string;
  items: string[];
  positional: string[];
  named: Record<string, string>;
}

/** A1111's `re_extra_net`: `<(\w+):([^>]+)>`. */
const TAG = new RegExp(`<(${PY_WORD}+):([^>]+)>`, "gu");

/**
 * A1111's `extra_networks.parse_prompt`: removes every extra-network tag from the prompt (leaving the text
 * around it as it was) and returns the tags in prompt order. A1111 groups them by network name; group with
 * `tags.filter((t) => t.network === "lora")`.
 */
export function parseExtraNetworks(prompt: string): { text: string; tags: ExtraNetworkTag[] } {
  const tags: ExtraNetworkTag[] = [];
  const text = prompt.replace(TAG, (_whole, network: string, args: string) => {
    tags.push(tag(network, args.split(":")));
    return "";
  });
  return { text, tags };
}

function tag(network: string, items: string[]): ExtraNetworkTag {
  const positional: string[] = [];
  const named: Record<string, string> = {};
  for (const item of items) {
    // Python's item.split("=", 2) names an argument only when it yields exactly two parts
    const parts = item.split("=");
    if (parts.length === 2) named[parts[0]] = parts[1];
    else positional.push(item);
  }
  return { network, items, positional, named };
}
