"""Reference numbers for the TypeScript samplers, produced by diffusers' own scheduler code.

Usage:
    /usr/bin/python3 tools/reference/samplers_reference.py DIFFUSERS_CHECKOUT [OUT_DIR]

DIFFUSERS_CHECKOUT is a checkout of github.com/huggingface/diffusers (the folder holding src/diffusers).
OUT_DIR defaults to src/engine/samplers/__fixtures__. Needs torch and numpy, nothing else. The checkout's commit
is recorded in common.json (from git, or from $DIFFUSERS_COMMIT for an exported tree).

The committed fixtures were made with diffusers 58eb52c0803ea9af3abec60841c2a093bdf1f951, torch 1.13.1
(Debian), numpy 1.24.2. torch 1.13 rounds float32 linspace (hence the betas) slightly differently from
torch >= 2.1, so the betas it used are recorded too; the TypeScript tests run their plans from them.

How it works: the six scheduler files are copied into a throwaway package next to small stand-ins for
what they import from the rest of diffusers (config registration, BaseOutput, randn_tensor), so the
real set_timesteps / step / add_noise code runs unchanged, with one exception: EulerDiscrete,
EulerAncestralDiscrete and DPMSolverMultistep start `step` with `sample = sample.to(torch.float32)`
(an upcast meant for float16 models). In this float64 run that line would round the state to float32
on every step, so it is disabled; everything else (float32 schedules, float32 scalar arithmetic)
is diffusers' own.

The runs drive each scheduler the way diffusers' pipelines do (scale_model_input, model, step; img2img
with get_timesteps and add_noise; LCM img2img with set_timesteps(strength=...)) with a stand-in model
eps(x, t) = 0.5 * x * cos(t / 300) + 0.1 * sin(x) on a 1x2x4x4 float64 latent, and every
random draw (initial noise, add_noise, ancestral/eta/LCM noise) taken in order from a recorded bank.
"""
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

SCHEDULERS = {
    "euler": ("scheduling_euler_discrete", "EulerDiscreteScheduler"),
    "euler_ancestral": ("scheduling_euler_ancestral_discrete", "EulerAncestralDiscreteScheduler"),
    "ddim": ("scheduling_ddim", "DDIMScheduler"),
    "dpm": ("scheduling_dpmsolver_multistep", "DPMSolverMultistepScheduler"),
    "lcm": ("scheduling_lcm", "LCMScheduler"),
    "unipc": ("scheduling_unipc_multistep", "UniPCMultistepScheduler"),
}
FLOAT32_UPCAST = "sample = sample.to(torch.float32)"
UPCAST_FILES = {"scheduling_euler_discrete", "scheduling_euler_ancestral_discrete", "scheduling_dpmsolver_multistep"}

# Stand-ins for the parts of diffusers the scheduler files import.
STUB_CONFIG = '''
import functools, inspect, types

class ConfigMixin:
    def register_to_config(self, **kwargs):
        for key, value in kwargs.items():
            setattr(self.config, key, value)

def register_to_config(init):
    @functools.wraps(init)
    def wrapper(self, *args, **kwargs):
        bound = inspect.signature(init).bind(self, *args, **kwargs)
        bound.apply_defaults()
        params = dict(bound.arguments)
        params.pop("self")
        self.config = types.SimpleNamespace(**params)
        init(self, *args, **kwargs)
    return wrapper
'''
STUB_UTILS = '''
import logging as _logging
import types as _types

logging = _types.SimpleNamespace(get_logger=_logging.getLogger)

class BaseOutput:
    pass

def deprecate(*args, **kwargs):
    pass

def is_scipy_available():
    return False
'''
STUB_TORCH_UTILS = '''
DRAWS = []  # filled by the generator: each call pops the next recorded noise tensor

def randn_tensor(shape, generator=None, device=None, dtype=None, layout=None):
    noise = DRAWS.pop(0)
    assert tuple(noise.shape) == tuple(shape)
    return noise.to(dtype) if dtype is not None else noise
'''
STUB_SCHEDULING_UTILS = '''
from dataclasses import dataclass
from enum import Enum
import torch

class KarrasDiffusionSchedulers(Enum):
    DDIMScheduler = 1

class SchedulerMixin:
    pass

@dataclass
class SchedulerOutput:
    prev_sample: torch.Tensor
'''


