"""Train the built-in tiny model from scratch: VAE, then text encoder + U-Net, then the shape
classifier used by evaluate.py. Checkpoints go to --work; export.py turns them into the app's files.

    /usr/bin/python3 tools/tiny-model/train.py            # everything, fixed seeds
    /usr/bin/python3 tools/tiny-model/train.py --stage unet --unet-steps 2000   # one stage
    /usr/bin/python3 tools/tiny-model/train.py --stage xl   # the SDXL-interface model, from the SD one
    python3 tools/tiny-model/train.py --stage unet --device cuda --unet-minutes 5   # on a GPU, for a time budget

Batches are drawn on the CPU with the stage's seeded generator whatever --device is, so a run's data
does not depend on the device."""
import argparse
import copy
import os
import random
import time

import torch
import torch.nn.functional as F

import schedule
import shapes
import vocab
from models import ShapeClassifier, TextEncoder, TextEncoder2, UNet, UNetXL, VAEDecoder, VAEEncoder, count_params

HERE = os.path.dirname(os.path.abspath(__file__))


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


def save_grid(images, path, cols):
    """images [N,3,H,W] in [-1,1] -> one PNG, `cols` per row."""
    from PIL import Image
    n, _, h, w = images.shape
    rows = (n + cols - 1) // cols
    pad = torch.zeros(rows * cols - n, 3, h, w) - 1
    a = ((torch.cat([images, pad]).clamp(-1, 1) + 1) * 127.5).round().byte()
    a = a.reshape(rows, cols, 3, h, w).permute(0, 3, 1, 4, 2).reshape(rows * h, cols * w, 3)
    Image.fromarray(a.numpy()).save(path)


def cpu_state(module):
    return {k: v.detach().cpu() for k, v in module.state_dict().items()}


def ema_update(ema_params, params, decay):
    with torch.no_grad():
        torch._foreach_mul_(ema_params, decay)
        torch._foreach_add_(ema_params, params, alpha=1 - decay)


def noised(x0, gen, ac):
    """SD's forward process at random timesteps: (x_t, t, noise, loss weight)."""
    t = torch.randint(schedule.TRAIN_STEPS, (len(x0),), generator=gen)
    noise = torch.randn(x0.shape, generator=gen)
    a = ac[t][:, None, None, None]
    snr = ac[t] / (1 - ac[t])
    # min-SNR-5 weighting (Hang et al. 2023) for faster convergence of epsilon prediction
    return a.sqrt() * x0 + (1 - a).sqrt() * noise, t, noise, snr.clamp(max=5.0) / snr


def optimise(opt, params, pred, noise, w):
    loss = (w * (pred - noise).pow(2).mean(dim=(1, 2, 3))).mean()
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    opt.step()
    return loss


def edge_loss(a, b):
    """L1 on horizontal and vertical differences: keeps corners and edges sharp."""
    return (F.l1_loss(a[..., 1:, :] - a[..., :-1, :], b[..., 1:, :] - b[..., :-1, :])
            + F.l1_loss(a[..., 1:] - a[..., :-1], b[..., 1:] - b[..., :-1]))


def train_vae(args, gen):
    enc, dec = VAEEncoder(), VAEDecoder()
    log(f"VAE: encoder {count_params(enc)} params, decoder {count_params(dec)} params")
    opt = torch.optim.AdamW(list(enc.parameters()) + list(dec.parameters()), lr=2e-3, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=args.vae_steps, pct_start=0.05)
    for step in range(args.vae_steps):
        x, *_ = shapes.sample_batch(args.vae_batch, gen)
        z = enc(x)
        # small latent noise so the decoder tolerates the sampler's imprecision
        z_noisy = z + 0.05 * z.detach().std() * torch.randn(z.shape, generator=gen)
        y = dec(z_noisy)
        loss = F.l1_loss(y, x) + edge_loss(y, x) + 1e-4 * z.pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 100 == 0 or step == args.vae_steps - 1:
            log(f"vae step {step} loss {loss.item():.4f}")
    with torch.no_grad():
        zs = torch.cat([enc(shapes.sample_batch(256, gen)[0]) for _ in range(16)])
        mean = zs.mean(dim=(0, 2, 3))
        std = zs.std(dim=(0, 2, 3))
        x = shapes.sample_batch(16, gen)[0]
        save_grid(torch.cat([x, dec(enc(x))]), f"{args.work}/vae_recon.png", cols=16)
    torch.save({"encoder": enc.state_dict(), "decoder": dec.state_dict(), "mean": mean, "std": std},
               f"{args.work}/vae.pt")
    log("latent mean", mean.tolist(), "std", std.tolist())


