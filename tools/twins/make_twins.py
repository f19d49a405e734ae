"""Builds the twin models and their diffusers references. Usage (from the repository root):

    PYTHONPATH=/work/ext/diffusers/src python tools/twins/make_twins.py sd-turbo|lcm|sdxl-turbo|goldens|all

See README.md beside this file for what each twin reproduces and the sources of each repo's layout.
"""
import argparse
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
import modules
from common import FIXTURES

LONG_PROMPT = ("a very long prompt about a lighthouse on a rocky cliff at sunset, waves crashing below, seagulls in "
               "the sky, dramatic clouds, golden light, oil painting in the style of the old masters, highly "
               "detailed, with a small red boat in the harbour, fishermen mending their nets, a dog on the pier, "
               "children playing, and the smell of salt and seaweed in the warm summer evening air, trending")
TOKENIZER_CHECK_PROMPTS = ["a photograph of an astronaut riding a horse", "wow! a red fox!!", LONG_PROMPT,
                           "Café «naïve» 東京 🐱", "don't STOP 1,234.5"]


def sd_latent_size(width, height):
    return height // 8, width // 8


# -------------------------------------------------------------------------------------------------- SD-Turbo

SD_TURBO_REPO, SD_TURBO_REV = "schmuell/sd-turbo-ort-web", "ace89b7d2cd849f9a73914cdbb8a3ea60c853dd1"

# stabilityai/sd-turbo scheduler/scheduler_config.json (EulerDiscreteScheduler, trailing)
TURBO_SCHEDULER = {"beta_end": 0.012, "beta_schedule": "scaled_linear", "beta_start": 0.00085, "clip_sample": False,
                   "interpolation_type": "linear", "num_train_timesteps": 1000, "prediction_type": "epsilon",
                   "sample_max_value": 1.0, "set_alpha_to_one": False, "skip_prk_steps": True, "steps_offset": 1,
                   "timestep_spacing": "trailing", "trained_betas": None, "use_karras_sigmas": False}


def sd_unet_config(cross_attention_dim, sd2, **extra):
    """SD's U-Net layout at tiny width: attention at every level but the lowest (SD: CrossAttn ×3 then
    DownBlock2D), one mid-block. SD 2.x uses linear projections in its transformers and gives head counts as
    attention_head_dim (diffusers' historical naming: 5, 10, 20, 20 heads of 64 for 2.1); SD 1.x 8 heads."""
    return dict(sample_size=64, in_channels=4, out_channels=4, layers_per_block=1, block_out_channels=(32, 64),
                down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
                up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"), cross_attention_dim=cross_attention_dim,
                attention_head_dim=(2, 4) if sd2 else 4, use_linear_projection=sd2, norm_num_groups=8,
                flip_sin_to_cos=True, freq_shift=0, act_fn="silu", center_input_sample=False, **extra)


def sd_vae_config(scaling_factor):
    """AutoencoderKL with SD's four levels (×8), 4 latent channels, tiny widths."""
    return dict(in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * 4,
                up_block_types=("UpDecoderBlock2D",) * 4, block_out_channels=(8, 16, 16, 16), layers_per_block=1,
                latent_channels=4, norm_num_groups=4, sample_size=512, scaling_factor=scaling_factor)


def boost_vae_output(vae):
    """Random init leaves the decoder's output near 0 (flat grey images that hide errors); scale its last conv so
    pixels span the range and some clip, as real images do."""
    with torch.no_grad():
        vae.decoder.conv_out.weight.mul_(3.0)
    return vae


def boost_cross_attention(unet):
    """Random init gives the text little say in the output; louder cross-attention makes prompts (and so
    tokenizer or text-encoder errors) change the image clearly."""
    with torch.no_grad():
        for name, module in unet.named_modules():
            if name.endswith("attn2.to_out.0"):
                module.weight.mul_(4.0)
    return unet


def text_feeds(seq=77, dtype=torch.int32):
    ids = torch.randint(0, 49408, (1, seq), generator=torch.Generator().manual_seed(7)).to(dtype)
    ids[0, 0], ids[0, 20] = common.BOS, common.EOS
    return ids