def build_package(checkout, root):
    pkg = os.path.join(root, "diffusers")
    src = os.path.join(checkout, "src", "diffusers", "schedulers")
    os.makedirs(os.path.join(pkg, "utils"))
    os.makedirs(os.path.join(pkg, "schedulers"))
    files = {
        "__init__.py": "",
        "configuration_utils.py": STUB_CONFIG,
        "utils/__init__.py": STUB_UTILS,
        "utils/torch_utils.py": STUB_TORCH_UTILS,
        "schedulers/__init__.py": "",
        "schedulers/scheduling_utils.py": STUB_SCHEDULING_UTILS,
    }
    for name, text in files.items():
        with open(os.path.join(pkg, name), "w") as f:
            f.write(text)
    for module, _ in SCHEDULERS.values():
        with open(os.path.join(src, module + ".py")) as f:
            text = f.read()
        if module in UPCAST_FILES:
            assert text.count(FLOAT32_UPCAST) == 1, module
            text = text.replace(FLOAT32_UPCAST, "pass  # float64 reference run: keep the sample's dtype")
        with open(os.path.join(pkg, "schedulers", module + ".py"), "w") as f:
            f.write(text)
    sys.path.insert(0, root)
    import importlib

    classes = {}
    for key, (module, cls) in SCHEDULERS.items():
        classes[key] = getattr(importlib.import_module("diffusers.schedulers." + module), cls)
    return classes, importlib.import_module("diffusers.utils.torch_utils")


CONFIGS = {
    # SD-Turbo: EulerDiscreteScheduler config, trailing spacing
    "turbo": dict(num_train_timesteps=1000, beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                  timestep_spacing="trailing", steps_offset=0, prediction_type="epsilon"),
    # SD 1.5: leading spacing with steps_offset 1
    "sd15": dict(num_train_timesteps=1000, beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                 timestep_spacing="leading", steps_offset=1, prediction_type="epsilon"),
    # SD 2.1 (768, v-prediction) with linspace spacing
    "sd21v": dict(num_train_timesteps=1000, beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                  timestep_spacing="linspace", steps_offset=1, prediction_type="v_prediction"),
}

# The samplers under test: scheduler class, extra config, extra step() arguments.
SAMPLERS = {
    "euler": ("euler", {}, {}),
    "euler_karras": ("euler", {"use_karras_sigmas": True}, {}),
    "euler_ancestral": ("euler_ancestral", {}, {}),
    "ddim": ("ddim", {"clip_sample": False, "set_alpha_to_one": False}, {"eta": 0.0}),
    "ddim_eta": ("ddim", {"clip_sample": False, "set_alpha_to_one": False}, {"eta": 0.5}),
    "dpmpp_2m": ("dpm", {"algorithm_type": "dpmsolver++", "solver_order": 2, "solver_type": "midpoint",
                         "lower_order_final": True, "final_sigmas_type": "zero"}, {}),
    "dpmpp_2m_karras": ("dpm", {"algorithm_type": "dpmsolver++", "solver_order": 2, "solver_type": "midpoint",
                                "lower_order_final": True, "final_sigmas_type": "zero",
                                "use_karras_sigmas": True}, {}),
    "lcm": ("lcm", {"original_inference_steps": 50, "timestep_scaling": 10.0, "set_alpha_to_one": False}, {}),
    "unipc": ("unipc", {"solver_order": 2, "solver_type": "bh2", "predict_x0": True, "lower_order_final": True,
                        "final_sigmas_type": "zero"}, {}),
}
FIXTURE_FILE = {  # one fixture per TypeScript sampler file
    "euler": "euler", "euler_karras": "euler", "euler_ancestral": "eulerAncestral", "ddim": "ddim",
    "ddim_eta": "ddim", "dpmpp_2m": "dpmpp2m", "dpmpp_2m_karras": "dpmpp2m", "lcm": "lcm", "unipc": "unipc",
}
TRAJECTORY_STEPS = [1, 2, 4, 8, 20, 50]
IMG2IMG_STEPS = [4, 20]
STRENGTH = 0.5
SHAPE = (1, 2, 4, 4)


def model(x, t):
    return 0.5 * x * math.cos(t / 300) + 0.1 * torch.sin(x)


def flat(t):
    return [float(v) for v in t.reshape(-1).tolist()]


def scalar(v):
    return float(v.item() if isinstance(v, torch.Tensor) else v)


def make(classes, sampler, config):
    cls_key, extra, _ = SAMPLERS[sampler]
    return classes[cls_key](**config, **extra)


