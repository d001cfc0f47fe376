import assert from "node:assert/strict";
import { formQFromRows } from "../../../ops/linalg/householder.ts";
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
