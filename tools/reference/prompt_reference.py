"""Reference answers for src/engine/prompt/, produced by AUTOMATIC1111's own prompt code.

Usage:
    /work/.venv/bin/python tools/reference/prompt_reference.py A1111_CHECKOUT [OUT_DIR]

A1111_CHECKOUT is a checkout of github.com/AUTOMATIC1111/stable-diffusion-webui (the folder holding modules/).
OUT_DIR defaults to src/engine/prompt/__fixtures__. Needs torch, transformers, lark and open_clip_torch's
bpe_simple_vocab_16e6.txt.gz (only the file: open_clip itself is not imported).

What runs unchanged from the checkout: prompt_parser.parse_prompt_attention, extra_networks.parse_prompt,
sd_hijack_clip (tokenize_line, forward, process_tokens), sd_emphasis.EmphasisOriginal, and
sd_samplers_cfg_denoiser.pad_cond (taken out of its file alone, since the rest of that file needs the whole app).
They are copied into a throwaway `modules` package beside stand-ins for what they import from the rest of the
webui: shared.opts with A1111's defaults (emphasis "Original", comma_padding_backtrack 20), devices on the CPU,
and a hijack whose embedding database knows no textual-inversion embeddings.

The committed goldens were made from A1111's files at these commits: prompt_parser.py 28bd8e14, extra_networks.py
0a277ab5, sd_hijack_clip.py 5ad03e65, sd_emphasis.py f8391b8a (the latest each had in our source index), with
torch 2.13.0 (CPU), transformers 5.18.0, tokenizers 0.23.2, lark 1.3.1.

The tokenizer is transformers' CLIPTokenizer (as A1111 uses for SD 1.x) over the real CLIP vocabulary, which
the script rebuilds from open_clip's BPE file the way OpenAI's CLIP SimpleTokenizer does; its tokenizer.json
is written gzipped beside the goldens so the TypeScript test tokenizes with the same vocabulary.

Outputs in OUT_DIR:
  attention.json      prompt -> parse_prompt_attention's [[text, weight], ...] (or the error it raises)
  extra_networks.json prompt -> parse_prompt's remaining text and tags, grouped by network name as A1111 groups them,
                      and parse_prompt_attention of the remaining text
  chunks.json         prompt -> tokenize_line's chunks (77 ids, 77 multipliers), token count, the ids a pad-0
                      encoder (SD 2.x, SDXL's OpenCLIP) receives after process_tokens, and the chunks' ids with
                      comma_padding_backtrack set to 0
  emphasis.json       A1111's forward() over a stand-in transformer (seeded random hidden states): the raw
                      states per chunk and the weighted, concatenated result; plus pad_cond of a negative prompt
  clip-tokenizer.json.gz
"""
import ast
import gzip
import importlib
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import types
import zlib

import torch

A1111_FILES = ["prompt_parser", "extra_networks", "sd_hijack_clip", "sd_emphasis"]
STUBS = {
    "__init__": "",
    "shared": "import types\nopts = types.SimpleNamespace(emphasis='Original', comma_padding_backtrack=20,"
              " use_old_emphasis_implementation=False, CLIP_stop_at_last_layers=1)\n",
    "devices": "device = 'cpu'\ndef torch_npu_set_device():\n    pass\n",
    "errors": "",
    "sd_hijack": "import types\nclass _NoEmbeddings:\n    def find_embedding_at_position(self, tokens, offset):\n"
                 "        return None, None\nmodel_hijack = types.SimpleNamespace(embedding_db=_NoEmbeddings(), fixes=None)\n",
}
HIDDEN_WIDTH = 6