def make_sd_turbo():
    repo = FIXTURES / SD_TURBO_REPO
    common.write_tokenizer_folder(repo / "tokenizer", pad_token="!")
    common.check_tokenizer_against_open_clip(repo / "tokenizer", TOKENIZER_CHECK_PROMPTS)

    # SD 2.1's text encoder is OpenCLIP ViT-H as CLIPTextModel with gelu (not quick_gelu) and its last layer
    # dropped (23 of 24), so last_hidden_state (final layer norm applied) is what SD 2.x conditions on.
    text = common.round_to_fp16(modules.clip_text_model(hidden=32, layers=2, act="gelu", seed=0))
    unet = common.round_to_fp16(boost_cross_attention(modules.unet(seed=1, **sd_unet_config(32, sd2=True))))
    vae = common.round_to_fp16(boost_vae_output(modules.vae(seed=2, **sd_vae_config(0.18215))))

    # I/O as microsoft/onnxruntime-inference-examples js/sd-turbo/index.js feeds this repo: input_ids int32
    # [1,77] → last_hidden_state; unet sample float32, timestep int64 [1], encoder_hidden_states → out_sample;
    # vae_decoder latent_sample → sample. Axis names are optimum's (the demo's freeDimensionOverrides name
    # batch_size, num_channels, height, width, sequence_length; num_channels_latent, height_latent, width_latent).
    fid = {}
    te = modules.TextEncoderLastHidden(text)
    path = common.export_onnx(te, (text_feeds(),), repo / "text_encoder/model.onnx", ["input_ids"],
                              ["last_hidden_state", "pooler_output"],
                              {"input_ids": {0: "batch_size", 1: "sequence_length"},
                               "last_hidden_state": {0: "batch_size", 1: "sequence_length"},
                               "pooler_output": {0: "batch_size"}})
    fid["text_encoder/model.onnx"] = common.fidelity(path, te, {"input_ids": text_feeds()})

    g = torch.Generator().manual_seed(3)
    un = modules.UNetOnnx(unet)
    unet_feeds = {"sample": torch.randn(1, 4, 64, 64, generator=g), "timestep": torch.tensor([999], dtype=torch.int64),
                  "encoder_hidden_states": torch.randn(1, 77, 32, generator=g)}
    path = common.export_onnx(un, tuple(unet_feeds.values()), repo / "unet/model.onnx", list(unet_feeds),
                              ["out_sample"],
                              {"sample": {0: "batch_size", 1: "num_channels", 2: "height", 3: "width"},
                               "timestep": {0: "steps"},
                               "encoder_hidden_states": {0: "batch_size", 1: "sequence_length"},
                               "out_sample": {0: "batch_size", 1: "num_channels", 2: "height", 3: "width"}})
    fid["unet/model.onnx"] = common.fidelity(path, un, unet_feeds)
    fid.update(export_vae(repo, vae, encoder=True))

    files = common.file_records(repo)
    common.update_twins_index("sd-turbo", {"repo": SD_TURBO_REPO, "revision": SD_TURBO_REV, "files": files,
                                           "fidelity": fid, "pytorch": {
                                               "text_encoder": text.config.to_dict(), "unet": dict(unet.config),
                                               "vae": dict(vae.config)}, "scheduler": TURBO_SCHEDULER})
    sd_turbo_references(text, unet, vae, repo / "tokenizer")


def export_vae(repo, vae, encoder, half=False, decoder_path="vae_decoder/model.onnx", external_data=False):
    fid = {}
    g = torch.Generator().manual_seed(4)
    dec = modules.VaeDecoderOnnx(vae, half=half)
    lat = torch.randn(1, 4, 64, 64, generator=g)
    if half:
        lat = lat.half()
    path = common.export_onnx(dec, (lat,), repo / decoder_path, ["latent_sample"], ["sample"],
                              {"latent_sample": {0: "batch_size", 1: "num_channels_latent", 2: "height_latent",
                                                 3: "width_latent"},
                               "sample": {0: "batch_size", 1: "num_channels", 2: "height", 3: "width"}},
                              external_data=external_data)
    fid[decoder_path] = common.fidelity(path, dec, {"latent_sample": lat})
    if encoder:
        enc = modules.VaeEncoderOnnx(vae)
        img = torch.rand(1, 3, 512, 512, generator=g) * 2 - 1
        path = common.export_onnx(enc, (img,), repo / "vae_encoder/model.onnx", ["sample"], ["latent_sample"],
                                  {"sample": {0: "batch_size", 1: "num_channels", 2: "height", 3: "width"},
                                   "latent_sample": {0: "batch_size", 1: "num_channels_latent", 2: "height_latent",
                                                     3: "width_latent"}})
        fid["vae_encoder/model.onnx"] = common.fidelity(path, enc, {"sample": img})
    return fid


