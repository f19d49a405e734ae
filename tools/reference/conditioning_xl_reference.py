"""Reference SDXL conditionings for src/engine/conditioning.ts: AUTOMATIC1111's weighting and chunking on the
SDXL-Turbo twin's two text encoders.

Usage (from the repository root):
    /work/.venv/bin/python tools/reference/conditioning_xl_reference.py

No A1111 checkout is needed: the chunks (ids and per-token weights) are A1111's own, read from the goldens that
tools/reference/prompt_reference.py made with A1111's tokenize_line over CLIP's vocabulary
(src/engine/prompt/__fixtures__/chunks.json: `chunks` for CLIP ViT-L, `pad0Ids` for the ids an encoder whose pad
id is 0 receives after process_tokens). What this script adds is how A1111 turns them into SDXL's conditioning
(modules/sd_hijack_clip.py, sd_hijack_open_clip.py, sd_emphasis.py, sd_models_xl.py and sgm's GeneralConditioner):

- each encoder gets its own chunks, one 77-token chunk per call: the first (CLIP ViT-L, penultimate layer,
  pad = end of text) the ids as they are, the second (OpenCLIP bigG, penultimate layer, pad id 0) with every
  position after the first end-of-text set to 0;
- "Original" emphasis per encoder and per chunk, in float32: the chunk's states times each position's weight, then
  scaled by (mean before) / (mean after), the means taken over the whole chunk of that encoder alone;
- chunks laid one after another along the sequence, the two encoders side by side along the width
  (crossattn: first encoder, then second);
- the pooled vector is the second encoder's, from the first chunk, before weighting.

The encoders are the twin's ONNX files run in onnxruntime, read as the catalog reads them (hidden_states.11;
hidden_states.31 and text_embeds, float16 outputs widened to float32).

Outputs in src/engine/__fixtures__/conditioning/: sdxl.json (per prompt: the ids each encoder got, the chunk count,
and where its states and pooled vector start in sdxl.bin) and sdxl.bin (little-endian float32).
"""
import json
import os

import numpy as np
import onnxruntime as ort
import torch

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
ONNX = os.path.join(ROOT, "src", "models", "__fixtures__", "twins", "webnn", "sdxl-turbo", "onnx")
CHUNKS = os.path.join(ROOT, "src", "engine", "prompt", "__fixtures__", "chunks.json")
OUT = os.path.join(ROOT, "src", "engine", "__fixtures__", "conditioning")
# prompts of chunks.json: weights, BREAK, comma backtracking, up to four chunks, and the empty prompt
PROMPTS = [
    "",
    "a cat",
    "(masterpiece:1.2), best quality, a (red:1.3) fox in [snowy] woods",
    "a BREAK b",
    "first BREAK BREAK third chunk",
]
PROMPT_PREFIXES = ["(highly detailed:1.3), word", "tag0, tag1, tag2"]


def emphasis(z, weights):
    """A1111's "Original" emphasis on one chunk z [1, 77, width]: weight each position, restore the mean."""
    before = z.mean()
    weighted = z * weights.reshape(1, -1, 1)
    return weighted * (before / weighted.mean())


def encode(session, output, ids, dtype):
    feeds = {"input_ids": np.asarray([ids], dtype=dtype)}
    return [torch.from_numpy(o.astype(np.float32)) for o in session.run(output, feeds)]


def main():
    with open(CHUNKS) as f:
        goldens = json.load(f)
    chosen = [g for g in goldens if g["prompt"] in PROMPTS or any(g["prompt"].startswith(p) for p in PROMPT_PREFIXES)]
    assert len(chosen) == len(PROMPTS) + len(PROMPT_PREFIXES), "chunks.json lacks a chosen prompt"
    first = ort.InferenceSession(os.path.join(ONNX, "text_encoder_model_q4f16.onnx"))
    second = ort.InferenceSession(os.path.join(ONNX, "text_encoder_2_model_q4f16.onnx"))
    values = []
    prompts = []
    for golden in chosen:
        states = [[], []]
        pooled = None
        for i, chunk in enumerate(golden["chunks"]):
            weights = torch.tensor(chunk["weights"], dtype=torch.float32)
            (z1,) = encode(first, ["hidden_states.11"], chunk["ids"], np.int32)
            z2, pooled_i = encode(second, ["hidden_states.31", "text_embeds"], golden["pad0Ids"][i], np.int64)
            states[0].append(emphasis(z1, weights))
            states[1].append(emphasis(z2, weights))
            if i == 0:
                pooled = pooled_i[0]
        hidden = torch.cat([torch.cat(states[0], dim=1), torch.cat(states[1], dim=1)], dim=2)
        at = sum(v.size for v in values)
        values.append(hidden.numpy().ravel())
        values.append(pooled.numpy().ravel())
        prompts.append({"prompt": golden["prompt"], "ids": [c["ids"] for c in golden["chunks"]], "ids2": golden["pad0Ids"],
                        "chunks": len(golden["chunks"]), "width": int(hidden.shape[2]), "hiddenAt": at,
                        "pooledAt": at + hidden.numel(), "pooledWidth": int(pooled.numel())})
    np.concatenate(values).astype("<f4").tofile(os.path.join(OUT, "sdxl.bin"))
    with open(os.path.join(OUT, "sdxl.json"), "w") as f:
        json.dump({"prompts": prompts, "versions": {"torch": torch.__version__, "onnxruntime": ort.__version__}}, f,
                  separators=(",", ":"))
        f.write("\n")
    print(f"{len(prompts)} prompts, {sum(p['chunks'] for p in prompts)} chunks")


if __name__ == "__main__":
    main()
