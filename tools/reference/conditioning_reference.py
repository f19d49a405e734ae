"""Reference conditionings and images for src/engine/conditioning.ts on the SD-Turbo twin, made by AUTOMATIC1111's
own prompt code and diffusers' pipeline.

Usage (from the repository root):
    PYTHONPATH=/work/ext/diffusers/src /work/.venv/bin/python tools/reference/conditioning_reference.py A1111_CHECKOUT

A1111_CHECKOUT is a checkout of github.com/AUTOMATIC1111/stable-diffusion-webui; its prompt code is run unchanged
as tools/reference/prompt_reference.py runs it (nothing of it is committed). The model is the SD-Turbo twin
(random weights, the real repo's layout, src/models/__fixtures__/twins/schmuell/sd-turbo-ort-web, made by
tools/twins/), except that its text encoder's final layer norm gets a random scale and bias: the twin's is the
initial 1 and 0, so every position's states average to 0 and A1111's emphasis, which divides by the chunk's mean,
would divide rounding noise by rounding noise (CLIP's trained ln_final has a bias; its states do not average to 0).
That text encoder runs in onnxruntime as A1111's `transformer`, behind A1111's
FrozenCLIPEmbedderWithCustomWords with `id_pad = 0` (what A1111's OpenCLIP embedder sets for SD 2.x) over the
twin's own CLIPTokenizer (pad "!" = id 0, as diffusers tokenizes for this repo).

Outputs in src/engine/__fixtures__/conditioning/:
  text_encoder.onnx  the twin's text encoder with that layer norm
  conditioning.json  per prompt: the ids of each chunk the encoder got, A1111's forward() output (weighted chunks
                     side by side), the token counter (get_prompt_lengths after extra-network tags are taken out);
                     per [negative, positive] pair: both after CFGDenoiser.pad_cond_uncond's padding
  NN-*.png           diffusers' OnnxStableDiffusionPipeline on the twin, given those conditionings as
                     prompt_embeds / negative_prompt_embeds, the latents torch.randn(seed) draws, Euler (trailing)
"""
import json
import os
import sys
import types

import numpy as np
import onnxruntime as ort
import torch

sys.path.insert(0, os.path.dirname(__file__))
import prompt_reference

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
TWIN = os.path.join(ROOT, "src", "models", "__fixtures__", "twins", "schmuell", "sd-turbo-ort-web")
OUT = os.path.join(ROOT, "src", "engine", "__fixtures__", "conditioning")

LONG = ("a very long prompt about a lighthouse on a rocky cliff at sunset, waves crashing below, seagulls in "
        "the sky, dramatic clouds, golden light, oil painting in the style of the old masters, highly "
        "detailed, with a small red boat in the harbour, fishermen mending their nets, a dog on the pier, "
        "children playing, and the smell of salt and seaweed in the warm summer evening air, trending")
WEIGHTED = "(masterpiece:1.2), best quality, a [blurry] (red:1.5) fox in ((snowy woods)), (sunset:0.7)"
PROMPTS = [
    "a photograph of an astronaut riding a horse",
    "",
    "wow! a red fox!!",
    WEIGHTED,
    LONG,
    "(long:1.3) " + "word " * 90 + "[end]",
    "a castle on a hill BREAK (golden hour:1.3), dramatic sky",
    "<lora:detail:0.8> a (sharp:1.1) portrait",
    ", ".join(f"tag{i}" for i in range(60)),
]
PAIRS = [["blurry, lowres", LONG], [LONG, "a cat"], ["", WEIGHTED]]
# (prompt, negative, seed, steps, guidance): a long prompt without guidance; weighted prompts with guidance,
# the shorter side padded with the empty prompt
IMAGES = [
    (LONG, "", 0, 2, 0.0),
    (WEIGHTED, "blurry, lowres", 1234, 2, 2.5),
    (LONG.replace("oil painting", "(oil painting:1.4)") + " BREAK (a tiny moon:1.2)", "ugly", 7, 1, 2.0),
]
SIZE = 256
TURBO_SCHEDULER = {"beta_end": 0.012, "beta_schedule": "scaled_linear", "beta_start": 0.00085,
                   "num_train_timesteps": 1000, "prediction_type": "epsilon", "steps_offset": 1,
                   "timestep_spacing": "trailing", "interpolation_type": "linear", "use_karras_sigmas": False}


def text_encoder_with_biased_norm():
    """The twin's text encoder, its final LayerNormalization fed a seeded random scale and bias."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(os.path.join(TWIN, "text_encoder", "model.onnx"))
    (norm,) = [n for n in model.graph.node if n.name == "/model/final_layer_norm/LayerNormalization"]
    rng = np.random.RandomState(0)
    width = 32
    scale = (1 + 0.2 * rng.randn(width)).astype(np.float32)
    bias = (0.05 + 0.1 * rng.randn(width)).astype(np.float32)
    model.graph.initializer.extend([numpy_helper.from_array(scale, "reference.final_layer_norm.weight"),
                                    numpy_helper.from_array(bias, "reference.final_layer_norm.bias")])
    norm.input[1], norm.input[2] = "reference.final_layer_norm.weight", "reference.final_layer_norm.bias"
    path = os.path.join(OUT, "text_encoder.onnx")
    onnx.save(model, path)
    return path


class OnnxTransformer:
    """The text encoder called the way A1111 calls transformers' CLIPTextModel."""

    def __init__(self, path):
        self.session = ort.InferenceSession(path)
        self.calls = []

    def __call__(self, input_ids, output_hidden_states=None):
        ids = input_ids.numpy().astype(np.int32)
        self.calls.extend(ids.tolist())
        (hidden,) = self.session.run(["last_hidden_state"], {"input_ids": ids})
        return types.SimpleNamespace(last_hidden_state=torch.from_numpy(hidden))