def load_vae(work):
    ck = torch.load(f"{work}/vae.pt")
    enc, dec = VAEEncoder(), VAEDecoder()
    enc.load_state_dict(ck["encoder"])
    dec.load_state_dict(ck["decoder"])
    return enc.eval(), dec.eval(), ck["mean"], ck["std"]


def make_latent_set(args, gen):
    """Encode a fixed set of images once; the U-Net trains on normalised latents (unit variance)."""
    enc, _, mean, std = load_vae(args.work)
    lat, meta = [], []
    with torch.no_grad():
        for i in range(args.latent_set // 500):
            x, s, fg, bg = shapes.sample_batch(500, gen)
            z = (enc(x) - mean[None, :, None, None]) / std[None, :, None, None]
            lat.append(z)
            meta.append(torch.stack([s, fg, bg], 1))
            if i % 20 == 0:
                log(f"latents {len(lat) * 500}/{args.latent_set}")
    torch.save({"latents": torch.cat(lat), "meta": torch.cat(meta)}, f"{args.work}/latents.pt")


def caption_ids(meta, rng):
    """Full captions mostly; partial ones so short prompts and negative prompts mean something;
    10% empty so classifier-free guidance works."""
    out = []
    for s, fg, bg in meta.tolist():
        r = rng.random()
        if r < 0.10:
            text = ""
        elif r < 0.22:
            fg_name, shape_name, bg_name = shapes.COLOUR_NAMES[fg], shapes.SHAPES[s], shapes.COLOUR_NAMES[bg]
            a_fg, a_bg = shapes.article(fg_name), shapes.article(bg_name)
            text = rng.choice([f"{a_fg} {fg_name} {shape_name}", f"a {shape_name}", f"a {shape_name} on {a_bg} {bg_name} background",
                               f"{bg_name} background", fg_name, shape_name])
        else:
            text = shapes.caption(s, fg, bg)
        out.append(vocab.encode(text))
    return torch.tensor(out, dtype=torch.int32)


def train_unet(args, gen):
    data = torch.load(f"{args.work}/latents.pt")
    latents, meta = data["latents"], data["meta"]
    dev = torch.device(args.device)
    text = TextEncoder(len(vocab.VOCAB), dim=args.text_dim).to(dev)
    unet = UNet(context_dim=args.text_dim, channels=(args.unet_ch0, args.unet_ch1)).to(dev)
    log(f"text encoder {count_params(text)} params, U-Net {count_params(unet)} params, {len(latents)} latents")
    params = list(text.parameters()) + list(unet.parameters())
    opt = torch.optim.AdamW(params, lr=args.unet_lr, weight_decay=0.01)
    warm = 200
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * (0.1 + 0.9 * 0.5 * (1 + torch.cos(torch.tensor(s / args.unet_steps * 3.14159)).item())))
    ema_text, ema_unet = copy.deepcopy(text), copy.deepcopy(unet)
    ema_params = list(ema_text.parameters()) + list(ema_unet.parameters())
    ac = schedule.alphas_cumprod()
    rng = random.Random(args.seed)
    start = 0
    if args.resume and os.path.exists(f"{args.work}/unet.pt"):
        ck = torch.load(f"{args.work}/unet.pt", map_location=dev)
        text.load_state_dict(ck["text_train"]); unet.load_state_dict(ck["unet_train"])
        ema_text.load_state_dict(ck["text"]); ema_unet.load_state_dict(ck["unet"])
        opt.load_state_dict(ck["opt"]); start = ck["step"] + 1
        for _ in range(start):
            sched.step()
        log(f"resumed at step {start}")
    t0 = time.time()
    step = start
    t_warm = t0  # replaced once the first step (which compiles and warms up) is done
    while step < args.unet_steps:
        idx = torch.randint(len(latents), (args.unet_batch,), generator=gen)
        x0 = latents[idx]
        flip = torch.rand(args.unet_batch, generator=gen) < 0.5
        x0 = torch.where(flip[:, None, None, None], torch.flip(x0, dims=[3]), x0)
        ids = caption_ids(meta[idx], rng)
        xt, t, noise, w = noised(x0, gen, ac)
        xt, t, ids, noise, w = (v.to(dev) for v in (xt, t, ids, noise, w))
        loss = optimise(opt, params, unet(xt, t, text(ids)), noise, w)
        sched.step()
        ema_update(ema_params, params, min(args.ema, (1 + step) / (10 + step)))
        if args.unet_minutes and step == start + 50:
            # the cosine schedule needs the total up front: fix it from the rate after warm-up
            rate = 50 / (time.time() - t_warm)
            args.unet_steps = step + 1 + int(rate * (args.unet_minutes * 60 - (time.time() - t0)))
            log(f"{rate:.1f} it/s: training {args.unet_steps} steps in {args.unet_minutes} minutes")
        if step == start:
            t_warm = time.time()
        if step % 100 == 0 or step == args.unet_steps - 1:
            rate = (step - start + 1) / (time.time() - t0)
            log(f"unet step {step} loss {loss.item():.4f} lr {sched.get_last_lr()[0]:.2e} {rate:.2f} it/s")
        if step % 1000 == 999 or step == args.unet_steps - 1:
            torch.save({"text": cpu_state(ema_text), "unet": cpu_state(ema_unet),
                        "text_train": cpu_state(text), "unet_train": cpu_state(unet),
                        "opt": opt.state_dict(), "step": step, "text_dim": args.text_dim,
                        "channels": (args.unet_ch0, args.unet_ch1)}, f"{args.work}/unet.pt")
        step += 1


