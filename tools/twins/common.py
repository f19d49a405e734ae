"""Helpers shared by the twin builders: CLIP tokenizer files, ONNX export, file records, references.

A "twin" is a random-weight copy of a hub model's architecture with tiny widths, laid out as the real
repo is (paths, ONNX input/output names, dtypes, dynamic axes, external data, tokenizer files), so the
engine's loading and pipeline code can be tested against diffusers on the same weights.
"""
import hashlib
import importlib.util
import json
import time
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnx import helper, numpy_helper

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "src/models/__fixtures__/twins"
REFERENCES = FIXTURES / "references"
OPSET = 17
# weights smaller than this stay float32 (biases, norms); bigger ones are stored as float16, as the real exports do
FP16_MIN_ELEMENTS = 256

BOS, EOS = 49406, 49407


# ---------------------------------------------------------------------------------------------- tokenizer

def _open_clip_tokenizer_module():
    """open_clip's tokenizer.py alone (the package's __init__ pulls in torchvision, which this venv lacks)."""
    spec = importlib.util.find_spec("open_clip")
    if spec is None or spec.origin is None:
        raise SystemExit("open_clip_torch is not installed: PIP_INDEX_URL=file:///opt/pypi/simple pip install open_clip_torch")
    path = Path(spec.origin).parent / "tokenizer.py"
    module_spec = importlib.util.spec_from_file_location("open_clip_tokenizer", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


_OPEN_CLIP = None


def open_clip_tokenizer():
    global _OPEN_CLIP
    if _OPEN_CLIP is None:
        _OPEN_CLIP = _open_clip_tokenizer_module().SimpleTokenizer()
    return _OPEN_CLIP


def clip_vocab():
    """CLIP's 49,408-token vocabulary and its 48,894 merges, from the BPE file open_clip ships
    (bpe_simple_vocab_16e6.txt.gz, the same file OpenAI's CLIP repo ships). Hugging Face's CLIP vocab.json
    names the two special tokens <|startoftext|> / <|endoftext|> where open_clip says <start_of_text> /
    <end_of_text>; ids are the same (49406, 49407)."""
    t = open_clip_tokenizer()
    rename = {"<start_of_text>": "<|startoftext|>", "<end_of_text>": "<|endoftext|>"}
    vocab = {rename.get(k, k): v for k, v in sorted(t.encoder.items(), key=lambda kv: kv[1])}
    assert len(vocab) == 49408 and vocab["<|startoftext|>"] == BOS and vocab["<|endoftext|>"] == EOS
    merges = [" ".join(pair) for pair, _ in sorted(t.bpe_ranks.items(), key=lambda kv: kv[1])]
    assert len(merges) == 48894
    return vocab, merges


def _special(content):
    # the AddedToken form transformers 4.x wrote into the Stable Diffusion repos' tokenizer files
    return {"content": content, "lstrip": False, "normalized": True, "rstrip": False, "single_word": False}


def write_tokenizer_folder(folder: Path, pad_token: str):
    """vocab.json, merges.txt, special_tokens_map.json and tokenizer_config.json as the diffusers-format SD repos
    ship them (e.g. stabilityai/stable-diffusion-2-1 tokenizer/: pad "!"; runwayml/stable-diffusion-v1-5: pad
    "<|endoftext|>"). No tokenizer.json: neither SD ONNX repo has one."""
    folder.mkdir(parents=True, exist_ok=True)
    vocab, merges = clip_vocab()
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    (folder / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n", encoding="utf-8")
    pad = pad_token if pad_token == "!" else _special(pad_token)
    specials = {
        "bos_token": _special("<|startoftext|>"),
        "eos_token": _special("<|endoftext|>"),
        "pad_token": pad,
        "unk_token": _special("<|endoftext|>"),
    }
    (folder / "special_tokens_map.json").write_text(json.dumps(specials, indent=2) + "\n")
    config = {
        "add_prefix_space": False,
        **{k: {**v, "__type": "AddedToken"} if isinstance(v, dict) else v for k, v in specials.items()},
        "do_lower_case": True,
        "errors": "replace",
        "model_max_length": 77,
        "tokenizer_class": "CLIPTokenizer",
    }
    (folder / "tokenizer_config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")


def load_tokenizer(folder: Path):
    from transformers import CLIPTokenizer
    return CLIPTokenizer.from_pretrained(str(folder))


def open_clip_ids(oc, prompt):
    """open_clip.tokenize's ids for one prompt: start, BPE, end, cut to 77 keeping the end token, zero-padded."""
    ids = ([BOS] + oc.encode(prompt) + [EOS])[:77]
    ids[-1] = EOS
    return ids + [0] * (77 - len(ids))


def check_tokenizer_against_open_clip(folder: Path, prompts):
    """transformers' CLIPTokenizer from `folder` and open_clip's tokenizer give the same ids (before padding).
    Prompts must not hold special-token text: open_clip's tokenizer splits "<|endoftext|>" into BPE pieces."""
    tok = load_tokenizer(folder)
    oc = open_clip_tokenizer()
    for p in prompts:
        if tok.pad_token in p:
            # the pad token is an added token to transformers, so a literal "!" becomes id 0 and is split off
            # ("!!" is one BPE token, 748, to open_clip): the goldens record this, it is no vocabulary error
            continue
        ours = tok(p, truncation=True, max_length=77).input_ids
        theirs = [i for i in open_clip_ids(oc, p) if i != 0]
        if ours != theirs:
            raise AssertionError(f"{folder}: transformers and open_clip disagree on {p!r}:\n{ours}\n{theirs}")


def tokenize_ids(tokenizer, prompt):
    return tokenizer(prompt, padding="max_length", max_length=77, truncation=True).input_ids


# ---------------------------------------------------------------------------------------------- ONNX

def round_to_fp16(module: torch.nn.Module):
    """Make every float weight exactly representable in float16, so the ONNX file can store it as float16 (as the
    real fp16 exports do) while the graph and the PyTorch reference still compute with the very same values."""
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(p.half().float())
    return module


def store_weights_fp16(model: onnx.ModelProto) -> onnx.ModelProto:
    """float32 initializers of FP16_MIN_ELEMENTS or more become float16 ones behind a Cast to float32."""
    graph = model.graph
    casts = []
    for init in graph.initializer:
        if init.data_type != onnx.TensorProto.FLOAT or int(np.prod(init.dims)) < FP16_MIN_ELEMENTS:
            continue
        value = numpy_helper.to_array(init)
        half = value.astype(np.float16)
        assert np.array_equal(half.astype(np.float32), value), f"{init.name} is not float16-exact"
        name = init.name
        init.CopyFrom(numpy_helper.from_array(half, name + "_fp16"))
        casts.append(helper.make_node("Cast", [name + "_fp16"], [name], to=onnx.TensorProto.FLOAT, name=name + "_cast"))
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(casts + nodes)
    return model


def export_onnx(module, args, path: Path, input_names, output_names, dynamic_axes, fp16_weights=True,
                external_data=False):
    """torch.onnx.export (TorchScript exporter, opset 17); weights stored as float16 when `fp16_weights`;
    `external_data` keeps the weights in `<file>_data` beside the graph (as `model.onnx` + `model.onnx_data`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.onnx")
    with torch.no_grad():
        torch.onnx.export(module.eval(), args, str(tmp), opset_version=OPSET, input_names=input_names,
                          output_names=output_names, dynamic_axes=dynamic_axes, dynamo=False,
                          do_constant_folding=True)
    model = onnx.load(str(tmp))
    tmp.unlink()
    if fp16_weights:
        model = store_weights_fp16(model)
    model.producer_name = "twins"
    model.producer_version = "1"
    data_name = path.name + "_data"
    if (path.parent / data_name).exists():
        (path.parent / data_name).unlink()
    if external_data:
        onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                        location=data_name, size_threshold=1024)
    else:
        onnx.save_model(model, str(path))
    onnx.checker.check_model(str(path))
    return path


_DTYPES = {1: "float32", 10: "float16", 6: "int32", 7: "int64", 9: "bool", 11: "float64"}


def _value_info(v):
    t = v.type.tensor_type
    dims = [d.dim_param if d.dim_param else d.dim_value for d in t.shape.dim]
    return {"name": v.name, "dtype": _DTYPES.get(t.elem_type, str(t.elem_type)), "shape": dims}


def describe_onnx(path: Path):
    model = onnx.load(str(path), load_external_data=False)
    inits = {i.name for i in model.graph.initializer}
    ops = sorted({n.op_type for n in model.graph.node})
    return {
        "inputs": [_value_info(v) for v in model.graph.input if v.name not in inits],
        "outputs": [_value_info(v) for v in model.graph.output],
        "opset": model.opset_import[0].version,
        "ops": ops,
    }


def run_onnx(path: Path, feeds):
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(None, {k: v.numpy() if torch.is_tensor(v) else v for k, v in feeds.items()})))


def fidelity(path: Path, module, feeds):
    """Max |ONNX − PyTorch| per output on one input (both computing in float32 inside)."""
    got = run_onnx(path, feeds)
    with torch.no_grad():
        want = module(*feeds.values())
    if torch.is_tensor(want):
        want = (want,)
    out = {}
    for (name, value), ref in zip(got.items(), want):
        ref = ref.float().numpy()
        out[name] = {"max_abs_diff": float(np.abs(value.astype(np.float32) - ref).max()),
                     "max_abs_value": float(np.abs(ref).max())}
    return out


# ---------------------------------------------------------------------------------------------- records

def sha256(path: Path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def file_records(repo_dir: Path):
    files = {}
    for p in sorted(repo_dir.rglob("*")):
        if p.is_file():
            rel = p.relative_to(repo_dir).as_posix()
            entry = {"bytes": p.stat().st_size, "sha256": sha256(p)}
            if p.suffix == ".onnx":
                entry["io"] = describe_onnx(p)
            files[rel] = entry
    return files


def write_json(path: Path, value):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def update_twins_index(key, entry):
    index_path = REFERENCES / "twins.json"
    index = json.loads(index_path.read_text()) if index_path.exists() else {}
    index[key] = entry
    write_json(index_path, dict(sorted(index.items())))


def write_diffusers_config(path: Path, class_name, config):
    """A config.json / scheduler_config.json as diffusers writes it (class name first)."""
    write_json(path, {"_class_name": class_name, "_diffusers_version": "0.30.0", **config})


# ---------------------------------------------------------------------------------------------- references

class FeedRecorder:
    """Records the input_ids each text encoder is fed during a pipeline call (forward pre-hook)."""

    def __init__(self, **encoders):
        self.calls = {name: [] for name in encoders}
        self.handles = [enc.register_forward_pre_hook(self._hook(name), with_kwargs=True)
                        for name, enc in encoders.items()]

    def _hook(self, name):
        def hook(_module, args, kwargs):
            ids = args[0] if args else kwargs["input_ids"]
            self.calls[name].extend(ids.tolist())
        return hook

    def take(self):
        out = {k: v for k, v in self.calls.items()}
        self.calls = {k: [] for k in self.calls}
        return out


def run_references(name, pipe, cases, call, recorder):
    """Runs `call(pipe, case)` for each case, saves the PNG and an index with the fed token ids."""
    out_dir = REFERENCES / name
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.png"):
        old.unlink()
    entries = []
    started = time.perf_counter()
    for i, case in enumerate(cases):
        t0 = time.perf_counter()
        image = call(pipe, case)
        seconds = time.perf_counter() - t0
        file = f"{i:02d}-seed{case['seed']}-steps{case['steps']}.png"
        image.save(out_dir / file, optimize=False)
        pixels = np.asarray(image)
        assert pixels.dtype == np.uint8 and pixels.shape == (case["height"], case["width"], 3)
        entries.append({**case, "image": f"{name}/{file}", "sha256": sha256(out_dir / file),
                        "fedInputIds": recorder.take(), "seconds": round(seconds, 3)})
    total = time.perf_counter() - started
    write_json(REFERENCES / f"{name}.json", {"cases": entries, "totalSeconds": round(total, 2)})
    return total
