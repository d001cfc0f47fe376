/**
 * Criteo-format click logs generated at any scale from a known model, so that training and
 * compression can be measured where the real 200-row sample is too small. Category frequencies
 * are Zipf-distributed per field (cardinalities log-uniform), some fields and integer features
 * have missing values, integer features are log-normal counts, and the click logit is a
 * factorisation machine of rank `rank` (low-rank pairwise feature interactions; Rendle, ICDM
 * 2010) plus first-order and integer-feature terms, with the intercept set for a target click
 * rate. The text has the DeepCTR sample's layout (comma-separated, header
 * `label,I1,…,I13,C1,…,C26`), so the same reader and pipeline read both.
 *
 * @module
 */
import { Rng } from "../../ops/random.ts";
import { N_DENSE, N_SPARSE } from "./features.ts";
import { softplus } from "./metrics.ts";

/** Options of {@link syntheticCriteo}. */
export interface SyntheticCriteoOptions {
  /** Rows to generate. */
  rows: number;
  /** Seed (default 0): the same seed gives the same text. */
  seed?: number;
  /** Rank of the latent interaction vectors (default 4). */
  rank?: number;
  /** Zipf exponent of category frequencies (default 1.1). */
  zipf?: number;
  /** Largest field cardinality (default 2000). */
  maxCardinality?: number;
  /** Target click rate (default 0.25, about Criteo's). */
  clickRate?: number;
}

/** What {@link syntheticCriteo} returns. */
export interface SyntheticCriteo {
  /** The log as CSV text with a header. */
  text: string;
  /** The true click logit of each row (an oracle for the best reachable AUC). */
  logits: Float64Array;
  /** Cardinality of each categorical field. */
  cardinalities: number[];
}

const KEYS = new Set(["rows", "seed", "rank", "zipf", "maxCardinality", "clickRate"]);

