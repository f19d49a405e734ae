"""Export the SDXL-interface tiny model (train.py --stage xl) to public/models/tiny-shapes-xl/.

    /usr/bin/python3 tools/tiny-model/export_xl.py

Files follow diffusers' SDXL layout (text_encoder/, text_encoder_2/, unet/, vae_decoder/, vae_encoder/).
The encoders' output names are those of the public SDXL exports (the penultimate hidden states,
`hidden_states.11` of CLIP ViT-L and `hidden_states.31` of OpenCLIP bigG, and bigG's pooled
`text_embeds`), and the second encoder takes int64 ids as they do, so the same manifest fields
describe both and the test hub can serve these files under webnn/sdxl-turbo's file names.

Variants: fp32, and q4 — the U-Net's MatMuls as 4-bit MatMulNBits (quantize.py) with float16
inputs and outputs like the q4f16 export (it still computes in fp32, so it needs no shader-f16).
"""
import argparse
import json
import os

import onnx
import torch
from onnx import TensorProto, helper
from torch import nn

import vocab
from export import built_in_manifest, export, file_entry, fit_latent_rgb, vae_parts
from models import TextEncoder, TextEncoder2, UNetXL
from quantize import quantize_matmuls
from train import load_vae

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


class TextEncoder2Onnx(nn.Module):
    def __init__(self, text2):
        super().__init__()
        self.text2 = text2

    def forward(self, input_ids):
        hidden, pooled = self.text2(input_ids)
        return pooled, hidden


