/**
 * The feature pipeline of a CTR model over the Criteo schema (13 integer, 26 categorical
 * features): one vocabulary per categorical field built from training rows only, with an
 * out-of-vocabulary id and a missing-value id of its own; integer features through
 * `sign(x)·log(1 + |x|)` (the usual `log(1 + x)` for the non-negative counts, kept odd for the
 * few negative values Criteo has) plus a missing indicator per integer field.
 *
 * @module
 */
import type { CriteoData } from "../../ops/io/criteo.ts";

/** Number of integer (dense) Criteo features. */
export const N_DENSE = 13;
/** Number of categorical (sparse) Criteo features. */
export const N_SPARSE = 26;
/** Local id of an out-of-vocabulary value in each field. */
export const OOV_ID = 0;
/** Local id of an empty (missing) value in each field. */
export const MISSING_ID = 1;

/** Per-field vocabularies laid out in one id space (field f owns ids `offsets[f] …`). */
export interface CriteoEncoder {
  /** Value → local id of each categorical field (local ids start at 2). */
  readonly vocab: readonly Map<string, number>[];
  /** First global id of each field; `offsets[26]` is the total id count. */
  readonly offsets: Int32Array;
  /** Values seen fewer times than this in training map to the OOV id. */
  readonly minCount: number;
}

/** Encoded rows: global categorical ids, dense inputs and labels. */
export interface CtrBatchData {
  /** Rows. */
  readonly rows: number;
  /** Global ids, row-major `rows × 26`. */
  readonly ids: Int32Array;
  /** Dense inputs, row-major `rows × 26`: 13 transformed values then 13 missing indicators. */
  readonly dense: Float64Array;
  /** Click labels. */
  readonly labels: Uint8Array;
}

/** Width of the dense input vector (13 values and 13 missing indicators). */
export const DENSE_DIM = 2 * N_DENSE;

/** Options of {@link buildEncoder}. */
export interface EncoderOptions {
  /** Only these rows build the vocabularies (default all): pass the training rows. */
  rows?: ArrayLike<number>;
  /** Minimum count for a value to get its own id (default 1). */
  minCount?: number;
}

/**
 * Builds the vocabularies from the training rows of `data`. Ids are assigned in order of first
 * appearance, so the encoder is deterministic.
 *
 * @example
 * ```ts
 * import { parseCriteo } from "../../ops/io/criteo.ts";
 * import { buildEncoder } from "./features.ts";
 * const row = (c: string) => ["1", ...Array(13).fill("1"), c, ...Array(25).fill("")].join(",");
 * const d = parseCriteo([row("0000000a"), row("0000000a"), row("")].join("\n"));
 * const enc = buildEncoder(d);
 * console.log(enc.vocab[0].size, enc.offsets[1], enc.offsets[26]); // 1 3 53
 * ```
 */
export function buildEncoder(data: CriteoData, opts: EncoderOptions = {}): CriteoEncoder {
  for (const key of Object.keys(opts)) {
    if (key !== "rows" && key !== "minCount") {
      throw new TypeError(`buildEncoder: unknown option ${key}`);
    }
  }
  const minCount = opts.minCount ?? 1;
  if (!Number.isInteger(minCount) || minCount < 1) {
    throw new RangeError(`buildEncoder: minCount must be a positive integer, got ${minCount}`);
  }
  const rows = opts.rows ?? Array.from({ length: data.rows }, (_, i) => i);
  const counts = Array.from({ length: N_SPARSE }, () => new Map<string, number>());
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (!Number.isInteger(r) || r < 0 || r >= data.rows) {
      throw new RangeError(`buildEncoder: rows[${i}] = ${r} is not a row in [0, ${data.rows})`);
    }
    for (let f = 0; f < N_SPARSE; f++) {
      const v = data.cats[r * N_SPARSE + f];
      if (v !== "") counts[f].set(v, (counts[f].get(v) ?? 0) + 1);
    }
  }
  const offsets = new Int32Array(N_SPARSE + 1);
  const vocab = counts.map((c, f) => {
    const m = new Map<string, number>();
    for (const [v, n] of c) if (n >= minCount) m.set(v, m.size + 2);
    offsets[f + 1] = offsets[f] + m.size + 2;
    return m;
  });
  return { vocab, offsets, minCount };
}

/** `sign(x)·log(1 + |x|)`: `log(1 + x)` for counts, odd so negative values stay finite. */
export function logTransform(x: number): number {
  return Math.sign(x) * Math.log1p(Math.abs(x));
}

/**
 * Encodes rows of `data` (default all) with `enc`: unseen values get the field's OOV id, empty
 * ones its missing id; empty integers give 0 with the indicator set.
 *
 * @example
 * ```ts
 * import { parseCriteo } from "../../ops/io/criteo.ts";
 * import { buildEncoder, encodeRows } from "./features.ts";
 * const row = (c: string, i: string) => ["0", i, ...Array(12).fill(""), c, ...Array(25).fill("")].join(",");
 * const d = parseCriteo([row("0000000a", "3"), row("0000000b", "")].join("\n"));
 * const enc = buildEncoder(d, { rows: [0] });
 * const e = encodeRows(d, enc);
 * console.log(e.ids[0], e.ids[26], e.dense[0].toFixed(3), e.dense[26 + 13]); // 2 0 1.386 1
 * ```
 */
export function encodeRows(
  data: CriteoData,
  enc: CriteoEncoder,
  rows?: ArrayLike<number>,
): CtrBatchData {
  const pick = rows ?? Array.from({ length: data.rows }, (_, i) => i);
  const n = pick.length;
  const ids = new Int32Array(n * N_SPARSE);
  const dense = new Float64Array(n * DENSE_DIM);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = pick[i];
    if (!Number.isInteger(r) || r < 0 || r >= data.rows) {
      throw new RangeError(`encodeRows: rows[${i}] = ${r} is not a row in [0, ${data.rows})`);
    }
    labels[i] = data.labels[r];
    for (let f = 0; f < N_SPARSE; f++) {
      const v = data.cats[r * N_SPARSE + f];
      const local = v === "" ? MISSING_ID : enc.vocab[f].get(v) ?? OOV_ID;
      ids[i * N_SPARSE + f] = enc.offsets[f] + local;
    }
    for (let j = 0; j < N_DENSE; j++) {
      const x = data.ints[r * N_DENSE + j];
      const missing = Number.isNaN(x);
      dense[i * DENSE_DIM + j] = missing ? 0 : logTransform(x);
      dense[i * DENSE_DIM + N_DENSE + j] = missing ? 1 : 0;
    }
  }
  return { rows: n, ids, dense, labels };
}
