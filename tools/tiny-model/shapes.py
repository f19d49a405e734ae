"""Procedural dataset: one flat-coloured shape on a flat background, with its caption.

Rendering is batched in torch so training can draw fresh images every step instead of
holding a fixed dataset in memory.
"""
import math

import numpy as np
import torch
from PIL import Image, ImageDraw

IMAGE_SIZE = 64
SUPERSAMPLE = 4  # anti-aliasing: draw at 4x and box-filter down

SHAPES = ["circle", "square", "triangle", "star", "diamond"]
COLOURS = {
    "red": (220, 40, 40),
    "green": (40, 170, 60),
    "blue": (40, 80, 220),
    "yellow": (240, 220, 40),
    "purple": (150, 60, 200),
    "orange": (245, 140, 30),
    "white": (245, 245, 245),
    "black": (20, 20, 20),
}
COLOUR_NAMES = list(COLOURS)
PALETTE = torch.tensor([COLOURS[n] for n in COLOUR_NAMES], dtype=torch.float32) / 127.5 - 1.0


def article(word):
    return "an" if word[0] in "aeiou" else "a"


def caption(shape, fg, bg):
    fg_name, bg_name = COLOUR_NAMES[fg], COLOUR_NAMES[bg]
    return f"{article(fg_name)} {fg_name} {SHAPES[shape]} on {article(bg_name)} {bg_name} background"


def _polygon(shape, radius):
    """Vertices, centred on 0, of the polygon for `shape`, scaled by radius [B] -> [B,n,2]."""
    if shape == "square":
        angles = [math.pi / 4 + k * math.pi / 2 for k in range(4)]
        pts = [(0.8 * math.sqrt(2) * math.cos(a), 0.8 * math.sqrt(2) * math.sin(a)) for a in angles]
    elif shape == "diamond":
        pts = [(0.0, -1.0), (0.65, 0.0), (0.0, 1.0), (-0.65, 0.0)]
    elif shape == "triangle":
        pts = [(math.cos(a), math.sin(a) + 0.2) for a in (-math.pi / 2, math.pi / 6, 5 * math.pi / 6)]
    elif shape == "star":
        pts = []
        for k in range(10):
            a = -math.pi / 2 + k * math.pi / 5
            r = 1.0 if k % 2 == 0 else 0.45
            pts.append((r * math.cos(a), r * math.sin(a) + 0.08))
    else:
        raise ValueError(shape)
    return torch.tensor(pts, dtype=torch.float32)[None] * radius[:, None, None]


def _mask(shape, cx, cy, radius):
    """Anti-aliased coverage [64,64] in [0,1]: drawn at SUPERSAMPLE x and box-filtered down."""
    k = SUPERSAMPLE
    img = Image.new("L", (IMAGE_SIZE * k, IMAGE_SIZE * k), 0)
    draw = ImageDraw.Draw(img)
    if SHAPES[shape] == "circle":
        draw.ellipse([(cx - radius) * k, (cy - radius) * k, (cx + radius) * k, (cy + radius) * k], fill=255)
    else:
        verts = _polygon(SHAPES[shape], torch.tensor([radius]))[0]
        draw.polygon([((cx + x) * k, (cy + y) * k) for x, y in verts.tolist()], fill=255)
    small = img.reduce(k)
    return torch.from_numpy(np.asarray(small, dtype=np.float32) / 255.0)


def render(shape, fg, bg, cx, cy, radius, jitter=None):
    """Render a batch. shape/fg/bg: int tensors [B]; cx, cy, radius: pixels [B].

    Returns images [B,3,64,64] in [-1,1].
    """
    mask = torch.stack([_mask(s, x, y, r) for s, x, y, r in
                        zip(shape.tolist(), cx.tolist(), cy.tolist(), radius.tolist())])[:, None]
    fg_rgb = PALETTE[fg]
    bg_rgb = PALETTE[bg]
    if jitter is not None:
        fg_rgb = (fg_rgb + jitter[:, 0]).clamp(-1, 1)
        bg_rgb = (bg_rgb + jitter[:, 1]).clamp(-1, 1)
    return fg_rgb[:, :, None, None] * mask + bg_rgb[:, :, None, None] * (1 - mask)


def sample_batch(b, gen):
    """Random scene parameters and rendered images: (images, shape, fg, bg)."""
    shape = torch.randint(len(SHAPES), (b,), generator=gen)
    fg = torch.randint(len(COLOURS), (b,), generator=gen)
    bg = (fg + torch.randint(1, len(COLOURS), (b,), generator=gen)) % len(COLOURS)
    radius = 12 + 12 * torch.rand(b, generator=gen)
    margin = radius + 2
    cx = margin + (IMAGE_SIZE - 2 * margin) * torch.rand(b, generator=gen)
    cy = margin + (IMAGE_SIZE - 2 * margin) * torch.rand(b, generator=gen)
    jitter = (torch.rand(b, 2, 3, generator=gen) - 0.5) * 0.08
    return render(shape, fg, bg, cx, cy, radius, jitter), shape, fg, bg