ATTENTION_PROMPTS = [
    "",
    "normal text",
    "an (important) word",
    "(unbalanced",
    "unbalanced)",
    "[unbalanced",
    "unbalanced]",
    "\\(literal\\]",
    "(unnecessary)(parens)",
    "a (((house:1.3)) [on] a (hill:0.5), sun, (((sky))).",
    "(masterpiece:1.2), best quality, [blurry]",
    "((masterpiece)), [[low quality]], (detailed:0.8)",
    "(a:1.5) (b:1.5) (c:1.5)",
    "(a (b (c:2) d) e)",
    "[a [b [c] d] e]",
    "([mixed] brackets)",
    "[(mixed) brackets]",
    "(square [inside) round]",
    "(word: 1.3 )",
    "(word :1.3)",
    "(word:+1.3)",
    "(word:-1)",
    "(word:.5)",
    "(word:5.)",
    "(word:1e3)",
    "(word:1.2.3)",
    "(word:.)",
    "(a:b:1.2)",
    "a: b: c",
    "[word:1.2]",
    "word:1.2)",
    "(word:1.2]",
    "\\\\(escaped backslash)",
    "lone \\ backslash",
    "trailing backslash \\",
    "\\[not weighted\\] \\(nor this\\)",
    "\\(a:1.2\\)",
    "a BREAK b",
    "aBREAK b BREAKc",
    "first BREAK BREAK second",
    "BREAK at start",
    "at end BREAK",
    "(inside BREAK brackets)",
    "(weighted BREAK text:1.3) after",
    "a\nBREAK\nb",
    "break lowercase and BREAKS and _BREAK_",
    "caf\u00e9BREAK au lait",
    "\u5c71BREAK\u6c34",
    "(\u732b:1.2) \u306e (\u5199\u771f)",
    "emoji (\U0001F431:1.4) [\U0001F436]",
    "fullwidth \uff08\u30c6\u30b9\u30c8\uff09 (x:\uff11.\uff15)",
    "(nested (deep (deeper (deepest))))",
    "(((((((((too many)))))))))",
    ")))]]] closing first (((",
    "(a)(b:1.1)(c)",
    "[a][b][c]",
    "<lora:detail:0.8> (sharp:1.1)",
    "(tab\there:1.2)",
    "(weight with newline:\n1.2\n)",
    "((a:1.1):1.1)",
    "::::",
    "(:1.5)",
    "()",
    "[]",
    "(a|b:1.2) [c|d]",
]

EXTRA_NETWORK_PROMPTS = [
    "a photo <lora:detail:0.8>",
    "<lora:detail:0.8>, <lora:style:1.2>, a castle",
    "<lora:noWeight> portrait",
    "<hypernet:agm:1.1> <extrasupernet:master:12:13:14> <hypernet:ray>",
    "<lora:name:0.5:0.7> with unet weight",
    "<lora:name:te=0.5:unet=0.2:dyn=8> named arguments",
    "<lora:a=b=c:1> three-part item",
    "<lora:spaces in name:0.6> text",
    "<lora:> empty args",
    "<:1> no name",
    "<lora-name:1> dash in network name",
    "<lora:detail:0.8",
    "text <lora:x:1>> double close",
    "<lora:<nested>:1>",
    "(<lora:inside:0.9> weighted:1.2)",
    "<lora:\u732b:0.8> unicode name",
    "<\u732b:x:1> unicode network",
    "<123:abc>",
    "<lora:a:1><lora:b:2><lora:a:3>",
    "no tags at all",
]

CHUNK_PROMPTS = [
    "",
    "a cat",
    "(masterpiece:1.2), best quality, a (red:1.3) fox in [snowy] woods",
    "a BREAK b",
    "BREAK",
    "BREAK leading",
    "first BREAK BREAK third chunk",
    "(inside BREAK brackets) quirk",
    "word " * 74 + "end",
    "word " * 75,
    "word " * 76,
    "word " * 150,
    "word " * 160,
    ", ".join([f"tag{i}" for i in range(60)]),
    ", ".join([f"long tag number {i}" for i in range(30)]),
    "word " * 50 + ", " + "word " * 30,
    "word " * 73 + ", " + "word " * 30,
    "word " * 74 + ", " + "word " * 30,
    "word " * 54 + ", " + "word " * 30,
    "word " * 55 + ", " + "word " * 30,
    ("(highly detailed:1.3), " + "word " * 20 + "[soft], ") * 5,
    "word " * 70 + "BREAK " + "word " * 10,
    "\u732b\u306e\u5199\u771f, " * 20,
    "(\U0001F431:1.4) emoji cat, " * 12,
    "\\(escaped\\) " * 40,
    "a, " * 80,
]

