import { describe, expect, it } from "vitest";
import { type ExtraNetworkTag, parseExtraNetworks } from "./extraNetworks";
import { golden } from "./goldens";

interface Params {
  items: string[];
  positional: string[];
  named: Record<string, string>;
}
interface Case {
  prompt: string;
  text: string;
  networks: [string, Params[]][];
}

/** A1111 returns a dict of lists by network name, in order of each name's first tag. */
function grouped(tags: ExtraNetworkTag[]): [string, Params[]][] {
  const groups = new Map<string, Params[]>();
  for (const { network, ...params } of tags) groups.set(network, [...(groups.get(network) ?? []), params]);
  return [...groups];
}

describe("parseExtraNetworks matches A1111's extra_networks.parse_prompt", () => {
  it.each(golden<Case[]>("extra_networks").map((c) => [JSON.stringify(c.prompt), c] as const))("%s", (_name, c) => {
    const { text, tags } = parseExtraNetworks(c.prompt);
    expect(text).toBe(c.text);
    expect(grouped(tags)).toStrictEqual(c.networks);
  });

  it("keeps the tags in prompt order", () => {
    const { tags } = parseExtraNetworks("<lora:a:1> <hypernet:h> <lora:b:0.5>");
    expect(tags.map((t) => [t.network, t.items[0]])).toStrictEqual([
      ["lora", "a"],
      ["hypernet", "h"],
      ["lora", "b"],
    ]);
  });
});
