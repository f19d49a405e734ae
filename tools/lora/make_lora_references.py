"""Random LoRAs for the SD-Turbo twin and the images diffusers makes with them fused. Usage (repository root):

    PYTHONPATH=/work/ext/diffusers/src python tools/lora/make_lora_references.py [--model sd-turbo|sdxl-turbo|lcm]
        [--twins-tools DIR] [--twins-fixtures DIR]

The twin (tools/twins/, random weights in schmuell/sd-turbo-ort-web's layout) is rebuilt in PyTorch from its
seeds; the script first checks that the rebuilt pipeline reproduces the twin's own reference image, so the LoRA
references belong to the very weights in the ONNX files. Two LoRAs are written:

- kohya.safetensors: A1111/kohya keys (lora_unet_…, lora_te_…, .lora_down/.lora_up/.alpha) in float16, on the
  U-Net's attention and feed-forward Linears, its 3×3 and 1×1 convolutions (LoCon) and time-embedding Gemms, and
  on the text encoder's attention and MLP; alpha ≠ rank.
- peft.safetensors: written by diffusers' own save_lora_weights from PEFT adapters (unet.… / text_encoder.…
  lora_A / lora_B in bfloat16, lora_alpha in the file's lora_adapter_metadata).

Each case loads LoRAs with load_lora_weights and fuse_lora(lora_scale=strength), one after another, then runs
the pipeline; the engine must match within 2/255.
"""
import argparse
import copy
import json
import sys
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "src/engine/lora/__fixtures__"
SIZE = 256


def twin_modules(tools: Path):
    sys.path.insert(0, str(tools))
    import common
    import make_twins
    import modules
    text = common.round_to_fp16(modules.clip_text_model(hidden=32, layers=2, act="gelu", seed=0))
    unet = common.round_to_fp16(make_twins.boost_cross_attention(
        modules.unet(seed=1, **make_twins.sd_unet_config(32, sd2=True))))
    vae = common.round_to_fp16(make_twins.boost_vae_output(modules.vae(seed=2, **make_twins.sd_vae_config(0.18215))))
    return common, make_twins, text, unet, vae