EMPHASIS_PROMPTS = [
    "a cat",
    "(masterpiece:1.2), best quality, [blurry] (red:1.5) fox",
    "(long:1.3) " + "word " * 90,
    "(a:0.5) BREAK (b:1.4)",
]


def build_package(checkout, root):
    pkg = os.path.join(root, "modules")
    os.makedirs(pkg)
    for name, text in STUBS.items():
        with open(os.path.join(pkg, name + ".py"), "w") as f:
            f.write(text)
    for name in A1111_FILES:
        shutil.copy(os.path.join(checkout, "modules", name + ".py"), os.path.join(pkg, name + ".py"))
    with open(os.path.join(pkg, "cfg_padding.py"), "w") as f:
        f.write("import torch\n" + function_source(os.path.join(checkout, "modules", "sd_samplers_cfg_denoiser.py"), "pad_cond"))
    sys.path.insert(0, root)
    return {name: importlib.import_module("modules." + name) for name in A1111_FILES + ["shared", "cfg_padding"]}


def function_source(path, name):
    with open(path) as f:
        text = f.read()
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return ast.get_source_segment(text, node) + "\n"
    raise SystemExit(f"{path} has no function {name}")


def clip_tokenizer(root):
    """vocab.json + merges.txt from open_clip's BPE file, built as CLIP's SimpleTokenizer builds its encoder."""
    from transformers import CLIPTokenizer

    spec = importlib.util.find_spec("open_clip")
    bpe = os.path.join(os.path.dirname(spec.origin), "bpe_simple_vocab_16e6.txt.gz")
    with gzip.open(bpe) as f:
        merges = f.read().decode("utf-8").split("\n")[1:49152 - 256 - 2 + 1]
    merges = [tuple(m.split()) for m in merges]
    vocab = list(bytes_to_unicode().values())
    vocab = vocab + [v + "</w>" for v in vocab] + ["".join(m) for m in merges] + ["<|startoftext|>", "<|endoftext|>"]
    with open(os.path.join(root, "vocab.json"), "w") as f:
        json.dump({v: i for i, v in enumerate(vocab)}, f)
    with open(os.path.join(root, "merges.txt"), "w") as f:
        f.write("#version: 0.2\n" + "\n".join(" ".join(m) for m in merges) + "\n")
    tokenizer = CLIPTokenizer(os.path.join(root, "vocab.json"), os.path.join(root, "merges.txt"), pad_token="<|endoftext|>")
    assert tokenizer.bos_token_id == 49406 and tokenizer.eos_token_id == 49407
    return tokenizer


def bytes_to_unicode():
    """GPT-2/CLIP byte-level alphabet: printable Latin-1 bytes stand for themselves, the other 68 bytes are
    mapped in order onto code points 256 and up."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("\u00a1"), ord("\u00ac") + 1), *range(ord("\u00ae"), ord("\u00ff") + 1)]
    codes = list(printable)
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            codes.append(256 + extra)
            extra += 1
    return dict(zip(printable, map(chr, codes)))


class StandInTransformer:
    """Hidden states that depend only on the chunk's ids (so the same chunk always encodes the same way),
    offset from zero as CLIP's are, recorded with the ids it was given."""

    def __init__(self):
        self.calls = []

    def __call__(self, input_ids, output_hidden_states=None):
        states = []
        for ids in input_ids.tolist():
            g = torch.Generator().manual_seed(zlib.crc32(json.dumps(ids).encode()))
            states.append(torch.randn(len(ids), HIDDEN_WIDTH, generator=g) * 0.8 + 0.15)
        z = torch.stack(states)
        self.calls.append({"ids": input_ids.tolist(), "hidden": z.flatten().tolist()})
        return types.SimpleNamespace(last_hidden_state=z)


def embedder(m, tokenizer, transformer, pad_id=None):
    wrapped = types.SimpleNamespace(tokenizer=tokenizer, transformer=transformer)
    model = m["sd_hijack_clip"].FrozenCLIPEmbedderWithCustomWords(wrapped, m["sd_hijack_clip"].sd_hijack.model_hijack)
    if pad_id is not None:
        model.id_pad = pad_id  # as A1111's OpenCLIP embedders (SD 2.x, SDXL's second encoder) set it
    return model


