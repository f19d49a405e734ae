"""Word-level vocabulary and tokenizer.json (Hugging Face tokenizers format).

The JS tokenizers library has no WordLevel model, so the file uses a WordPiece model whose
vocabulary holds whole words only: every known word is one token, anything else is <unk>."""
import json
import re

from shapes import COLOUR_NAMES, SHAPES

MAX_LENGTH = 77
SPECIALS = ["<pad>", "<|startoftext|>", "<|endoftext|>", "<unk>"]
WORDS = ["a", "an", "on", "background"] + COLOUR_NAMES + SHAPES
VOCAB = {w: i for i, w in enumerate(SPECIALS + WORDS)}
PAD, BOS, EOS, UNK = (VOCAB[s] for s in SPECIALS)


def encode(text):
    """Same ids as tokenizer.json gives after the engine pads/truncates to 77."""
    words = re.findall(r"\w+|[^\w\s]", text.lower())
    ids = [BOS] + [VOCAB.get(w, UNK) for w in words] + [EOS]
    if len(ids) > MAX_LENGTH:
        ids = ids[: MAX_LENGTH - 1] + [EOS]
    return ids + [PAD] * (MAX_LENGTH - len(ids))


def tokenizer_json():
    special = [
        {"id": VOCAB[s], "content": s, "single_word": False, "lstrip": False, "rstrip": False,
         "normalized": False, "special": True}
        for s in SPECIALS
    ]
    return {
        "version": "1.0",
        "truncation": {"direction": "Right", "max_length": MAX_LENGTH, "strategy": "LongestFirst", "stride": 0},
        "padding": {"strategy": {"Fixed": MAX_LENGTH}, "direction": "Right", "pad_to_multiple_of": None,
                    "pad_id": PAD, "pad_type_id": 0, "pad_token": "<pad>"},
        "added_tokens": special,
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<|startoftext|>", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "<|startoftext|>", "type_id": 0}},
                     {"Sequence": {"id": "A", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}}],
            "special_tokens": {
                "<|startoftext|>": {"id": "<|startoftext|>", "ids": [BOS], "tokens": ["<|startoftext|>"]},
                "<|endoftext|>": {"id": "<|endoftext|>", "ids": [EOS], "tokens": ["<|endoftext|>"]},
            },
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "<unk>", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": VOCAB},
    }


def write_tokenizer(folder):
    with open(f"{folder}/tokenizer.json", "w") as f:
        json.dump(tokenizer_json(), f, indent=1)
    with open(f"{folder}/tokenizer_config.json", "w") as f:
        json.dump({"model_max_length": MAX_LENGTH, "bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>",
                   "unk_token": "<unk>", "pad_token": "<pad>", "tokenizer_class": "PreTrainedTokenizerFast"}, f, indent=1)
