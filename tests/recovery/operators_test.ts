import assert from "node:assert/strict";
import { Rng } from "../../ops/random.ts";
import { Tensor } from "../../ops/tensor.ts";
import { CompletionDesign, completionDesign } from "../../recovery/completion.ts";
import { DenseDesign, gaussianDesign } from "../../recovery/dense.ts";
import type { MeasurementOperator } from "../../recovery/operator.ts";
import { unpackSymmetric } from "../../recovery/packing.ts";
import { rankOneDesign } from "../../recovery/rank_one.ts";
import {
  dot,
  gaussian,
  maxDiff,
  naiveMatmul,
  naiveTranspose,
  norm,
  relDiff,
  U64,
} from "./helpers.ts";

/** Explicit A_i (rows×cols, f64) of any operator, built by the oracle from its stored data. */
function explicitMatrices(op: MeasurementOperator): Float64Array[] {
  const out: Float64Array[] = [];
  const { rows, cols } = op;
  for (let i = 0; i < op.m; i++) {
    const a = new Float64Array(rows * cols);
    if (op instanceof DenseDesign) {
      const row = op.data.subarray(i * op.rowLength, (i + 1) * op.rowLength);
      if (op.storage === "packed") unpackSymmetric(row, rows, a);
      else a.set(row);
    } else if (op instanceof CompletionDesign) {
      a[op.rowIndex[i] * cols + op.colIndex[i]] = 1;
    } else {
      const r1 = op as unknown as { a: Float64Array; b: Float64Array };
      for (let j = 0; j < rows; j++) {
        for (let k = 0; k < rows; k++) {
          a[j * rows + k] = r1.a[i * rows + j] * r1.a[i * rows + k] -
            r1.b[i * rows + j] * r1.b[i * rows + k];
        }
      }
    }
    out.push(a);
  }
  return out;
}

function operators(): MeasurementOperator[] {
  return [
    gaussianDesign(7, 30, { seed: 1 }),
    gaussianDesign(7, 30, { seed: 1, storage: "full" }),
    gaussianDesign(7, 30, { seed: 1, dtype: "f32" }),
    gaussianDesign(6, 25, { seed: 2, cols: 4, symmetric: false }),
    rankOneDesign(6, 20, { seed: 3 }),
    completionDesign(5, 18, { seed: 4, cols: 6 }),
  ];
}

Deno.test("apply matches explicit <A_i, X> for every operator", () => {
  const rng = new Rng(10);
  for (const op of operators()) {
    const a = explicitMatrices(op);
    const x = gaussian(op.rows * op.cols, rng);
    const y = op.apply(new Tensor(x, [op.rows, op.cols])).data;
    const ref = a.map((ai) => dot(ai, x));
    const tol = 50 * U64 * op.rows * op.cols * Math.max(...ref.map(Math.abs), norm(x));
    assert.ok(maxDiff(y, ref) <= tol, `${op.kind}: ${maxDiff(y, ref)} > ${tol}`);
  }
});

Deno.test("CP4 adjoint identity <A(M), v> = <M, Σ v_i A_i> and explicit adjoint", () => {
  const rng = new Rng(11);
  for (const op of operators()) {
    const n = op.rows * op.cols;
    const mRaw = gaussian(n, rng);
    const mat = op.rows === op.cols ? symmetrize(mRaw, op.rows) : mRaw;
    const v = gaussian(op.m, rng);
    const lhs = dot(op.apply(new Tensor(mat, [op.rows, op.cols])).data, v);
    const adj = op.adjoint(new Tensor(v, [op.m])).data;
    const rhs = dot(mat, adj);
    assert.ok(Math.abs(lhs - rhs) <= 1e-12 * norm(mat) * norm(adj) * Math.sqrt(op.m), op.kind);
    const ref = new Float64Array(n);
    explicitMatrices(op).forEach((ai, i) => ai.forEach((x, j) => (ref[j] += v[i] * x)));
    assert.ok(relDiff(adj, ref) <= 1e-13 * op.m, `${op.kind} adjoint`);
  }
});

function symmetrize(a: Float64Array, d: number): Float64Array {
  const s = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) s[i * d + j] = a[i * d + j] + a[j * d + i];
  }
  return s;
}

