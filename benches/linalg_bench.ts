/**
 * Dense decomposition speed: our svd / svdvals / eigh / qr against ml-matrix `SVD`, `EVD` and
 * `QrDecomposition` (baseline of each group). numpy/LAPACK is timed separately by
 * `benches/numpy_linalg.py`. Results: `benches/RESULTS.md`, section "Decompositions".
 *
 * The peers compute the same outputs as ours: `SVD` with both vector sets, `EVD` with
 * `assumeSymmetric` (vectors included), `QrDecomposition` followed by its orthogonal factor.
 */
import { EigenvalueDecomposition, Matrix, QrDecomposition, SVD } from "ml-matrix";
import { setGemmThreads } from "../ops/cpu/gemm.ts";
import { eigh } from "../ops/linalg/eigh.ts";
import { qr } from "../ops/linalg/qr.ts";
import { svd, svdvals } from "../ops/linalg/svd.ts";
import { randn } from "../ops/random.ts";
import { Tensor } from "../ops/tensor.ts";

/** `setGemmThreads`'s default: on where the engine reports two or more cores. */
const DEFAULT_THREADS = (globalThis.navigator?.hardwareConcurrency ?? 1) >= 2;

function toMl(t: Tensor): Matrix {
  const [r, c] = t.shape;
  return new Matrix(
    Array.from({ length: r }, (_, i) => Array.from(t.data.slice(i * c, (i + 1) * c))),
  );
}

function symmetric(n: number, seed: number): Tensor {
  const g = randn([n, n], { seed }).data;
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) d[i * n + j] = 0.5 * (g[i * n + j] + g[j * n + i]);
  }
  return new Tensor(d, [n, n]);
}

// Each call at n = 512 takes 0.1–1 s on the shared machine: a few timed runs suffice.
const few = (n: number): { n: number; warmup: number } => ({ n: n >= 512 ? 5 : 20, warmup: 1 });

for (const n of [128, 512]) {
  const a = randn([n, n], { seed: 1 }), ma = toMl(a);
  const group = `svd f64 ${n}x${n} (u, s, vt)`;
  Deno.bench(`ml-matrix SVD ${n}`, { group, baseline: true, ...few(n) }, () => {
    new SVD(ma, { computeLeftSingularVectors: true, computeRightSingularVectors: true });
  });
  Deno.bench(`ours svd ${n}`, { group, ...few(n) }, () => {
    svd(a);
  });
  const gv = `svdvals f64 ${n}x${n}`;
  Deno.bench(`ml-matrix SVD values only ${n}`, { group: gv, baseline: true, ...few(n) }, () => {
    new SVD(ma, { computeLeftSingularVectors: false, computeRightSingularVectors: false });
  });
  Deno.bench(`ours svdvals ${n}`, { group: gv, ...few(n) }, () => {
    svdvals(a);
  });
  const s = symmetric(n, 2), ms = toMl(s);
  const ge = `eigh f64 ${n}x${n} (values, vectors)`;
  Deno.bench(`ml-matrix EVD ${n}`, { group: ge, baseline: true, ...few(n) }, () => {
    new EigenvalueDecomposition(ms, { assumeSymmetric: true });
  });
  Deno.bench(`ours eigh ${n}`, { group: ge, ...few(n) }, () => {
    eigh(s);
  });
  // One thread, as numpy with OPENBLAS_NUM_THREADS=1 (benches/numpy_linalg.py --eigh-cpu).
  Deno.bench(`ours eigh ${n}, one GEMM thread`, { group: ge, ...few(n) }, () => {
    setGemmThreads(false);
    try {
      eigh(s);
    } finally {
      setGemmThreads(DEFAULT_THREADS); // the engine default (off on one core), not always on
    }
  });
}

{
  const a = randn([1000, 200], { seed: 3 }), ma = toMl(a);
  const group = "qr f64 1000x200 (reduced q, r)";
  Deno.bench("ml-matrix QR 1000x200", { group, baseline: true, n: 10, warmup: 1 }, () => {
    const d = new QrDecomposition(ma);
    d.orthogonalMatrix;
    d.upperTriangularMatrix;
  });
  Deno.bench("ours qr 1000x200", { group, n: 10, warmup: 1 }, () => {
    qr(a);
  });
  const t = randn([2000, 100], { seed: 4 }), mt = toMl(t);
  const gt = "svd f64 2000x100 (tall: QR first)";
  Deno.bench("ml-matrix SVD 2000x100", { group: gt, baseline: true, n: 5, warmup: 1 }, () => {
    new SVD(mt);
  });
  Deno.bench("ours svd 2000x100", { group: gt, n: 5, warmup: 1 }, () => {
    svd(t);
  });
}

// Small sizes (issue 12 §4), where per-call overhead decides: the reflector-by-reflector paths.
// `benches/linalg_small.ts` times the same calls interleaved, best of many rounds, for RESULTS.md.
for (const n of [8, 16]) {
  const a = randn([n, n], { seed: 5 }), ma = toMl(a);
  const s = symmetric(n, 6), ms = toMl(s);
  const gq = `qr f64 ${n}x${n} (q, r)`;
  Deno.bench(`ml-matrix QR ${n}x${n}`, { group: gq, baseline: true }, () => {
    const d = new QrDecomposition(ma);
    d.orthogonalMatrix;
    d.upperTriangularMatrix;
  });
  Deno.bench(`ours qr ${n}x${n}`, { group: gq }, () => {
    qr(a);
  });
  const gs = `svd f64 ${n}x${n} (u, s, vt)`;
  Deno.bench(`ml-matrix SVD ${n}x${n}`, { group: gs, baseline: true }, () => {
    new SVD(ma, { computeLeftSingularVectors: true, computeRightSingularVectors: true });
  });
  Deno.bench(`ours svd ${n}x${n}`, { group: gs }, () => {
    svd(a);
  });
  const ge = `eigh f64 ${n}x${n} (values, vectors)`;
  Deno.bench(`ml-matrix EVD ${n}x${n}`, { group: ge, baseline: true }, () => {
    new EigenvalueDecomposition(ms, { assumeSymmetric: true });
  });
  Deno.bench(`ours eigh ${n}x${n}`, { group: ge }, () => {
    eigh(s);
  });
}
