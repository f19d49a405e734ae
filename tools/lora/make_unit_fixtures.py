"""Small fixtures for the LoRA reader and patcher's unit tests (repository root):

    python tools/lora/make_unit_fixtures.py

- dtypes.safetensors: one tensor each in F32, F16 and BF16, written by the safetensors library, with the values
  torch widens them to in dtypes.json.
- layouts.onnx + layouts.onnx_data: weights in the layouts the twin does not have (float32 MatMul, Gemm without
  transB, a float32 3×3 Conv in external data), a kohya LoRA for them (layouts.safetensors, with one LoHa key
  the engine must report), and in layouts.json each weight as torch computes W + alpha/rank · strength · up@down.
"""
import json
from pathlib import Path

import numpy as np
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


if __name__ == "__main__":
    dtypes()
    layouts()