Deno.test("factored passes equal apply(L Rᵀ) and adjoint(w)·R, adjoint(w)ᵀ·L", () => {
  const rng = new Rng(12);
  for (const op of operators()) {
    const k = 3, { rows, cols, m } = op;
    const l = gaussian(rows * k, rng), r = gaussian(cols * k, rng), w = gaussian(m, rng);
    const x = naiveMatmul(l, naiveTranspose(r, cols, k), rows, k, cols);
    const out = new Float64Array(m);
    op.applyFactors(l, r, k, out);
    const ref = op.apply(new Tensor(x, [rows, cols])).data;
    assert.ok(relDiff(out, ref) <= 1e-13 * rows * cols, `${op.kind} applyFactors`);
    const gl = new Float64Array(rows * k), gr = new Float64Array(cols * k);
    op.adjointFactors(w, l, r, k, gl, gr);
    const s = op.adjoint(new Tensor(w, [m])).data;
    assert.ok(relDiff(gl, naiveMatmul(s, r, rows, cols, k)) <= 1e-12, `${op.kind} gl`);
    assert.ok(relDiff(gr, naiveMatmul(naiveTranspose(s, rows, cols), l, cols, rows, k)) <= 1e-12);
  }
});

Deno.test("residualGradient (fused for dense) equals apply, sign weights, adjoint", () => {
  const rng = new Rng(13);
  for (const op of operators()) {
    const k = 2, { rows, cols, m } = op;
    const l = gaussian(rows * k, rng), r = op.rows === op.cols ? l : gaussian(cols * k, rng);
    const y = gaussian(m, rng);
    for (const weight of ["sign", "residual"] as const) {
      const res = new Float64Array(m),
        gl = new Float64Array(rows * k),
        gr = new Float64Array(cols * k);
      op.residualGradient(l, r, k, y, weight, res, gl, gr);
      const ref = new Float64Array(m);
      op.applyFactors(l, r, k, ref);
      for (let i = 0; i < m; i++) ref[i] -= y[i];
      assert.ok(maxDiff(res, ref) <= 1e-13 * (norm(ref) + norm(y)), `${op.kind} residuals`);
      const w = weight === "sign" ? ref.map(Math.sign) : ref;
      const gl2 = new Float64Array(rows * k), gr2 = new Float64Array(cols * k);
      op.adjointFactors(w, l, r, k, gl2, gr2);
      assert.ok(relDiff(gl, gl2) <= 1e-12 && relDiff(gr, gr2) <= 1e-12, `${op.kind} ${weight}`);
    }
  }
});

Deno.test("CP5 packed and full storage give the same residuals and sub-gradient", () => {
  const d = 9, m = 60, k = 4, rng = new Rng(14);
  const packed = gaussianDesign(d, m, { seed: 5 }),
    full = gaussianDesign(d, m, { seed: 5, storage: "full" });
  const u = gaussian(d * k, rng), y = gaussian(m, rng);
  const run = (op: MeasurementOperator): Float64Array[] => {
    const res = new Float64Array(m), gl = new Float64Array(d * k), gr = new Float64Array(d * k);
    op.residualGradient(u, u, k, y, "sign", res, gl, gr);
    return [res, gl];
  };
  const [rp, gp] = run(packed), [rf, gf] = run(full);
  assert.ok(relDiff(rp, rf) <= 1e-12);
  assert.ok(relDiff(gp, gf) <= 1e-12);
});

Deno.test("f32 storage computes exactly with the rounded design (f64 arithmetic)", () => {
  const d = 8, m = 40;
  const op32 = gaussianDesign(d, m, { seed: 6, dtype: "f32" });
  const op64 = new DenseDesign(Float64Array.from(op32.data), m, d, d, "packed");
  const x = symmetrize(gaussian(d * d, new Rng(1)), d);
  const t = new Tensor(x, [d, d]);
  assert.deepEqual(op32.apply(t).data, op64.apply(t).data);
});