def flat(t):
    return [float(v) for v in t.flatten().tolist()]


def main():
    from transformers import CLIPTokenizer

    checkout = sys.argv[1]
    os.makedirs(OUT, exist_ok=True)
    import shutil
    import tempfile
    root = tempfile.mkdtemp()
    try:
        m = prompt_reference.build_package(checkout, root)
        tokenizer = CLIPTokenizer.from_pretrained(os.path.join(TWIN, "tokenizer"))
        assert tokenizer.pad_token_id == 0
        encoder_path = text_encoder_with_biased_norm()
        transformer = OnnxTransformer(encoder_path)
        model = prompt_reference.embedder(m, tokenizer, transformer, pad_id=0)

        def encode(prompt):
            transformer.calls = []
            z = model.forward([prompt])
            return z, transformer.calls

        prompts = []
        for prompt in PROMPTS:
            # A1111's process_images takes extra-network tags out of the prompt before it is encoded
            text, _ = m["extra_networks"].parse_prompt(prompt)
            z, ids = encode(text)
            _, token_count = model.process_texts([text])
            prompts.append({"prompt": prompt, "ids": ids, "hidden": flat(z), "chunks": z.shape[1] // 77,
                            "tokens": token_count, "capacity": model.get_target_prompt_token_count(token_count)})
        empty, _ = encode("")

        def padded_pair(negative, positive):
            uncond, _ = encode(m["extra_networks"].parse_prompt(negative)[0])
            cond, _ = encode(m["extra_networks"].parse_prompt(positive)[0])
            # CFGDenoiser.pad_cond_uncond (A1111's "pad prompt/negative prompt to be same length")
            repeats = (cond.shape[1] - uncond.shape[1]) // empty.shape[1]
            if repeats < 0:
                cond = m["cfg_padding"].pad_cond(cond, -repeats, empty)
            elif repeats > 0:
                uncond = m["cfg_padding"].pad_cond(uncond, repeats, empty)
            return uncond, cond

        pairs = []
        for negative, positive in PAIRS:
            uncond, cond = padded_pair(negative, positive)
            pairs.append({"negative": negative, "prompt": positive, "chunks": cond.shape[1] // 77,
                          "hidden": flat(torch.cat([uncond, cond]))})

        images = []
        pipe = pipeline(encoder_path)
        for n, (prompt, negative, seed, steps, guidance) in enumerate(IMAGES):
            uncond, cond = padded_pair(negative, prompt)
            latents = torch.randn([1, 4, SIZE // 8, SIZE // 8], generator=torch.Generator().manual_seed(seed)).numpy()
            out = pipe(prompt_embeds=cond.numpy(), negative_prompt_embeds=uncond.numpy() if guidance > 1 else None,
                       num_inference_steps=steps, guidance_scale=guidance, width=SIZE, height=SIZE, latents=latents)
            name = f"{n:02d}-seed{seed}-steps{steps}.png"
            out.images[0].save(os.path.join(OUT, name))
            images.append({"prompt": prompt, "negativePrompt": negative, "seed": seed, "steps": steps,
                           "guidance": guidance, "width": SIZE, "height": SIZE, "sampler": "Euler", "image": name})

        import diffusers
        import transformers
        with open(os.path.join(OUT, "conditioning.json"), "w") as f:
            json.dump({"width": int(empty.shape[2]), "prompts": prompts, "pairs": pairs, "images": images,
                       "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                                    "onnxruntime": ort.__version__, "diffusers": diffusers.__version__}},
                      f, separators=(",", ":"))
            f.write("\n")
    finally:
        shutil.rmtree(root)


def pipeline(encoder_path):
    from diffusers import EulerDiscreteScheduler, OnnxRuntimeModel, OnnxStableDiffusionPipeline
    from transformers import CLIPTokenizer

    class Euler(EulerDiscreteScheduler):
        """diffusers' Euler gives init_noise_sigma as a tensor, which the ONNX pipeline multiplies a numpy array by."""

        @property
        def init_noise_sigma(self):
            return float(super().init_noise_sigma)

    def part(name):
        return OnnxRuntimeModel(model=ort.InferenceSession(os.path.join(TWIN, name, "model.onnx")))

    return OnnxStableDiffusionPipeline(
        vae_encoder=part("vae_encoder"), vae_decoder=part("vae_decoder"), text_encoder=OnnxRuntimeModel(model=ort.InferenceSession(encoder_path)),
        tokenizer=CLIPTokenizer.from_pretrained(os.path.join(TWIN, "tokenizer")), unet=part("unet"),
        scheduler=Euler.from_config(TURBO_SCHEDULER), safety_checker=None, feature_extractor=None,
        requires_safety_checker=False)


if __name__ == "__main__":
    main()
