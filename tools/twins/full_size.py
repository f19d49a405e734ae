"""The full-size SD-Turbo twin for bench/fullSize.ts: SD 2.1's real widths (OpenCLIP-H text encoder as CLIPTextModel,
23 layers; the 866M-parameter U-Net; the 83M-parameter VAE) with random weights, in schmuell/sd-turbo-ort-web's
layout and I/O. float32 weights, so the CPU runs them as stored (fp16 storage would be widened to float32 by ONNX
Runtime's CPU kernels and measure that instead); graphs over 2 GB keep their weights beside them as
`model.onnx_data`. The same weights are saved in diffusers' layout (`diffusers/`) for the reference side.

    PYTHONPATH=/work/ext/diffusers/src /work/.venv/bin/python tools/twins/full_size.py /tmp/sd-turbo-full

About 4.5 GB on disk for each layout; takes ~10 GB of memory and several minutes on two cores.
"""
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
import modules
from make_twins import TURBO_SCHEDULER

# stabilityai/sd-turbo's unet/config.json, text_encoder/config.json and vae/config.json (SD 2.1's shapes)
UNET = dict(sample_size=64, in_channels=4, out_channels=4, layers_per_block=2, block_out_channels=(320, 640, 1280, 1280),
            down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
            up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
            cross_attention_dim=1024, attention_head_dim=(5, 10, 20, 20), use_linear_projection=True,
            flip_sin_to_cos=True, freq_shift=0, act_fn="silu", norm_num_groups=32)
VAE = dict(in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * 4,
           up_block_types=("UpDecoderBlock2D",) * 4, block_out_channels=(128, 256, 512, 512), layers_per_block=2,
           latent_channels=4, norm_num_groups=32, sample_size=768, scaling_factor=0.18215)


def main(out: Path):
    repo = out / "schmuell/sd-turbo-ort-web"
    common.write_tokenizer_folder(repo / "tokenizer", pad_token="!")
    from transformers import CLIPTextConfig, CLIPTextModel
    torch.manual_seed(0)
    text = CLIPTextModel(CLIPTextConfig(vocab_size=49408, hidden_size=1024, intermediate_size=4096, num_hidden_layers=23,
                                        num_attention_heads=16, max_position_embeddings=77, hidden_act="gelu",
                                        projection_dim=1024, bos_token_id=0, eos_token_id=2, pad_token_id=1)).eval()
    unet = modules.unet(seed=1, **UNET)
    vae = modules.vae(seed=2, **VAE)
    print("parameters:", {n: sum(p.numel() for p in m.parameters()) for n, m in
                          [("text_encoder", text), ("unet", unet), ("vae", vae)]}, flush=True)

    ids = torch.full((1, 77), 0, dtype=torch.int32)
    common.export_onnx(modules.TextEncoderLastHidden(text), (ids,), repo / "text_encoder/model.onnx", ["input_ids"],
                       ["last_hidden_state", "pooler_output"],
                       {"input_ids": {0: "batch_size"}, "last_hidden_state": {0: "batch_size"}, "pooler_output": {0: "batch_size"}},
                       fp16_weights=False)
    feeds = (torch.randn(1, 4, 64, 64), torch.tensor([999], dtype=torch.int64), torch.randn(1, 77, 1024))
    common.export_onnx(modules.UNetOnnx(unet), feeds, repo / "unet/model.onnx", ["sample", "timestep", "encoder_hidden_states"],
                       ["out_sample"], {"sample": {0: "batch_size", 2: "height", 3: "width"}, "timestep": {0: "steps"},
                                        "encoder_hidden_states": {0: "batch_size"}, "out_sample": {0: "batch_size", 2: "height", 3: "width"}},
                       fp16_weights=False, external_data=True)
    # torch.onnx.export writes a graph over 2 GB with one file per tensor beside it; model.onnx_data replaced them
    for stray in (repo / "unet").iterdir():
        if stray.name not in ("model.onnx", "model.onnx_data"):
            stray.unlink()
    common.export_onnx(modules.VaeDecoderOnnx(vae), (torch.randn(1, 4, 64, 64),), repo / "vae_decoder/model.onnx",
                       ["latent_sample"], ["sample"], {"latent_sample": {0: "batch_size", 2: "height", 3: "width"},
                                                       "sample": {0: "batch_size", 2: "height", 3: "width"}},
                       fp16_weights=False)

    ref = out / "diffusers"
    text.save_pretrained(ref / "text_encoder")
    unet.save_pretrained(ref / "unet")
    vae.save_pretrained(ref / "vae")
    (ref / "scheduler").mkdir(parents=True, exist_ok=True)
    (ref / "scheduler/scheduler_config.json").write_text(json.dumps({"_class_name": "EulerDiscreteScheduler", **TURBO_SCHEDULER}))
    common.write_tokenizer_folder(ref / "tokenizer", pad_token="!")
    (ref / "model_index.json").write_text(json.dumps({
        "_class_name": "StableDiffusionPipeline", "feature_extractor": [None, None], "image_encoder": [None, None],
        "requires_safety_checker": False, "safety_checker": [None, None], "scheduler": ["diffusers", "EulerDiscreteScheduler"],
        "text_encoder": ["transformers", "CLIPTextModel"], "tokenizer": ["transformers", "CLIPTokenizer"],
        "unet": ["diffusers", "UNet2DConditionModel"], "vae": ["diffusers", "AutoencoderKL"]}))
    print("written to", out)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