Deno.test("symmetric Gaussian design has N(0,1) diagonal and N(0,1/2) off-diagonal entries", () => {
  const d = 10, m = 2000, op = gaussianDesign(d, m, { seed: 7 });
  let diag = 0, off = 0, nd = 0, no = 0;
  for (let i = 0; i < m; i++) {
    let p = i * op.rowLength;
    for (let j = 0; j < d; j++) {
      for (let k = j; k < d; k++, p++) {
        if (j === k) (diag += op.data[p] ** 2, nd++);
        else (off += op.data[p] ** 2, no++);
      }
    }
  }
  // sample variances: relative standard error sqrt(2/n); allow 6 standard errors
  assert.ok(Math.abs(diag / nd - 1) < 6 * Math.sqrt(2 / nd), `diag var ${diag / nd}`);
  assert.ok(Math.abs(off / no - 0.5) < 6 * 0.5 * Math.sqrt(2 / no), `off var ${off / no}`);
});

Deno.test("operators reject bad input with errors naming the argument", () => {
  const op = gaussianDesign(4, 5, { seed: 1 });
  assert.throws(() => op.apply(new Tensor(new Float64Array(12), [3, 4])), /x must be 4x4.*3x4/);
  assert.throws(
    () => op.adjoint(new Tensor(new Float64Array(4), [4])),
    /w must be a vector of length 5/,
  );
  assert.throws(() => gaussianDesign(0, 5), /d must be a positive integer, got 0/);
  assert.throws(() => gaussianDesign(4, 2.5), /m must be a positive integer, got 2.5/);
  assert.throws(() => gaussianDesign(4, 5, { cols: 3 }), /symmetric design is square/);
  assert.throws(() => gaussianDesign(4, 5, { symmetric: false, storage: "packed" }), /packed/);
  assert.throws(() => gaussianDesign(4, 5, { dtype: "f16" as "f32" }), TypeError);
  assert.throws(
    () => new DenseDesign(new Float64Array(9), 1, 4, 4, "packed"),
    /data has 9 entries/,
  );
  assert.throws(
    () => new CompletionDesign(new Int32Array([0, 5]), new Int32Array([0, 0]), 3, 3),
    /\(5, 0\) is outside 3x3/,
  );
  assert.throws(() => completionDesign(2, 5), /m = 5 exceeds the 4 entries/);
  assert.throws(() => rankOneDesign(3, -1), /m must be a positive integer, got -1/);
});

Deno.test("WebAssembly SIMD fused pass is bitwise identical to the TypeScript kernels", () => {
  const rng = new Rng(15);
  for (const dtype of ["f64", "f32"] as const) {
    for (
      const [d, storage] of [[1, "packed"], [6, "packed"], [7, "full"], [13, "packed"]] as const
    ) {
      const m = 23, k = 3;
      const wasm = gaussianDesign(d, m, { seed: d, dtype, storage });
      const ts = gaussianDesign(d, m, { seed: d, dtype, storage, kernel: "ts" });
      const u = gaussian(d * k, rng), y = gaussian(m, rng);
      y[4] = NaN; // a NaN residual must give a NaN weight on both paths
      for (const weight of ["sign", "residual"] as const) {
        const run = (op: MeasurementOperator): Float64Array[] => {
          const res = new Float64Array(m),
            gl = new Float64Array(d * k),
            gr = new Float64Array(d * k);
          op.residualGradient(u, u, k, y, weight, res, gl, gr);
          return [res, gl];
        };
        assert.deepEqual(run(wasm), run(ts), `${dtype} d=${d} ${storage} ${weight}`);
      }
    }
  }
});

Deno.test("a zero residual gets weight 0 on the wasm path (sign(0) = 0)", () => {
  const d = 5, m = 9, op = gaussianDesign(d, m, { seed: 3 });
  const u = gaussian(d * 2, new Rng(1));
  const y = new Float64Array(m);
  op.applyFactors(u, u, 2, y); // exact data: every residual is exactly zero
  const res = new Float64Array(m),
    gl = new Float64Array(d * 2).fill(7),
    gr = new Float64Array(d * 2);
  op.residualGradient(u, u, 2, y, "sign", res, gl, gr);
  assert.ok(res.every((r) => r === 0) && gl.every((g) => g === 0));
});
