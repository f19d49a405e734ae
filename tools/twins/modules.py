"""Tiny random-weight modules from diffusers' and transformers' own classes, and the wrappers that give their
ONNX graphs the real exports' inputs and outputs."""
import torch
from torch import nn

VOCAB_SIZE = 49408


def seeded(seed):
    torch.manual_seed(seed)


def clip_text_model(hidden, layers, act, projection_dim=None, seed=0):
    """CLIPTextModel (or CLIPTextModelWithProjection when projection_dim is set) with CLIP's vocabulary and
    77 positions. eos_token_id=2 as in every SD repo's text_encoder/config.json: transformers then pools at
    argmax(input_ids), the first end token."""
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection
    seeded(seed)
    config = CLIPTextConfig(vocab_size=VOCAB_SIZE, hidden_size=hidden, intermediate_size=4 * hidden,
                            num_hidden_layers=layers, num_attention_heads=4, max_position_embeddings=77,
                            hidden_act=act, projection_dim=projection_dim or hidden, bos_token_id=0, eos_token_id=2,
                            pad_token_id=1, attn_implementation="eager")
    cls = CLIPTextModelWithProjection if projection_dim else CLIPTextModel
    model = cls(config).eval()
    # a wider spread than transformers' 0.02 init, so the prompt visibly changes the image
    with torch.no_grad():
        model.get_input_embeddings().weight.normal_(0, 0.5)
        for name, param in model.named_parameters():
            if name.endswith("position_embedding.weight"):
                param.normal_(0, 0.1)
    return model


def unet(seed=1, **config):
    from diffusers import UNet2DConditionModel
    seeded(seed)
    return UNet2DConditionModel(**config).eval()


def vae(seed=2, **config):
    from diffusers import AutoencoderKL
    seeded(seed)
    return AutoencoderKL(**config).eval()


class TextEncoderLastHidden(nn.Module):
    """int32 input_ids → last_hidden_state, pooler_output (the SD 1.x/2.x ONNX text encoders' outputs)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids):
        out = self.model(input_ids=input_ids.long())
        return out.last_hidden_state, out.pooler_output


class TextEncoderPenultimate(nn.Module):
    """input_ids → the penultimate layer's states (hidden_states[-2], what SDXL conditions on), and for the
    projection model also text_embeds; `half` gives float16 outputs like the q4f16 exports."""

    def __init__(self, model, pooled, half):
        super().__init__()
        self.model, self.pooled, self.half = model, pooled, half

    def forward(self, input_ids):
        out = self.model(input_ids=input_ids.long(), output_hidden_states=True)
        states = out.hidden_states[-2]
        outs = (states, out.text_embeds) if self.pooled else (states,)
        return tuple(o.half() for o in outs) if self.half else outs


class UNetOnnx(nn.Module):
    """The U-Net with the export's inputs; `half` takes and returns float16 (computing in float32 inside)."""

    def __init__(self, model, timestep_cond=False, text_time=False, half=False):
        super().__init__()
        self.model, self.timestep_cond, self.text_time, self.half = model, timestep_cond, text_time, half

    def forward(self, sample, timestep, encoder_hidden_states, *extra):
        f = (lambda x: x.float()) if self.half else (lambda x: x)
        kwargs = {}
        if self.timestep_cond:
            kwargs["timestep_cond"] = f(extra[0])
        if self.text_time:
            kwargs["added_cond_kwargs"] = {"text_embeds": f(extra[0]), "time_ids": f(extra[1])}
        out = self.model(f(sample), f(timestep) if self.half else timestep, f(encoder_hidden_states),
                         return_dict=False, **kwargs)[0]
        return out.half() if self.half else out


class VaeDecoderOnnx(nn.Module):
    """latent_sample → sample (unclamped, as AutoencoderKL.decode returns it)."""

    def __init__(self, model, half=False):
        super().__init__()
        self.model, self.half = model, half

    def forward(self, latent_sample):
        out = self.model.decode(latent_sample.float() if self.half else latent_sample, return_dict=False)[0]
        return out.half() if self.half else out


class VaeEncoderOnnx(nn.Module):
    """sample → latent_sample: the posterior's mean (deterministic; see README)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, sample):
        return self.model.encode(sample, return_dict=False)[0].mode()
