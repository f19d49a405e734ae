/**
 * kohya's SDXL LoRAs name U-Net modules as Stability's sgm UNetModel does, which sd-scripts trains SDXL on:
 * `input_blocks_4_1_transformer_blocks_0_attn1_to_q`, `middle_block_0_in_layers_2`, `output_blocks_2_2_conv`,
 * `time_embed_0`, `label_emb_0_0`, `input_blocks_0_0` (conv_in), `out_2` (conv_out). The exports are diffusers
 * modules, so such a path is rewritten to diffusers' (underscored) path before it is looked up.
 *
 * sgm lays the blocks out as a flat list: input_blocks[0] is conv_in, then each level's `layersPerBlock`
 * [resnet, attention] pairs and, but for the last level, one downsampler (`op`); middle_block is resnet,
 * attention, resnet; output_blocks holds each level's `layersPerBlock + 1` [resnet, attention, upsampler] triples.
 */

const OUTSIDE_BLOCKS: Record<string, string> = {
  input_blocks_0_0: "conv_in",
  out_2: "conv_out",
  time_embed_0: "time_embedding_linear_1",
  time_embed_2: "time_embedding_linear_2",
  label_emb_0_0: "add_embedding_linear_1",
  label_emb_0_2: "add_embedding_linear_2",
};

/** sgm ResBlock layers → diffusers ResnetBlock2D's. */
const RESNET: [RegExp, string][] = [
  [/^in_layers_2$/, "conv1"],
  [/^emb_layers_1$/, "time_emb_proj"],
  [/^out_layers_3$/, "conv2"],
  [/^skip_connection$/, "conv_shortcut"],
];

/** A module inside one layer of a level: sgm's index 0 is the resnet, 1 the attention. */
function layerModule(inner: string, layer: number, rest: string): string | undefined {
  if (inner === "1") return `attentions_${layer}_${rest}`;
  const conv = RESNET.find(([pattern]) => pattern.test(rest))?.[1];
  return conv && `resnets_${layer}_${conv}`;
}

/** middle_block's three: [inner index, layer] as layerModule reads them. */
const MIDDLE: [string, number][] = [
  ["0", 0],
  ["1", 0],
  ["0", 1],
];

/** diffusers' underscored module path for an sgm one; undefined when `path` is not an sgm U-Net path. */
export function sgmToDiffusersPath(path: string, layersPerBlock: number): string | undefined {
  if (path in OUTSIDE_BLOCKS) return OUTSIDE_BLOCKS[path];
  const per = layersPerBlock + 1;
  const input = /^input_blocks_(\d+)_([01])_(.+)$/.exec(path);
  if (input) {
    const [i, inner, rest] = [Number(input[1]) - 1, input[2], input[3]];
    const [level, layer] = [Math.floor(i / per), i % per];
    if (layer === layersPerBlock) return inner === "0" && rest === "op" ? `down_blocks_${level}_downsamplers_0_conv` : undefined;
    const module = layerModule(inner, layer, rest);
    return module && `down_blocks_${level}_${module}`;
  }
  const middle = /^middle_block_([012])_(.+)$/.exec(path);
  if (middle) {
    const [inner, layer] = MIDDLE[Number(middle[1])];
    const module = layerModule(inner, layer, middle[2]);
    return module && `mid_block_${module}`;
  }
  const output = /^output_blocks_(\d+)_([012])_(.+)$/.exec(path);
  if (output) {
    const [i, inner, rest] = [Number(output[1]), output[2], output[3]];
    const [level, layer] = [Math.floor(i / per), i % per];
    // the upsampler follows the attention where the level has one (index 2), else the resnet (index 1)
    if (rest === "conv" && inner !== "0") return `up_blocks_${level}_upsamplers_0_conv`;
    if (inner === "2") return undefined;
    const module = layerModule(inner, layer, rest);
    return module && `up_blocks_${level}_${module}`;
  }
  return undefined;
}

/** layers_per_block of a U-Net from its module paths: how many resnets its first down block has. */
export function layersPerBlock(paths: Iterable<string>): number | undefined {
  let most: number | undefined;
  for (const p of paths) {
    const n = /(?:^|\.)down_blocks\.0\.resnets\.(\d+)\./.exec(p)?.[1];
    if (n !== undefined) most = Math.max(most ?? 0, Number(n) + 1);
  }
  return most;
}
