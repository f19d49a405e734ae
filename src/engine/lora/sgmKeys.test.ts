import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { layersPerBlock, sgmToDiffusersPath } from "./sgmKeys";

/**
 * kohya's sgm-layout keys for every Linear and Conv2d of SDXL's U-Net and the module diffusers' own loader maps each
 * to (tools/lora/sgm_key_goldens.py); the twin's image test (lora.twin.test.ts, kohya-sgm) applies such a file.
 */
const golden = JSON.parse(readFileSync(join(__dirname, "__fixtures__/sgm-keys.json"), "utf8")) as {
  layersPerBlock: number;
  pairs: [string, string][];
};

describe("kohya's sgm U-Net keys", () => {
  it("name the modules diffusers maps them to, for all of SDXL's U-Net", () => {
    expect(golden.pairs.length).toBeGreaterThan(700);
    const got = golden.pairs.map(([sgm]) => sgmToDiffusersPath(sgm, golden.layersPerBlock));
    expect(got).toEqual(golden.pairs.map(([, diffusers]) => diffusers));
  });

  it("leave diffusers-layout paths and unknown sgm layers alone", () => {
    expect(sgmToDiffusersPath("down_blocks_1_attentions_0_proj_in", 2)).toBeUndefined();
    expect(sgmToDiffusersPath("input_blocks_1_0_in_layers_0", 2)).toBeUndefined();
    expect(sgmToDiffusersPath("output_blocks_2_2_norm", 2)).toBeUndefined();
  });

  it("read layers per block from the U-Net's module paths", () => {
    const paths = ["down_blocks.0.resnets.0.conv1", "down_blocks.0.resnets.1.conv2", "down_blocks.1.resnets.2.conv1", "up_blocks.0.resnets.2.conv1"];
    expect(layersPerBlock(paths)).toBe(2);
    expect(layersPerBlock(["text_model.encoder.layers.0.mlp.fc1"])).toBeUndefined();
  });
});