def load_unet(work):
    ck = torch.load(f"{work}/unet.pt", map_location="cpu")
    text = TextEncoder(len(vocab.VOCAB), dim=ck["text_dim"])
    unet = UNet(context_dim=ck["text_dim"], channels=ck["channels"])
    text.load_state_dict(ck["text"])
    unet.load_state_dict(ck["unet"])
    return text, unet, ck


LOW_RES = 32


def train_xl(args, gen):
    """The SDXL-interface model: the SD model's text encoder and U-Net, plus a second text encoder with a
    pooled output and the U-Net's "text_time" embedding, fine-tuned together. To give `time_ids` a real
    meaning (as SDXL's original-size conditioning has), a quarter of the images were rendered at 32x32 and
    upscaled: the model learns that original size 32 means blurry, 64 sharp."""
    data = torch.load(f"{args.work}/latents.pt")
    latents, meta = data["latents"], data["meta"]
    enc, _, mean, std = load_vae(args.work)
    low, low_meta = [], []
    with torch.no_grad():
        for _ in range(args.xl_low_res_set // 500):
            x, s, fg, bg = shapes.sample_batch(500, gen)
            x = F.interpolate(F.interpolate(x, size=LOW_RES, mode="area"), size=shapes.IMAGE_SIZE, mode="bilinear", align_corners=False)
            low.append((enc(x) - mean[None, :, None, None]) / std[None, :, None, None])
            low_meta.append(torch.stack([s, fg, bg], 1))
    low, low_meta = torch.cat(low), torch.cat(low_meta)
    log(f"xl: {len(low)} low-resolution latents")
    dev = torch.device(args.device)
    text, sd_unet, ck = load_unet(args.work)
    text2 = TextEncoder2(len(vocab.VOCAB), vocab.EOS, dim=args.xl_text2_dim, pooled_dim=args.xl_text2_dim)
    unet = UNetXL(context_dim=ck["text_dim"] + args.xl_text2_dim, pooled_dim=args.xl_text2_dim, channels=ck["channels"])
    unet.load_sd_weights(sd_unet.state_dict())
    text, text2, unet = text.to(dev), text2.to(dev), unet.to(dev)
    log(f"xl: second text encoder {count_params(text2)} params, U-Net {count_params(unet)} params")
    params = list(text.parameters()) + list(text2.parameters()) + list(unet.parameters())
    opt = torch.optim.AdamW(params, lr=args.xl_lr, weight_decay=0.01)
    ema = [copy.deepcopy(m) for m in (text, text2, unet)]
    ema_params = [q for e in ema for q in e.parameters()]
    ac = schedule.alphas_cumprod()
    rng = random.Random(args.seed)
    size = float(shapes.IMAGE_SIZE)
    for step in range(args.xl_steps):
        from_low = torch.rand(args.unet_batch, generator=gen) < 0.25
        idx = torch.randint(len(latents), (args.unet_batch,), generator=gen)
        idx_low = torch.randint(len(low), (args.unet_batch,), generator=gen)
        x0 = torch.where(from_low[:, None, None, None], low[idx_low], latents[idx])
        m = torch.where(from_low[:, None], low_meta[idx_low], meta[idx])
        ids = caption_ids(m, rng)
        original = torch.where(from_low, torch.tensor(float(LOW_RES)), torch.tensor(size))
        time_ids = torch.stack([original, original, torch.zeros_like(original), torch.zeros_like(original),
                                torch.full_like(original, size), torch.full_like(original, size)], 1)
        xt, t, noise, w = noised(x0, gen, ac)
        xt, t, ids, noise, w, time_ids = (v.to(dev) for v in (xt, t, ids, noise, w, time_ids))
        h2, pooled = text2(ids.long())
        # SDXL drops the pooled prompt with the caption: the empty caption encodes to it anyway
        loss = optimise(opt, params, unet(xt, t, torch.cat([text(ids), h2], dim=2), pooled, time_ids), noise, w)
        ema_update(ema_params, params, min(args.ema, (1 + step) / (10 + step)))
        if step % 100 == 0 or step == args.xl_steps - 1:
            log(f"xl step {step} loss {loss.item():.4f}")
    torch.save({"text": cpu_state(ema[0]), "text2": cpu_state(ema[1]), "unet": cpu_state(ema[2]),
                "text_dim": ck["text_dim"], "text2_dim": args.xl_text2_dim, "channels": ck["channels"]},
               f"{args.work}/xl.pt")


def calibrate_batchnorm(clf, gen, batches=16):
    """Recomputes BatchNorm's running statistics as plain averages over fresh batches with the final
    weights: the running averages kept while training can lag the weights enough to break eval mode."""
    for m in clf.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None
    clf.train()
    with torch.no_grad():
        for _ in range(batches):
            clf(shapes.sample_batch(256, gen)[0])


def train_classifier(args, gen):
    clf = ShapeClassifier(len(shapes.SHAPES))
    opt = torch.optim.AdamW(clf.parameters(), lr=2e-3)
    for step in range(args.clf_steps):
        x, s, _, _ = shapes.sample_batch(64, gen)
        loss = F.cross_entropy(clf(x), s)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 200 == 0:
            log(f"classifier step {step} loss {loss.item():.4f}")
    calibrate_batchnorm(clf, gen)
    clf.eval()
    with torch.no_grad():
        x, s, _, _ = shapes.sample_batch(2000, torch.Generator().manual_seed(12345))
        acc = (clf(x).argmax(1) == s).float().mean().item()
    log(f"shape classifier accuracy on fresh dataset images: {acc:.4f}")
    torch.save({"classifier": clf.state_dict(), "accuracy": acc}, f"{args.work}/classifier.pt")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--work", default=os.path.join(HERE, ".work"))
    p.add_argument("--stage", choices=["all", "vae", "latents", "unet", "classifier", "xl"], default="all")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", default="cpu", help="where the U-Net stages train (cpu, cuda)")
    p.add_argument("--vae-steps", type=int, default=2500)
    p.add_argument("--vae-batch", type=int, default=32)
    p.add_argument("--latent-set", type=int, default=24000)
    p.add_argument("--unet-steps", type=int, default=3200)
    p.add_argument("--unet-minutes", type=float, default=None, help="instead of --unet-steps: as many as fit")
    p.add_argument("--unet-batch", type=int, default=128)
    p.add_argument("--unet-lr", type=float, default=2e-3)
    p.add_argument("--unet-ch0", type=int, default=64)
    p.add_argument("--unet-ch1", type=int, default=80)
    p.add_argument("--text-dim", type=int, default=64)
    p.add_argument("--ema", type=float, default=0.998)
    p.add_argument("--clf-steps", type=int, default=800)
    p.add_argument("--xl-steps", type=int, default=600)
    p.add_argument("--xl-lr", type=float, default=5e-4)
    p.add_argument("--xl-text2-dim", type=int, default=32)
    p.add_argument("--xl-low-res-set", type=int, default=6000)
    p.add_argument("--resume", action="store_true")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.work, exist_ok=True)
    order = ["vae", "latents", "classifier", "unet", "xl"]
    stages = order if args.stage == "all" else [args.stage]
    for stage in stages:
        # seeds depend on the stage, not on how many stages this run does, so one stage can be rerun alone
        i = order.index(stage)
        torch.manual_seed(args.seed + i)
        gen = torch.Generator().manual_seed(args.seed + 100 * (i + 1))
        log(f"stage {stage}")
        {"vae": train_vae, "latents": make_latent_set, "unet": train_unet, "classifier": train_classifier,
         "xl": train_xl}[stage](args, gen)


if __name__ == "__main__":
    main()
