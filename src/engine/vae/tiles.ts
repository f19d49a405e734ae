/** Overlapping tiles over a grid, and the weights that blend them back without seams. */

/**
 * Tile starts along one axis: evenly spread, every pair overlapping by at least `overlap` (less up to
 * `unit` − 1 where starts are rounded to multiples of `unit`).
 */
export function tileStarts(length: number, tile: number, overlap: number, unit = 1): number[] {
  if (overlap >= tile) throw new RangeError(`Tile overlap (${overlap}) must be smaller than the tile (${tile}).`);
  if (length <= tile) return [0];
  const count = Math.ceil((length - overlap) / (tile - overlap));
  const step = (length - tile) / (count - 1);
  return Array.from({ length: count }, (_, i) => Math.min(length - tile, Math.round((i * step) / unit) * unit));
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

/** Sum over tile rows (or columns) of their ramps: the blend's normaliser along one axis. */
function rampTotals(offsets: number[], ramps: Float32Array[], total: number): Float64Array {
  const sum = new Float64Array(total);
  offsets.forEach((o, i) => ramps[i].forEach((w, j) => (sum[o + j] += w)));
  return sum;
}

/**
 * Receives finished output: `n` pixels of row `y` from column `x` on, channel-major ([C][n], as a
 * [1,C,1,n] tensor). The array is reused for the next call.
 */
export type TileSink = (y: number, x: number, values: Float32Array, n: number) => void;

/**
 * Runs `run` on every tile of a [1,C,H,W] input and blends the [1,C',H·s,W·s] outputs, where
 * s = scale (8 for a VAE decoder, 1/8 for an encoder). Tile and overlap are in input units.
 *
 * Blended pixels go to `emit` as soon as no later tile can touch them, so memory stays bounded by
 * the tile, not the image: besides one tile's input and output, only the overlap still waiting for
 * later tiles is held (the band below the current tile row, full width, and the strip to the right of
 * the current tile). Tiles run row by row; a weighted sum goes, in turn, into the strip (a later tile
 * in this row covers the pixel), the band (a later row does) or `emit`. Weights are separable over
 * a full grid of tiles, so their per-pixel total is the product of the two axes' totals.
 */
export async function runTiled(
  input: Float32Array,
  dims: readonly [number, number, number, number],
  tile: number,
  overlap: number,
  scale: number,
  outChannels: number,
  run: (tileInput: Float32Array, tileDims: [number, number, number, number]) => Promise<Float32Array>,
  emit: TileSink,
  signal?: AbortSignal,
): Promise<void> {
  const [, c, H, W] = dims;
  const C = outChannels;
  const OH = Math.round(H * scale);
  const OW = Math.round(W * scale);
  // an encoder's tiles start on whole output pixels, so each lands where its latent belongs
  const unit = scale < 1 ? Math.round(1 / scale) : 1;
  const rows = tileStarts(H, tile, overlap, unit);
  const cols = tileStarts(W, tile, overlap, unit);
  const th = Math.min(tile, H);
  const tw = Math.min(tile, W);
  const oh = Math.round(th * scale);
  const ow = Math.round(tw * scale);
  const ov = Math.round(overlap * scale);
  const oys = rows.map((y) => Math.round(y * scale));
  const oxs = cols.map((x) => Math.round(x * scale));
  const wys = oys.map((oy) => ramp(oh, oy, OH, ov));
  const wxs = oxs.map((ox) => ramp(ow, ox, OW, ov));
  const totalY = rampTotals(oys, wys, OH);
  const totalX = rampTotals(oxs, wxs, OW);
  const seg = new Float32Array(C * ow);
  const slice = new Float32Array(c * th * tw);

  // band: weighted sums of rows [bandStart, bandEnd), full width, waiting for the next tile row
  let band = new Float32Array(0);
  let bandStart = 0;
  let bandEnd = 0;
  for (const [r, oy] of oys.entries()) {
    const nextRow = r + 1 < oys.length ? oys[r + 1] : OH;
    const nextBandRows = Math.max(0, oy + oh - nextRow);
    const nextBand = new Float32Array(C * nextBandRows * OW);
    // strip: weighted sums of columns [ox, stripEnd) of this tile's rows, left by the previous tile
    let strip = new Float32Array(0);
    let stripEnd = 0;
    for (const [k, ox] of oxs.entries()) {
      signal?.throwIfAborted();
      for (let ch = 0; ch < c; ch++) {
        for (let y = 0; y < th; y++) {
          const src = ch * H * W + (rows[r] + y) * W + cols[k];
          slice.set(input.subarray(src, src + tw), ch * th * tw + y * tw);
        }
      }
      const result = await run(slice, [1, c, th, tw]);
      const nextCol = k + 1 < oxs.length ? oxs[k + 1] : OW;
      const stripW = stripEnd - ox;
      const nextStripW = ox + ow - nextCol;
      const nextStrip = new Float32Array(C * oh * nextStripW);
      const n = nextCol - ox;
      for (let y = 0; y < oh; y++) {
        const Y = oy + y;
        const done = Y < nextRow;
        for (let x = 0; x < ow; x++) {
          const X = ox + x;
          const w = wys[r][y] * wxs[k][x];
          for (let ch = 0; ch < C; ch++) {
            let v = w * result[(ch * oh + y) * ow + x];
            if (X < stripEnd) v += strip[(ch * oh + y) * stripW + x];
            else if (Y < bandEnd) v += band[(ch * (bandEnd - bandStart) + Y - bandStart) * OW + X];
            if (X >= nextCol) nextStrip[(ch * oh + y) * nextStripW + X - nextCol] = v;
            else if (done) seg[ch * n + x] = v / (totalY[Y] * totalX[X]);
            else nextBand[(ch * nextBandRows + Y - nextRow) * OW + X] = v;
          }
        }
        if (done) emit(Y, ox, seg.subarray(0, C * n), n);
      }
      strip = nextStrip;
      stripEnd = ox + ow;
    }
    band = nextBand;
    bandStart = nextRow;
    bandEnd = oy + oh;
  }
}
