/**
 * Small decompositions against ml-matrix, interleaved: round after round, each of our `qr`,
 * `svd`, `eigh` and its ml-matrix peer (`QrDecomposition` + both factors, `SVD` with both vector
 * sets, `EigenvalueDecomposition` with `assumeSymmetric`) runs one block of calls, and the best
 * block per call is kept. On a shared, loaded machine the best of many interleaved blocks is the
 * comparison that load disturbs least (a `deno bench` mean there is mostly other people's work).
 * Run: `deno run -A benches/linalg_small.ts [--sizes 8,16,32] [--rounds 60] [--json FILE]`;
 * prints a markdown table with ours/ml-matrix (below 1: ours is faster); `--json FILE` also
 * writes its rows (`{ rows: [{ op, n, ours_us, ml_matrix_us }] }`).
 *
 * @module
 */
import { EigenvalueDecomposition, Matrix, QrDecomposition, SVD } from "ml-matrix";
import { eigh, qr, randn, svd, type Tensor } from "../mod.ts";

function toMl(t: Tensor): Matrix {
  const [r, c] = t.shape;
  return new Matrix(
    Array.from({ length: r }, (_, i) => Array.from(t.data.slice(i * c, (i + 1) * c))),
  );
}

function symmetric(n: number, seed: number): Tensor {
  const g = randn([n, n], { seed });
  const d = g.data;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) d[i * n + j] = d[j * n + i] = 0.5 * (d[i * n + j] + d[j * n + i]);
  }
  return g;
}

/** Microseconds per call of one block of `reps` calls. */
function block(f: () => unknown, reps: number): number {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) f();
  return (performance.now() - t0) / reps * 1e3;
}

const USAGE =
  "usage: deno run -A benches/linalg_small.ts [--sizes 8,16,32] [--rounds 60] [--json FILE]";
const given = new Map<string, string>();
for (let i = 0; i < Deno.args.length; i += 2) {
  const [k, v] = [Deno.args[i], Deno.args[i + 1]];
  if (!["--sizes", "--rounds", "--json"].includes(k) || v === undefined || given.has(k)) {
    console.error(`linalg_small: bad flag ${k}; ${USAGE}`);
    Deno.exit(2);
  }
  given.set(k, v);
}
const sizes = (given.get("--sizes") ?? "8,16,32").split(",").map(Number);
const rounds = Number(given.get("--rounds") ?? "60");
const jsonPath = given.get("--json");
if (sizes.some((n) => !Number.isInteger(n) || n < 1) || !(rounds >= 1)) {
  console.error(USAGE);
  Deno.exit(2);
}
if (jsonPath) Deno.writeTextFileSync(jsonPath, ""); // an unwritable path fails before the timing
const rows: { op: string; n: number; ours_us: number; ml_matrix_us: number }[] = [];

console.log("| op (f64) | n | ours µs | ml-matrix µs | ours / ml-matrix |");
console.log("| --- | --- | --- | --- | --- |");
for (const n of sizes) {
  const a = randn([n, n], { seed: 1 }), ma = toMl(a), s = symmetric(n, 2), ms = toMl(s);
  const pairs: [string, () => unknown, () => unknown][] = [
    ["qr", () => qr(a), () => {
      const d = new QrDecomposition(ma);
      return [d.orthogonalMatrix, d.upperTriangularMatrix];
    }],
    ["svd", () => svd(a), () => new SVD(ma)],
    ["eigh", () => eigh(s), () => new EigenvalueDecomposition(ms, { assumeSymmetric: true })],
  ];
  const reps = Math.max(5, Math.round(5000 / (n * n)));
  for (const [name, ours, ml] of pairs) {
    let bo = Infinity, bm = Infinity;
    for (let r = 0; r < rounds; r++) {
      bo = Math.min(bo, block(ours, reps));
      bm = Math.min(bm, block(ml, reps));
    }
    console.log(
      `| ${name} | ${n} | ${bo.toFixed(1)} | ${bm.toFixed(1)} | ${(bo / bm).toFixed(2)} |`,
    );
    rows.push({ op: name, n, ours_us: bo, ml_matrix_us: bm });
  }
}
if (jsonPath) Deno.writeTextFileSync(jsonPath, JSON.stringify({ rounds, rows }, null, 2));
