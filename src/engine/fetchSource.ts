import { errorMessage, ModelLoadError } from "../errors";
import type { ModelSource } from "./loadModel";

/** Reads a model's files over HTTP from the folder `base` (the app's own public/models in the default case). */
export function fetchSource(base: string): ModelSource {
  return {
    async read(path) {
      const url = `${base.replace(/\/$/, "")}/${path}`;
      let res: Response;
      try {
        res = await fetch(url);
      } catch (err) {
        throw new ModelLoadError(`Could not fetch ${url}: ${errorMessage(err)}. Are you offline?`, { file: path });
      }
      if (!res.ok) {
        throw new ModelLoadError(`Fetching ${url} failed with HTTP ${res.status} ${res.statusText}.`, { file: path, status: res.status });
      }
      return new Uint8Array(await res.arrayBuffer());
    },
  };
}
