import assert from "node:assert/strict";
import { applyQFromRows_, formQFromRows } from "../../../ops/linalg/householder.ts";
import { simdWorkspace } from "../../../ops/linalg/simd.ts";
import { tridiagonalize_, tridiagonalWorkspace } from "../../../ops/linalg/tridiag.ts";
import { fro, mm, symmetric } from "./_decomp_helpers.ts";

/** ‖A − Q·T·Qᵀ‖_F for the result of tridiagonalize_ on a copy of `a` (n × n). */
function residual(
  a: Float64Array,
  n: number,
  w: Float64Array,
  d: Float64Array,
  e: Float64Array,
  tau: Float64Array,
): number {
  const q = formQFromRows(w, n, Math.max(n - 2, 0), tau);
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    t[i * n + i] = d[i];
    if (i + 1 < n) t[i * n + i + 1] = t[(i + 1) * n + i] = e[i];
  }
  const qt = mm(q, t, n, n, n);
  const qT = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) qT[j * n + i] = q[i * n + j];
  const r = mm(qt, qT, n, n, n);
  for (let i = 0; i < n * n; i++) r[i] -= a[i];
  return fro(r);
}

Deno.test("tridiagonalize_: blocked panels (TypeScript and SIMD) and unblocked steps reproduce A", () => {
  for (const n of [5, 40, 130]) {
    const a = symmetric(n, n).data as Float64Array;
    const bound = 10 * n * 2 ** -53 * fro(a);
    const w1 = a.slice(), t1 = tridiagonalize_(w1, n);
    assert.ok(residual(a, n, w1, t1.d, t1.e, t1.tau) <= bound, `TypeScript, n = ${n}`);
    const ws = simdWorkspace(tridiagonalWorkspace(n));
    if (!ws) continue;
    const w2 = ws.arrays[0];
    w2.set(a);
    const t2 = tridiagonalize_(w2, n, ws);
    assert.ok(residual(a, n, w2, t2.d, t2.e, t2.tau) <= bound, `SIMD, n = ${n}`);
  }
});

/** Q = H₀·H₁⋯ one reflector at a time (naive reference): row k of `w` holds v_k from k+1. */
function naiveQ(w: Float64Array, n: number, count: number, tau: Float64Array): Float64Array {
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  for (let k = 0; k < count; k++) {
    const v = new Float64Array(n);
    v[k + 1] = 1;
    for (let j = k + 2; j < n; j++) v[j] = w[k * n + j];
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += q[i * n + j] * v[j];
      for (let j = 0; j < n; j++) q[i * n + j] -= tau[k] * s * v[j];
    }
  }
  return q;
}

Deno.test("formQFromRows and applyQFromRows_ (compact WY blocks) equal the reflector product", () => {
  // n = 5 is one partial block; 75 and 130 span several blocks, the last one partial.
  for (const n of [5, 75, 130]) {
    const a = symmetric(n, 7 * n).data as Float64Array;
    const w = a.slice(), { tau } = tridiagonalize_(w, n);
    const count = n - 2, ref = naiveQ(w, n, count, tau);
    const bound = 10 * n * 2 ** -53 * Math.sqrt(n);
    const diff = (x: Float64Array): number => fro(x.map((v, i) => v - ref[i]));
    assert.ok(diff(formQFromRows(w, n, count, tau)) <= bound, `formQFromRows, n = ${n}`);
    // z ← Q·z with z = I gives Q; with a random z it gives the naive product Q·z.
    const z = new Float64Array(n * n);
    for (let i = 0; i < n; i++) z[i * n + i] = 1;
    applyQFromRows_(w, n, count, tau, z);
    assert.ok(diff(z) <= bound, `applyQFromRows_ on I, n = ${n}`);
    const g = symmetric(n, 3 * n + 1).data as Float64Array, gz = g.slice();
    applyQFromRows_(w, n, count, tau, gz);
    const want = mm(ref, g, n, n, n);
    const err = fro(gz.map((v, i) => v - want[i]));
    assert.ok(err <= bound * fro(g), `applyQFromRows_ on G, n = ${n}: ${err}`);
  }
});

Deno.test("simd dotRowsBlocked: four-row kernel equals row dot products (all row and length tails)", () => {
  const ws = simdWorkspace([23 * 29 + 5, 29, 30]);
  if (!ws) return; // no WebAssembly SIMD here: tridiagonalize_ uses its TypeScript loops
  const [a, v, out] = ws.arrays;
  for (let i = 0; i < a.length; i++) a[i] = Math.sin(1.7 * i + 0.3);
  for (let i = 0; i < v.length; i++) v[i] = Math.cos(0.9 * i);
  const ld = 29;
  for (let rows = 0; rows <= 9; rows++) {
    for (const [len, off] of [[0, 0], [1, 3], [2, 0], [3, 1], [4, 2], [7, 5], [8, 0], [27, 1]]) {
      out.fill(NaN);
      ws.dotRowsBlocked(a, off, ld, rows, len, v, 1, out, 1);
      assert.ok(Number.isNaN(out[0]) && Number.isNaN(out[rows + 1]), "writes only its rows");
      for (let i = 0; i < rows; i++) {
        let s = 0, mag = 0;
        for (let k = 0; k < len; k++) {
          s += a[off + i * ld + k] * v[1 + k];
          mag += Math.abs(a[off + i * ld + k] * v[1 + k]);
        }
        const err = Math.abs(out[1 + i] - s);
        assert.ok(err <= 2 * len * 2 ** -53 * mag, `rows ${rows}, len ${len}, row ${i}: ${err}`);
      }
    }
  }
});

Deno.test("simd symvUpper: A·v from the upper triangle equals the full symmetric product", () => {
  const ld = 31, ws = simdWorkspace([ld * ld + 3, ld, ld + 2]);
  if (!ws) return;
  const [a, v, out] = ws.arrays;
  for (let i = 0; i < a.length; i++) a[i] = Math.sin(0.7 * i + 0.1);
  for (let i = 0; i < v.length; i++) v[i] = Math.cos(1.3 * i);
  for (let m = 0; m <= 29; m++) {
    const off = 1 + (m % 2); // odd and even starts (unaligned rows)
    out.fill(NaN);
    ws.symvUpper(a, off, ld, m, v, 1, out, 1);
    assert.ok(Number.isNaN(out[0]) && Number.isNaN(out[m + 1]), "writes only its m entries");
    for (let i = 0; i < m; i++) {
      let s = 0, mag = 0;
      for (let c = 0; c < m; c++) {
        // only the upper triangle is the matrix; the lower one is ignored
        const x = (c >= i ? a[off + i * ld + c] : a[off + c * ld + i]) * v[1 + c];
        s += x;
        mag += Math.abs(x);
      }
      const err = Math.abs(out[1 + i] - s);
      assert.ok(err <= 2 * m * 2 ** -53 * mag, `m ${m}, row ${i}: ${err}`);
    }
  }
});
