"""Builds the twin models and their diffusers references. Usage (from the repository root):

    PYTHONPATH=/work/ext/diffusers/src python tools/twins/make_twins.py sd-turbo|lcm|sdxl-turbo|goldens|all

See README.md beside this file for what each twin reproduces and the sources of each repo's layout.
"""
import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import modules  # noqa: E402
from common import FIXTURES  # noqa: E402

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
    """Ten cases (each 512² PNG of the twin's noisy output is ~0.65 MB, so the set stays small): both seeds and
    step counts on a plain prompt, "!" (SD 2.x's pad text), over 77 tokens, empty, and real guidance with an
    empty and a non-empty negative prompt (the pipeline then batches the unconditional pass)."""
    plain = "a photograph of an astronaut riding a horse"
    return [case(plain, seed, steps, 0.0, sampler) for seed in (0, 1234) for steps in (1, 4)] + [
        case("wow! a red fox!! in the snow!", 0, 1, 0.0, sampler),
        case("wow! a red fox!! in the snow!", 1234, 4, 0.0, sampler),
        case(LONG_PROMPT, 0, 4, 0.0, sampler),
        case("", 1234, 1, 0.0, sampler),
        case("a cozy cabin in the woods", 7, 4, 2.0, sampler, negative=""),
        case("a cozy cabin in the woods", 7, 1, 2.0, sampler, negative="blurry, low quality"),
    ]


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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["sd-turbo", "lcm", "sdxl-turbo", "goldens", "all"])
    args = parser.parse_args()
    torch.set_num_threads(2)
    builders = {"sd-turbo": make_sd_turbo, "lcm": make_lcm}
    for name, build in builders.items():
        if args.what in (name, "all"):
            t0 = time.perf_counter()
            build()
            print(f"{name}: {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
