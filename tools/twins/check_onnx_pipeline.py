"""Re-runs every reference case on the twins' ONNX files (onnxruntime, CPU) with diffusers' schedulers and the same
seeded noise, and reports how far each image is from the diffusers reference (uint8 levels). This proves the files
and references agree end to end, and gives the engine a tolerance to expect. Usage (from the repository root):

    PYTHONPATH=/work/ext/diffusers/src python tools/twins/check_onnx_pipeline.py [sd-turbo lcm-dreamshaper-v7 sdxl-turbo]
"""
import json
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
import make_twins as twins
from common import FIXTURES, REFERENCES


def session(path):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def run(sess, **feeds):
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(None, {k: np.ascontiguousarray(v) for k, v in feeds.items()})))


def ids(tokenizer, prompt, dtype):
    return np.array([common.tokenize_ids(tokenizer, prompt)], dtype=dtype)


def to_image(decoded):
    x = np.clip(decoded.astype(np.float32)[0] / 2 + 0.5, 0, 1)
    return (x.transpose(1, 2, 0) * 255).round().astype(np.uint8)


def sd_like(repo, case, scheduler, timestep_dtype, lcm=False):
    tokenizer = common.load_tokenizer(repo / "tokenizer")
    te, unet, vae = (session(repo / p) for p in ("text_encoder/model.onnx", "unet/model.onnx",
                                                   "vae_decoder/model.onnx"))
    cond = run(te, input_ids=ids(tokenizer, case["prompt"], np.int32))["last_hidden_state"]
    cfg = not lcm and case["guidance"] > 1
    if cfg:
        uncond = run(te, input_ids=ids(tokenizer, case["negativePrompt"] or "", np.int32))["last_hidden_state"]
        cond = np.concatenate([uncond, cond])
    g = torch.Generator("cpu").manual_seed(case["seed"])
    latents = torch.randn((1, 4, case["height"] // 8, case["width"] // 8), generator=g)
    extra = {}
    if lcm:
        scheduler.set_timesteps(case["steps"], original_inference_steps=50)
        w = torch.tensor([case["guidance"] - 1.0])
        from diffusers import LatentConsistencyModelPipeline
        extra["timestep_cond"] = LatentConsistencyModelPipeline.get_guidance_scale_embedding(
            None, w, embedding_dim=256).numpy()
    else:
        scheduler.set_timesteps(case["steps"])
    latents = latents * scheduler.init_noise_sigma
    denoised = None
    for t in scheduler.timesteps:
        inp = torch.cat([latents] * 2) if cfg else latents
        inp = scheduler.scale_model_input(inp, t)
        eps = run(unet, sample=inp.numpy(), timestep=np.array([t], dtype=timestep_dtype),
                  encoder_hidden_states=cond, **extra)["out_sample"]
        eps = torch.from_numpy(eps)
        if cfg:
            u, c = eps.chunk(2)
            eps = u + case["guidance"] * (c - u)
        out = scheduler.step(eps, t, latents, generator=g, return_dict=False)
        latents = out[0]
        if lcm:
            denoised = out[1]
    final = denoised if lcm else latents
    return to_image(run(vae, latent_sample=(final / 0.18215).numpy())["sample"])


def sdxl(case, scheduler):
    repo = FIXTURES / twins.SDXL_REPO / "onnx"
    tok = common.load_tokenizer(FIXTURES / twins.LCM_REPO / "tokenizer")
    tok2 = common.load_tokenizer(FIXTURES / twins.SD_TURBO_REPO / "tokenizer")
    te, te2, unet, vae = (session(repo / f"{p}_model_q4f16.onnx") for p in
                          ("text_encoder", "text_encoder_2", "unet", "vae_decoder"))

    def encode(prompt):
        h1 = run(te, input_ids=ids(tok, prompt, np.int32))["hidden_states.11"]
        out2 = run(te2, input_ids=ids(tok2, prompt, np.int64))
        return np.concatenate([h1, out2["hidden_states.31"]], axis=-1), out2["text_embeds"]
    states, pooled = encode(case["prompt"])
    cfg = case["guidance"] > 1
    if cfg:
        if case["negativePrompt"] is None:
            neg_states, neg_pooled = np.zeros_like(states), np.zeros_like(pooled)  # force_zeros_for_empty_prompt
        else:
            neg_states, neg_pooled = encode(case["negativePrompt"])
        states, pooled = np.concatenate([neg_states, states]), np.concatenate([neg_pooled, pooled])
    h, w = case["height"], case["width"]
    time_ids = np.array([[h, w, 0, 0, h, w]] * (2 if cfg else 1), dtype=np.float16)
    g = torch.Generator("cpu").manual_seed(case["seed"])
    latents = torch.randn((1, 4, h // 8, w // 8), generator=g)
    scheduler.set_timesteps(case["steps"])
    latents = latents * scheduler.init_noise_sigma
    for t in scheduler.timesteps:
        inp = torch.cat([latents] * 2) if cfg else latents
        inp = scheduler.scale_model_input(inp, t)
        eps = run(unet, sample=inp.numpy().astype(np.float16), timestep=np.array([t], dtype=np.float16),
                  encoder_hidden_states=states, text_embeds=pooled, time_ids=time_ids)["out_sample"]
        eps = torch.from_numpy(eps.astype(np.float32))
        if cfg:
            u, c = eps.chunk(2)
            eps = u + case["guidance"] * (c - u)
        latents = scheduler.step(eps, t, latents, generator=g, return_dict=False)[0]
    return to_image(run(vae, latent_sample=(latents / 0.13025).numpy().astype(np.float16))["sample"])


def main():
    from diffusers import EulerAncestralDiscreteScheduler, EulerDiscreteScheduler, LCMScheduler
    torch.set_num_threads(2)
    wanted = sys.argv[1:] or ["sd-turbo", "lcm-dreamshaper-v7", "sdxl-turbo"]
    runners = {
        "sd-turbo": lambda c: sd_like(FIXTURES / twins.SD_TURBO_REPO, c,
                                      EulerDiscreteScheduler.from_config(twins.TURBO_SCHEDULER), np.int64),
        "lcm-dreamshaper-v7": lambda c: sd_like(FIXTURES / twins.LCM_REPO, c,
                                                LCMScheduler.from_config(twins.LCM_SCHEDULER), np.float32, lcm=True),
        "sdxl-turbo": lambda c: sdxl(c, EulerAncestralDiscreteScheduler.from_config(twins.SDXL_TURBO_SCHEDULER)),
    }
    report = {}
    for name in wanted:
        cases = json.loads((REFERENCES / f"{name}.json").read_text())["cases"]
        diffs = []
        for c in cases:
            ours = runners[name](c).astype(np.int16)
            ref = np.asarray(Image.open(REFERENCES / c["image"]).convert("RGB")).astype(np.int16)
            d = np.abs(ours - ref)
            diffs.append({"image": c["image"], "maxLevels": int(d.max()), "meanLevels": round(float(d.mean()), 4),
                          "pixelsOff": round(float((d > 0).mean()), 6)})
            print(name, diffs[-1])
        report[name] = diffs
    common.write_json(REFERENCES / "onnx_pipeline_check.json", report) if not sys.argv[1:] else None


if __name__ == "__main__":
    main()
