"""Stable Diffusion's training schedule and a plain Euler sampler for evaluation.

The sampler follows diffusers' EulerDiscreteScheduler with `trailing` spacing, the
scheduler config the tiny model ships with."""
import numpy as np
import torch

TRAIN_STEPS = 1000
BETA_START, BETA_END = 0.00085, 0.012


def alphas_cumprod():
    betas = torch.linspace(BETA_START**0.5, BETA_END**0.5, TRAIN_STEPS, dtype=torch.float64) ** 2
    return torch.cumprod(1.0 - betas, dim=0).float()


def euler_trailing(n_steps):
    """Timesteps and sigmas (ending in 0) as EulerDiscreteScheduler.set_timesteps with trailing spacing."""
    ac = alphas_cumprod().double().numpy()
    train_sigmas = ((1 - ac) / ac) ** 0.5
    timesteps = np.round(np.arange(TRAIN_STEPS, 0, -TRAIN_STEPS / n_steps)) - 1
    sigmas = np.interp(timesteps, np.arange(TRAIN_STEPS), train_sigmas)
    return timesteps.astype(np.int64), np.concatenate([sigmas, [0.0]]).astype(np.float32)


@torch.no_grad()
def sample_euler(eps_fn, noise, n_steps):
    """eps_fn(x_scaled, t [B]) -> epsilon. noise is unit Gaussian; returns the clean latent."""
    timesteps, sigmas = euler_trailing(n_steps)
    x = noise * float(sigmas[0])  # init_noise_sigma is sigma_max for trailing spacing
    for i, t in enumerate(timesteps):
        s, s_next = float(sigmas[i]), float(sigmas[i + 1])
        eps = eps_fn(x / (s * s + 1) ** 0.5, torch.full((x.shape[0],), int(t), dtype=torch.long))
        x = x + eps * (s_next - s)
    return x
