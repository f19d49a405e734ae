/** Overlapping tiles over a grid, and the weights that blend them back without seams. */

export interface Tile {
  y: number;
  x: number;
  h: number;
  w: number;
}

/** Tile starts along one axis: evenly spread, every pair overlapping by at least `overlap`. */
function starts(length: number, tile: number, overlap: number): number[] {
  if (length <= tile) return [0];
  const count = Math.ceil((length - overlap) / (tile - overlap));
  const step = (length - tile) / (count - 1);
  return Array.from({ length: count }, (_, i) => Math.round(i * step));
}

export function tileGrid(height: number, width: number, tile: number, overlap: number): Tile[] {
  if (overlap >= tile) throw new RangeError(`Tile overlap (${overlap}) must be smaller than the tile (${tile}).`);
  const out: Tile[] = [];
  for (const y of starts(height, tile, overlap)) {
    for (const x of starts(width, tile, overlap)) out.push({ y, x, h: Math.min(tile, height), w: Math.min(tile, width) });
  }
  return out;
}

/**
 * Weight of each position along one tile edge: 1 inside, a smooth (raised-cosine) ramp across
 * the overlap on sides that have a neighbour, so overlapping tiles cross-fade.
 */
function ramp(size: number, start: number, total: number, overlap: number): Float32Array {
  const w = new Float32Array(size).fill(1);
  if (overlap <= 0) return w;
  for (let i = 0; i < size; i++) {
    let v = 1;
    if (start > 0 && i < overlap) v = Math.min(v, 0.5 - 0.5 * Math.cos((Math.PI * (i + 0.5)) / overlap));
    const fromEnd = size - 1 - i;
    if (start + size < total && fromEnd < overlap) v = Math.min(v, 0.5 - 0.5 * Math.cos((Math.PI * (fromEnd + 0.5)) / overlap));
    w[i] = v;
  }
  return w;
}

/**
 * Runs `run` on every tile of a [1,C,H,W] input and blends the [1,C',H·s,W·s] outputs, where
 * s = scale (8 for a VAE decoder, 1/8 for an encoder). Tile and overlap are in input units.
 */
export async function runTiled(
  input: Float32Array,
  dims: readonly [number, number, number, number],
  tile: number,
  overlap: number,
  scale: number,
  outChannels: number,
  run: (tileInput: Float32Array, tileDims: [number, number, number, number]) => Promise<Float32Array>,
  signal?: AbortSignal,
): Promise<{ data: Float32Array; dims: [number, number, number, number] }> {
  const [, c, H, W] = dims;
  const OH = Math.round(H * scale);
  const OW = Math.round(W * scale);
  const out = new Float32Array(outChannels * OH * OW);
  const weight = new Float32Array(OH * OW);
  for (const t of tileGrid(H, W, tile, overlap)) {
    signal?.throwIfAborted();
    const slice = new Float32Array(c * t.h * t.w);
    for (let ch = 0; ch < c; ch++) {
      for (let y = 0; y < t.h; y++) {
        const src = ch * H * W + (t.y + y) * W + t.x;
        slice.set(input.subarray(src, src + t.w), ch * t.h * t.w + y * t.w);
      }
    }
    const result = await run(slice, [1, c, t.h, t.w]);
    const oy = Math.round(t.y * scale);
    const ox = Math.round(t.x * scale);
    const oh = Math.round(t.h * scale);
    const ow = Math.round(t.w * scale);
    const wy = ramp(oh, oy, OH, Math.round(overlap * scale));
    const wx = ramp(ow, ox, OW, Math.round(overlap * scale));
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        const wgt = wy[y] * wx[x];
        const o = (oy + y) * OW + ox + x;
        weight[o] += wgt;
        for (let ch = 0; ch < outChannels; ch++) out[ch * OH * OW + o] += wgt * result[ch * oh * ow + y * ow + x];
      }
    }
  }
  for (let ch = 0; ch < outChannels; ch++) {
    for (let i = 0; i < OH * OW; i++) out[ch * OH * OW + i] /= weight[i];
  }
  return { data: out, dims: [1, outChannels, OH, OW] };
}
