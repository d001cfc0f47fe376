import assert, { deepEqual as assertEquals } from "node:assert/strict";
import fc from "fast-check";
import { luBasisT } from "../../../ops/linalg/_rsvd_lu.ts";
import { maxAbs, naiveT, randMat, uOf } from "./_factor_helpers.ts";

/**
 * Reference: textbook right-looking LU with partial pivoting on the row-major `m × l` Y, written
 * independently of the kernel; returns P·L (row-major m × l).
 */
function naivePL(y: ArrayLike<number>, m: number, l: number): Float64Array {
  const w = Float64Array.from(y), perm = Array.from({ length: m }, (_, i) => i);
  for (let j = 0; j < l; j++) {
    let p = j;
    for (let i = j + 1; i < m; i++) if (Math.abs(w[i * l + j]) > Math.abs(w[p * l + j])) p = i;
    for (let c = 0; c < l; c++) [w[j * l + c], w[p * l + c]] = [w[p * l + c], w[j * l + c]];
    [perm[j], perm[p]] = [perm[p], perm[j]];
    if (w[j * l + j] === 0) continue;
    for (let i = j + 1; i < m; i++) {
      w[i * l + j] /= w[j * l + j];
      for (let c = j + 1; c < l; c++) w[i * l + c] -= w[i * l + j] * w[j * l + c];
    }
  }
  const out = new Float64Array(m * l);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < Math.min(i, l); j++) out[perm[i] * l + j] = w[i * l + j];
    if (i < l) out[perm[i] * l + i] = 1;
  }
  return out;
}

/** Runs the kernel on row-major Y (m × l) and returns P·L row-major. */
function kernelPL(y: Float64Array, m: number, l: number): Float64Array {
  const out = new Float64Array(l * m);
  luBasisT(naiveT(y, m, l), m, l, out, new Int32Array(m));
  return naiveT(out, l, m);
}

Deno.test("luBasisT: P·L equals a textbook partial-pivoting LU, also across the 4-column unroll", () => {
  for (const [m, l] of [[1, 1], [5, 5], [9, 3], [40, 4], [50, 7], [200, 13], [300, 42]]) {
    const y = randMat(m, l, m + l).data as Float64Array;
    const got = kernelPL(y, m, l), want = naivePL(y, m, l);
    // Multipliers are ≤ 1 in magnitude; rounding differs only in the order of the updates.
    assert(maxAbs(got, want) <= 16 * l * uOf("f64"), `${m}x${l}: ${maxAbs(got, want)}`);
    for (const v of got) assert(Math.abs(v) <= 1, `${m}x${l}: multiplier ${v}`);
  }
});

Deno.test("luBasisT: zero and repeated columns keep finite multipliers (as dgetrf)", () => {
  const m = 30, l = 6;
  const y = randMat(m, l, 3).data as Float64Array;
  for (let i = 0; i < m; i++) y[i * l + 2] = 0; // stays exactly zero: a zero pivot, skipped
  assert(maxAbs(kernelPL(y, m, l), naivePL(y, m, l)) <= 16 * l * uOf("f64"));
  // A repeated column is zero after elimination only up to rounding, so its pivot is rounding
  // noise (in LAPACK too): P·L must stay finite with multipliers ≤ 1, whichever row wins.
  for (let i = 0; i < m; i++) y[i * l + 4] = y[i * l + 1];
  const rep = kernelPL(y, m, l);
  assert(rep.every((v) => Number.isFinite(v) && Math.abs(v) <= 1));
  const zero = kernelPL(new Float64Array(m * l), m, l);
  assertEquals(Array.from(zero), Array.from(naivePL(new Float64Array(m * l), m, l)));
});

Deno.test("luBasisT: subnormal pivots divide instead of overflowing 1/d; huge entries are fine", () => {
  const m = 12, l = 3;
  for (const scale of [2 ** -1070, 1e-310, 1e300]) {
    const y = (randMat(m, l, 9).data as Float64Array).map((v) => v * scale);
    const got = kernelPL(y, m, l);
    assert(got.every(Number.isFinite), `scale ${scale}`);
    // L depends only on ratios of entries: at 2^-1070 the entries keep ~4 bits, so compare
    // with the reference on the same (rounded) data, not with the unit-scale run.
    assert(maxAbs(got, naivePL(y, m, l)) <= 1e-12, `scale ${scale}`);
  }
});

Deno.test("luBasisT: property — P·L matches the reference for random tall shapes", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 0, max: 30 }),
      fc.integer({ min: 0, max: 1e6 }),
      (l, extra, seed) => {
        const m = l + extra, y = randMat(m, l, seed).data as Float64Array;
        assert(maxAbs(kernelPL(y, m, l), naivePL(y, m, l)) <= 16 * l * uOf("f64"));
      },
    ),
    { numRuns: 60, seed: 7 },
  );
});