def attention_goldens(m):
    out = []
    for prompt in ATTENTION_PROMPTS:
        try:
            out.append({"prompt": prompt, "pieces": m["prompt_parser"].parse_prompt_attention(prompt)})
        except ValueError as e:
            out.append({"prompt": prompt, "error": str(e)})
    return out


def extra_network_goldens(m):
    out = []
    for prompt in EXTRA_NETWORK_PROMPTS:
        text, networks = m["extra_networks"].parse_prompt(prompt)
        groups = [[name, [{"items": p.items, "positional": p.positional, "named": p.named} for p in params]]
                  for name, params in networks.items()]
        # A1111 takes the tags out first (processing.py), then parses emphasis in what is left
        out.append({"prompt": prompt, "text": text, "networks": groups,
                    "pieces": m["prompt_parser"].parse_prompt_attention(text)})
    return out


def chunk_goldens(m, tokenizer):
    out = []
    for prompt in CHUNK_PROMPTS:
        chunks, token_count = embedder(m, tokenizer, None).tokenize_line(prompt)
        transformer = StandInTransformer()
        embedder(m, tokenizer, transformer, pad_id=0).forward([prompt])
        m["shared"].opts.comma_padding_backtrack = 0
        no_backtrack, _ = embedder(m, tokenizer, None).tokenize_line(prompt)
        m["shared"].opts.comma_padding_backtrack = 20
        out.append({
            "prompt": prompt,
            "tokenCount": token_count,
            "chunks": [{"ids": c.tokens, "weights": c.multipliers} for c in chunks],
            "pad0Ids": [call["ids"][0] for call in transformer.calls],
            "noBacktrackIds": [c.tokens for c in no_backtrack],
        })
    return out


def emphasis_goldens(m, tokenizer):
    cases = []
    for prompt in EMPHASIS_PROMPTS:
        transformer = StandInTransformer()
        z = embedder(m, tokenizer, transformer).forward([prompt])
        cases.append({
            "prompt": prompt,
            "weights": [w for c in embedder(m, tokenizer, None).tokenize_line(prompt)[0] for w in c.multipliers],
            "hidden": [v for call in transformer.calls for v in call["hidden"]],
            "weighted": z.flatten().tolist(),
        })
    transformer = StandInTransformer()
    model = embedder(m, tokenizer, transformer)
    empty = model.forward([""])
    negative = model.forward(["blurry, lowres"])
    positive = model.forward([EMPHASIS_PROMPTS[2]])
    repeats = (positive.shape[1] - negative.shape[1]) // empty.shape[1]  # as CFGDenoiser.pad_cond_uncond counts them
    padded = m["cfg_padding"].pad_cond(negative, repeats, empty)
    padding = {
        "empty": empty.flatten().tolist(),
        "negative": negative.flatten().tolist(),
        "positiveChunks": positive.shape[1] // 77,
        "padded": padded.flatten().tolist(),
    }
    return {"width": HIDDEN_WIDTH, "cases": cases, "padding": padding}


def main():
    checkout = sys.argv[1]
    out_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "..", "src", "engine", "prompt", "__fixtures__")
    os.makedirs(out_dir, exist_ok=True)
    root = tempfile.mkdtemp()
    try:
        m = build_package(checkout, root)
        assert m["shared"].opts.comma_padding_backtrack == 20
        tokenizer = clip_tokenizer(root)
        goldens = {
            "attention.json": attention_goldens(m),
            "extra_networks.json": extra_network_goldens(m),
            "chunks.json": chunk_goldens(m, tokenizer),
            "emphasis.json": emphasis_goldens(m, tokenizer),
        }
        for name, value in goldens.items():
            with open(os.path.join(out_dir, name), "w") as f:
                json.dump(value, f, ensure_ascii=False, indent=None, separators=(",", ":"))
                f.write("\n")
        tokenizer_json = os.path.join(root, "fast")
        tokenizer.save_pretrained(tokenizer_json)
        with open(os.path.join(tokenizer_json, "tokenizer.json"), "rb") as src, \
                gzip.GzipFile(os.path.join(out_dir, "clip-tokenizer.json.gz"), "wb", mtime=0) as dst:
            dst.write(src.read())
    finally:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
