"""Reference numbers for src/engine/samplers/denoiser.test.ts, from diffusers' EulerDiscreteScheduler and the
classifier-free guidance line of its StableDiffusionPipeline, in float64.

Usage:
    PYTHONPATH=DIFFUSERS_CHECKOUT/src python tools/reference/denoiser_reference.py

Prints JSON: for a σ-space latent x at one timestep of Stable Diffusion 1.5's schedule (scaled_linear,
0.00085–0.012, leading spacing, steps_offset 1, 20 steps, index 7), the U-Net input diffusers makes
(scale_model_input), the guided model output (uncond + g·(cond − uncond), g = 7.5), and the clean-latent
estimate its step returns (pred_original_sample) for epsilon and v_prediction; and k-diffusion's
to_d = (x − denoised) / σ for the epsilon case.
"""
import json

import torch
from diffusers import EulerDiscreteScheduler

torch.set_default_dtype(torch.float64)
X = [0.7, -1.3, 2.1, -0.05]
UNCOND = [0.2, -0.4, 0.9, 0.1]
COND = [0.3, -0.1, 0.6, -0.2]
GUIDANCE = 7.5
INDEX = 7

out = {}
for prediction in ["epsilon", "v_prediction"]:
    sched = EulerDiscreteScheduler(
        beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", timestep_spacing="leading",
        steps_offset=1, prediction_type=prediction,
    )
    sched.set_timesteps(20)
    t = sched.timesteps[INDEX]
    sched._step_index = INDEX
    sigma = sched.sigmas[INDEX].item()
    x = torch.tensor(X)
    model_input = sched.scale_model_input(x, t)
    uncond, cond = torch.tensor(UNCOND), torch.tensor(COND)
    guided = uncond + GUIDANCE * (cond - uncond)
    sched._step_index = INDEX
    denoised = sched.step(guided, t, x).pred_original_sample
    out[prediction] = {
        "timestep": t.item(),
        "sigma": sigma,
        "modelInput": model_input.tolist(),
        "guided": guided.tolist(),
        "denoised": denoised.tolist(),
        "toD": ((x - denoised) / sigma).tolist(),
    }
print(json.dumps({"x": X, "uncond": UNCOND, "cond": COND, "guidance": GUIDANCE, **out}, indent=1))