def case(prompt, seed, steps, guidance, sampler, negative=None, width=512, height=512):
    return {"prompt": prompt, "negativePrompt": negative, "seed": seed, "steps": steps, "guidance": guidance,
            "width": width, "height": height, "sampler": sampler}


def turbo_cases(sampler):
    """Eight cases (a 512² PNG of the twin's noisy output is ~0.65 MB, so the set stays small): both seeds and
    step counts on a plain prompt, "!" (SD 2.x's pad text), over 77 tokens, empty, and real guidance with an
    empty and a non-empty negative prompt (the pipeline then batches the unconditional pass)."""
    plain = "a photograph of an astronaut riding a horse"
    return [case(plain, 0, 1, 0.0, sampler), case(plain, 0, 4, 0.0, sampler), case(plain, 1234, 4, 0.0, sampler),
            case("wow! a red fox!! in the snow!", 0, 1, 0.0, sampler),
            case(LONG_PROMPT, 0, 4, 0.0, sampler),
            case("", 1234, 1, 0.0, sampler),
            case("a cozy cabin in the woods", 7, 4, 2.0, sampler, negative=""),
            case("a cozy cabin in the woods", 7, 1, 2.0, sampler, negative="blurry, low quality")]


def sd_turbo_references(text, unet, vae, tokenizer_dir):
    from diffusers import EulerDiscreteScheduler, StableDiffusionPipeline
    tokenizer = common.load_tokenizer(tokenizer_dir)
    scheduler = EulerDiscreteScheduler.from_config(TURBO_SCHEDULER)
    pipe = StableDiffusionPipeline(vae=vae, text_encoder=text, tokenizer=tokenizer, unet=unet, scheduler=scheduler,
                                   safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    recorder = common.FeedRecorder(text_encoder=text)

    def call(p, case):
        return p(case["prompt"], negative_prompt=case["negativePrompt"], num_inference_steps=case["steps"],
                 guidance_scale=case["guidance"], width=case["width"], height=case["height"],
                 generator=torch.Generator("cpu").manual_seed(case["seed"])).images[0]

    seconds = common.run_references("sd-turbo", pipe, turbo_cases("Euler"), call, recorder)
    print(f"sd-turbo references: {seconds:.1f} s")


# -------------------------------------------------------------------------------------------------- LCM

LCM_REPO, LCM_REV = "aislamov/lcm-dreamshaper-v7-onnx", "main"

# SimianLuo/LCM_Dreamshaper_v7 scheduler/scheduler_config.json
LCM_SCHEDULER = {"beta_end": 0.012, "beta_schedule": "scaled_linear", "beta_start": 0.00085, "clip_sample": False,
                 "clip_sample_range": 1.0, "dynamic_thresholding_ratio": 0.995, "num_train_timesteps": 1000,
                 "original_inference_steps": 50, "prediction_type": "epsilon", "rescale_betas_zero_snr": False,
                 "sample_max_value": 1.0, "set_alpha_to_one": True, "steps_offset": 1, "thresholding": False,
                 "timestep_scaling": 10.0, "timestep_spacing": "leading", "trained_betas": None}


def public_config(config):
    return {k: v for k, v in dict(config).items() if not k.startswith("_")}


def make_lcm():
    repo = FIXTURES / LCM_REPO
    common.write_tokenizer_folder(repo / "tokenizer", pad_token="<|endoftext|>")
    common.check_tokenizer_against_open_clip(repo / "tokenizer", TOKENIZER_CHECK_PROMPTS)

    # SD 1.5: OpenAI CLIP ViT-L/14's text encoder (quick_gelu), last_hidden_state; the LCM-distilled U-Net
    # embeds the guidance scale w through time_cond_proj_dim=256 (SimianLuo/LCM_Dreamshaper_v7 unet/config.json)
    text = common.round_to_fp16(modules.clip_text_model(hidden=32, layers=2, act="quick_gelu", seed=10))
    unet = common.round_to_fp16(boost_cross_attention(
        modules.unet(seed=11, **sd_unet_config(32, sd2=False, time_cond_proj_dim=256))))
    vae = common.round_to_fp16(boost_vae_output(modules.vae(seed=12, **sd_vae_config(0.18215))))

    # I/O as diffusers.js (by this repo's author) feeds it: LatentConsistencyModelPipeline.ts runs the U-Net with
    # sample, timestep (float32 [1]), encoder_hidden_states and timestep_cond (float32 [1, 256], getWEmbedding)
    # and reads out_sample; PipelineBase.ts feeds input_ids int32 and reads last_hidden_state, feeds the VAE
    # latent_sample and reads sample. backends/index.ts names the external weights model.onnx_data.
    fid = {}
    te = modules.TextEncoderLastHidden(text)
    path = common.export_onnx(te, (text_feeds(),), repo / "text_encoder/model.onnx", ["input_ids"],
                              ["last_hidden_state", "pooler_output"],
                              {"input_ids": {0: "batch_size", 1: "sequence_length"},
                               "last_hidden_state": {0: "batch_size", 1: "sequence_length"},
                               "pooler_output": {0: "batch_size"}})
    fid["text_encoder/model.onnx"] = common.fidelity(path, te, {"input_ids": text_feeds()})

    g = torch.Generator().manual_seed(13)
    un = modules.UNetOnnx(unet, timestep_cond=True)
    unet_feeds = {"sample": torch.randn(1, 4, 64, 64, generator=g), "timestep": torch.tensor([999.0]),
                  "encoder_hidden_states": torch.randn(1, 77, 32, generator=g),
                  "timestep_cond": torch.randn(1, 256, generator=g)}
    path = common.export_onnx(un, tuple(unet_feeds.values()), repo / "unet/model.onnx", list(unet_feeds),
                              ["out_sample"],
                              {"sample": {0: "batch_size", 1: "num_channels", 2: "height", 3: "width"},
                               "timestep": {0: "steps"},
                               "encoder_hidden_states": {0: "batch_size", 1: "sequence_length"},
                               "timestep_cond": {0: "batch_size"},
                               "out_sample": {0: "batch_size", 1: "num_channels", 2: "height", 3: "width"}},
                              external_data=True)
    fid["unet/model.onnx"] = common.fidelity(path, un, unet_feeds)
    fid.update(export_vae(repo, vae, encoder=True, external_data=True))

    # diffusers.js reads model_index.json, scheduler/scheduler_config.json and each part's config.json
    common.write_diffusers_config(repo / "scheduler/scheduler_config.json", "LCMScheduler", LCM_SCHEDULER)
    common.write_diffusers_config(repo / "unet/config.json", "UNet2DConditionModel", public_config(unet.config))
    vae_config = public_config(vae.config)
    common.write_diffusers_config(repo / "vae_decoder/config.json", "AutoencoderKL", vae_config)
    common.write_diffusers_config(repo / "vae_encoder/config.json", "AutoencoderKL", vae_config)
    common.write_json(repo / "text_encoder/config.json", {"architectures": ["CLIPTextModel"], **text.config.to_dict()})
    common.write_diffusers_config(repo / "model_index.json", "LatentConsistencyModelPipeline", {
        "feature_extractor": [None, None], "requires_safety_checker": False, "safety_checker": [None, None],
        "scheduler": ["diffusers", "LCMScheduler"], "text_encoder": ["onnxruntime", "model.onnx"],
        "tokenizer": ["transformers", "CLIPTokenizer"], "unet": ["onnxruntime", "model.onnx"],
        "vae_decoder": ["onnxruntime", "model.onnx"], "vae_encoder": ["onnxruntime", "model.onnx"]})

    files = common.file_records(repo)
    common.update_twins_index("lcm-dreamshaper-v7", {"repo": LCM_REPO, "revision": LCM_REV, "files": files,
                                                     "fidelity": fid, "scheduler": LCM_SCHEDULER})
    lcm_references(text, unet, vae, repo / "tokenizer")


def lcm_cases():
    """The catalog allows 256–768: most cases at 256² (small PNGs), one at 512² and one not square. Guidance as LCM
    uses it: no unconditional batch, w = guidance − 1 embedded into timestep_cond (1 → w = 0, the app's default)."""
    plain = "a photograph of an astronaut riding a horse"
    small = {"width": 256, "height": 256}
    return [case(plain, seed, steps, 1.0, "LCM", **small) for seed in (0, 1234) for steps in (1, 4)] + [
        case("wow! a red fox!! in the snow!", 0, 2, 1.0, "LCM", **small),
        case(LONG_PROMPT, 1234, 4, 1.0, "LCM", **small),
        case("", 0, 2, 1.0, "LCM", **small),
        case("a cozy cabin in the woods", 7, 4, 8.0, "LCM", **small),
        case("a cozy cabin in the woods", 7, 4, 8.0, "LCM"),
        case("a cozy cabin in the woods", 7, 2, 8.0, "LCM", width=384, height=256),
    ]


def lcm_references(text, unet, vae, tokenizer_dir):
    from diffusers import LatentConsistencyModelPipeline, LCMScheduler
    tokenizer = common.load_tokenizer(tokenizer_dir)
    pipe = LatentConsistencyModelPipeline(vae=vae, text_encoder=text, tokenizer=tokenizer, unet=unet,
                                          scheduler=LCMScheduler.from_config(LCM_SCHEDULER), safety_checker=None,
                                          feature_extractor=None, requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    recorder = common.FeedRecorder(text_encoder=text)

    def call(p, case):
        return p(case["prompt"], num_inference_steps=case["steps"], guidance_scale=case["guidance"],
                 width=case["width"], height=case["height"],
                 generator=torch.Generator("cpu").manual_seed(case["seed"])).images[0]

    seconds = common.run_references("lcm-dreamshaper-v7", pipe, lcm_cases(), call, recorder)
    print(f"lcm references: {seconds:.1f} s")


# -------------------------------------------------------------------------------------------------- SDXL-Turbo

SDXL_REPO, SDXL_REV = "webnn/sdxl-turbo", "main"
# The WebNN demo loads its tokenizers from its own folder, not from the model repo (see README)
DEMO_REPO, DEMO_DIR = "microsoft/webnn-developer-preview", "demos/sdxl-turbo/models"
CLIP_L_REPO = "openai/clip-vit-large-patch14"
SDXL_TOKENIZER_REPO = "stabilityai/sdxl-turbo"

# stabilityai/sdxl-turbo scheduler/scheduler_config.json (EulerAncestralDiscreteScheduler, trailing)
SDXL_TURBO_SCHEDULER = {**TURBO_SCHEDULER}


def write_tokenizer_json(path, pad_token):
    """tokenizer.json (Hugging Face tokenizers format) in the structure of the WebNN demo's
    demos/sdxl-turbo/models/tokenizer_2/tokenizer.json (written by transformers 4.x's CLIP converter): NFC +
    whitespace + lowercase normalizer, CLIP's split regex + ByteLevel, BPE with "</w>" word ends and merges as
    "a b" strings, RobertaProcessing, no padding or truncation stored. With pad "!" the first added token is "!"
    (id 0, special, not normalized), as in that file. Written compact (the real files are indented)."""
    vocab, merges = common.clip_vocab()

    def added(id_, content, normalized):
        return {"id": id_, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
                "normalized": normalized, "special": True}
    specials = [added(common.BOS, "<|startoftext|>", True), added(common.EOS, "<|endoftext|>", True)]
    value = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": ([added(0, "!", False)] if pad_token == "!" else []) + specials,
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "NFC"}, {"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "},
            {"type": "Lowercase"}]},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": "'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+"},
             "behavior": "Removed", "invert": True},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}]},
        "post_processor": {"type": "RobertaProcessing", "sep": ["<|endoftext|>", common.EOS],
                           "cls": ["<|startoftext|>", common.BOS], "trim_offsets": False, "add_prefix_space": False},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": "<|endoftext|>", "continuing_subword_prefix": "",
                  "end_of_word_suffix": "</w>", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": merges},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def check_tokenizer_json(path, folder, pad_token):
    """The tokenizer.json gives transformers the same ids as the vocab.json/merges.txt folder does."""
    from transformers import CLIPTokenizer
    from_json = CLIPTokenizer(tokenizer_file=str(path), pad_token=pad_token, model_max_length=77)
    from_folder = common.load_tokenizer(folder)
    for p in TOKENIZER_CHECK_PROMPTS + ["wow! a red fox!!", "<|endoftext|> x"]:
        a, b = common.tokenize_ids(from_json, p), common.tokenize_ids(from_folder, p)
        assert a == b, f"{path} and {folder} disagree on {p!r}:\n{a}\n{b}"