def half_boundary(model):
    """float16 graph inputs and outputs around an fp32 graph (timestep included, as in the q4f16 export)."""
    graph = model.graph
    casts_in, casts_out = [], []
    for inp in graph.input:
        t = inp.type.tensor_type
        if t.elem_type not in (TensorProto.FLOAT, TensorProto.INT64):
            continue
        inner = inp.name + "_inner"
        for node in graph.node:
            for i, name in enumerate(node.input):
                if name == inp.name:
                    node.input[i] = inner
        casts_in.append(helper.make_node("Cast", [inp.name], [inner], to=t.elem_type))
        t.elem_type = TensorProto.FLOAT16
    for out in graph.output:
        t = out.type.tensor_type
        inner = out.name + "_inner"
        for node in graph.node:
            for i, name in enumerate(node.output):
                if name == out.name:
                    node.output[i] = inner
        casts_out.append(helper.make_node("Cast", [inner], [out.name], to=TensorProto.FLOAT16))
        t.elem_type = TensorProto.FLOAT16
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(casts_in + nodes + casts_out)
    del graph.value_info[:]
    onnx.checker.check_model(model)
    return model


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--work", default=os.path.join(HERE, ".work"))
    p.add_argument("--out", default=os.path.join(ROOT, "public", "models", "tiny-shapes-xl"))
    args = p.parse_args()
    torch.manual_seed(0)
    enc, dec, mean, std = load_vae(args.work)
    ck = torch.load(f"{args.work}/xl.pt")
    d1, d2 = ck["text_dim"], ck["text2_dim"]
    text = TextEncoder(len(vocab.VOCAB), dim=d1)
    text.load_state_dict(ck["text"])
    text2 = TextEncoder2(len(vocab.VOCAB), vocab.EOS, dim=d2, pooled_dim=d2)
    text2.load_state_dict(ck["text2"])
    unet = UNetXL(context_dim=d1 + d2, pooled_dim=d2, channels=tuple(ck["channels"]))
    unet.load_state_dict(ck["unet"])
    for m in (text, text2, unet):
        m.eval()
    out = args.out
    os.makedirs(out, exist_ok=True)

    ids = torch.tensor([vocab.encode("a red star on a blue background"), vocab.encode("")], dtype=torch.int32)
    lat = torch.randn(2, 4, 8, 8)
    time_ids = torch.tensor([[64.0, 64, 0, 0, 64, 64], [32, 32, 0, 0, 64, 64]])
    parts = {
        "text_encoder": (text, (ids,), ["input_ids"], ["hidden_states.11"],
                         {"input_ids": {0: "batch"}, "hidden_states.11": {0: "batch"}}),
        "text_encoder_2": (TextEncoder2Onnx(text2), (ids.long(),), ["input_ids"], ["text_embeds", "hidden_states.31"],
                           {"input_ids": {0: "batch"}, "text_embeds": {0: "batch"}, "hidden_states.31": {0: "batch"}}),
        "unet": (unet, (lat, torch.tensor([999, 999]), torch.randn(2, 77, d1 + d2), torch.randn(2, d2), time_ids),
                 ["sample", "timestep", "encoder_hidden_states", "text_embeds", "time_ids"], ["out_sample"],
                 {"sample": {0: "batch", 2: "height", 3: "width"}, "timestep": {0: "steps_batch"},
                  "encoder_hidden_states": {0: "batch"}, "text_embeds": {0: "batch"}, "time_ids": {0: "batch"},
                  "out_sample": {0: "batch", 2: "height", 3: "width"}}),
        **vae_parts(enc, dec, mean, std, lat),
    }
    files = {"fp32": {}, "q4": {}}
    reference = {}
    for name, (module, inputs, in_names, out_names, axes) in parts.items():
        model = export(module, inputs, f"{out}/{name}/model.onnx", in_names, out_names, axes)
        files["fp32"][name] = file_entry(out, f"{name}/model.onnx")
        if name == "unet":
            onnx.save(half_boundary(quantize_matmuls(model)), f"{out}/unet/model_q4.onnx")
            files["q4"][name] = file_entry(out, "unet/model_q4.onnx")
        else:
            files["q4"][name] = files["fp32"][name]
        with torch.no_grad():
            ys = module(*inputs)
        ys = ys if isinstance(ys, tuple) else (ys,)
        reference[name] = {
            "inputs": {n: {"dims": list(t.shape), "data": t.flatten().tolist()} for n, t in zip(in_names, inputs)},
            "outputs": {n: {"dims": list(y.shape), "sum": float(y.double().sum()), "abs_sum": float(y.double().abs().sum()),
                            "head": y.flatten()[:32].tolist()} for n, y in zip(out_names, ys)},
        }
    vocab.write_tokenizer(out)
    manifest = built_in_manifest(
        "tiny-shapes-xl", "Tiny Shapes XL (built-in)",
        "The built-in tiny model with SDXL's interface: two text encoders, a pooled prompt embedding "
        "and size conditioning (original size 32 gives a soft, upscaled look). Also as a 4-bit U-Net.",
        {
            "textEmbeddingDim": d1 + d2,
            "textEncoders": [
                {"part": "text_encoder", "hiddenStates": "hidden_states.11"},
                {"part": "text_encoder_2", "hiddenStates": "hidden_states.31", "pooled": "text_embeds"},
            ],
            "additionEmbedType": "text_time",
        },
        [
            {"id": "fp32", "label": "fp32", "precision": "fp32", "requiresShaderF16": False, "files": files["fp32"]},
            {"id": "q4", "label": "4-bit U-Net", "precision": "q4", "requiresShaderF16": False, "files": files["q4"]},
        ],
        fit_latent_rgb(enc, mean, std, torch.Generator().manual_seed(7)),
    )
    with open(f"{out}/model.json", "w") as f:
        json.dump(manifest, f, indent=1)
    with open(os.path.join(ROOT, "src", "engine", "__fixtures__", "tiny_xl_reference.json"), "w") as f:
        json.dump(reference, f)
    total = sum(v["bytes"] for v in {e["path"]: e for fs in files.values() for e in fs.values()}.values())
    print(f"wrote {out}: {total / 1e6:.2f} MB of ONNX files")


if __name__ == "__main__":
    main()
