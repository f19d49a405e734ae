/**
 * Test support for the twins (tools/twins/): a catalog entry's files read from its twin on disk, found by the URLs
 * the catalog would download (`{hub}/{repo}/resolve/{revision}/{path}` → twins/{repo}/{path}), so the entry's paths
 * and file overrides are used as shipped. Node only.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ModelSource } from "../engine/loadModel";
import { hubDownloads, type HubCatalogEntry } from "../hub/hubModel";

export const TWINS = join(__dirname, "__fixtures__/twins");
const HUB = "https://twins.invalid";

export function twinSource(entry: HubCatalogEntry, variantId: string): ModelSource {
  const files = new Map(
    hubDownloads(entry, variantId, HUB).map((d) => {
      // custom models keep the hub they were found on, so match the path whatever the host
      const m = /^https?:\/\/[^/]+\/([^/]+\/[^/]+)\/resolve\/[^/]+\/(.+)$/.exec(d.url);
      if (!m) throw new Error(`unexpected URL ${d.url}`);
      return [d.path, join(TWINS, m[1], decodeURIComponent(m[2]))];
    }),
  );
  const locate = async (path: string) => {
    const file = files.get(path);
    if (!file) throw new Error(`${path} is not a file of ${entry.manifest.id}`);
    return file;
  };
  return { read: async (path) => new Uint8Array(await readFile(await locate(path))), locate };
}
