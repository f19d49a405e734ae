"""kohya's sgm-layout SDXL U-Net keys and the module each names, as diffusers' own loader maps them.

Usage (repository root):
    PYTHONPATH=/work/ext/diffusers/src /work/.venv/bin/python tools/lora/sgm_key_goldens.py

Every Linear and Conv2d of SDXL's U-Net (stabilityai/stable-diffusion-xl-base-1.0's unet/config.json layout,
built without weights) is named as sgm names it (make_lora_references.sgm_name), and diffusers'
_maybe_map_sgm_blocks_to_diffusers + _convert_non_diffusers_lora_to_diffusers (what load_lora_weights runs on a
kohya file) turn the kohya key back into a module path; the script checks that this is the module it started from.
Writes src/engine/lora/__fixtures__/sgm-keys.json: layersPerBlock and [kohya path, diffusers path] pairs, both with
underscores as kohya and the engine's index write them.
"""
import json
import re
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from make_lora_references import OUT, modules_of, sgm_name

# stabilityai/stable-diffusion-xl-base-1.0 unet/config.json, the fields that shape the module tree
SDXL_UNET = {"sample_size": 128, "in_channels": 4, "out_channels": 4, "layers_per_block": 2,
             "block_out_channels": [320, 640, 1280],
             "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
             "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"],
             "transformer_layers_per_block": [1, 2, 10], "cross_attention_dim": 2048, "attention_head_dim": [5, 10, 20],
             "use_linear_projection": True, "addition_embed_type": "text_time", "addition_time_embed_dim": 256,
             "projection_class_embeddings_input_dim": 2816}


def main():
    from accelerate import init_empty_weights
    from diffusers import UNet2DConditionModel
    from diffusers.loaders.lora_conversion_utils import (
        _convert_non_diffusers_lora_to_diffusers,
        _maybe_map_sgm_blocks_to_diffusers,
    )

    with init_empty_weights():
        unet = UNet2DConditionModel(**SDXL_UNET)
    names = [name for name, _ in modules_of(unet, (torch.nn.Linear, torch.nn.Conv2d))]
    kohya = {name: "lora_unet_" + sgm_name(name, unet.config).replace(".", "_") for name in names}
    state = {}
    for key in kohya.values():
        state[f"{key}.lora_down.weight"] = torch.zeros(1, 1)
        state[f"{key}.lora_up.weight"] = torch.zeros(1, 1)
    state = _maybe_map_sgm_blocks_to_diffusers(state, unet.config)
    converted, _ = _convert_non_diffusers_lora_to_diffusers(state)
    # diffusers' spellings: `<module>.lora.down.weight`, and attention processors' `to_q_lora.down.weight`
    downs = [k.removeprefix("unet.").replace(".processor", "") for k in converted if k.endswith("lora.down.weight")]
    back = {re.sub(r"\.(to_[qkv]|to_out)_lora$", lambda m: f".{m[1]}.0" if m[1] == "to_out" else f".{m[1]}",
                   k.removesuffix(".down.weight").removesuffix(".lora")) for k in downs}
    assert back == set(names), f"diffusers maps kohya keys elsewhere: {sorted(back ^ set(names))[:6]}"
    pairs = [[kohya[name].removeprefix("lora_unet_"), name.replace(".", "_")] for name in names]
    with open(OUT / "sgm-keys.json", "w") as f:
        json.dump({"layersPerBlock": SDXL_UNET["layers_per_block"], "pairs": pairs}, f, separators=(",", ":"))
        f.write("\n")
    print(f"{len(pairs)} keys")


if __name__ == "__main__":
    main()
