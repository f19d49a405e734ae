"""Weight-only quantization of an ONNX graph's constant-weight MatMuls; activations stay in float.

    /usr/bin/python3 tools/tiny-model/quantize.py IN.onnx OUT.onnx                  # 4-bit, MatMulNBits
    /usr/bin/python3 tools/tiny-model/quantize.py IN.onnx OUT.onnx --symmetric      # 4-bit, no zero points
    /usr/bin/python3 tools/tiny-model/quantize.py IN.onnx OUT.onnx --int8-qdq       # int8 per channel, QDQ

4-bit: every MatMul whose B is a 2-D initializer [K, N] becomes ONNX Runtime's contrib op
com.microsoft.MatMulNBits (docs/ContribOperators.md), in the layout its own quantizer
(onnxruntime/python/tools/quantization/matmul_4bits_quantizer.py) writes:
  B            uint8 [N, n_blocks, block_size/2]   column n's K values, block by block, low nibble first
  scales       [N * n_blocks], the weight's float type
  zero_points  uint8 [N * ceil(n_blocks/2)], two per byte, low nibble first (absent when symmetric: 8)
with w ≈ (q - zero_point) * scale, K zero-padded to a multiple of block_size. Scales and zero points
follow MLAS's round-to-nearest quantizer (range2scalezp / range2scale in blockwise_quant).

int8 QDQ: B becomes an int8 initializer with one scale per output column, feeding
DequantizeLinear(axis=1) and then the original MatMul: the form public QDQ exports use.

Gemm, Conv and MatMuls of two activations are left as they are. Only the main graph is visited:
exported diffusion models have no control-flow subgraphs."""
import argparse
import os

import numpy as np
import onnx
from onnx import helper, numpy_helper

MS_DOMAIN = "com.microsoft"
Q4_MAX = 15  # largest 4-bit code
Q4_MID = 8  # MatMulNBits' zero point when none is given
INT8_MAX = 127  # symmetric int8 range [-127, 127], as ORT quantizes weights (so -128 never appears)


def _round_half_away(x):
    """C's roundf, which MLAS uses; numpy's round goes half to even."""
    return np.trunc(x + np.copysign(np.float32(0.5), x))


