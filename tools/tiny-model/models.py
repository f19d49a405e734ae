"""The tiny model's networks: word-level text encoder, latent U-Net, VAE, and the shape classifier
used only by the evaluation. Shapes follow Stable Diffusion's so the ONNX interface is the same."""
import math

import torch
import torch.nn.functional as F
from torch import nn

MAX_TOKENS = 77


def group_norm(c):
    return nn.GroupNorm(8, c)


class PixelNorm(nn.Module):
    """Normalises each pixel over its channels. Unlike GroupNorm it uses no statistics of the whole
    image, so the VAE run on overlapping tiles gives the same pixels as the VAE run on the whole."""

    def __init__(self, c):
        super().__init__()
        self.channels = c  # a plain int: the export traces the averaging kernel as a constant
        self.weight = nn.Parameter(torch.ones(c))
        self.bias = nn.Parameter(torch.zeros(c))

    def forward(self, x):
        if torch.onnx.is_in_onnx_export():
            # the channel means as a 1x1 convolution: ONNX Runtime's ReduceMean over axis 1 of NCHW is a
            # strided reduction, 2.5x slower than this in WASM and 1.5x on x86 (same values up to rounding)
            avg = torch.full((1, self.channels, 1, 1), 1.0 / self.channels)
            mu = F.conv2d(x, avg)
            d = x - mu
            var = F.conv2d(d * d, avg)
        else:
            mu = x.mean(1, keepdim=True)
            d = x - mu
            var = d.pow(2).mean(1, keepdim=True)
        return d / torch.sqrt(var + 1e-6) * self.weight[:, None, None] + self.bias[:, None, None]


