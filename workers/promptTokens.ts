/**
 * Answers the prompt help: the target model's first tokenizer (the one every SD and SDXL prompt passes through
 * first), read from the model's own files and kept for the next keystroke. No sessions are needed for this,
 * so it runs beside generations.
 */
import type { ModelSource } from "../src/engine/loadModel";
import { countPromptTokens } from "../src/engine/prompt/tokenCount";
import { loadPromptTokenizer, type PromptTokenizer } from "../src/engine/tokenizer";
import type { ModelManifest } from "../src/manifest";
import { DEFAULT_PROMPT_SYNTAX, type PromptSyntax } from "../src/params";
import type { ModelTarget, PromptTokens } from "../src/protocol";

export function createPromptInspector(
  sourceFor: (target: ModelTarget) => Promise<ModelSource>,
  readManifest: (source: ModelSource) => Promise<ModelManifest>,
): (target: ModelTarget, text: string, syntax?: PromptSyntax, chunked?: boolean) => Promise<PromptTokens> {
  const tokenizers = new Map<string, Promise<PromptTokenizer>>();
  const decoder = new TextDecoder();

  async function load(target: ModelTarget): Promise<PromptTokenizer> {
    const source = await sourceFor(target);
    const text = async (path: string) => decoder.decode(await source.read(path));
    return loadPromptTokenizer((await readManifest(source)).tokenizer, { text, json: async (path) => JSON.parse(await text(path)) as unknown });
  }

  /**
   * `chunked`: the model's U-Net is known to take any number of 77-token chunks (its sessions are loaded and the
   * axis is dynamic). Only then does A1111's syntax keep a long prompt whole; a fixed 77 (the built-in models), or
   * a model not loaded yet, cuts it as plain prompts are cut.
   */
  return async (target, text, syntax = DEFAULT_PROMPT_SYNTAX, chunked = false) => {
    const key = `${target.modelId}|${target.modelBase}`;
    let tokenizer = tokenizers.get(key);
    if (!tokenizer) {
      tokenizer = load(target);
      // a model not stored yet may be stored later: try again next time
      tokenizer.catch(() => tokenizers.delete(key));
      tokenizers.set(key, tokenizer);
    }
    const report = (await tokenizer).inspect(text);
    if (syntax === "plain" || !chunked) return report;
    // A1111's counter ("80/150"): the room of whole chunks, nothing cut
    const { tokens, capacity } = countPromptTokens(text, await tokenizer, syntax);
    const { ignored: _, ...rest } = report;
    return { ...rest, count: tokens, limit: capacity };
  };
}