def plan_record(classes, sampler, config, steps, strength=None):
    """Timesteps and noise levels as set_timesteps leaves them."""
    s = make(classes, sampler, config)
    if strength is None:
        s.set_timesteps(steps)
    else:
        s.set_timesteps(steps, strength=strength)
    rec = {"timesteps": [scalar(t) for t in s.timesteps]}
    if sampler.startswith("ddim") or sampler == "lcm":
        ac = s.alphas_cumprod
        rec["alphasCumprod"] = [scalar(ac[int(t)]) for t in s.timesteps]
        if sampler.startswith("ddim"):
            prev = [int(t) - s.config.num_train_timesteps // s.num_inference_steps for t in s.timesteps]
            rec["alphasCumprodPrev"] = [scalar(ac[p]) if p >= 0 else scalar(s.final_alpha_cumprod) for p in prev]
    else:
        rec["sigmas"] = [scalar(v) for v in s.sigmas]
    rec["initNoiseSigma"] = scalar(s.init_noise_sigma)
    if not isinstance(s.init_noise_sigma, torch.Tensor):
        rec["space"] = "vp"  # the scheduler's latent is x_vp = x_sigma / sqrt(1 + sigma^2), started from unit noise
    return rec


def run(classes, torch_utils, bank, source, sampler, config, steps, strength=None):
    """One generation, driven as diffusers' (img2img) pipelines drive the scheduler."""
    s = make(classes, sampler, config)
    step_kwargs = SAMPLERS[sampler][2]
    torch_utils.DRAWS[:] = [bank[i].clone() for i in range(len(bank))]
    if strength is None:
        s.set_timesteps(steps)
        timesteps = s.timesteps
        latents = torch_utils.randn_tensor(SHAPE, dtype=torch.float64) * s.init_noise_sigma
    else:
        if sampler == "lcm":  # LCM img2img: the strength shapes the schedule itself
            s.set_timesteps(steps, strength=strength)
            timesteps = s.timesteps
        else:  # StableDiffusionImg2ImgPipeline.get_timesteps
            s.set_timesteps(steps)
            init_timestep = min(int(steps * strength), steps)
            t_start = max(steps - init_timestep, 0)
            timesteps = s.timesteps[t_start * s.order:]
            if hasattr(s, "set_begin_index"):
                s.set_begin_index(t_start * s.order)
        noise = torch_utils.randn_tensor(SHAPE, dtype=torch.float64)
        latents = s.add_noise(source.clone(), noise, timesteps[:1])
    calls = []
    for t in timesteps:
        model_input = s.scale_model_input(latents, t)
        calls.append((scalar(t), flat(model_input)))
        out = model(model_input, scalar(t))
        latents = s.step(out, t, latents, **step_kwargs).prev_sample
        assert latents.dtype == torch.float64
    n = len(calls)
    shown = sorted({0, n // 2, n - 1})
    rec = {
        "sampler": sampler,
        "config": next(k for k, v in CONFIGS.items() if v is config),
        "steps": steps,
        "draws": len(bank) - len(torch_utils.DRAWS),
        "timesteps": [c[0] for c in calls],
        "modelInputs": {str(i): calls[i][1] for i in shown},
        "final": flat(latents),
    }
    if strength is not None:
        rec["strength"] = strength
    return rec


def main():
    checkout = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    out_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "..", "..", "src", "engine", "samplers",
                                                                 "__fixtures__")
    torch.set_num_threads(1)
    try:
        commit = subprocess.run(["git", "-C", checkout, "rev-parse", "HEAD"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        commit = ""
    commit = commit or os.environ.get("DIFFUSERS_COMMIT", "")
    with tempfile.TemporaryDirectory() as root:
        classes, torch_utils = build_package(checkout, root)
        g = torch.Generator().manual_seed(20240611)
        bank = torch.randn((56,) + SHAPE, generator=g, dtype=torch.float64)
        source = torch.randn(SHAPE, generator=g, dtype=torch.float64) * 0.8
        os.makedirs(out_dir, exist_ok=True)
        common = {
            "about": "Generated by tools/reference/samplers_reference.py from diffusers' scheduler code; do not edit.",
            "diffusersCommit": commit,
            "torch": torch.__version__,
            "numpy": np.__version__,
            "shape": list(SHAPE),
            "model": "eps(x, t) = 0.5 * x * cos(t / 300) + 0.1 * sin(x), x the scheduler's model input",
            "noise": [flat(b) for b in bank],
            "source": flat(source),
            "configs": CONFIGS,
            # float32 betas as this torch computes them (torch.linspace rounding differs between versions);
            # all configs share beta_start, beta_end and beta_schedule
            "betas": flat(make(classes, "euler", CONFIGS["turbo"]).betas),
        }
        write(os.path.join(out_dir, "common.json"), common)
        per_file = {}
        for sampler in SAMPLERS:
            doc = per_file.setdefault(FIXTURE_FILE[sampler], {"plans": {}, "runs": []})
            if sampler != "ddim_eta":
                doc["plans"][sampler] = {
                    name: {str(n): plan_record(classes, sampler, cfg, n) for n in range(1, 51)}
                    for name, cfg in CONFIGS.items()
                }
            if sampler == "lcm":
                doc["plans"]["lcm_strength_0.5"] = {
                    name: {str(n): plan_record(classes, sampler, cfg, n, STRENGTH) for n in range(1, 26)}
                    for name, cfg in CONFIGS.items()
                }
            for cfg in CONFIGS.values():
                for n in TRAJECTORY_STEPS:
                    doc["runs"].append(run(classes, torch_utils, bank, source, sampler, cfg, n))
                for n in IMG2IMG_STEPS:
                    doc["runs"].append(run(classes, torch_utils, bank, source, sampler, cfg, n, STRENGTH))
        for name, doc in per_file.items():
            write(os.path.join(out_dir, name + ".json"), doc)


def write(path, doc):
    text = json.dumps(doc, separators=(",", ":"), default=lambda v: float(v))
    # floats are written with repr (17 significant digits at most): exact float64 round trip
    with open(path, "w") as f:
        f.write(text + "\n")
    print(path, len(text) // 1024, "KiB")


if __name__ == "__main__":
    main()