def make_sdxl_turbo():
    repo = FIXTURES / SDXL_REPO
    # the two conventions' tokenizer folders already exist in the other twins (same vocabulary, same configs)
    end_padded, bang_padded = FIXTURES / LCM_REPO / "tokenizer", FIXTURES / SD_TURBO_REPO / "tokenizer"
    if not end_padded.exists() or not bang_padded.exists():
        raise SystemExit("build the sd-turbo and lcm twins first (their tokenizer folders are reused)")
    demo = FIXTURES / DEMO_REPO / DEMO_DIR
    for sub, pad, folder in (("tokenizer", "<|endoftext|>", end_padded), ("tokenizer_2", "!", bang_padded)):
        write_tokenizer_json(demo / sub / "tokenizer.json", pad)
        check_tokenizer_json(demo / sub / "tokenizer.json", folder, pad)
    # the catalog takes both tokenizers from the model's upstream repo, stabilityai/sdxl-turbo (tokenizer/ padded with
    # the end token, tokenizer_2/ with "!"), as diffusers' StableDiffusionXLPipeline loads them
    for sub, pad in (("tokenizer", "<|endoftext|>"), ("tokenizer_2", "!")):
        common.write_tokenizer_folder(FIXTURES / SDXL_TOKENIZER_REPO / sub, pad_token=pad)
    # a tokenizer.json-only layout for the tokenizer goldens: OpenAI's CLIP ViT-L/14 repo, file and small configs
    clip_l = FIXTURES / CLIP_L_REPO
    write_tokenizer_json(clip_l / "tokenizer.json", "<|endoftext|>")
    for name in ("tokenizer_config.json", "special_tokens_map.json"):
        (clip_l / name).write_bytes((end_padded / name).read_bytes())

    # SDXL: CLIP ViT-L (12 layers, quick_gelu) and OpenCLIP bigG (32 layers, gelu, projection); the U-Net reads
    # both penultimate layers side by side and adds text_time embeddings of the pooled text_embeds and 6 time_ids.
    # Layer counts are the real ones, so hidden_states.11 / hidden_states.31 are what their names say.
    text = common.round_to_fp16(modules.clip_text_model(hidden=32, layers=12, act="quick_gelu", seed=20))
    text_2 = common.round_to_fp16(modules.clip_text_model(hidden=32, layers=32, act="gelu", projection_dim=32,
                                                          seed=21))
    unet = common.round_to_fp16(boost_cross_attention(modules.unet(
        seed=22, sample_size=64, in_channels=4, out_channels=4, layers_per_block=1, block_out_channels=(32, 64),
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        transformer_layers_per_block=(1, 2), cross_attention_dim=64, attention_head_dim=(2, 4),
        use_linear_projection=True, addition_embed_type="text_time", addition_time_embed_dim=8,
        projection_class_embeddings_input_dim=32 + 6 * 8, norm_num_groups=8, flip_sin_to_cos=True, freq_shift=0)))
    vae = common.round_to_fp16(boost_vae_output(modules.vae(seed=23, **sd_vae_config(0.13025))))

    # I/O as microsoft/webnn-developer-preview demos/sdxl-turbo/index.js declares it (inputInfo/outputInfo, the
    # freeDimensionOverrides name the axes): text_encoder input_ids int32 → hidden_states.11 float16;
    # text_encoder_2 input_ids int64 → hidden_states.31, text_embeds float16; unet sample, timestep [1],
    # encoder_hidden_states, text_embeds, time_ids all float16 → out_sample float16; vae_decoder latent_sample →
    # sample float16. The twin computes in float32 inside (Casts at the boundary) instead of 4-bit MatMulNBits.
    fid = {}
    onnx_dir = repo / "onnx"
    te = modules.TextEncoderPenultimate(text, pooled=False, half=True)
    path = common.export_onnx(te, (text_feeds(),), onnx_dir / "text_encoder_model_q4f16.onnx", ["input_ids"],
                              ["hidden_states.11"], {"input_ids": {0: "batch_size", 1: "sequence_length"},
                                                     "hidden_states.11": {0: "batch_size", 1: "sequence_length"}})
    fid["onnx/text_encoder_model_q4f16.onnx"] = common.fidelity(path, te, {"input_ids": text_feeds()})
    te2 = modules.TextEncoderPenultimate(text_2, pooled=True, half=True)
    ids64 = text_feeds(dtype=torch.int64)
    path = common.export_onnx(te2, (ids64,), onnx_dir / "text_encoder_2_model_q4f16.onnx", ["input_ids"],
                              ["hidden_states.31", "text_embeds"],
                              {"input_ids": {0: "batch_size", 1: "sequence_length"},
                               "hidden_states.31": {0: "batch_size", 1: "sequence_length"},
                               "text_embeds": {0: "batch_size"}})
    fid["onnx/text_encoder_2_model_q4f16.onnx"] = common.fidelity(path, te2, {"input_ids": ids64})

    g = torch.Generator().manual_seed(24)
    un = modules.UNetOnnx(unet, text_time=True, half=True)
    unet_feeds = {"sample": torch.randn(1, 4, 64, 64, generator=g).half(),
                  "timestep": torch.tensor([999.0]).half(),
                  "encoder_hidden_states": torch.randn(1, 77, 64, generator=g).half(),
                  "text_embeds": torch.randn(1, 32, generator=g).half(),
                  "time_ids": torch.tensor([[512.0, 512.0, 0.0, 0.0, 512.0, 512.0]]).half()}
    path = common.export_onnx(un, tuple(unet_feeds.values()), onnx_dir / "unet_model_q4f16.onnx", list(unet_feeds),
                              ["out_sample"],
                              {"sample": {0: "unet_sample_batch", 1: "unet_sample_channels", 2: "unet_sample_height",
                                          3: "unet_sample_width"},
                               "timestep": {0: "unet_time_batch"},
                               "encoder_hidden_states": {0: "unet_hidden_batch", 1: "unet_hidden_sequence"},
                               "text_embeds": {0: "unet_text_embeds_batch"},
                               "time_ids": {0: "unet_time_ids_batch", 1: "unet_time_ids_size"},
                               "out_sample": {0: "unet_sample_batch", 1: "unet_sample_channels",
                                              2: "unet_sample_height", 3: "unet_sample_width"}})
    fid["onnx/unet_model_q4f16.onnx"] = common.fidelity(path, un, unet_feeds)
    fid.update(export_vae(repo, vae, encoder=False, half=True, decoder_path="onnx/vae_decoder_model_q4f16.onnx"))

    files = common.file_records(repo)
    tokenizer_files = {f"{DEMO_REPO}/{DEMO_DIR}/{k}": v for k, v in common.file_records(demo).items()}
    tokenizer_files.update({f"{CLIP_L_REPO}/{k}": v for k, v in common.file_records(clip_l).items()})
    common.update_twins_index("sdxl-turbo", {"repo": SDXL_REPO, "revision": SDXL_REV, "files": files,
                                             "tokenizerFiles": tokenizer_files, "fidelity": fid,
                                             "scheduler": SDXL_TURBO_SCHEDULER})
    sdxl_references(text, text_2, unet, vae, end_padded, bang_padded)


