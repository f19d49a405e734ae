/**
 * CLIP tokenizers as transformers' `CLIPTokenizer` builds them from a repo's own files. Most Stable Diffusion
 * exports ship `vocab.json` + `merges.txt` and no `tokenizer.json`; transformers then assembles a byte-level
 * BPE pipeline itself (transformers 5.x, models/clip/tokenization_clip.py) and adds the special tokens that
 * `tokenizer_config.json` / `special_tokens_map.json` name as added tokens. That last step matters: SD 2.x and
 * SDXL's second tokenizer pad with "!", so a "!" in a prompt is matched as the added token (id 0), not as the
 * vocabulary's "!</w>" (id 256). The objects built here are tokenizer.json documents for @huggingface/tokenizers.
 */

type Json = Record<string, unknown>;

export interface SpecialToken {
  content: string;
  /** Matched after normalisation (lower-casing); transformers' default for tokens given as plain strings is false. */
  normalized: boolean;
}

const SPECIAL_KEYS = ["bos_token", "eos_token", "unk_token", "pad_token"] as const;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function specialToken(v: unknown): SpecialToken | undefined {
  if (typeof v === "string") return { content: v, normalized: false };
  if (isObject(v) && typeof v.content === "string") return { content: v.content, normalized: v.normalized === true };
  return undefined;
}

/**
 * The special tokens a tokenizer_config.json names, completed by special_tokens_map.json (transformers lets the
 * config's values stand and takes the rest from the map).
 */
export function specialTokensOf(config: unknown, specialTokensMap?: unknown): Partial<Record<(typeof SPECIAL_KEYS)[number], SpecialToken>> {
  const out: Partial<Record<(typeof SPECIAL_KEYS)[number], SpecialToken>> = {};
  for (const key of SPECIAL_KEYS) {
    const token =
      specialToken(isObject(config) ? config[key] : undefined) ?? specialToken(isObject(specialTokensMap) ? specialTokensMap[key] : undefined);
    if (token) out[key] = token;
  }
  return out;
}

/** CLIP's defaults, which CLIPTokenizer uses for tokens the configs leave out. */
const CLIP_DEFAULTS = {
  bos_token: { content: "<|startoftext|>", normalized: false },
  eos_token: { content: "<|endoftext|>", normalized: false },
  unk_token: { content: "<|endoftext|>", normalized: false },
  pad_token: { content: "<|endoftext|>", normalized: false },
} as const;

/** Text split as CLIP's own tokenizer does: its special tokens, contractions, runs of letters, single digits, runs of the rest. */
const CLIP_SPLIT = String.raw`<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+`;

/**
 * A tokenizer.json for a CLIP BPE vocabulary (`vocab.json`) and its `merges.txt`, with the pipeline transformers'
 * CLIPTokenizer builds: NFC, whitespace runs to one space, lower case; CLIP's split, byte-level; BPE with "</w>" word
 * ends; start and end tokens around the ids.
 */
export function clipTokenizerJson(vocab: Record<string, number>, mergesTxt: string, config?: unknown, specialTokensMap?: unknown): Json {
  const merges = mergesTxt
    .split("\n")
    .filter((line, i) => line.trim() !== "" && !(i === 0 && line.startsWith("#version")))
    .map((line) => line.trim().split(" "));
  const specials = { ...CLIP_DEFAULTS, ...specialTokensOf(config, specialTokensMap) };
  const idOf = (token: string): number => {
    const id = vocab[token];
    if (id === undefined) throw new RangeError(`The tokenizer's special token "${token}" is not in its vocab.json.`);
    return id;
  };
  const json: Json = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: {
      type: "Sequence",
      normalizers: [{ type: "NFC" }, { type: "Replace", pattern: { Regex: String.raw`\s+` }, content: " " }, { type: "Lowercase" }],
    },
    pre_tokenizer: {
      type: "Sequence",
      pretokenizers: [
        { type: "Split", pattern: { Regex: CLIP_SPLIT }, behavior: "Removed", invert: true },
        { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
      ],
    },
    post_processor: {
      type: "RobertaProcessing",
      sep: [specials.eos_token.content, idOf(specials.eos_token.content)],
      cls: [specials.bos_token.content, idOf(specials.bos_token.content)],
      trim_offsets: false,
      add_prefix_space: false,
    },
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: specials.unk_token.content,
      continuing_subword_prefix: "",
      end_of_word_suffix: "</w>",
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
  return withSpecialTokens(json, Object.values(specials));
}

/**
 * A tokenizer.json with special tokens added as transformers adds them on load: each one not yet an added token
 * becomes one, with its vocabulary id (or the next free id, as transformers gives a new token).
 */
export function withSpecialTokens(tokenizerJson: Json, specials: readonly SpecialToken[]): Json {
  const added = Array.isArray(tokenizerJson.added_tokens) ? (tokenizerJson.added_tokens as Json[]) : [];
  const model = isObject(tokenizerJson.model) ? tokenizerJson.model : {};
  const vocab = isObject(model.vocab) ? (model.vocab as Record<string, number>) : {};
  const next = [...Object.values(vocab), ...added.map((t) => Number(t.id))].reduce((a, b) => Math.max(a, b), -1) + 1;
  const extra: Json[] = [];
  for (const token of specials) {
    if ([...added, ...extra].some((t) => t.content === token.content)) continue;
    extra.push({
      id: vocab[token.content] ?? next + extra.length,
      content: token.content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: token.normalized,
      special: true,
    });
  }
  return extra.length === 0 ? tokenizerJson : { ...tokenizerJson, added_tokens: [...added, ...extra] };
}
