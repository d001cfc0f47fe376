/**
 * Seeded random numbers: the xoshiro128** generator (Blackman & Vigna, "Scrambled linear
 * pseudorandom number generators", ACM TOMS 2021), seeded through SplitMix32. It uses only 32-bit
 * integer arithmetic (`Math.imul`, shifts), so the same seed gives the same stream on every
 * machine and engine.
 *
 * @module
 */
import { allocData, checkDType, checkShape, type DType, shapeSize, Tensor } from "./tensor.ts";

/**
 * A seed: a safe integer (|seed| ≤ 2^53 − 1); every bit of it matters. Seeds in [0, 2^32)
 * seed SplitMix32 directly; the high part of a larger (or negative) seed is mixed into all four
 * words of the state.
 *
 * @example
 * ```ts
 * import { Rng, type Seed } from "./random.ts";
 * const seed: Seed = 42;
 * console.log(new Rng(seed).uniform() === new Rng(seed).uniform()); // true
 * ```
 */
export type Seed = number;

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function checkSeed(fn: string, seed: unknown): number {
  if (typeof seed !== "number" || !Number.isInteger(seed)) {
    throw new TypeError(`${fn}: seed must be an integer, got ${String(seed)}`);
  }
  if (!Number.isSafeInteger(seed)) {
    // Past 2^53 neighbouring integers are the same double: distinct seeds would collide.
    throw new RangeError(`${fn}: seed must be a safe integer (|seed| < 2^53), got ${seed}`);
  }
  return seed;
}

/**
 * A seeded xoshiro128** generator with uniform, normal, integer, permutation and choice
 * sampling. `split()` derives an independent child stream for another consumer.
 *
 * @example
 * ```ts
 * import { Rng } from "./random.ts";
 * const rng = new Rng(42);
 * const u = rng.uniform();      // in [0, 1)
 * const z = rng.normal();       // standard normal
 * const p = rng.permutation(5); // e.g. [3, 0, 4, 1, 2]
 * console.log(u >= 0 && u < 1, Number.isFinite(z), p.length); // true true 5
 * ```
 */
export class Rng {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;
  #spareNormal: number | null = null;

