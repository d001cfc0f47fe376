import assert from "node:assert/strict";
import { bidiagonalSvd_ } from "../../../ops/linalg/bdsqr.ts";
import { copyTransposed, givens } from "../../../ops/linalg/dense.ts";
import { simdWorkspace } from "../../../ops/linalg/simd.ts";
import { Rng } from "../../../ops/random.ts";

const rng = new Rng(3);
/** Fills `a` in place (the SIMD arrays must stay views of the kernels' memory). */
const fill = (a: Float64Array): Float64Array => {
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
  return a;
};
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

Deno.test("simd kernels: agree with plain loops for odd and even lengths and offsets", () => {
  const ws = simdWorkspace([9 * 11 + 3, 16, 16, 16, 16, 16]);
  if (!ws) return; // no WebAssembly SIMD here: the callers use their TypeScript loops
  const [a, g, v, f, out, u] = ws.arrays.map(fill);
  for (const [rows, len, off] of [[5, 7, 1], [4, 8, 0], [3, 1, 2], [1, 10, 0]]) {
    const ref = a.slice(), refOut = out.slice(), ld = 11;
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let k = 0; k < len; k++) {
        const x = ref[off + i * ld + k] - f[i] * g[1 + k];
        ref[off + i * ld + k] = x;
        s += x * v[2 + k];
      }
      refOut[3 + i] = s;
    }
    ws.rowsAxpyDot(a, off, ld, rows, len, g, 1, v, 2, f, 0, out, 3);
    assert.ok(maxDiff(a, ref) < 1e-14 && maxDiff(out, refOut) < 1e-13, `axpy·dot ${rows}×${len}`);
    const acc = u.slice();
    for (let i = 0; i < rows; i++) {
      for (let k = 0; k < len; k++) {
        const x = ref[off + i * ld + k] - f[i] * v[k];
        ref[off + i * ld + k] = x;
        acc[4 + k] += g[i] * x;
      }
    }
    ws.rowsAxpyAxpy(a, off, ld, rows, len, v, 0, f, 0, g, 0, u, 4);
    assert.ok(maxDiff(a, ref) < 1e-14 && maxDiff(u, acc) < 1e-13, `axpy·axpy ${rows}×${len}`);
    const dots = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      for (let k = 0; k < len; k++) dots[i] += a[off + i * ld + k] * v[k];
    }
    ws.dotRows(a, off, ld, rows, len, v, 0, out, 0);
    assert.ok(maxDiff(out.subarray(0, rows), dots) < 1e-13, `dot ${rows}×${len}`);
  }
  // Rotation sequence on rows 1…4 of a 6 × 8 block.
  const x = a.subarray(0, 48), ref = x.slice(), cs = g, sn = v;
  for (let j = 0; j < 8; j++) [cs[j], sn[j]] = givens(rng.normal(), rng.normal());
  for (let j = 1; j < 5; j++) {
    for (let k = 0; k < 8; k++) {
      const p = ref[j * 8 + k], q = ref[(j + 1) * 8 + k];
      ref[j * 8 + k] = cs[j] * p + sn[j] * q;
      ref[(j + 1) * 8 + k] = cs[j] * q - sn[j] * p;
    }
  }
  ws.rotateRows(x, 8, 8, 1, 5, cs, sn);
  assert.ok(maxDiff(x, ref) < 1e-14);
});

Deno.test("bidiagonalSvd_: columns, rows and SIMD rows layouts give the same factors", () => {
  const n = 23;
  const d = fill(new Float64Array(n)), e = fill(new Float64Array(n));
  const eye = (ld: number): Float64Array => {
    const x = new Float64Array(n * ld);
    for (let i = 0; i < n; i++) x[i * ld + i] = 1;
    return x;
  };
  const d1 = d.slice(), u1 = eye(n), v1 = eye(n);
  bidiagonalSvd_(d1, e.slice(), n, { x: u1, rows: n, ld: n }, { x: v1, rows: n, ld: n });
  const d2 = d.slice(), u2 = eye(24), v2 = eye(24);
  const rows = (x: Float64Array) => ({ x, rows: n, ld: 24, byRows: true });
  bidiagonalSvd_(d2, e.slice(), n, rows(u2), rows(v2));
  const back = (x: Float64Array): Float64Array => {
    const t = new Float64Array(n * n);
    copyTransposed(x, 0, 24, n, n, t, 0, n);
    return t;
  };
  assert.ok(
    maxDiff(d1, d2) === 0 && maxDiff(u1, back(u2)) < 1e-15 && maxDiff(v1, back(v2)) < 1e-15,
  );
  const ws = simdWorkspace([n * 24, n * 24, n, n, n, n]);
  if (!ws) return;
  const [u3, v3, cu, su, cv, sv] = ws.arrays;
  u3.set(eye(24));
  v3.set(eye(24));
  const d3 = d.slice(), r = ws.rotateRows;
  bidiagonalSvd_(d3, e.slice(), n, { ...rows(u3), rotateRows: r }, { ...rows(v3), rotateRows: r }, {
    cu,
    su,
    cv,
    sv,
  });
  assert.ok(
    maxDiff(d1, d3) === 0 && maxDiff(u1, back(u3)) < 1e-15 && maxDiff(v1, back(v3)) < 1e-15,
  );
  for (let i = 1; i < n; i++) assert.ok(d1[i] <= d1[i - 1] && d1[i] >= 0);
});