def quantize_q4_blocks(w, block_size, symmetric):
    """[K, N] float weight -> (packed uint8 [N, n_blocks, block_size/2], scales [N*n_blocks], packed zero points or None)."""
    k, n = w.shape
    n_blocks = -(-k // block_size)
    padded = np.zeros((n_blocks * block_size, n), np.float32)
    padded[:k] = w
    blocks = padded.T.reshape(n, n_blocks, block_size)
    # every block's range includes 0, so 0 (and so zero padding) is exact
    lo = np.minimum(blocks.min(axis=2), 0.0)
    hi = np.maximum(blocks.max(axis=2), 0.0)
    if symmetric:
        # the value of largest magnitude maps to code 0 (-8 after the zero point), whatever its sign
        scale = (np.where(np.abs(hi) > np.abs(lo), hi, lo) / -Q4_MID).astype(w.dtype)
        zero_point = np.full(scale.shape, Q4_MID, np.float32)
    else:
        scale = ((hi - lo) / Q4_MAX).astype(w.dtype)
        s32 = scale.astype(np.float32)
        zero_point = np.divide(-lo, s32, out=np.zeros_like(lo), where=s32 != 0)
        zero_point = np.clip(_round_half_away(zero_point), 0, Q4_MAX)
    s32 = scale.astype(np.float32)
    reciprocal = np.divide(np.float32(1), s32, out=np.zeros_like(s32), where=s32 != 0)
    codes = _round_half_away(blocks * reciprocal[..., None] + zero_point[..., None])
    codes = np.clip(codes, 0, Q4_MAX).astype(np.uint8)
    packed = codes[..., 0::2] | (codes[..., 1::2] << 4)
    if symmetric:
        return packed, scale.reshape(-1), None
    zp = zero_point.astype(np.uint8)
    if n_blocks % 2:
        # the unused high nibble of a column's last byte holds the default, as MLAS writes it
        zp = np.concatenate([zp, np.full((n, 1), Q4_MID, np.uint8)], axis=1)
    return packed, scale.reshape(-1), (zp[:, 0::2] | (zp[:, 1::2] << 4)).reshape(-1)


def dequantize_q4_blocks(packed, scales, zero_points, k):
    """Inverse of quantize_q4_blocks, as MatMulNBits computes it: the [K, N] float weight it multiplies by."""
    n, n_blocks, _ = packed.shape
    codes = np.stack([packed & 0xF, packed >> 4], axis=-1).reshape(n, n_blocks, -1).astype(np.float32)
    if zero_points is None:
        zp = np.full((n, n_blocks), Q4_MID, np.float32)
    else:
        pairs = zero_points.reshape(n, -1)
        zp = np.stack([pairs & 0xF, pairs >> 4], axis=-1).reshape(n, -1)[:, :n_blocks].astype(np.float32)
    w = (codes - zp[..., None]) * scales.astype(np.float32).reshape(n, n_blocks)[..., None]
    return w.reshape(n, -1)[:, :k].T


def quantize_int8_columns(w):
    """[K, N] float weight -> (int8 [K, N], one scale per column [N]); symmetric, zero point 0."""
    scale = (np.abs(w).max(axis=0) / INT8_MAX).astype(w.dtype)
    s32 = scale.astype(np.float32)
    reciprocal = np.divide(np.float32(1), s32, out=np.zeros_like(s32), where=s32 != 0)
    q = np.clip(_round_half_away(w.astype(np.float32) * reciprocal), -INT8_MAX, INT8_MAX).astype(np.int8)
    return q, scale


def _constant_weight_matmuls(graph):
    """(index, node, weight initializer) for each MatMul whose B is a 2-D float initializer."""
    inits = {t.name: t for t in graph.initializer}
    for i, node in enumerate(graph.node):
        if node.op_type != "MatMul" or node.domain not in ("", "ai.onnx"):
            continue
        t = inits.get(node.input[1])
        if t is not None and len(t.dims) == 2 and t.data_type in (onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16):
            yield i, node, t


def _drop_unused_initializers(graph, names):
    used = {i for node in graph.node for i in node.input} | {o.name for o in graph.output}
    gone = {name for name in names if name not in used}
    kept = [t for t in graph.initializer if t.name not in gone]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    # IR < 4 models also list initializers as graph inputs
    inputs = [i for i in graph.input if i.name not in gone]
    del graph.input[:]
    graph.input.extend(inputs)


def _replace_nodes(graph, replacements):
    """replacements: index of an old node -> its new nodes, in place, so the graph stays topologically sorted."""
    nodes = []
    for i, node in enumerate(graph.node):
        nodes.extend(replacements.get(i, [node]))
    del graph.node[:]
    graph.node.extend(nodes)


def quantize_matmuls(model, block_size=32, symmetric=False):
    """A copy of `model` whose constant-weight MatMuls run as 4-bit MatMulNBits."""
    if block_size < 16 or block_size & (block_size - 1):
        raise ValueError(f"block_size must be a power of two of at least 16 (MatMulNBits), not {block_size}")
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    quantized = {}  # weight name -> its new inputs, so a shared weight is stored once
    replacements = {}
    for i, node, weight in list(_constant_weight_matmuls(graph)):
        w = numpy_helper.to_array(weight)
        k, n = w.shape
        if weight.name not in quantized:
            packed, scales, zero_points = quantize_q4_blocks(w, block_size, symmetric)
            tensors = [numpy_helper.from_array(packed, weight.name + "_Q4"),
                       numpy_helper.from_array(scales, weight.name + "_scales")]
            if zero_points is not None:
                tensors.append(numpy_helper.from_array(zero_points, weight.name + "_zero_points"))
            graph.initializer.extend(tensors)
            quantized[weight.name] = [t.name for t in tensors]
        replacements[i] = [helper.make_node(
            "MatMulNBits", [node.input[0], *quantized[weight.name]], list(node.output), name=node.name,
            domain=MS_DOMAIN, K=k, N=n, bits=4, block_size=block_size)]
    _replace_nodes(graph, replacements)
    _drop_unused_initializers(graph, quantized)
    if replacements and not any(o.domain == MS_DOMAIN for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid(MS_DOMAIN, 1))
    return model


def quantize_matmuls_int8_qdq(model):
    """A copy of `model` whose constant-weight MatMuls read int8 weights through DequantizeLinear."""
    opset = max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=0)
    if opset < 13:
        raise ValueError(f"per-channel DequantizeLinear (axis) needs opset 13 or later; this model has opset {opset}")
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    dequantized = {}  # weight name -> DequantizeLinear output
    replacements = {}
    for i, node, weight in list(_constant_weight_matmuls(graph)):
        new_nodes = []
        if weight.name not in dequantized:
            q, scale = quantize_int8_columns(numpy_helper.to_array(weight))
            names = [weight.name + s for s in ("_int8", "_scale", "_zero_point", "_dequantized")]
            graph.initializer.extend([numpy_helper.from_array(q, names[0]), numpy_helper.from_array(scale, names[1]),
                                      numpy_helper.from_array(np.zeros(scale.shape, np.int8), names[2])])
            new_nodes.append(helper.make_node("DequantizeLinear", names[:3], [names[3]], name=names[3], axis=1))
            dequantized[weight.name] = names[3]
        new_nodes.append(helper.make_node("MatMul", [node.input[0], dequantized[weight.name]], list(node.output),
                                          name=node.name))
        replacements[i] = new_nodes
    _replace_nodes(graph, replacements)
    _drop_unused_initializers(graph, dequantized)
    return model


