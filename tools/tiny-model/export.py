"""Export the trained tiny model to the app's ONNX layout, with its manifest.

    /usr/bin/python3 tools/tiny-model/export.py            # reads .work/, writes public/models/tiny-shapes/

Writes fp32 files (run everywhere) and an fp16 variant that computes in half precision with fp32
inputs and outputs, like the public SD-Turbo ONNX export (needs WebGPU's shader-f16)."""
import argparse
import hashlib
import json
import os

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

import shapes
import vocab
from models import ShapeClassifier
from train import load_unet, load_vae

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCALING_FACTOR = 0.18215
OPSET = 17
# what both built-in models' manifests say about sizes, the training schedule and the form's defaults
SAMPLING = {
    "sizes": {"native": 64, "min": 64, "max": 256, "multiple": 16},
    "scheduler": {"num_train_timesteps": 1000, "beta_start": 0.00085, "beta_end": 0.012,
                  "beta_schedule": "scaled_linear", "timestep_spacing": "trailing", "steps_offset": 0,
                  "prediction_type": "epsilon"},
    "defaults": {"sampler": "Euler", "steps": 20, "guidance": 4, "width": 64, "height": 64},
}


class TextEncoderOnnx(nn.Module):
    def __init__(self, text):
        super().__init__()
        self.text = text

    def forward(self, input_ids):
        return self.text(input_ids)


class VaeDecoderOnnx(nn.Module):
    """Takes SD-convention latents (U-Net space / scaling_factor); the latent normalisation is folded in."""

    def __init__(self, dec, mean, std):
        super().__init__()
        self.dec = dec
        self.register_buffer("mean", mean[None, :, None, None].clone())
        self.register_buffer("std", (std * SCALING_FACTOR)[None, :, None, None].clone())

    def forward(self, latent_sample):
        return self.dec(latent_sample * self.std + self.mean).clamp(-1.0, 1.0)


class VaeEncoderOnnx(nn.Module):
    """Image in [-1,1] -> latent mean in SD convention (the engine multiplies by scaling_factor)."""

    def __init__(self, enc, mean, std):
        super().__init__()
        self.enc = enc
        self.register_buffer("mean", mean[None, :, None, None].clone())
        self.register_buffer("std", (std * SCALING_FACTOR)[None, :, None, None].clone())

    def forward(self, sample):
        return (self.enc(sample) - self.mean) / self.std


def export(module, args, path, input_names, output_names, dynamic_axes):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.onnx.export(module.eval(), args, path, opset_version=OPSET, input_names=input_names,
                      output_names=output_names, dynamic_axes=dynamic_axes, do_constant_folding=True)
    model = onnx.load(path)
    onnx.checker.check_model(model)
    return model


def to_fp16(model):
    """Half-precision compute with fp32 graph inputs/outputs: every float initializer, constant and
    cast becomes fp16, with casts at the graph boundary. Resize's roi/scales must stay fp32 (spec)."""
    graph = model.graph
    keep_fp32 = set()
    for node in graph.node:
        if node.op_type == "Resize":
            keep_fp32.update(node.input[1:3])
    for init in graph.initializer:
        if init.data_type == TensorProto.FLOAT and init.name not in keep_fp32:
            arr = numpy_helper.to_array(init).astype(np.float16)
            init.CopyFrom(numpy_helper.from_array(arr, init.name))
    for node in graph.node:
        for attr in node.attribute:
            if node.op_type == "Constant" and attr.name == "value" and attr.t.data_type == TensorProto.FLOAT \
                    and node.output[0] not in keep_fp32:
                attr.t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(attr.t).astype(np.float16)))
            if node.op_type == "ConstantOfShape" and attr.name == "value" and attr.t.data_type == TensorProto.FLOAT:
                attr.t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(attr.t).astype(np.float16)))
            if node.op_type == "Cast" and attr.name == "to" and attr.i == TensorProto.FLOAT:
                attr.i = TensorProto.FLOAT16
    input_casts, output_casts = [], []
    for inp in graph.input:
        if inp.type.tensor_type.elem_type == TensorProto.FLOAT:
            cast_name = inp.name + "_fp16"
            for node in graph.node:
                for i, name in enumerate(node.input):
                    if name == inp.name:
                        node.input[i] = cast_name
            input_casts.append(helper.make_node("Cast", [inp.name], [cast_name], to=TensorProto.FLOAT16))
    for out in graph.output:
        if out.type.tensor_type.elem_type == TensorProto.FLOAT:
            inner = out.name + "_fp16"
            for node in graph.node:
                for i, name in enumerate(node.output):
                    if name == out.name:
                        node.output[i] = inner
            output_casts.append(helper.make_node("Cast", [inner], [out.name], to=TensorProto.FLOAT))
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(input_casts + nodes + output_casts)
    del graph.value_info[:]
    onnx.checker.check_model(model)
    return model


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