function hash32(a: number, b: number, c: number): number {
  let h = (a * 0x9e3779b1) ^ Math.imul(b + 1, 0x85ebca77) ^ Math.imul(c + 1, 0xc2b2ae3d);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A categorical field: value names, Zipf CDF, missing rate and the model's weights. */
interface Field {
  names: string[];
  cdf: Float64Array;
  missing: number;
  w: Float64Array;
  v: Float64Array;
}

function makeField(rng: Rng, f: number, seed: number, o: Required<SyntheticCriteoOptions>): Field {
  const card = Math.max(
    2,
    Math.round(Math.exp(rng.uniformIn(Math.log(3), Math.log(o.maxCardinality)))),
  );
  const names: string[] = [], seen = new Set<string>();
  for (let j = 0, salt = 0; j < card; j++) {
    let name = hash32(seed, f, j + salt).toString(16).padStart(8, "0");
    while (seen.has(name)) {
      name = hash32(seed, f, j + ++salt * 1_000_003).toString(16).padStart(8, "0");
    }
    seen.add(name);
    names.push(name);
  }
  const cdf = new Float64Array(card);
  let acc = 0;
  for (let j = 0; j < card; j++) cdf[j] = acc += 1 / (j + 1) ** o.zipf;
  for (let j = 0; j < card; j++) cdf[j] /= acc;
  const missing = rng.uniform() < 0.4 ? rng.uniformIn(0.02, 0.4) : 0;
  const w = Float64Array.from({ length: card }, () => rng.normal(0, 0.16));
  const v = Float64Array.from({ length: card * o.rank }, () => rng.normal(0, 0.15));
  return { names, cdf, missing, w, v };
}

function sampleIndex(cdf: Float64Array, u: number): number {
  let lo = 0, hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The intercept b with mean σ(z + b) = rate (bisection; the mean is increasing in b). */
function intercept(z: Float64Array, rate: number): number {
  let lo = -30, hi = 30;
  for (let it = 0; it < 100; it++) {
    const b = (lo + hi) / 2;
    let m = 0;
    for (const v of z) m += Math.exp(-softplus(-(v + b)));
    if (m / z.length < rate) lo = b;
    else hi = b;
  }
  return (lo + hi) / 2;
}

/**
 * Generates `rows` Criteo-format rows (see the module doc).
 *
 * @example
 * ```ts
 * import { parseCriteo } from "../../ops/io/criteo.ts";
 * import { syntheticCriteo } from "./synthetic.ts";
 * const g = syntheticCriteo({ rows: 100, seed: 1 });
 * const d = parseCriteo(g.text);
 * console.log(d.rows, g.logits.length); // 100 100
 * ```
 */
export function syntheticCriteo(opts: SyntheticCriteoOptions): SyntheticCriteo {
  for (const key of Object.keys(opts)) {
    if (!KEYS.has(key)) throw new TypeError(`syntheticCriteo: unknown option ${key}`);
  }
  const o: Required<SyntheticCriteoOptions> = {
    seed: 0,
    rank: 4,
    zipf: 1.1,
    maxCardinality: 2000,
    clickRate: 0.25,
    ...opts,
  };
  for (const k of ["rows", "rank", "maxCardinality"] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 1) {
      throw new RangeError(`syntheticCriteo: ${k} must be a positive integer, got ${o[k]}`);
    }
  }
  if (!(o.zipf > 0)) throw new RangeError(`syntheticCriteo: zipf must be > 0, got ${o.zipf}`);
  if (!(o.clickRate > 0 && o.clickRate < 1)) {
    throw new RangeError(`syntheticCriteo: clickRate must be in (0, 1), got ${o.clickRate}`);
  }
  const rng = new Rng(o.seed);
  const fields = Array.from({ length: N_SPARSE }, (_, f) => makeField(rng, f, o.seed, o));
  const ints = Array.from({ length: N_DENSE }, () => ({
    mu: rng.uniformIn(0, 4),
    sd: rng.uniformIn(0.5, 1.5),
    missing: rng.uniform() < 0.5 ? rng.uniformIn(0, 0.3) : 0,
    beta: rng.normal(0, 0.15),
  }));
  const r = o.rank, z = new Float64Array(o.rows), cells: string[][] = [];
  const vs = new Float64Array(r);
  for (let i = 0; i < o.rows; i++) {
    const row: string[] = new Array(1 + N_DENSE + N_SPARSE);
    let logit = 0;
    for (let j = 0; j < N_DENSE; j++) {
      const p = ints[j];
      if (rng.uniform() < p.missing) {
        row[1 + j] = "";
        continue;
      }
      const x = Math.floor(Math.exp(rng.normal(p.mu, p.sd)));
      row[1 + j] = String(x);
      logit += p.beta * (Math.log1p(x) - p.mu);
    }
    vs.fill(0);
    let selfSq = 0;
    for (let f = 0; f < N_SPARSE; f++) {
      const fd = fields[f];
      if (rng.uniform() < fd.missing) {
        row[1 + N_DENSE + f] = "";
        continue;
      }
      const j = sampleIndex(fd.cdf, rng.uniform());
      row[1 + N_DENSE + f] = fd.names[j];
      logit += fd.w[j];
      for (let t = 0; t < r; t++) {
        const v = fd.v[j * r + t];
        vs[t] += v;
        selfSq += v * v;
      }
    }
    let sq = 0;
    for (let t = 0; t < r; t++) sq += vs[t] * vs[t];
    z[i] = logit + 0.5 * (sq - selfSq); // Σ_{f<g} ⟨v_f, v_g⟩
    cells.push(row);
  }
  const b = intercept(z, o.clickRate);
  const lines = [
    "label," +
    [...Array(N_DENSE)].map((_, j) => `I${j + 1}`).concat(
      [...Array(N_SPARSE)].map((_, f) => `C${f + 1}`),
    ).join(","),
  ];
  for (let i = 0; i < o.rows; i++) {
    z[i] += b;
    cells[i][0] = rng.uniform() < 1 / (1 + Math.exp(-z[i])) ? "1" : "0";
    lines.push(cells[i].join(","));
  }
  return {
    text: lines.join("\n") + "\n",
    logits: z,
    cardinalities: fields.map((f) => f.names.length),
  };
}