  /** Seeds the generator; equal seeds give equal streams. */
  constructor(seed: Seed = 0) {
    checkSeed("Rng", seed);
    // seed = hi·2^32 + lo. Folding hi into 32 bits (lo ^ hi·c) made 2^32 and 0x632be5ab one
    // stream; hi now perturbs all 128 bits, and seeds in [0, 2^32) keep their streams.
    const lo = seed % 0x100000000 | 0;
    const hi = Math.floor(seed / 0x100000000) | 0;
    const st = { s: lo }, sh = { s: hi ^ 0x632be5ab };
    const mixHi = (): number => (hi === 0 ? 0 : splitmix32(sh));
    this.#s0 = (splitmix32(st) ^ mixHi()) >>> 0;
    this.#s1 = (splitmix32(st) ^ mixHi()) >>> 0;
    this.#s2 = (splitmix32(st) ^ mixHi()) >>> 0;
    this.#s3 = (splitmix32(st) ^ mixHi()) >>> 0;
    if ((this.#s0 | this.#s1 | this.#s2 | this.#s3) === 0) this.#s0 = 1; // all-zero state is a fixed point
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const s1 = this.#s1;
    const x = Math.imul(s1, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
    const t = s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= this.#s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = (this.#s3 << 11) | (this.#s3 >>> 21);
    return result;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform double in [lo, hi) (rounding of `lo + (hi − lo)·u` can give `hi` itself). */
  uniformIn(lo: number, hi: number): number {
    checkBounds("Rng.uniformIn", lo, hi);
    return lo + (hi - lo) * this.uniform();
  }

  /**
   * A normal deviate with `mean` and `std` (default N(0, 1)) by the Box–Muller transform
   * (exact; the pair's second value is kept for the next call). `mean` must be finite and `std`
   * finite and ≥ 0 (a RangeError otherwise).
   */
  normal(mean = 0, std = 1): number {
    if (!Number.isFinite(mean) || !(std >= 0) || std === Infinity) {
      throw new RangeError(`Rng.normal: need finite mean and std >= 0, got ${mean}, ${std}`);
    }
    if (this.#spareNormal !== null) {
      const z = this.#spareNormal;
      this.#spareNormal = null;
      return mean + std * z;
    }
    let u = this.uniform();
    while (u === 0) u = this.uniform(); // log(0) would be -inf
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spareNormal = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** A uniform integer in [0, n), without modulo bias (rejection of the short last bucket). */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 0x100000000) {
      throw new RangeError(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    }
    const limit = 0x100000000 - (0x100000000 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** A uniformly random permutation of `0..n-1` (Fisher–Yates). */
  permutation(n: number): number[] {
    if (!Number.isInteger(n) || n < 0) {
      throw new RangeError(`Rng.permutation: n must be a non-negative integer, got ${n}`);
    }
    const p = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /**
   * `k` indices drawn from `0..n-1`, without replacement by default, or with probabilities
   * `p` (non-negative weights, normalized here) when given.
   */
  choice(n: number, k: number, opts: { replace?: boolean; p?: ArrayLike<number> } = {}): number[] {
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(`Rng.choice: n must be a positive integer, got ${n}`);
    }
    if (!Number.isInteger(k) || k < 0) {
      throw new RangeError(`Rng.choice: k must be a non-negative integer, got ${k}`);
    }
    const replace = opts.replace ?? false;
    if (!replace && k > n) {
      throw new RangeError(`Rng.choice: cannot take ${k} of ${n} without replacement`);
    }
    if (opts.p !== undefined) return this.#weightedChoice(n, k, opts.p, replace);
    if (replace) return Array.from({ length: k }, () => this.int(n));
    const p = Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < k; i++) {
      const j = i + this.int(n - i);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p.slice(0, k);
  }

  #weightedChoice(n: number, k: number, p: ArrayLike<number>, replace: boolean): number[] {
    if (p.length !== n) throw new RangeError(`Rng.choice: p has ${p.length} weights, n is ${n}`);
    const w = Float64Array.from(p);
    for (let i = 0; i < n; i++) {
      if (!(w[i] >= 0) || !Number.isFinite(w[i])) {
        throw new RangeError(`Rng.choice: weight p[${i}] = ${w[i]} is invalid`);
      }
    }
    const positive = w.reduce((c, x) => c + (x > 0 ? 1 : 0), 0);
    if (!replace && positive < k) {
      throw new RangeError(
        `Rng.choice: only ${positive} non-zero weights for ${k} draws without replacement`,
      );
    }
    const out: number[] = [];
    for (let t = 0; t < k; t++) {
      let total = 0;
      for (let i = 0; i < n; i++) total += w[i];
      if (total <= 0) throw new RangeError("Rng.choice: weights sum to zero");
      let r = this.uniform() * total;
      let pick = n - 1;
      for (let i = 0; i < n; i++) {
        r -= w[i];
        if (r < 0 && w[i] > 0) {
          pick = i;
          break;
        }
      }
      while (w[pick] === 0) pick--; // rounding left r >= 0 at the end
      out.push(pick);
      if (!replace) w[pick] = 0;
    }
    return out;
  }

  /**
   * A child generator whose stream is independent of this one's for practical purposes:
   * seeded by SplitMix32 from four outputs of this generator (which advances this one).
   */
  split(): Rng {
    const child = new Rng(0);
    const st = { s: this.nextUint32() ^ Math.imul(this.nextUint32(), 0x9e3779b9) };
    const mix = this.nextUint32() ^ this.nextUint32();
    child.#s0 = splitmix32(st) ^ mix;
    child.#s1 = splitmix32(st);
    child.#s2 = splitmix32(st);
    child.#s3 = splitmix32(st);
    if ((child.#s0 | child.#s1 | child.#s2 | child.#s3) === 0) child.#s0 = 1;
    return child;
  }
}

/** Options of the random tensor constructors. */
export interface RandomOptions {
  /** Seed of a fresh generator (default 0); ignored when `rng` is given. */
  seed?: Seed;
  /** Generator to draw from (advanced by the call). */
  rng?: Rng;
  /** Element type (default `"f64"`). */
  dtype?: DType;
}

/** Throws a RangeError naming `fn` unless `lo` and `hi` are finite with `lo <= hi`. */
function checkBounds(fn: string, lo: number, hi: number): void {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo <= hi)) {
    throw new RangeError(`${fn}: need finite lo <= hi, got lo = ${lo}, hi = ${hi}`);
  }
}

function rngOf(fn: string, opts: RandomOptions): Rng {
  if (opts.rng !== undefined) {
    if (!(opts.rng instanceof Rng)) throw new TypeError(`${fn}: rng must be an Rng`);
    return opts.rng;
  }
  return new Rng(checkSeed(fn, opts.seed ?? 0));
}

/**
 * A tensor of independent standard normal entries.
 *
 * @example
 * ```ts
 * import { randn } from "./random.ts";
 * const a = randn([3, 2], { seed: 7 });
 * const b = randn([3, 2], { seed: 7 });
 * console.log(a.data[0] === b.data[0]); // true
 * ```
 */
export function randn(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  checkShape("randn", shape);
  const rng = rngOf("randn", opts);
  const data = allocData(checkDType("randn", opts.dtype ?? "f64"), shapeSize(shape));
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  return new Tensor(data, shape);
}

/**
 * A tensor of independent uniform entries in `[lo, hi)` (default `[0, 1)`); rounding can give
 * `hi` itself, most often in f32. `lo` and `hi` must be finite with `lo <= hi`.
 *
 * @example
 * ```ts
 * import { rand } from "./random.ts";
 * const u = rand([4], { seed: 1, lo: -1, hi: 1 });
 * console.log(u.data.every((x) => x >= -1 && x < 1)); // true
 * ```
 */
export function rand(
  shape: readonly number[],
  opts: RandomOptions & { lo?: number; hi?: number } = {},
): Tensor {
  checkShape("rand", shape);
  const rng = rngOf("rand", opts);
  const lo = opts.lo ?? 0, hi = opts.hi ?? 1;
  checkBounds("rand", lo, hi);
  const data = allocData(checkDType("rand", opts.dtype ?? "f64"), shapeSize(shape));
  for (let i = 0; i < data.length; i++) data[i] = rng.uniformIn(lo, hi);
  return new Tensor(data, shape);
}