def fp16_round(value):
    """What a float16 graph boundary does to a float32 value, through tuples, dicts and model outputs."""
    if torch.is_tensor(value):
        return value.half().float() if value.is_floating_point() else value
    if isinstance(value, tuple):
        return type(value)(fp16_round(v) for v in value) if type(value) is tuple else value
    if isinstance(value, dict):
        for k in list(value.keys()):
            value[k] = fp16_round(value[k])
        return value
    return value


def with_fp16_boundaries(module):
    """Rounds a module's float inputs and outputs to float16 in the pipeline, as the q4f16 graphs' float16 inputs and
    outputs do, so the references show what the real export's interface does to the numbers."""
    module.register_forward_pre_hook(lambda _m, args, kwargs: (fp16_round(args), fp16_round(kwargs)),
                                     with_kwargs=True)
    module.register_forward_hook(lambda _m, _args, out: fp16_round(out))
    return module


def sdxl_references(text, text_2, unet, vae, end_padded, bang_padded):
    from diffusers import EulerAncestralDiscreteScheduler, StableDiffusionXLPipeline
    for m in (text, text_2, unet):
        with_fp16_boundaries(m)
    decode = vae.decode

    def decode_fp16(z, *args, **kwargs):
        return fp16_round(decode(fp16_round(z), *args, **kwargs))
    vae.decode = decode_fp16
    pipe = StableDiffusionXLPipeline(vae=vae, text_encoder=text, text_encoder_2=text_2,
                                     tokenizer=common.load_tokenizer(end_padded),
                                     tokenizer_2=common.load_tokenizer(bang_padded), unet=unet,
                                     scheduler=EulerAncestralDiscreteScheduler.from_config(SDXL_TURBO_SCHEDULER),
                                     force_zeros_for_empty_prompt=True)
    pipe.set_progress_bar_config(disable=True)
    recorder = common.FeedRecorder(text_encoder=text, text_encoder_2=text_2)

    def call(p, case):
        return p(case["prompt"], negative_prompt=case["negativePrompt"], num_inference_steps=case["steps"],
                 guidance_scale=case["guidance"], width=case["width"], height=case["height"],
                 generator=torch.Generator("cpu").manual_seed(case["seed"])).images[0]

    # diffusers zeroes the negative conditioning (force_zeros_for_empty_prompt) only when negative_prompt is None;
    # an empty string is encoded like any prompt, so both are recorded
    cases = turbo_cases("Euler a") + [case("a cozy cabin in the woods", 7, 1, 2.0, "Euler a", negative=None)]
    seconds = common.run_references("sdxl-turbo", pipe, cases, call, recorder)
    print(f"sdxl-turbo references: {seconds:.1f} s")


