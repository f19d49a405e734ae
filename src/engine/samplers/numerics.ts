/**
 * The few numpy / torch numerics whose exact rounding decides which timesteps and sigmas a scheduler picks.
 * diffusers builds its schedules in float32 (torch) and float64 (numpy); Math.fround marks each float32 step.
 */

/** Round to float32, as a torch float32 tensor or a numpy float32 array stores a value. */
export const f32 = Math.fround;

/** numpy's round: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * numpy.arange(start, stop, step): length ceil((stop − start) / step), values start + i·δ where numpy's δ is
 * (start + step) − start, not step itself; with trailing spacing at N = 48 that moves a timestep by one.
 */
export function arange(start: number, stop: number, step: number): number[] {
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const delta = start + step - start;
  return Array.from({ length: n }, (_, i) => start + i * delta);
}

/** numpy.linspace(start, stop, n) in float64 (endpoint included). */
export function linspace(start: number, stop: number, n: number): number[] {
  if (n === 1) return [start];
  const step = (stop - start) / (n - 1);
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? stop : start + i * step));
}

/**
 * torch.linspace(start, end, n, dtype=float32) as PyTorch's CPU kernel computes it: float32 start and step,
 * the first half counted up from start and the second half down from end, each value rounded once.
 */
export function linspaceF32(start: number, end: number, n: number): Float32Array {
  const out = new Float32Array(n);
  const a = f32(start);
  const b = f32(end);
  const step = n > 1 ? f32(f32(b - a) / (n - 1)) : 0;
  const half = Math.floor(n / 2);
  for (let i = 0; i < n; i++) out[i] = i < half ? a + step * i : b - step * (n - i - 1);
  return out;
}

/** numpy.interp(x, [0, 1, …, len−1], ys): slope·(x − i) + ys[i], clamped to the ends. */
export function interpAtIndex(ys: ArrayLike<number>, x: number): number {
  if (x <= 0) return ys[0];
  if (x >= ys.length - 1) return ys[ys.length - 1];
  const i = Math.floor(x);
  return (ys[i + 1] - ys[i]) * (x - i) + ys[i];
}