class Attention(nn.Module):
    def __init__(self, dim, context_dim, heads):
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(dim, dim, bias=False)
        self.k = nn.Linear(context_dim, dim, bias=False)
        self.v = nn.Linear(context_dim, dim, bias=False)
        self.out = nn.Linear(dim, dim)

    def forward(self, x, context, mask=None):
        b, n, d = x.shape
        h = self.heads
        q = self.q(x).reshape(b, n, h, d // h).transpose(1, 2)
        k = self.k(context).reshape(b, context.shape[1], h, d // h).transpose(1, 2)
        v = self.v(context).reshape(b, context.shape[1], h, d // h).transpose(1, 2)
        scores = q @ k.transpose(-1, -2) / math.sqrt(d // h)
        if mask is not None:
            scores = scores + mask
        y = scores.softmax(-1) @ v
        return self.out(y.transpose(1, 2).reshape(b, n, d))


class TextEncoder(nn.Module):
    """Token + position embeddings, a few pre-norm transformer layers: input_ids [B,77] -> [B,77,D]."""

    def __init__(self, vocab_size, dim=64, layers=2, heads=4, pad_id=0):
        super().__init__()
        self.pad_id = pad_id
        self.tok = nn.Embedding(vocab_size, dim)
        self.pos = nn.Parameter(torch.zeros(1, MAX_TOKENS, dim))
        self.layers = nn.ModuleList()
        for _ in range(layers):
            self.layers.append(
                nn.ModuleDict(
                    dict(
                        n1=nn.LayerNorm(dim),
                        attn=Attention(dim, dim, heads),
                        n2=nn.LayerNorm(dim),
                        ff=nn.Sequential(nn.Linear(dim, dim * 2), nn.GELU(), nn.Linear(dim * 2, dim)),
                    )
                )
            )
        self.final = nn.LayerNorm(dim)

    def forward(self, input_ids):
        ids = input_ids.long()
        x = self.tok(ids) + self.pos
        # padding is masked out as keys so the length of the caption does not change what it means
        mask = (ids == self.pad_id).float()[:, None, None, :] * -1e4
        for layer in self.layers:
            x = x + layer["attn"](layer["n1"](x), layer["n1"](x), mask)
            x = x + layer["ff"](layer["n2"](x))
        return self.final(x)


def timestep_embedding(t, dim):
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, temb_dim=None, norm=group_norm):
        super().__init__()
        self.n1 = norm(cin)
        self.c1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.t = nn.Linear(temb_dim, cout) if temb_dim else None
        self.n2 = norm(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, temb=None):
        h = self.c1(F.silu(self.n1(x)))
        if self.t is not None:
            h = h + self.t(F.silu(temb))[:, :, None, None]
        h = self.c2(F.silu(self.n2(h)))
        return self.skip(x) + h


class SpatialTransformer(nn.Module):
    """Self-attention, cross-attention to the text, feed-forward, over the pixels of a feature map."""

    def __init__(self, c, context_dim, heads=4):
        super().__init__()
        self.norm = group_norm(c)
        self.n1 = nn.LayerNorm(c)
        self.self_attn = Attention(c, c, heads)
        self.n2 = nn.LayerNorm(c)
        self.cross_attn = Attention(c, context_dim, heads)
        self.n3 = nn.LayerNorm(c)
        self.ff = nn.Sequential(nn.Linear(c, c * 2), nn.GELU(), nn.Linear(c * 2, c))

    def forward(self, x, context):
        h = self.norm(x).flatten(2).transpose(1, 2)
        h = h + self.self_attn(self.n1(h), self.n1(h))
        h = h + self.cross_attn(self.n2(h), context)
        h = h + self.ff(self.n3(h))
        return x + h.transpose(1, 2).reshape_as(x)


class UNet(nn.Module):
    """Two-level U-Net with attention at both levels. Latent height and width must be even."""

    def __init__(self, context_dim, channels=(64, 128), latent_channels=4):
        super().__init__()
        c0, c1 = channels
        self.temb_dim = c0 * 4
        self.time_mlp = nn.Sequential(nn.Linear(c0, self.temb_dim), nn.SiLU(), nn.Linear(self.temb_dim, self.temb_dim))
        self.conv_in = nn.Conv2d(latent_channels, c0, 3, padding=1)
        self.down0 = ResBlock(c0, c0, self.temb_dim)
        self.attn_d0 = SpatialTransformer(c0, context_dim)
        self.downsample = nn.Conv2d(c0, c0, 3, stride=2, padding=1)
        self.down1 = ResBlock(c0, c1, self.temb_dim)
        self.attn_d1 = SpatialTransformer(c1, context_dim)
        self.mid = ResBlock(c1, c1, self.temb_dim)
        self.attn_mid = SpatialTransformer(c1, context_dim)
        self.up1 = ResBlock(c1 + c1, c1, self.temb_dim)
        self.attn_u1 = SpatialTransformer(c1, context_dim)
        self.upsample = nn.Conv2d(c1, c0, 3, padding=1)
        self.up0 = ResBlock(c0 + c0, c0, self.temb_dim)
        self.attn_u0 = SpatialTransformer(c0, context_dim)
        self.norm_out = group_norm(c0)
        self.conv_out = nn.Conv2d(c0, latent_channels, 3, padding=1)
        nn.init.zeros_(self.conv_out.weight)
        nn.init.zeros_(self.conv_out.bias)

    def forward(self, sample, timestep, encoder_hidden_states, added_emb=None):
        # timestep may be [1] for a batch (as SD exports accept); broadcast it
        t = timestep.expand(sample.shape[0])
        temb = self.time_mlp(timestep_embedding(t, self.conv_in.out_channels))
        if added_emb is not None:
            temb = temb + added_emb
        ctx = encoder_hidden_states
        h0 = self.attn_d0(self.down0(self.conv_in(sample), temb), ctx)
        h1 = self.attn_d1(self.down1(self.downsample(h0), temb), ctx)
        m = self.attn_mid(self.mid(h1, temb), ctx)
        u1 = self.attn_u1(self.up1(torch.cat([m, h1], 1), temb), ctx)
        u = self.upsample(F.interpolate(u1, scale_factor=2.0, mode="nearest"))
        u0 = self.attn_u0(self.up0(torch.cat([u, h0], 1), temb), ctx)
        return self.conv_out(F.silu(self.norm_out(u0)))


class TextEncoder2(TextEncoder):
    """The second encoder of the SDXL interface: per-token states and a pooled prompt embedding
    (`text_embeds`), taken at the end-of-text token as CLIP pools and projected."""

    def __init__(self, vocab_size, eos_id, dim=32, pooled_dim=32, **kw):
        super().__init__(vocab_size, dim=dim, **kw)
        self.eos_id = eos_id
        self.proj = nn.Linear(dim, pooled_dim, bias=False)

    def forward(self, input_ids):
        h = super().forward(input_ids)
        eos = (input_ids.long() == self.eos_id).long().argmax(1)
        pooled = h[torch.arange(h.shape[0], device=h.device), eos]
        return h, self.proj(pooled)


class UNetXL(UNet):
    """SDXL's U-Net interface ("text_time" addition embedding): the pooled prompt and the six
    micro-conditioning numbers (original size, crop top-left, target size) are embedded and added to
    the timestep embedding. The last layer starts at zero so an SD U-Net's weights carry over."""

    TIME_ID_DIM = 16

    def __init__(self, context_dim, pooled_dim, channels=(64, 128), latent_channels=4):
        super().__init__(context_dim, channels, latent_channels)
        self.add_mlp = nn.Sequential(
            nn.Linear(pooled_dim + 6 * self.TIME_ID_DIM, self.temb_dim), nn.SiLU(), nn.Linear(self.temb_dim, self.temb_dim))
        nn.init.zeros_(self.add_mlp[2].weight)
        nn.init.zeros_(self.add_mlp[2].bias)

    def forward(self, sample, timestep, encoder_hidden_states, text_embeds, time_ids):
        b = sample.shape[0]
        ids = timestep_embedding(time_ids.reshape(-1), self.TIME_ID_DIM).reshape(b, -1)
        added = self.add_mlp(torch.cat([text_embeds, ids], dim=1))
        return super().forward(sample, timestep, encoder_hidden_states, added)

    def load_sd_weights(self, state):
        """Copies an SD U-Net's weights; cross-attention keys/values get zero columns for the wider context."""
        own = self.state_dict()
        for k, v in state.items():
            if own[k].shape == v.shape:
                own[k] = v
            else:
                own[k] = torch.zeros_like(own[k])
                own[k][:, : v.shape[1]] = v
        self.load_state_dict(own)


class VAEEncoder(nn.Module):
    """Image [B,3,H,W] in [-1,1] -> raw latent [B,4,H/8,W/8]."""

    def __init__(self, ch=(16, 32, 64), latent_channels=4):
        super().__init__()
        self.conv_in = nn.Conv2d(3, ch[0], 3, padding=1)
        layers = []
        cin = ch[0]
        for c in ch:
            layers += [ResBlock(cin, c, norm=PixelNorm), nn.Conv2d(c, c, 3, stride=2, padding=1)]
            cin = c
        self.body = nn.Sequential(*layers)
        self.mid = ResBlock(cin, cin, norm=PixelNorm)
        self.norm = PixelNorm(cin)
        self.conv_out = nn.Conv2d(cin, latent_channels, 3, padding=1)

    def forward(self, x):
        h = self.mid(self.body(self.conv_in(x)))
        return self.conv_out(F.silu(self.norm(h)))


class VAEDecoder(nn.Module):
    """Raw latent [B,4,h,w] -> image [B,3,8h,8w] in [-1,1] (clamped at export)."""

    def __init__(self, ch=(64, 48, 32), latent_channels=4):
        super().__init__()
        self.conv_in = nn.Conv2d(latent_channels, ch[0], 3, padding=1)
        self.mid = ResBlock(ch[0], ch[0], norm=PixelNorm)
        blocks = []
        cin = ch[0]
        for c in ch:
            blocks.append(nn.ModuleList([ResBlock(cin, c, norm=PixelNorm), nn.Conv2d(c, c, 3, padding=1)]))
            cin = c
        self.blocks = nn.ModuleList(blocks)
        self.final = ResBlock(cin, cin, norm=PixelNorm)
        self.norm = PixelNorm(cin)
        self.conv_out = nn.Conv2d(cin, 3, 3, padding=1)

    def forward(self, z):
        h = self.mid(self.conv_in(z))
        for res, conv in self.blocks:
            h = conv(F.interpolate(res(h), scale_factor=2.0, mode="nearest"))
        h = self.final(h)
        return self.conv_out(F.silu(self.norm(h)))


class ShapeClassifier(nn.Module):
    """Small CNN: 64x64 image -> shape logits. Used to score generated images, not shipped."""

    def __init__(self, n_shapes):
        super().__init__()
        layers = []
        cin = 3
        for c in (32, 64, 96, 128):
            layers += [nn.Conv2d(cin, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU(), nn.MaxPool2d(2)]
            cin = c
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(cin, n_shapes)

    def forward(self, x):
        return self.head(self.body(x).mean(dim=(2, 3)))


def count_params(m):
    return sum(p.numel() for p in m.parameters())
