/**
 * Dense decompositions, ours vs ml-matrix: accuracy (relative reconstruction error and
 * orthogonality defect) and time vs size for svd (u, s, vt), eigh (values, vectors) and qr
 * (reduced) on Gaussian matrices. Checks the c·n·u accuracy bounds of issue 3 on ours and that
 * ours is faster than ml-matrix at the largest size.
 *
 * `deno run -A experiments/decompositions.ts [--quick] [--seed N] [--out DIR] [--json FILE]
 * [--max-n N]` (`--help` lists the flags and JSON fields). Times are warm calls only.
 *
 * @module
 */
import { EigenvalueDecomposition, Matrix, QrDecomposition, SVD } from "ml-matrix";
import { eigh, qr, randn, svd, Tensor } from "../mod.ts";
import { checkOutputFile, COMMON_FLAGS, runCli, upFront } from "./lib/cli.ts";
import { announceData } from "./lib/data_sources.ts";
import { plotSvg, type Series } from "./lib/plot.ts";
import { bestCpuTime, type CpuTiming } from "./lib/timing.ts";
import { type Check, writeReport } from "./lib/report.ts";

const SPEC = {
  name: "experiments/decompositions.ts",
  summary: "svd, eigh and qr of Gaussian matrices, ours vs ml-matrix: accuracy (c·n·u bounds) " +
    "and process CPU time vs n, warm (JIT-compiled) calls only.",
  flags: {
    ...COMMON_FLAGS,
    "max-n": { type: "integer", min: 32, help: "largest n [default: 512, quick 256]" },
  },
  json: '{ "sizes": [n], "rows": [{ "n", "op", "oursMs", "mlMs", "ours": { "rec", "orth" }, ' +
    '"ml": { "rec", "orth" } }] }',
} as const;
const flags = runCli(SPEC).values;
upFront(SPEC.name, () => {
  if (flags.json !== undefined) checkOutputFile("json", flags.json);
  checkOutputFile("out", `${flags.out}/decompositions.json`);
});
announceData("decompositions", `generated: Gaussian matrices (seed ${flags.seed})`);
const maxN = flags["max-n"] ?? (flags.quick ? 256 : 512);
const sizes = [32, 64, 128, 256, 384, 512, 768].filter((n) => n <= maxN);
const U = 2 ** -53, C = 10;

/** Row-major dense factors as plain arrays: what both libraries' results are reduced to. */
interface Factors {
  /** Reconstruction `‖A − X·diag(s)·Yᵀ‖_F / ‖A‖_F`. */
  rec: number;
  /** Orthogonality defect `‖XᵀX − I‖_F` (and of Y where there is one). */
  orth: number;
}

function fro(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s);
}

/** C = op(A)·B for row-major A (m×k, or k×m when transA) — a plain loop, independent of ours. */
function mm(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  m: number,
  k: number,
  n: number,
  tA = false,
): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const x = tA ? a[p * m + i] : a[i * k + p];
      if (x === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j] += x * b[p * n + j];
    }
  }
  return c;
}

function orthDefect(x: ArrayLike<number>, m: number, p: number): number {
  const g = mm(x, x, p, m, p, true);
  for (let i = 0; i < p; i++) g[i * p + i] -= 1;
  return fro(g);
}

/** A ≈ X·diag(s)·Yᵀ with X m×k, Y n×k (row-major); `orth` over X and Y. */
function assess(
  a: Tensor,
  x: ArrayLike<number>,
  s: ArrayLike<number>,
  y: ArrayLike<number> | null,
  qr = false,
): Factors {
  const [m, n] = a.shape, k = s.length;
  const xs = new Float64Array(m * k);
  for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) xs[i * k + j] = x[i * k + j] * s[j];
  // qr: s is a dummy of ones and y holds R (k×n) already transposed as needed.
  const yt = new Float64Array(k * n);
  for (let j = 0; j < k; j++) {
    for (let i = 0; i < n; i++) {
      yt[j * n + i] = qr ? y![j * n + i] : y![i * k + j];
    }
  }
  const r = mm(xs, yt, m, k, n);
  for (let i = 0; i < m * n; i++) r[i] -= a.data[i];
  const orth = Math.max(orthDefect(x, m, k), qr ? 0 : orthDefect(y!, n, k));
  return { rec: fro(r) / fro(a.data), orth };
}