def pipeline(common, make_twins, text, unet, vae, fixtures: Path):
    from diffusers import EulerDiscreteScheduler, StableDiffusionPipeline
    tokenizer = common.load_tokenizer(fixtures / make_twins.SD_TURBO_REPO / "tokenizer")
    pipe = StableDiffusionPipeline(vae=vae, text_encoder=text, tokenizer=tokenizer, unet=unet,
                                   scheduler=EulerDiscreteScheduler.from_config(make_twins.TURBO_SCHEDULER),
                                   safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def run(pipe, case):
    return pipe(case["prompt"], num_inference_steps=case["steps"], guidance_scale=case["guidance"],
                width=case["width"], height=case["height"],
                generator=torch.Generator("cpu").manual_seed(case["seed"])).images[0]


def check_twin(pipe, fixtures: Path):
    """The rebuilt modules must give the twin's own first reference image (made from the same seeds)."""
    from PIL import Image
    index = json.loads((fixtures / "references/sd-turbo.json").read_text())
    case = index["cases"][0]
    got = np.asarray(run(pipe, case), dtype=np.int16)
    want = np.asarray(Image.open(fixtures / "references" / case["image"]).convert("RGB"), dtype=np.int16)
    worst = int(np.abs(got - want).max())
    assert worst <= 1, f"the rebuilt twin differs from its reference image by {worst}/255"


def modules_of(model, kinds):
    return [(name, m) for name, m in model.named_modules() if isinstance(m, kinds)]


def kohya_lora(unet, text, gen, te_prefix="lora_te_"):
    """U-Net: every Linear and Conv2d of the attentions and resnets plus time_emb_proj; text encoder: q/k/v/out_proj,
    fc1, fc2. Ranks 4 (Linear) and 2 (Conv), alpha 2 and 1.5."""
    tensors = {}

    def add(prefix, name, module):
        is_conv = isinstance(module, torch.nn.Conv2d)
        rank, alpha = (2, 1.5) if is_conv else (4, 2.0)
        if is_conv:
            out, cin, kh, kw = module.weight.shape
            down = torch.randn(rank, cin, kh, kw, generator=gen) / (cin * kh * kw) ** 0.5
            up = torch.randn(out, rank, 1, 1, generator=gen) * 0.6
        else:
            out, cin = module.weight.shape
            down = torch.randn(rank, cin, generator=gen) / cin ** 0.5
            up = torch.randn(out, rank, generator=gen) * 0.6
        key = prefix + name.replace(".", "_")
        tensors[f"{key}.lora_down.weight"] = down.half()
        tensors[f"{key}.lora_up.weight"] = up.half()
        tensors[f"{key}.alpha"] = torch.tensor(alpha).half()

    for name, m in modules_of(unet, (torch.nn.Linear, torch.nn.Conv2d)):
        if ("attentions" in name or "resnets" in name) and not name.endswith("conv_in"):
            add("lora_unet_", name, m)
    encoder = text.text_model.encoder if hasattr(text, "text_model") else text.encoder
    for name, m in modules_of(encoder, torch.nn.Linear):
        add(te_prefix, "text_model.encoder." + name, m)
    return tensors


def peft_lora(pipe, path: Path, gen):
    """PEFT adapters on the U-Net's attention projections and the text encoder's q/k/v, saved by diffusers."""
    from diffusers import StableDiffusionPipeline
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict
    unet_config = LoraConfig(r=4, lora_alpha=6, target_modules=["to_q", "to_k", "to_v", "to_out.0"], init_lora_weights=False)
    text_config = LoraConfig(r=2, lora_alpha=4, target_modules=["q_proj", "k_proj", "v_proj"], init_lora_weights=False)
    # on copies, so the pipeline's own modules stay plain for load_lora_weights
    unet, text = copy.deepcopy(pipe.unet), copy.deepcopy(pipe.text_encoder)
    unet.add_adapter(unet_config, adapter_name="make")
    text.add_adapter(text_config, adapter_name="make")
    with torch.no_grad():
        for model in (unet, text):
            for name, p in model.named_parameters():
                if "lora_A" in name:
                    p.copy_(torch.randn(p.shape, generator=gen) / p.shape[1] ** 0.5)
                elif "lora_B" in name:
                    p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
    unet_layers = {k: v.to(torch.bfloat16) for k, v in get_peft_model_state_dict(unet, adapter_name="make").items()}
    text_layers = {f"text_model.{k}": v.to(torch.bfloat16)
                   for k, v in get_peft_model_state_dict(text, adapter_name="make").items()}
    StableDiffusionPipeline.save_lora_weights(path.parent, unet_lora_layers=unet_layers, text_encoder_lora_layers=text_layers,
                                              weight_name=path.name, unet_lora_adapter_metadata=unet_config.to_dict(),
                                              text_encoder_lora_adapter_metadata=text_config.to_dict())


def load_lora(pipe, path: Path, name: str):
    """load_lora_weights' own steps, with one bridge: the files name the text encoder's modules as transformers 4
    did (text_model.encoder…), this venv's transformers 5 CLIPTextModel has them at encoder…"""
    state_dict, alphas, metadata = pipe.lora_state_dict(str(path.parent), weight_name=path.name, return_lora_metadata=True)

    def flat(d):
        return {k.replace("text_encoder.text_model.", "text_encoder."): v for k, v in d.items()} if d else d

    pipe.load_lora_into_unet(state_dict, network_alphas=alphas, unet=pipe.unet, adapter_name=name, metadata=metadata,
                             _pipeline=pipe)
    pipe.load_lora_into_text_encoder(flat(state_dict), network_alphas=flat(alphas), text_encoder=pipe.text_encoder,
                                     adapter_name=name, _pipeline=pipe, metadata=metadata)


CASES = [
    {"loras": [["kohya", 1.0]], "prompt": "a photograph of an astronaut riding a horse", "seed": 0, "steps": 1},
    {"loras": [["peft", 0.7]], "prompt": "a cozy cabin in the woods", "seed": 1234, "steps": 4},
    {"loras": [["kohya", 0.8], ["peft", -0.5]], "prompt": "a red fox in the snow", "seed": 7, "steps": 2},
]


RESNET_SGM = {"conv1": "in_layers.2", "time_emb_proj": "emb_layers.1", "conv2": "out_layers.3",
              "conv_shortcut": "skip_connection"}
OUTSIDE_BLOCKS_SGM = {"conv_in": "input_blocks.0.0", "conv_out": "out.2", "time_embedding.linear_1": "time_embed.0",
                      "time_embedding.linear_2": "time_embed.2", "add_embedding.linear_1": "label_emb.0.0",
                      "add_embedding.linear_2": "label_emb.0.2"}


def sgm_name(name, config):
    """A diffusers U-Net module's name in Stability's sgm UNetModel, which kohya's sd-scripts trains SDXL on:
    input_blocks (conv_in, then per level layers_per_block × [resnet, attention] and a downsampler), middle_block
    (resnet, attention, resnet), output_blocks (per level layers_per_block + 1 × [resnet, attention, upsampler])."""
    if name in OUTSIDE_BLOCKS_SGM:
        return OUTSIDE_BLOCKS_SGM[name]
    per = config.layers_per_block + 1
    parts = name.split(".")
    if parts[0] == "mid_block":
        parts.insert(1, "0")  # one level, so the rest reads as the other blocks do
    kind, rest = parts[2], parts[4:]
    if kind == "resnets":
        rest = [*RESNET_SGM[rest[0]].split("."), *rest[1:]]
    if parts[0] == "mid_block":
        index = {("resnets", "0"): 0, ("attentions", "0"): 1, ("resnets", "1"): 2}[(kind, parts[3])]
        return ".".join(["middle_block", str(index), *rest])
    level, layer = int(parts[1]), int(parts[3])
    if parts[0] == "down_blocks":
        if kind == "downsamplers":
            return f"input_blocks.{1 + level * per + config.layers_per_block}.0.op"
        return ".".join(["input_blocks", str(1 + level * per + layer), "0" if kind == "resnets" else "1", *rest])
    if kind == "upsamplers":
        attends = config.up_block_types[level].startswith("CrossAttn")
        return f"output_blocks.{level * per + config.layers_per_block}.{2 if attends else 1}.conv"
    return ".".join(["output_blocks", str(level * per + layer), "0" if kind == "resnets" else "1", *rest])


def sgm_lora(unet, gen):
    """kohya's SDXL keys as sd-scripts writes them (lora_unet_input_blocks_…, middle_block_…, output_blocks_…,
    time_embed, label_emb, conv_in as input_blocks_0_0, conv_out as out_2) on every Linear and Conv2d of the U-Net,
    float16, rank 4 with alpha 2."""
    tensors = {}
    for name, m in modules_of(unet, (torch.nn.Linear, torch.nn.Conv2d)):
        out, cin = m.weight.shape[:2]
        kernel = tuple(m.weight.shape[2:])
        fan_in = cin * int(np.prod(kernel)) if kernel else cin
        key = "lora_unet_" + sgm_name(name, unet.config).replace(".", "_")
        tensors[f"{key}.lora_down.weight"] = (torch.randn(4, cin, *kernel, generator=gen) / fan_in ** 0.5).half()
        tensors[f"{key}.lora_up.weight"] = (torch.randn(out, 4, *(1,) * len(kernel), generator=gen) * 0.4).half()
        tensors[f"{key}.alpha"] = torch.tensor(2.0).half()
    return tensors


def render_cases(pipe, cases, out: Path, restore, load, render, tag=""):
    """Each case's image with its LoRAs fused one after another (`load(name)` puts one into the pipeline), saved in
    out, and checked to differ from the plain twin's; the cases as references.json lists them."""
    entries = []
    for i, case in enumerate(cases):
        restore()
        for name, strength in case["loras"]:
            load(name)
            pipe.fuse_lora(lora_scale=strength, adapter_names=[name])
            pipe.unload_lora_weights()
        image = render(case)
        file = f"{i:02d}-{'+'.join(n for n, _ in case['loras'])}.png"
        image.save(out / file, optimize=True)
        restore()
        change = float(np.abs(np.asarray(image, dtype=np.int16) - np.asarray(render(case), dtype=np.int16)).mean())
        assert change > 5, f"case {i}: the LoRA barely changes the image (mean {change:.1f}/255)"
        entries.append({**case, "image": file, "meanChangeFromNoLora": round(change, 2)})
        print(f"{tag}{file}: mean change from the plain twin {change:.1f}/255")
    return entries


def write_references(out: Path, fixtures: Path, twin_id: str, paths, entries):
    """references.json: the cases, and the sha256 of the twin's files (`paths(files)` picks them) they were made on."""
    twin_index = json.loads((fixtures / "references/twins.json").read_text())[twin_id]["files"]
    (out / "references.json").write_text(json.dumps({
        "twin": {p: twin_index[p]["sha256"] for p in paths(twin_index)},
        "cases": entries}, indent=1) + "\n")


def sdxl_twin(tools: Path, fixtures: Path):
    """The SDXL-Turbo twin's modules and pipeline as make_twins.make_sdxl_turbo / sdxl_references build them
    (same seeds and configs; float16 rounding at the graphs' float16 boundaries)."""
    sys.path.insert(0, str(tools))
    from diffusers import EulerAncestralDiscreteScheduler, StableDiffusionXLPipeline

    import common
    import make_twins
    import modules
    text = common.round_to_fp16(modules.clip_text_model(hidden=32, layers=12, act="quick_gelu", seed=20))
    text_2 = common.round_to_fp16(modules.clip_text_model(hidden=32, layers=32, act="gelu", projection_dim=32, seed=21))
    unet = common.round_to_fp16(make_twins.boost_cross_attention(modules.unet(
        seed=22, sample_size=64, in_channels=4, out_channels=4, layers_per_block=1, block_out_channels=(32, 64),
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        transformer_layers_per_block=(1, 2), cross_attention_dim=64, attention_head_dim=(2, 4),
        use_linear_projection=True, addition_embed_type="text_time", addition_time_embed_dim=8,
        projection_class_embeddings_input_dim=32 + 6 * 8, norm_num_groups=8, flip_sin_to_cos=True, freq_shift=0)))
    vae = common.round_to_fp16(make_twins.boost_vae_output(modules.vae(seed=23, **make_twins.sd_vae_config(0.13025))))
    for m in (text, text_2, unet):
        make_twins.with_fp16_boundaries(m)
    decode = vae.decode
    vae.decode = lambda z, *a, **k: make_twins.fp16_round(decode(make_twins.fp16_round(z), *a, **k))
    pipe = StableDiffusionXLPipeline(
        vae=vae, text_encoder=text, text_encoder_2=text_2,
        tokenizer=common.load_tokenizer(fixtures / make_twins.LCM_REPO / "tokenizer"),
        tokenizer_2=common.load_tokenizer(fixtures / make_twins.SD_TURBO_REPO / "tokenizer"), unet=unet,
        scheduler=EulerAncestralDiscreteScheduler.from_config(make_twins.SDXL_TURBO_SCHEDULER),
        force_zeros_for_empty_prompt=True)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def sdxl_main(args):
    """SDXL-Turbo: a kohya LoRA with lora_unet_, lora_te1_ and lora_te2_ keys, and one with kohya's sgm U-Net keys
    (diffusers maps those itself), fused by diffusers' SDXL loader."""
    from PIL import Image
    pipe = sdxl_twin(args.twins_tools, args.twins_fixtures)
    index = json.loads((args.twins_fixtures / "references/sdxl-turbo.json").read_text())
    first = index["cases"][0]

    def run_sdxl(case):
        return pipe(case["prompt"], negative_prompt=case.get("negativePrompt"), num_inference_steps=case["steps"],
                    guidance_scale=case["guidance"], width=case["width"], height=case["height"],
                    generator=torch.Generator("cpu").manual_seed(case["seed"])).images[0]

    got = np.asarray(run_sdxl(first), dtype=np.int16)
    want = np.asarray(Image.open(args.twins_fixtures / "references" / first["image"]).convert("RGB"), dtype=np.int16)
    assert int(np.abs(got - want).max()) <= 1, "the rebuilt SDXL twin differs from its reference image"

    out = OUT / "sdxl-turbo"
    out.mkdir(parents=True, exist_ok=True)
    gen = torch.Generator().manual_seed(2025)
    tensors = kohya_lora(pipe.unet, pipe.text_encoder, gen, te_prefix="lora_te1_")
    tensors.update({k: v for k, v in kohya_lora(pipe.unet, pipe.text_encoder_2, gen, te_prefix="lora_te2_").items()
                    if k.startswith("lora_te2_")})
    save_file(tensors, str(out / "kohya.safetensors"))
    save_file(sgm_lora(pipe.unet, torch.Generator().manual_seed(2027)), str(out / "kohya-sgm.safetensors"))
    base = {k: v.clone() for k, v in pipe.unet.state_dict().items()}
    base_te = [{k: v.clone() for k, v in m.state_dict().items()} for m in (pipe.text_encoder, pipe.text_encoder_2)]

    def restore():
        with torch.no_grad():
            pipe.unet.load_state_dict(base)
            pipe.text_encoder.load_state_dict(base_te[0])
            pipe.text_encoder_2.load_state_dict(base_te[1])

    cases = [{"loras": [["kohya", 1.0]], "prompt": "a photograph of an astronaut riding a horse", "seed": 0, "steps": 1},
             {"loras": [["kohya", 0.6]], "prompt": "a red fox in the snow", "seed": 1234, "steps": 2},
             {"loras": [["kohya-sgm", 0.8]], "prompt": "a cozy cabin in the woods", "seed": 7, "steps": 1}]

    def load(name):
        # unet_config as load_lora_weights passes it: diffusers maps kohya's sgm block numbers with it
        state_dict, alphas, metadata = pipe.lora_state_dict(str(out), weight_name=f"{name}.safetensors",
                                                            unet_config=pipe.unet.config, return_lora_metadata=True)
        pipe.load_lora_into_unet(state_dict, network_alphas=alphas, unet=pipe.unet, adapter_name=name,
                                 metadata=metadata, _pipeline=pipe)
        for prefix, encoder in (("text_encoder", pipe.text_encoder), ("text_encoder_2", pipe.text_encoder_2)):
            keep = hasattr(encoder, "text_model")

            def flat(d, prefix=prefix, keep=keep):
                if not d or keep:
                    return d
                return {k.replace(f"{prefix}.text_model.", f"{prefix}."): v for k, v in d.items()}
            pipe.load_lora_into_text_encoder(flat(state_dict), network_alphas=flat(alphas), text_encoder=encoder,
                                             prefix=prefix, adapter_name=name, _pipeline=pipe, metadata=metadata)

    cases = [{**c, "guidance": 0.0, "width": SIZE, "height": SIZE, "sampler": "Euler a"} for c in cases]
    entries = render_cases(pipe, cases, out, restore, load, run_sdxl, tag="sdxl ")
    write_references(out, args.twins_fixtures, "sdxl-turbo",
                     lambda files: [p for p in files if p.endswith(".onnx") and "vae" not in p], entries)


def lcm_twin(tools: Path, fixtures: Path):
    """The LCM twin's modules and pipeline as make_twins.make_lcm / lcm_references build them (same seeds)."""
    sys.path.insert(0, str(tools))
    from diffusers import LatentConsistencyModelPipeline, LCMScheduler

    import common
    import make_twins
    import modules
    text = common.round_to_fp16(modules.clip_text_model(hidden=32, layers=2, act="quick_gelu", seed=10))
    unet = common.round_to_fp16(make_twins.boost_cross_attention(
        modules.unet(seed=11, **make_twins.sd_unet_config(32, sd2=False, time_cond_proj_dim=256))))
    vae = common.round_to_fp16(make_twins.boost_vae_output(modules.vae(seed=12, **make_twins.sd_vae_config(0.18215))))
    pipe = LatentConsistencyModelPipeline(
        vae=vae, text_encoder=text, tokenizer=common.load_tokenizer(fixtures / make_twins.LCM_REPO / "tokenizer"),
        unet=unet, scheduler=LCMScheduler.from_config(make_twins.LCM_SCHEDULER), safety_checker=None,
        feature_extractor=None, requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    return pipe


# the modules latent-consistency/lcm-lora-sdv1-5 adapts: every Linear and Conv2d of the U-Net's attentions and
# resnets, the down/upsampling convolutions and the time-embedding projections; no text-encoder part
LCM_LORA_TARGETS = ("attentions", "resnets", "downsamplers", "upsamplers")


def lcm_lora(unet, gen):
    """An LCM-LoRA-style adapter in kohya keys (as the published LCM-LoRA files): U-Net only, float16, rank 8 with
    alpha 4 on Linears, rank 4 with alpha 2 on convolutions."""
    tensors = {}
    for name, m in modules_of(unet, (torch.nn.Linear, torch.nn.Conv2d)):
        if not any(t in name.split(".") for t in LCM_LORA_TARGETS):
            continue
        is_conv = isinstance(m, torch.nn.Conv2d)
        rank, alpha = (4, 2.0) if is_conv else (8, 4.0)
        out, cin = m.weight.shape[:2]
        kernel = m.weight.shape[2:] if is_conv else ()
        fan_in = cin * int(np.prod(kernel)) if is_conv else cin
        key = "lora_unet_" + name.replace(".", "_")
        tensors[f"{key}.lora_down.weight"] = (torch.randn(rank, cin, *kernel, generator=gen) / fan_in ** 0.5).half()
        tensors[f"{key}.lora_up.weight"] = (torch.randn(out, rank, *((1, 1) if is_conv else ()), generator=gen) * 0.5).half()
        tensors[f"{key}.alpha"] = torch.tensor(alpha).half()
    return tensors


def lcm_main(args):
    """LCM Dreamshaper's twin (SD 1.5's interface, guidance embedded as timestep_cond) with an LCM-LoRA-style
    adapter, fused by diffusers' loader into LatentConsistencyModelPipeline."""
    from PIL import Image
    pipe = lcm_twin(args.twins_tools, args.twins_fixtures)
    index = json.loads((args.twins_fixtures / "references/lcm-dreamshaper-v7.json").read_text())

    def run_lcm(case):
        return pipe(case["prompt"], num_inference_steps=case["steps"], guidance_scale=case["guidance"],
                    width=case["width"], height=case["height"],
                    generator=torch.Generator("cpu").manual_seed(case["seed"])).images[0]

    first = index["cases"][0]
    got = np.asarray(run_lcm(first), dtype=np.int16)
    want = np.asarray(Image.open(args.twins_fixtures / "references" / first["image"]).convert("RGB"), dtype=np.int16)
    assert int(np.abs(got - want).max()) <= 1, "the rebuilt LCM twin differs from its reference image"

    out = OUT / "lcm-dreamshaper-v7"
    out.mkdir(parents=True, exist_ok=True)
    save_file(lcm_lora(pipe.unet, torch.Generator().manual_seed(2026)), str(out / "lcm-lora.safetensors"))
    base = {k: v.clone() for k, v in pipe.unet.state_dict().items()}
    # guidance 1 (w = 0) as LCM-LoRA's examples sample, and the twin's embedded default of 8
    cases = [{"loras": [["lcm-lora", 1.0]], "prompt": "a photograph of an astronaut riding a horse", "seed": 0,
              "steps": 4, "guidance": 1.0},
             {"loras": [["lcm-lora", 0.7]], "prompt": "a cozy cabin in the woods", "seed": 7, "steps": 2, "guidance": 8.0}]
    cases = [{**c, "width": SIZE, "height": SIZE, "sampler": "LCM"} for c in cases]
    entries = render_cases(
        pipe, cases, out, lambda: pipe.unet.load_state_dict(base),
        lambda name: pipe.load_lora_weights(str(out), weight_name=f"{name}.safetensors", adapter_name=name),
        run_lcm, tag="lcm ")
    write_references(out, args.twins_fixtures, "lcm-dreamshaper-v7", lambda _: ("unet/model.onnx", "unet/model.onnx_data"),
                     entries)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--twins-tools", type=Path, default=ROOT / "tools/twins")
    parser.add_argument("--twins-fixtures", type=Path, default=ROOT / "src/models/__fixtures__/twins")
    parser.add_argument("--model", choices=["sd-turbo", "sdxl-turbo", "lcm"], default="sd-turbo")
    args = parser.parse_args()
    torch.set_num_threads(2)
    if args.model == "sdxl-turbo":
        sdxl_main(args)
        return
    if args.model == "lcm":
        lcm_main(args)
        return
    common, make_twins, text, unet, vae = twin_modules(args.twins_tools)
    base = {k: v.clone() for k, v in {**{f"unet.{k}": v for k, v in unet.state_dict().items()},
                                      **{f"te.{k}": v for k, v in text.state_dict().items()}}.items()}
    pipe = pipeline(common, make_twins, text, unet, vae, args.twins_fixtures)
    check_twin(pipe, args.twins_fixtures)

    OUT.mkdir(parents=True, exist_ok=True)
    gen = torch.Generator().manual_seed(2024)
    save_file(kohya_lora(unet, text, gen), str(OUT / "kohya.safetensors"))
    peft_lora(pipe, OUT / "peft.safetensors", gen)

    def restore():
        with torch.no_grad():
            unet.load_state_dict({k[5:]: v for k, v in base.items() if k.startswith("unet.")})
            text.load_state_dict({k[3:]: v for k, v in base.items() if k.startswith("te.")})

    cases = [{**c, "guidance": 0.0, "width": SIZE, "height": SIZE, "sampler": "Euler"} for c in CASES]
    entries = render_cases(pipe, cases, OUT, restore, lambda name: load_lora(pipe, OUT / f"{name}.safetensors", name),
                           lambda case: run(pipe, case))
    write_references(OUT, args.twins_fixtures, "sd-turbo", lambda _: ("unet/model.onnx", "text_encoder/model.onnx"), entries)


if __name__ == "__main__":
    main()
