/**
 * Mini-batches for training loops: index batches over `n` examples in a seeded random order
 * (or in order), and the row gather that turns an index batch into a batch tensor.
 *
 * @module
 */
import { gather } from "../autograd/ops.ts";
import { readIndices } from "../autograd/ops_shape.ts";
import { Rng, type Seed } from "../random.ts";
import { assertTensor, type Tensor } from "../tensor.ts";
import { checkOptionKeys } from "./_text_lines.ts";

/** Options of {@link miniBatches}. */
export interface MiniBatchOptions {
  /** Examples per batch, a positive integer (required). */
  batchSize: number;
  /** Seed of the shuffle (default 0 when neither `seed` nor `rng` is given). */
  seed?: Seed;
  /** Generator of the shuffle (advanced by one permutation); excludes `seed`. */
  rng?: Rng;
  /** Visit the examples in a random order (default true); `false` gives `0..n-1` in order. */
  shuffle?: boolean;
  /** Leave out a last batch smaller than `batchSize` (default false). */
  dropLast?: boolean;
}

const OPTION_KEYS = ["batchSize", "seed", "rng", "shuffle", "dropLast"] as const;

function checkBool(fn: string, name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== "boolean") throw new TypeError(`${fn}: ${name} must be a boolean, got ${v}`);
  return v;
}

function order(fn: string, n: number, opts: MiniBatchOptions, shuffle: boolean): Int32Array {
  const { seed, rng } = opts;
  if (!shuffle) {
    if (seed !== undefined || rng !== undefined) {
      throw new TypeError(`${fn}: seed and rng have no effect with shuffle: false`);
    }
    return Int32Array.from({ length: n }, (_, i) => i);
  }
  if (seed !== undefined && rng !== undefined) {
    throw new TypeError(`${fn}: give seed or rng, not both`);
  }
  if (rng !== undefined && !(rng instanceof Rng)) {
    throw new TypeError(`${fn}: rng must be an Rng, got ${String(rng)}`);
  }
  return Int32Array.from((rng ?? new Rng(seed ?? 0)).permutation(n));
}

function* batchesOf(perm: Int32Array, batchSize: number, dropLast: boolean): Generator<Int32Array> {
  const end = dropLast ? perm.length - (perm.length % batchSize) : perm.length;
  for (let i = 0; i < end; i += batchSize) yield perm.slice(i, Math.min(i + batchSize, end));
}

/**
 * Index batches over `n` examples: one pass (epoch) over a permutation of `0..n-1` drawn from
 * `seed` or `rng` (xoshiro128**, so the same seed gives the same batches everywhere), or over
 * `0..n-1` in order when `shuffle` is false. Each batch is a fresh `Int32Array` of `batchSize`
 * indices, except a smaller last one unless `dropLast`. The arguments are checked and the
 * permutation drawn when `miniBatches` is called, not at the first batch. Errors: a TypeError
 * for an unknown option key, a wrong type, `seed` together with `rng`, or `seed`/`rng` with
 * `shuffle: false` (no effect); a RangeError for an `n` or `batchSize` that is not a valid
 * integer, or `dropLast` with `n < batchSize` (no batch at all).
 *
 * @example
 * ```ts
 * import { miniBatches } from "./batches.ts";
 * for (const idx of miniBatches(5, { batchSize: 2, shuffle: false })) console.log(idx);
 * // Int32Array [0, 1]
 * // Int32Array [2, 3]
 * // Int32Array [4]
 * const a = [...miniBatches(10, { batchSize: 4, seed: 7, dropLast: true })];
 * console.log(a.length, a[0].length); // 2 4
 * ```
 */
export function miniBatches(n: number, opts: MiniBatchOptions): Generator<Int32Array> {
  const fn = "miniBatches";
  if (opts === undefined) throw new TypeError(`${fn}: opts.batchSize is required`);
  checkOptionKeys(fn, opts, OPTION_KEYS);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`${fn}: n must be a non-negative integer, got ${n}`);
  }
  const { batchSize } = opts;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`${fn}: batchSize must be a positive integer, got ${batchSize}`);
  }
  const shuffle = checkBool(fn, "shuffle", opts.shuffle, true);
  const dropLast = checkBool(fn, "dropLast", opts.dropLast, false);
  if (dropLast && n < batchSize) {
    throw new RangeError(
      `${fn}: dropLast with batchSize ${batchSize} > n ${n} would give no batch at all`,
    );
  }
  return batchesOf(order(fn, n, opts, shuffle), batchSize, dropLast);
}

/**
 * The rows `idx` of `t` (along axis 0, any rank ≥ 1), in the order given, as a new tensor of
 * shape `[idx.length, ...t.shape.slice(1)]` and the same dtype. Differentiable (it is
 * `gather`): inside `grad`, the rows' gradients are added back into `t`'s. A RangeError for a
 * scalar `t` or an index outside `[0, t.shape[0])`.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { takeRows } from "./batches.ts";
 * const x = tensor([[1, 2], [3, 4], [5, 6]]);
 * console.log(takeRows(x, new Int32Array([2, 0])).data); // Float64Array [5, 6, 1, 2]
 * ```
 */
export function takeRows(t: Tensor, idx: Int32Array): Tensor {
  assertTensor("takeRows", "t", t);
  if (t.ndim < 1) throw new RangeError("takeRows: t is a scalar; it has no rows");
  if (!(idx instanceof Int32Array)) {
    throw new TypeError(`takeRows: idx must be an Int32Array, got ${String(idx)}`);
  }
  return gather(t, readIndices("takeRows", "idx", idx, t.shape[0]).flat);
}