def _report(before, after):
    """One line per quantized MatMul: its weight's shape and the largest weight error, relative to the largest weight."""
    weights = {t.name: numpy_helper.to_array(t) for t in before.graph.initializer}
    new_inits = {t.name: numpy_helper.to_array(t) for t in after.graph.initializer}
    dq = {n.output[0]: n for n in after.graph.node if n.op_type == "DequantizeLinear"}
    original = {n.name: n.input[1] for n in before.graph.node if n.op_type == "MatMul"}
    lines = []
    for node in after.graph.node:
        if node.op_type == "MatMulNBits":
            zp = new_inits[node.input[3]] if len(node.input) > 3 else None
            k = next(a.i for a in node.attribute if a.name == "K")
            w_hat = dequantize_q4_blocks(new_inits[node.input[1]], new_inits[node.input[2]], zp, k)
        elif node.op_type == "MatMul" and node.input[1] in dq:
            q, scale = (new_inits[i] for i in dq[node.input[1]].input[:2])
            w_hat = q.astype(np.float32) * scale.astype(np.float32)
        else:
            continue
        w = weights[original[node.name]].astype(np.float32)
        err = np.abs(w_hat - w).max() / max(np.abs(w).max(), 1e-12)
        lines.append(f"{node.name}: {node.op_type} [{w.shape[0]}, {w.shape[1]}], max |dw| = {err:.3f} of max |w|")
    return lines


def main(in_path, out_path, block_size=32, symmetric=False, int8_qdq=False):
    model = onnx.load(in_path)
    out = quantize_matmuls_int8_qdq(model) if int8_qdq else quantize_matmuls(model, block_size, symmetric)
    onnx.checker.check_model(out)
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    onnx.save(out, out_path)
    lines = _report(model, out)
    print("\n".join(lines))
    print(f"{len(lines)} MatMul(s) quantized; {os.path.getsize(in_path):,} -> {os.path.getsize(out_path):,} bytes")
    return out


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("--block-size", type=int, default=32)
    p.add_argument("--symmetric", action="store_true", help="4-bit without zero points (MatMulNBits' default 8)")
    p.add_argument("--int8-qdq", action="store_true", help="int8 per-channel weights through DequantizeLinear instead")
    a = p.parse_args()
    main(a.input, a.output, a.block_size, a.symmetric, a.int8_qdq)
