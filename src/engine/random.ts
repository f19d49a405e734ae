/**
 * Gaussian noise that matches PyTorch's CPU generator bit for bit, so a seed
 * gives the same initial latents (and the same ancestral-sampler noise) here as
 * `torch.randn(shape, generator=torch.Generator("cpu").manual_seed(seed))` does
 * in diffusers.
 *
 * Reference: ATen's MT19937RNGEngine.h, CPUGeneratorImpl.cpp,
 * DistributionsHelper.h, TransformationHelper.h and cpu/DistributionTemplates.h.
 * Tensors of 16 or more elements follow the AVX2 kernel (normal_fill_AVX2 with
 * avx_mathfun.h's log and sincos, FMA-contracted as GCC builds it), which x86-64
 * Linux builds run when they dispatch to AVX2. Builds that take the portable
 * normal_fill instead (libm's float log/sin/cos: ARM, or kernels without the AVX2
 * path) differ from it, and from this, in the last bit of many values.
 */

const MAX_SEED = 2n ** 64n - 1n;
const MIN_SEED = -(2n ** 63n);

/** The first element count that takes torch's vectorised Box–Muller path. */
const VECTOR_PATH_MIN = 16;

/** Fresh seed for "seed = -1 / random"; fits torch's seed range and a JSON number. */
export function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}

/** Same values as `torch.randn(shape, generator=torch.Generator("cpu").manual_seed(seed))`. */
export function torchRandn(seed: number | bigint, shape: readonly number[]): Float32Array {
  return new TorchGenerator(seed).randn(shape);
}

/**
 * A seeded stream of standard normal float32 values; successive `randn` calls
 * continue the stream exactly as successive `torch.randn(..., generator=g)` calls do.
 */
export class TorchGenerator {
  private readonly engine: Mt19937;
  /** Box–Muller's second value, which torch keeps for the next small tensor. */
  private cachedNormal: number | undefined;

  constructor(seed: number | bigint) {
    this.engine = new Mt19937(seedLow32Bits(seed));
  }

  randn(shape: readonly number[]): Float32Array {
    const out = new Float32Array(elementCount(shape));
    if (out.length >= VECTOR_PATH_MIN) this.fillVectorised(out);
    else for (let i = 0; i < out.length; i++) out[i] = this.nextNormal();
    return out;
  }

  /** torch's normal_fill: uniforms for every element, then Box–Muller on blocks of 16. */
  private fillVectorised(out: Float32Array): void {
    for (let i = 0; i < out.length; i++) out[i] = this.nextUniformFloat();
    const wholeBlocksEnd = out.length - (out.length % 16);
    for (let block = 0; block < wholeBlocksEnd; block += 16) boxMuller16(out, block);
    if (wholeBlocksEnd !== out.length) {
      // torch redraws the last 16 elements (overlapping the last whole block) rather than handle a short block.
      const start = out.length - 16;
      for (let i = start; i < out.length; i++) out[i] = this.nextUniformFloat();
      boxMuller16(out, start);
    }
  }

  /** at::normal_distribution<double>: scalar Box–Muller in double, caching the sine half. */
  private nextNormal(): number {
    const cached = this.cachedNormal;
    if (cached !== undefined) {
      this.cachedNormal = undefined;
      return cached;
    }
    const u1 = this.nextUniformDouble();
    const u2 = this.nextUniformDouble();
    const radius = Math.sqrt(-2 * Math.log1p(-u2));
    const theta = 2 * Math.PI * u1;
    this.cachedNormal = radius * Math.sin(theta);
    return radius * Math.cos(theta);
  }

  /** uniform_real<float>: the low 24 bits of one draw, scaled to [0, 1). */
  private nextUniformFloat(): number {
    return (this.engine.nextUint32() & 0xffffff) * 2 ** -24;
  }

