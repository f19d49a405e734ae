"""Small fixtures for the LoRA reader and patcher's unit tests (repository root):

    python tools/lora/make_unit_fixtures.py

- dtypes.safetensors: one tensor each in F32, F16 and BF16, written by the safetensors library, with the values
  torch widens them to in dtypes.json.
- layouts.onnx + layouts.onnx_data: weights in the layouts the twin does not have (float32 MatMul, Gemm without
  transB, a float32 3×3 Conv in external data), a kohya LoRA for them (layouts.safetensors, with one LoHa key
  the engine must report), and in layouts.json each weight as torch computes W + alpha/rank · strength · up@down.
"""
import hashlib
import json
from pathlib import Path

import onnx
import torch
from onnx import TensorProto, helper, numpy_helper
from safetensors.torch import save_file

OUT = Path(__file__).resolve().parents[2] / "src/engine/lora/__fixtures__"
STRENGTH = 0.75


def dtypes():
    g = torch.Generator().manual_seed(5)
    values = torch.randn(2, 3, generator=g) * 3
    tensors = {"f32": values, "f16": values.half(), "bf16": values.to(torch.bfloat16)}
    save_file(tensors, str(OUT / "dtypes.safetensors"), metadata={"ss_network_module": "networks.lora"})
    (OUT / "dtypes.json").write_text(json.dumps({k: v.float().flatten().tolist() for k, v in tensors.items()}) + "\n")


def layouts():
    g = torch.Generator().manual_seed(6)
    w_matmul = torch.randn(6, 5, generator=g)          # Linear(6 → 5) as MatMul: stored [in, out]
    w_gemm = torch.randn(6, 4, generator=g)            # Gemm transB=0: stored [in, out]
    w_conv = torch.randn(3, 2, 3, 3, generator=g)      # Conv [out, in, kh, kw]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 6])
    img = helper.make_tensor_value_info("img", TensorProto.FLOAT, [1, 2, 4, 4])
    nodes = [
        helper.make_node("MatMul", ["x", "w_matmul"], ["a"], name="/model/blocks.0/proj/MatMul"),
        helper.make_node("Gemm", ["x", "w_gemm"], ["b"], name="/model/blocks.0/head/Gemm", transB=0),
        helper.make_node("Conv", ["img", "w_conv"], ["c"], name="/model/conv_in/Conv", pads=[1, 1, 1, 1]),
    ]
    inits = [numpy_helper.from_array(w_matmul.numpy(), "w_matmul"),
             numpy_helper.from_array(w_gemm.numpy(), "w_gemm"), numpy_helper.from_array(w_conv.numpy(), "w_conv")]
    graph = helper.make_graph(nodes, "layouts", [x, img], [
        helper.make_tensor_value_info("a", TensorProto.FLOAT, None),
        helper.make_tensor_value_info("b", TensorProto.FLOAT, None),
        helper.make_tensor_value_info("c", TensorProto.FLOAT, None)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    # onnx appends to an existing data file
    (OUT / "layouts.onnx_data").unlink(missing_ok=True)
    # w_conv alone goes to external data (its 216 bytes pass the threshold; the others are smaller than 128)
    onnx.save_model(model, str(OUT / "layouts.onnx"), save_as_external_data=True, all_tensors_to_one_file=True,
                    location="layouts.onnx_data", size_threshold=200)

    lora, expected = {}, {}

    def add(key, weight_out_in, stored, rank, alpha, conv=False):
        out = weight_out_in.shape[0]
        cin = weight_out_in.shape[1]
        down = torch.randn(rank, cin, *(weight_out_in.shape[2:]), generator=g)
        up = torch.randn(out, rank, *((1, 1) if conv else ()), generator=g)
        lora[f"{key}.lora_down.weight"], lora[f"{key}.lora_up.weight"] = down, up
        lora[f"{key}.alpha"] = torch.tensor(float(alpha))
        delta = (up.reshape(out, rank) @ down.reshape(rank, -1)).reshape(weight_out_in.shape) * alpha / rank * STRENGTH
        expected[stored] = (weight_out_in + delta)

    add("lora_unet_blocks_0_proj", w_matmul.T, "w_matmul", 2, 1.0)
    add("lora_unet_blocks_0_head", w_gemm.T, "w_gemm", 3, 3.0)
    add("lora_unet_conv_in", w_conv, "w_conv", 2, 4.0, conv=True)
    lora["lora_unet_blocks_0_proj.hada_w1_a"] = torch.zeros(1)
    save_file(lora, str(OUT / "layouts.safetensors"))
    # stored layouts: MatMul and transB=0 Gemm hold [in, out]
    stored = {"w_matmul": expected["w_matmul"].T, "w_gemm": expected["w_gemm"].T, "w_conv": expected["w_conv"]}
    (OUT / "layouts.json").write_text(json.dumps({"strength": STRENGTH, "weights": {
        k: v.flatten().tolist() for k, v in stored.items()}}) + "\n")


def addnet_hash(path: Path) -> str:
    """A1111's modules/hashes.py addnet_hash_safetensors (SHA-256 of the bytes after the header), first 12 digits."""
    data = path.read_bytes()
    n = int.from_bytes(data[:8], "little")
    return hashlib.sha256(data[8 + n:]).hexdigest()[:12]


def tiny_shapes_lora():
    """A kohya LoRA for the built-in Tiny Shapes model (its U-Net's attention and a 3×3 conv, its text encoder's
    q/v), plus one module the model does not have, which the engine must name in a warning."""
    g = torch.Generator().manual_seed(8)
    root = OUT.parents[3] / "public/models/tiny-shapes"
    tensors = {}
    for part, prefix in (("unet", "lora_unet_"), ("text_encoder", "lora_te_")):
        model = onnx.load(str(root / part / "model.onnx"))
        inits = {i.name: i for i in model.graph.initializer}
        for node in model.graph.node:
            if node.op_type not in ("MatMul", "Conv") or node.input[1] not in inits:
                continue
            path = "_".join(node.name.strip("/").split("/")[:-1]).replace(".", "_")
            if not any(t in path for t in ("attn_d0_self_attn_q", "attn_d0_self_attn_v", "down0_c1", "text_attn_q", "text_attn_v")):
                continue
            dims = list(inits[node.input[1]].dims)
            out, cin, rest = (dims[0], dims[1], dims[2:]) if node.op_type == "Conv" else (dims[1], dims[0], [])
            rank = 2
            tensors[f"{prefix}{path}.lora_down.weight"] = (torch.randn(rank, cin, *rest, generator=g) / (cin ** 0.5)).half()
            tensors[f"{prefix}{path}.lora_up.weight"] = (torch.randn(out, rank, *([1, 1] if rest else []), generator=g)).half()
            tensors[f"{prefix}{path}.alpha"] = torch.tensor(2.0).half()
    tensors["lora_unet_no_such_block_proj.lora_down.weight"] = torch.zeros(2, 4).half()
    tensors["lora_unet_no_such_block_proj.lora_up.weight"] = torch.zeros(4, 2).half()
    path = OUT / "tiny-shapes-style.safetensors"
    save_file(tensors, str(path), metadata={"ss_output_name": "tiny-shapes-style"})
    (OUT / "tiny-shapes-style.json").write_text(json.dumps({"addnetHash": addnet_hash(path), "keys": sorted(tensors)}) + "\n")


if __name__ == "__main__":
    dtypes()
    layouts()
    tiny_shapes_lora()