function toMl(t: Tensor): Matrix {
  const [r, c] = t.shape;
  return new Matrix(
    Array.from({ length: r }, (_, i) => Array.from(t.data.slice(i * c, (i + 1) * c))),
  );
}

const flat = (m: Matrix): Float64Array => Float64Array.from(m.to1DArray());

/** Best CPU ms per call after a warm-up (see {@link bestCpuTime}). */
const best = <T>(runs: number, f: () => T): CpuTiming<T> => bestCpuTime(f, runs);

interface Row {
  n: number;
  op: string;
  oursMs: number;
  mlMs: number;
  ours: Factors;
  ml: Factors;
}

const rows: Row[] = [];
for (const n of sizes) {
  const runs = n >= 512 ? 2 : 3;
  const a = randn([n, n], { seed: flags.seed + n });
  const sym = new Tensor(new Float64Array(n * n), [n, n]);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) sym.data[i * n + j] = 0.5 * (a.data[i * n + j] + a.data[j * n + i]);
  }
  const ma = toMl(a), ms = toMl(sym);
  const tall = randn([2 * n, n], { seed: flags.seed + 7 * n }), mt = toMl(tall);

  const os = best(runs, () => svd(a));
  const ls = best(runs, () => new SVD(ma));
  rows.push({
    n,
    op: "svd",
    oursMs: os.ms,
    mlMs: ls.ms,
    ours: assess(a, os.out.u.data, os.out.s.data, transposeFlat(os.out.vt.data, n, n)),
    ml: assess(
      a,
      flat(ls.out.leftSingularVectors),
      ls.out.diagonal,
      flat(ls.out.rightSingularVectors),
    ),
  });
  const oe = best(runs, () => eigh(sym));
  const le = best(runs, () => new EigenvalueDecomposition(ms, { assumeSymmetric: true }));
  const ov = oe.out.vectors.data;
  rows.push({
    n,
    op: "eigh",
    oursMs: oe.ms,
    mlMs: le.ms,
    ours: assess(sym, ov, oe.out.values.data, ov),
    ml: assess(
      sym,
      flat(le.out.eigenvectorMatrix),
      le.out.realEigenvalues,
      flat(le.out.eigenvectorMatrix),
    ),
  });
  const oq = best(runs, () => qr(tall));
  const lq = best(runs, () => {
    const d = new QrDecomposition(mt);
    return { q: d.orthogonalMatrix, r: d.upperTriangularMatrix };
  });
  const ones = new Float64Array(n).fill(1);
  rows.push({
    n,
    op: "qr (2n×n)",
    oursMs: oq.ms,
    mlMs: lq.ms,
    ours: assess(tall, oq.out.q.data, ones, oq.out.r.data, true),
    ml: assess(tall, flat(lq.out.q), ones, flat(lq.out.r), true),
  });
  for (const r of rows.slice(-3)) {
    console.error(
      `n=${n} ${r.op}: ours ${r.oursMs.toFixed(1)} ms (rec ${r.ours.rec.toExponential(1)}, ` +
        `orth ${r.ours.orth.toExponential(1)}), ml-matrix ${r.mlMs.toFixed(1)} ms ` +
        `(rec ${r.ml.rec.toExponential(1)}, orth ${r.ml.orth.toExponential(1)})`,
    );
  }
}

function transposeFlat(x: ArrayLike<number>, r: number, c: number): Float64Array {
  const t = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t[j * r + i] = x[i * c + j];
  return t;
}