def file_entry(out, rel):
    """A manifest file entry for `rel` under `out`: path, size and SHA-256."""
    return {"path": rel, "bytes": os.path.getsize(f"{out}/{rel}"), "sha256": sha256(f"{out}/{rel}")}


def fit_latent_rgb(enc, mean, std, gen):
    """Least squares from U-Net-space latents to the 8x8-averaged image colour, for cheap previews."""
    with torch.no_grad():
        x = torch.cat([shapes.sample_batch(500, gen)[0] for _ in range(4)])
        z = (enc(x) - mean[None, :, None, None]) / std[None, :, None, None]
        rgb = (torch.nn.functional.avg_pool2d(x, 8) + 1) / 2
    a = torch.cat([z.permute(0, 2, 3, 1).reshape(-1, 4), torch.ones(z.numel() // 4, 1)], 1).double()
    b = rgb.permute(0, 2, 3, 1).reshape(-1, 3).double()
    sol = torch.linalg.lstsq(a, b).solution  # [5,3]
    return {"weights": sol[:4].T.tolist(), "bias": sol[4].tolist()}


def vae_parts(enc, dec, mean, std, lat):
    """The VAE's two export entries (module, inputs, input names, output names, dynamic axes), both models alike."""
    return {
        "vae_decoder": (VaeDecoderOnnx(dec, mean, std), (lat,), ["latent_sample"], ["sample"],
                        {"latent_sample": {0: "batch", 2: "height", 3: "width"},
                         "sample": {0: "batch", 2: "image_height", 3: "image_width"}}),
        "vae_encoder": (VaeEncoderOnnx(enc, mean, std), (torch.rand(2, 3, 64, 64) * 2 - 1,), ["sample"],
                        ["latent_sample"], {"sample": {0: "batch", 2: "image_height", 3: "image_width"},
                                            "latent_sample": {0: "batch", 2: "height", 3: "width"}}),
    }


def built_in_manifest(model_id, name, description, conditioning, variants, latent_rgb):
    """model.json of a built-in model; `conditioning` holds textEmbeddingDim and, for SDXL's interface, its fields."""
    return {
        "schemaVersion": 1,
        "id": model_id,
        "name": name,
        "license": "MIT",
        "description": description,
        "tokenizer": {"path": "tokenizer.json", "configPath": "tokenizer_config.json", "maxLength": vocab.MAX_LENGTH,
                      "padId": vocab.PAD},
        **conditioning,
        "latentChannels": 4,
        "vaeScaleFactor": 8,
        "scalingFactor": SCALING_FACTOR,
        **SAMPLING,
        "variants": variants,
        "latentRgb": latent_rgb,
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--work", default=os.path.join(HERE, ".work"))
    p.add_argument("--out", default=os.path.join(ROOT, "public", "models", "tiny-shapes"))
    args = p.parse_args()
    torch.manual_seed(0)
    enc, dec, mean, std = load_vae(args.work)
    text, unet, ck = load_unet(args.work)
    text.eval(), unet.eval()
    out = args.out
    os.makedirs(out, exist_ok=True)
    d = ck["text_dim"]

    ids = torch.tensor([vocab.encode("a red star on a blue background"), vocab.encode("")], dtype=torch.int32)
    lat = torch.randn(2, 4, 8, 8)
    parts = {
        "text_encoder": (TextEncoderOnnx(text), (ids,), ["input_ids"], ["last_hidden_state"],
                         {"input_ids": {0: "batch"}, "last_hidden_state": {0: "batch"}}),
        "unet": (unet, (lat, torch.tensor([999, 999]), torch.randn(2, 77, d)),
                 ["sample", "timestep", "encoder_hidden_states"], ["out_sample"],
                 {"sample": {0: "batch", 2: "height", 3: "width"}, "timestep": {0: "steps_batch"},
                  "encoder_hidden_states": {0: "batch"}, "out_sample": {0: "batch", 2: "height", 3: "width"}}),
        **vae_parts(enc, dec, mean, std, lat),
    }
    files = {"fp32": {}, "fp16": {}}
    reference = {}
    for name, (module, inputs, in_names, out_names, axes) in parts.items():
        path32 = f"{out}/{name}/model.onnx"
        model = export(module, inputs, path32, in_names, out_names, axes)
        onnx.save(to_fp16(model), f"{out}/{name}/model_fp16.onnx")
        for variant, fname in (("fp32", "model.onnx"), ("fp16", "model_fp16.onnx")):
            rel = f"{name}/{fname}"
            files[variant][name] = file_entry(out, rel)
        with torch.no_grad():
            y = module(*inputs)
        reference[name] = {
            "inputs": {n: {"dims": list(t.shape), "data": t.flatten().tolist()} for n, t in zip(in_names, inputs)},
            "output": {"name": out_names[0], "dims": list(y.shape), "sum": float(y.double().sum()),
                       "abs_sum": float(y.double().abs().sum()), "head": y.flatten()[:32].tolist()},
        }
    vocab.write_tokenizer(out)
    manifest = built_in_manifest(
        "tiny-shapes", "Tiny Shapes (built-in)",
        "A tiny latent diffusion model trained by this project on procedural images: "
        "one shape (circle, square, triangle, star, diamond) in one of 8 colours on a background of another.",
        {"textEmbeddingDim": d},
        [
            {"id": "fp32", "label": "fp32", "precision": "fp32", "requiresShaderF16": False, "files": files["fp32"]},
            {"id": "fp16", "label": "fp16", "precision": "fp16", "requiresShaderF16": True, "files": files["fp16"]},
        ],
        fit_latent_rgb(enc, mean, std, torch.Generator().manual_seed(7)),
    )
    with open(f"{out}/model.json", "w") as f:
        json.dump(manifest, f, indent=1)
    ref_path = os.path.join(ROOT, "src", "engine", "__fixtures__", "tiny_reference.json")
    os.makedirs(os.path.dirname(ref_path), exist_ok=True)
    with open(ref_path, "w") as f:
        json.dump(reference, f)
    # the shape classifier, so the engine's own evaluation (evaluate.ts) can score images in Node
    clf = ShapeClassifier(len(shapes.SHAPES))
    clf.load_state_dict(torch.load(f"{args.work}/classifier.pt")["classifier"])
    export(clf.eval(), (torch.zeros(1, 3, 64, 64),), os.path.join(HERE, "classifier.onnx"), ["image"], ["logits"],
           {"image": {0: "batch"}, "logits": {0: "batch"}})
    with open(os.path.join(HERE, "palette.json"), "w") as f:
        json.dump({"shapes": shapes.SHAPES, "colours": shapes.COLOURS}, f, indent=1)
    total = sum(v["bytes"] for fs in files.values() for v in fs.values())
    print(f"wrote {out}: {total / 1e6:.2f} MB of ONNX files")


if __name__ == "__main__":
    main()