  /** uniform_real<double>: the low 53 bits of two draws (first one high), scaled to [0, 1). */
  private nextUniformDouble(): number {
    const high = this.engine.nextUint32() & 0x1fffff;
    const low = this.engine.nextUint32();
    return (high * 2 ** 32 + low) * 2 ** -53;
  }
}

function seedLow32Bits(seed: number | bigint): number {
  if (typeof seed === "number" && !Number.isInteger(seed)) {
    throw new RangeError(`Seed ${seed} is not an integer; pass a whole number (or a bigint for seeds above 2^53).`);
  }
  const big = BigInt(seed);
  if (big < MIN_SEED || big > MAX_SEED) {
    throw new RangeError(`Seed ${big} is outside torch's range [-2^63, 2^64 - 1]; pick a seed inside it.`);
  }
  // torch stores negative seeds as their 64-bit two's complement and MT19937 keeps only the low 32 bits.
  return Number(BigInt.asUintN(32, big));
}

function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) {
    if (!Number.isSafeInteger(dim) || dim < 0) {
      throw new RangeError(`Shape [${shape.join(", ")}] has dimension ${dim}; every dimension must be a non-negative integer.`);
    }
    count *= dim;
  }
  return count;
}

const STATE_SIZE = 624;
const SHIFT_SIZE = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/** MT19937 as at::mt19937 seeds it (Knuth's init_genrand) and tempers its output. */
class Mt19937 {
  private readonly state = new Uint32Array(STATE_SIZE);
  private next = STATE_SIZE;

  constructor(seed32: number) {
    const state = this.state;
    state[0] = seed32;
    for (let i = 1; i < STATE_SIZE; i++) {
      const previous = state[i - 1];
      state[i] = Math.imul(1812433253, previous ^ (previous >>> 30)) + i;
    }
  }