# -------------------------------------------------------------------------------------------------- goldens

GOLDEN_PROMPTS = [
    "a photograph of an astronaut riding a horse",
    "",
    " ",
    "   \t\n  ",
    "!",
    "!!",
    "!!!",
    "wow!",
    "wow! a red fox!! in the snow!",
    "! leading and trailing !",
    "hello !world",
    "A Photograph Of An ASTRONAUT",
    "UPPERCASE ONLY",
    "don't stop, it's what we've got; I'm sure they'll say you'd know",
    "rock 'n' roll",
    "Café «naïve» résumé, Ångström, Zürich",
    "東京タワーの夜景",
    "北京 上海 广州",
    "한국어 프롬프트",
    "🐱 cat with a 🎩 hat 👍🏽",
    "Ελληνικά και русский текст",
    "<|endoftext|>",
    "a <|endoftext|> b",
    "<|startoftext|>hello",
    "1234567890",
    "3.14159 and 2,718 and 1e-5",
    "512x512, 8k, f/1.8, 35mm",
    "(masterpiece:1.2), [best quality], {detailed}",
    "hello---world ... ?!?! ;;",
    "snake_case and kebab-case and CamelCase",
    "https://example.com/path?q=1&b=2",
    "tab\tseparated\nnew line",
    "  leading and trailing spaces  ",
    "a" * 100,
    " ".join(["cat"] * 80),
    LONG_PROMPT,
    " ".join(["!"] * 40),
    "naïve café" + " word" * 90,
]


