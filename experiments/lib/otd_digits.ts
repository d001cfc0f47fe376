/**
 * The digits domain-shift setting of the OTD experiment (`experiments/otd.ts`, issue 21): UCI
 * digits split as the data README says, a source domain of classes 0–6 and a shifted target
 * domain (inverted, blurred) with a few labels per class including the new classes 7–9.
 *
 * @module
 */
import { readNumericCsv, Rng, takeRows, type Tensor, tensor } from "../../mod.ts";
import { sharedData } from "./data_sources.ts";

/** Where the data lives: `../shared` beside the checkout. */
export const DATA: string = `${sharedData("digits")}/digits.csv`;
/** Classes of the source domain (the well-annotated, reference classes). */
export const OLD: number[] = [0, 1, 2, 3, 4, 5, 6];
/** Classes seen only through the target's few labels. */
export const NEW: number[] = [7, 8, 9];
/** Outputs of the head. */
export const CLASSES = 10;
/** Labelled target images per class. */
export const K_SHOT = 5;

/** Images (`[n, 64]`) with their labels. */
export interface LabeledSet {
  /** Pixels, one image per row. */
  x: Tensor;
  /** Class of each row. */
  y: Int32Array;
}

/**
 * The 3×3 binomial blur (`[1 2 1]ᵀ[1 2 1] / 16`) of an 8×8 image, edges replicated.
 *
 * @example
 * ```ts
 * import { blur } from "./otd_digits.ts";
 * console.log(blur(new Float64Array(64).fill(2))[27]); // 2: a constant image is unchanged
 * ```
 */
export function blur(img: Float64Array): Float64Array {
  const w = [1, 2, 1], out = new Float64Array(64);
  const at = (r: number, c: number): number =>
    img[Math.min(7, Math.max(0, r)) * 8 + Math.min(7, Math.max(0, c))];
  for (let r = 0; r < 8; r++) {
    for (let c = 0; c < 8; c++) {
      let s = 0;
      for (let i = -1; i <= 1; i++) {
        for (let j = -1; j <= 1; j++) s += w[i + 1] * w[j + 1] * at(r + i, c + j);
      }
      out[r * 8 + c] = s / 16;
    }
  }
  return out;
}

/**
 * The target domain: intensities inverted (`1 − x`, pixels in [0, 1]), then {@link blur}.
 *
 * @example
 * ```ts
 * import { tensor } from "../../mod.ts";
 * import { shift } from "./otd_digits.ts";
 * console.log(shift(tensor(new Float64Array(64), { shape: [1, 64] })).data[0]); // 1
 * ```
 */
export function shift(x: Tensor): Tensor {
  const n = x.shape[0], out = new Float64Array(n * 64);
  for (let i = 0; i < n; i++) {
    const inv = Float64Array.from(x.data.subarray(i * 64, i * 64 + 64), (v) => 1 - v);
    out.set(blur(inv), i * 64);
  }
  return tensor(out, { shape: [n, 64] });
}

/**
 * Per-pixel standardisation with the statistics of `pool` rows (each domain's own unlabelled
 * images; a constant pixel is only centred). Keeps the two domains on one input scale.
 *
 * @example
 * ```ts
 * import { tensor } from "../../mod.ts";
 * import { standardize } from "./otd_digits.ts";
 * const x = tensor(Float64Array.from({ length: 128 }, (_, k) => (k < 64 ? 0 : 2)), { shape: [2, 64] });
 * console.log(standardize({ x, y: Int32Array.of(0, 1) }, [0, 1]).x.data[0]); // -1
 * ```
 */
export function standardize(all: LabeledSet, pool: number[]): LabeledSet {
  const mu = new Float64Array(64), sd = new Float64Array(64), x = all.x.data;
  for (const i of pool) for (let j = 0; j < 64; j++) mu[j] += x[i * 64 + j] / pool.length;
  for (const i of pool) {
    for (let j = 0; j < 64; j++) sd[j] += (x[i * 64 + j] - mu[j]) ** 2 / pool.length;
  }
  const out = Float64Array.from(x, (v, k) => {
    const j = k % 64, s = Math.sqrt(sd[j]);
    return s > 1e-8 ? (v - mu[j]) / s : v - mu[j];
  });
  return { x: tensor(out, { shape: all.x.shape }), y: all.y };
}

/** The rows `idx` of a set. */
export function subset(all: LabeledSet, idx: number[]): LabeledSet {
  return { x: takeRows(all.x, Int32Array.from(idx)), y: Int32Array.from(idx, (i) => all.y[i]) };
}

/** The digits table of {@link DATA}: pixels scaled by 1/16 to [0, 1], labels 0–9. */
export function loadDigits(): LabeledSet {
  const csv = readNumericCsv(DATA, { header: false });
  if (csv.cols !== 65) throw new RangeError(`${DATA}: expected 65 columns, got ${csv.cols}`);
  const x = new Float64Array(csv.rows * 64), y = new Int32Array(csv.rows);
  for (let i = 0; i < csv.rows; i++) {
    for (let j = 0; j < 64; j++) x[i * 64 + j] = csv.data.data[i * 65 + j] / 16;
    y[i] = csv.data.data[i * 65 + 64];
  }
  return { x: tensor(x, { shape: [csv.rows, 64] }), y };
}

/** The sets of one seed (see the module doc of `experiments/otd.ts`). */
export interface Domains {
  source: LabeledSet;
  sourceVal: LabeledSet;
  fewShot: LabeledSet;
  targetVal: LabeledSet;
  targetTest: LabeledSet;
}

/**
 * The sets of one seed: the train rows (i % 5 ≠ 0) shuffled by `seed` and halved into a source
 * pool (classes 0–6 kept; 20 % source validation) and a target pool (shifted; {@link K_SHOT}
 * labelled per class, the rest target validation); the shifted test rows (i % 5 = 0) are the
 * target test set. Each domain is standardised with its own pool.
 */
export function domains(all: LabeledSet, seed: number): Domains {
  const n = all.y.length;
  const test = [...Array(n).keys()].filter((i) => i % 5 === 0);
  const train = new Rng(seed).permutation(n).filter((i) => i % 5 !== 0);
  const half = Math.floor(train.length / 2);
  const srcPool = train.slice(0, half).filter((i) => all.y[i] <= 6);
  const tgtPool = train.slice(half);
  const nVal = Math.floor(srcPool.length / 5);
  const shot: number[] = [];
  for (let c = 0; c < CLASSES; c++) {
    shot.push(...tgtPool.filter((i) => all.y[i] === c).slice(0, K_SHOT));
  }
  const shifted = standardize({ x: shift(all.x), y: all.y }, tgtPool);
  const source = standardize(all, srcPool);
  const used = new Set(shot);
  return {
    source: subset(source, srcPool.slice(nVal)),
    sourceVal: subset(source, srcPool.slice(0, nVal)),
    fewShot: subset(shifted, shot),
    targetVal: subset(shifted, tgtPool.filter((i) => !used.has(i))),
    targetTest: subset(shifted, test),
  };
}