  nextUint32(): number {
    if (this.next === STATE_SIZE) this.regenerate();
    let y = this.state[this.next++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  private regenerate(): void {
    const state = this.state;
    for (let i = 0; i < STATE_SIZE; i++) {
      const following = state[i + 1 === STATE_SIZE ? 0 : i + 1];
      const mixed = (state[i] & UPPER_MASK) | (following & LOWER_MASK);
      const shifted = state[i + SHIFT_SIZE < STATE_SIZE ? i + SHIFT_SIZE : i + SHIFT_SIZE - STATE_SIZE];
      state[i] = shifted ^ (mixed >>> 1) ^ (following & 1 ? MATRIX_A : 0);
    }
    this.next = 0;
  }
}

const f32 = Math.fround;

// Constants of avx_mathfun.h (Cephes logf/sinf/cosf), rounded to float32 as the kernel stores them.
const TWO_PI = f32(2 * Math.PI);
// eslint-disable-next-line no-loss-of-precision -- the header's digits, so the two can be compared; f32 rounds them anyway
const SQRT_HALF = f32(0.707106781186547524);
const LOG_P = [
  7.0376836292e-2, -1.151461031e-1, 1.167699874e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1,
  3.3333331174e-1,
].map(f32);
const LOG_Q1 = f32(-2.1219444e-4);
const LOG_Q2 = f32(0.693359375);
const FOUR_OVER_PI = f32(1.27323954473516);
const MINUS_DP1 = f32(-0.78515625);
const MINUS_DP2 = f32(-2.4187564849853515625e-4);
// eslint-disable-next-line no-loss-of-precision -- as SQRT_HALF
const MINUS_DP3 = f32(-3.77489497744594108e-8);
const SIN_P0 = f32(-1.9515295891e-4);
const SIN_P1 = f32(8.3321608736e-3);
const SIN_P2 = f32(-1.6666654611e-1);
const COS_P0 = f32(2.443315711809948e-5);
const COS_P1 = f32(-1.388731625493765e-3);
const COS_P2 = f32(4.166664568298827e-2);

const floatView = new Float32Array(1);
const bitsView = new Int32Array(floatView.buffer);

/**
 * normal_fill_16_AVX2: pairs element j (radius from 1 - u) with element j + 8
 * (angle from u) and writes the cosine half to j, the sine half to j + 8.
 */
function boxMuller16(data: Float32Array, offset: number): void {
  for (let j = offset; j < offset + 8; j++) {
    const radius = f32(Math.sqrt(f32(-2 * logf(f32(1 - data[j])))));
    const theta = f32(TWO_PI * data[j + 8]);

    // sincos256_ps: Cody–Waite reduction by π/4, then Cephes' cos and sin polynomials on the remainder.
    const octant = (Math.trunc(f32(theta * FOUR_OVER_PI)) + 1) & ~1;
    // octant·DP1 and octant·DP2 are exact in float32, so only the DP3 step needs the fused form.
    let r = f32(theta + octant * MINUS_DP1);
    r = f32(r + octant * MINUS_DP2);
    r = fmaf(octant, MINUS_DP3, r);
    const r2 = f32(r * r);
    let cosPoly = fmaf(COS_P0, r2, COS_P1);
    cosPoly = fmaf(cosPoly, r2, COS_P2);
    cosPoly = f32(cosPoly * r2);
    cosPoly = f32(fmaf(cosPoly, r2, -f32(r2 * 0.5)) + 1);
    let sinPoly = fmaf(SIN_P0, r2, SIN_P1);
    sinPoly = fmaf(sinPoly, r2, SIN_P2);
    sinPoly = f32(sinPoly * r2);
    sinPoly = fmaf(sinPoly, r, r);
    const swapPolys = (octant & 2) !== 0;
    const sin = (swapPolys ? cosPoly : sinPoly) * (octant & 4 ? -1 : 1);
    const cos = (swapPolys ? sinPoly : cosPoly) * ((octant - 2) & 4 ? 1 : -1);

    // torch's final fmadd(n, std = 1, mean = 0) turns -0 into +0; `+ 0` does the same.
    data[j] = f32(radius * cos) + 0;
    data[j + 8] = f32(radius * sin) + 0;
  }
}

/** avx_mathfun log256_ps for x in (0, 1]: x = m·2^e, then a degree-9 Cephes polynomial in m - 1. */
function logf(x: number): number {
  floatView[0] = x;
  const bits = bitsView[0];
  let exponent = (bits >>> 23) - 126;
  bitsView[0] = (bits & ~0x7f800000) | 0x3f000000;
  const mantissa = floatView[0];
  let t: number;
  if (mantissa < SQRT_HALF) {
    exponent -= 1;
    t = f32(f32(mantissa - 1) + mantissa);
  } else {
    t = f32(mantissa - 1);
  }
  const t2 = f32(t * t);
  let poly = LOG_P[0];
  for (let k = 1; k < LOG_P.length; k++) poly = fmaf(poly, t, LOG_P[k]);
  poly = f32(poly * t);
  poly = fmaf(poly, t2, f32(exponent * LOG_Q1));
  poly = f32(poly - f32(t2 * 0.5));
  return f32(f32(t + poly) + f32(exponent * LOG_Q2));
}

/**
 * Float32 fused multiply-add (one rounding), as the vfmadd instructions GCC
 * contracts avx_mathfun's separate multiplies and adds into.
 */
function fmaf(a: number, b: number, c: number): number {
  const product = a * b; // exact: two 24-bit significands fit in a double's 53
  const sum = product + c;
  const rounded = f32(sum);
  // Rounding to double and then to float differs from one rounding only when `sum` fell exactly halfway between two floats.
  const halfStep = sum - rounded;
  const neighbour = rounded + 2 * halfStep;
  if (halfStep === 0 || f32(neighbour) !== neighbour) return rounded;
  const backToProduct = sum - product;
  const sumError = product - (sum - backToProduct) + (c - backToProduct);
  if (sumError === 0) return rounded;
  return sumError > 0 === halfStep > 0 ? neighbour : rounded;
}