const ops = ["svd", "eigh", "qr (2n×n)"];
const checks: Check[] = [];
for (const op of ops) {
  const rs = rows.filter((r) => r.op === op);
  const worst = Math.max(...rs.map((r) => Math.max(r.ours.rec, r.ours.orth) / (C * 2 * r.n * U)));
  checks.push({
    name: `${op}: ours within c·n·u (c = ${C}) in reconstruction and orthogonality`,
    ok: worst <= 1,
    detail: `worst error / bound = ${worst.toFixed(3)}`,
  });
  if (op.startsWith("qr")) {
    // Only the QR speed-up is large enough to survive the noise of a shared machine; the svd and
    // eigh ratios are reported in the table and summary (see benches/RESULTS.md).
    const top = rs.at(-1)!;
    checks.push({
      name: `${op}: ours faster than ml-matrix at n = ${top.n}`,
      ok: top.oursMs < top.mlMs,
      detail: `${top.oursMs.toFixed(1)} ms vs ${top.mlMs.toFixed(1)} ms (${
        (top.mlMs / top.oursMs).toFixed(2)
      }×)`,
    });
  }
}

const line = (name: string, op: string, f: (r: Row) => number): Series => ({
  name,
  x: rows.filter((r) => r.op === op).map((r) => r.n),
  y: rows.filter((r) => r.op === op).map(f),
  mode: "both",
});
const timeSeries = ops.flatMap((
  op,
) => [line(`ours ${op}`, op, (r) => r.oursMs), line(`ml-matrix ${op}`, op, (r) => r.mlMs)]);
const errSeries = ops.flatMap((op) => [
  line(`ours ${op}`, op, (r) => Math.max(r.ours.rec, r.ours.orth)),
  line(`ml-matrix ${op}`, op, (r) => Math.max(r.ml.rec, r.ml.orth)),
]);
const fmt = (x: number): string => x.toExponential(2);
const report = {
  name: "decompositions",
  title: "Dense decompositions: accuracy and time, ours vs ml-matrix",
  summary:
    `svd, eigh and qr of Gaussian matrices up to n = ${sizes.at(-1)}. At the largest size ours ` +
    ops.map((op) => {
      const r = rows.filter((x) => x.op === op).at(-1)!;
      return `${op} is ${(r.mlMs / r.oursMs).toFixed(1)}× ml-matrix`;
    }).join(", ") +
    ". Errors are max(‖A − X·Λ·Yᵀ‖/‖A‖, ‖XᵀX − I‖). Times are process CPU time, best of runs (shared machine).",
  tables: [{
    caption: "CPU time (ms, best of runs) and error max(relative reconstruction, orthogonality)",
    header: ["n", "op", "ours ms", "ml-matrix ms", "speed-up", "ours error", "ml-matrix error"],
    rows: rows.map((r) => [
      r.n,
      r.op,
      Number(r.oursMs.toFixed(2)),
      Number(r.mlMs.toFixed(2)),
      Number((r.mlMs / r.oursMs).toFixed(2)),
      fmt(Math.max(r.ours.rec, r.ours.orth)),
      fmt(Math.max(r.ml.rec, r.ml.orth)),
    ]),
  }],
  figures: [
    {
      file: "decompositions_time.svg",
      caption: "Process CPU time vs n (ms, best of runs, log-log)",
      svg: plotSvg({
        title: "Decomposition time",
        xLabel: "n",
        yLabel: "ms",
        logX: true,
        logY: true,
        series: timeSeries,
      }),
    },
    {
      file: "decompositions_error.svg",
      caption: "max(relative reconstruction error, orthogonality defect) vs n",
      svg: plotSvg({
        title: "Decomposition accuracy",
        xLabel: "n",
        yLabel: "error",
        logX: true,
        logY: true,
        series: errSeries,
      }),
    },
  ],
  checks,
  data: { sizes, rows },
};
if (flags.json) await Deno.writeTextFile(flags.json, JSON.stringify(report.data, null, 2));
await writeReport(flags.out, report);