def make_goldens():
    from transformers import CLIPTokenizer
    folders = {
        f"{SD_TURBO_REPO}/tokenizer": ("!", common.load_tokenizer(FIXTURES / SD_TURBO_REPO / "tokenizer")),
        f"{LCM_REPO}/tokenizer": ("<|endoftext|>", common.load_tokenizer(FIXTURES / LCM_REPO / "tokenizer")),
        CLIP_L_REPO: ("<|endoftext|>", common.load_tokenizer(FIXTURES / CLIP_L_REPO)),
        # the SDXL demo's second tokenizer ships tokenizer.json only; its pad is SDXL tokenizer_2's "!"
        f"{DEMO_REPO}/{DEMO_DIR}/tokenizer_2": ("!", CLIPTokenizer(
            tokenizer_file=str(FIXTURES / DEMO_REPO / DEMO_DIR / "tokenizer_2/tokenizer.json"), pad_token="!",
            model_max_length=77)),
    }
    out = {"options": {"padding": "max_length", "max_length": 77, "truncation": True},
           "note": "transformers CLIPTokenizer ids. With pad '!', transformers treats '!' as an added special "
                   "token, so a literal '!' is id 0 and '!!' is [0, 0] rather than BPE token 748; recorded as is.",
           "prompts": GOLDEN_PROMPTS, "tokenizers": {}}
    for name, (pad, tok) in folders.items():
        assert tok.pad_token == pad, (name, tok.pad_token)
        out["tokenizers"][name] = {"padToken": pad, "padId": tok.pad_token_id,
                                   "ids": [common.tokenize_ids(tok, p) for p in GOLDEN_PROMPTS]}
    # open_clip's own tokenizer (what CLIP was trained with; pads with 0 and reads "<|endoftext|>" as plain text),
    # to show where transformers' conventions differ
    oc = common.open_clip_tokenizer()
    out["openClip"] = [common.open_clip_ids(oc, p) for p in GOLDEN_PROMPTS]
    common.write_json(common.REFERENCES / "tokenizer_goldens.json", out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["sd-turbo", "lcm", "sdxl-turbo", "goldens", "all"])
    args = parser.parse_args()
    torch.set_num_threads(2)
    builders = {"sd-turbo": make_sd_turbo, "lcm": make_lcm, "sdxl-turbo": make_sdxl_turbo, "goldens": make_goldens}
    for name, build in builders.items():
        if args.what in (name, "all"):
            t0 = time.perf_counter()
            build()
            print(f"{name}: {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
