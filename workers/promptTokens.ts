/**
 * Answers the prompt help: the target model's first tokenizer (the one every SD and SDXL prompt passes through
 * first), read from the model's own files and kept for the next keystroke. No sessions are needed for this,
 * so it runs beside generations.
 */
import type { ModelSource } from "../src/engine/loadModel";
import { loadPromptTokenizer, type PromptTokenizer } from "../src/engine/tokenizer";
import type { ModelManifest } from "../src/manifest";
import type { ModelTarget, PromptTokens } from "../src/protocol";

export function createPromptInspector(
  sourceFor: (target: ModelTarget) => Promise<ModelSource>,
  readManifest: (source: ModelSource) => Promise<ModelManifest>,
): (target: ModelTarget, text: string) => Promise<PromptTokens> {
  const tokenizers = new Map<string, Promise<PromptTokenizer>>();
  const decoder = new TextDecoder();

  async function load(target: ModelTarget): Promise<PromptTokenizer> {
    const source = await sourceFor(target);
    const text = async (path: string) => decoder.decode(await source.read(path));
    return loadPromptTokenizer((await readManifest(source)).tokenizer, { text, json: async (path) => JSON.parse(await text(path)) as unknown });
  }

  return async (target, text) => {
    const key = `${target.modelId}|${target.modelBase}`;
    let tokenizer = tokenizers.get(key);
    if (!tokenizer) {
      tokenizer = load(target);
      // a model not stored yet may be stored later: try again next time
      tokenizer.catch(() => tokenizers.delete(key));
      tokenizers.set(key, tokenizer);
    }
    return (await tokenizer).inspect(text);
  };
}
