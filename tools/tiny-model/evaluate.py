"""Score the trained model the way a user would judge it: does the image show the colours and the
shape the prompt asked for? Samples N random prompts with Euler (trailing spacing) and CFG.

    /usr/bin/python3 tools/tiny-model/evaluate.py --steps 20 --guidance 4 --grid docs/tiny-shapes-grid.png
"""
import argparse
import json
import os

import torch

import schedule
import shapes
import vocab
from models import ShapeClassifier
from train import HERE, load_unet, load_vae, save_grid


def nearest_colour(rgb):
    """rgb [N,3] in [-1,1] -> index of the nearest named colour."""
    return torch.cdist(rgb, shapes.PALETTE).argmin(dim=1)


def judge_colours(images):
    """Background from the border ring, foreground from pixels far from the background."""
    ring = torch.cat([images[:, :, :3].flatten(2), images[:, :, -3:].flatten(2),
                      images[:, :, :, :3].flatten(2), images[:, :, :, -3:].flatten(2)], dim=2)
    bg_rgb = ring.median(dim=2).values
    bg = nearest_colour(bg_rgb)
    fg = torch.full_like(bg, -1)
    for i in range(len(images)):
        px = images[i].flatten(1).T
        far = (px - bg_rgb[i]).norm(dim=1) > 0.6
        if far.sum() >= 12:
            fg[i] = nearest_colour(px[far].median(dim=0).values[None])[0]
    return bg, fg


def load_models(work):
    _, dec, mean, std = load_vae(work)
    text, unet, _ = load_unet(work)
    clf = ShapeClassifier(len(shapes.SHAPES))
    clf.load_state_dict(torch.load(f"{work}/classifier.pt")["classifier"])
    return text.eval(), unet.eval(), dec, mean, std, clf.eval()


@torch.no_grad()
def generate(text, unet, dec, mean, std, captions, steps, guidance, gen):
    cond = text(torch.tensor([vocab.encode(c) for c in captions], dtype=torch.int32))
    uncond = text(torch.tensor([vocab.encode("")] * len(captions), dtype=torch.int32))

    def eps_fn(x, t):
        e = unet(torch.cat([x, x]), torch.cat([t, t]), torch.cat([uncond, cond]))
        eu, ec = e.chunk(2)
        return eu + guidance * (ec - eu)

    noise = torch.randn(len(captions), 4, 8, 8, generator=gen)
    z = schedule.sample_euler(eps_fn, noise, steps)
    return dec(z * std[None, :, None, None] + mean[None, :, None, None]).clamp(-1, 1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--work", default=os.path.join(HERE, ".work"))
    p.add_argument("--n", type=int, default=64)
    p.add_argument("--steps", type=int, nargs="+", default=[20, 4])
    p.add_argument("--guidance", type=float, default=4.0)
    p.add_argument("--seed", type=int, default=2024)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--grid", default=None, help="write the first run's samples here as one PNG")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    text, unet, dec, mean, std, clf = load_models(args.work)
    results = {}
    for k, steps in enumerate(args.steps):
        gen = torch.Generator().manual_seed(args.seed)
        s = torch.randint(len(shapes.SHAPES), (args.n,), generator=gen)
        fg = torch.randint(len(shapes.COLOURS), (args.n,), generator=gen)
        bg = (fg + torch.randint(1, len(shapes.COLOURS), (args.n,), generator=gen)) % len(shapes.COLOURS)
        captions = [shapes.caption(*a) for a in zip(s.tolist(), fg.tolist(), bg.tolist())]
        images = generate(text, unet, dec, mean, std, captions, steps, args.guidance, gen)
        got_bg, got_fg = judge_colours(images)
        with torch.no_grad():
            got_shape = clf(images).argmax(1)
        results[f"{steps}_steps"] = {
            "background": (got_bg == bg).float().mean().item(),
            "foreground": (got_fg == fg).float().mean().item(),
            "shape": (got_shape == s).float().mean().item(),
        }
        print(f"{steps} steps, guidance {args.guidance}: " + ", ".join(f"{k2} {v:.1%}" for k2, v in results[f'{steps}_steps'].items()), flush=True)
        if args.grid and k == 0:
            os.makedirs(os.path.dirname(os.path.abspath(args.grid)), exist_ok=True)
            save_grid(images, args.grid, cols=8)
    clf_acc = torch.load(f"{args.work}/classifier.pt")["accuracy"]
    print(json.dumps({"n": args.n, "guidance": args.guidance, "classifier_accuracy": clf_acc, **results}))


if __name__ == "__main__":
    main()
