import assert, { deepEqual as assertEquals } from "node:assert/strict";
import { cholQr2T, orthonormalizeT } from "../../../ops/linalg/_rsvd_cholqr.ts";
import { qr } from "../../../ops/linalg/qr.ts";
import { Tensor } from "../../../ops/tensor.ts";
import {
  frob,
  naiveMul,
  naiveT,
  orthonormalCols,
  randMat,
  rankDeficient,
  uOf,
} from "./_factor_helpers.ts";

const u = uOf("f64");

/** ‖QᵀQ − I‖_F for Q = xtᵀ given transposed (l × n). */
function orthoError(qt: ArrayLike<number>, l: number, n: number): number {
  const g = naiveMul(qt, naiveT(qt, l, n), l, n, l);
  for (let i = 0; i < l; i++) g[i * l + i] -= 1;
  return frob(g);
}

/** X (n × l) with singular values `s` (orthonormal factors by Gram–Schmidt), transposed. */
function sampleT(n: number, s: number[], seed: number): Float64Array {
  const l = s.length, q = orthonormalCols(n, l, seed), v = orthonormalCols(l, l, seed + 1);
  const qs = q.map((x, i) => x * s[i % l]);
  return naiveT(naiveMul(qs, naiveT(v, l, l), n, l, l), n, l);
}

Deno.test("cholQr2T: orthonormal Q, upper R and X = Q·R to O(u) up to κ = 10⁵", () => {
  for (const [n, l, kappa] of [[200, 10, 1], [300, 20, 1e3], [150, 30, 1e5], [31, 31, 10]]) {
    const s = Array.from({ length: l }, (_, i) => kappa ** (-i / Math.max(l - 1, 1)));
    const xt = sampleT(n, s, n + l), x = naiveT(xt, l, n);
    const r = cholQr2T(xt, l, n);
    assert(r, `${n}x${l} κ=${kappa}: refused`);
    assert(orthoError(xt, l, n) <= 4 * (n + l) * u, `${n}x${l}: ${orthoError(xt, l, n)}`);
    for (let i = 0; i < l; i++) for (let j = 0; j < i; j++) assertEquals(r[i * l + j], 0);
    const qr_ = naiveMul(naiveT(xt, l, n), r, n, l, l);
    assert(frob(x, qr_) <= 10 * (n + l) * u * frob(x), `${n}x${l}: residual ${frob(x, qr_)}`);
    // |diag R| is unique: compare with Householder QR (an independent algorithm).
    const ref = qr(new Tensor(x, [n, l]), { mode: "r" }).r.data;
    for (let i = 0; i < l; i++) {
      const d = Math.abs(Math.abs(r[i * l + i]) - Math.abs(ref[i * l + i]));
      assert(d <= 10 * (n + l) * u * kappa, `${n}x${l}: r[${i}] differs by ${d}`);
    }
  }
});

/** Either null with `xt` unchanged, or orthonormal Q and X = Q·R to O(u). */
function refusedOrExact(xt: Float64Array, l: number, n: number, what: string): boolean {
  const before = xt.slice(), x = naiveT(xt, l, n);
  const r = cholQr2T(xt, l, n);
  if (r === null) {
    assertEquals(Array.from(xt), Array.from(before), `${what}: changed although refused`);
    return false;
  }
  assert(orthoError(xt, l, n) <= 4 * (n + l) * u, `${what}: accepted a non-orthonormal Q`);
  const res = frob(x, naiveMul(naiveT(xt, l, n), r, n, l, l));
  assert(res <= 10 * (n + l) * u * frob(x), `${what}: residual ${res}`);
  return true;
}

Deno.test("cholQr2T: κ up to 1e14 goes through the shifted pass; zero is refused", () => {
  const n = 60, l = 8;
  for (const kappa of [1e7, 1e9, 1e12, 1e14]) {
    const s = Array.from({ length: l }, (_, i) => kappa ** (-i / (l - 1)));
    assert(refusedOrExact(sampleT(n, s, 4), l, n, `κ = ${kappa}`), `κ = ${kappa}: refused`);
  }
  // Exactly rank deficient: the shifted pass may still give an orthonormal Q spanning X (the
  // null directions become rounding noise made orthonormal), else it must refuse cleanly.
  for (const rank of [1, 3, 7]) {
    refusedOrExact(naiveT(rankDeficient(n, l, rank, rank).data, n, l), l, n, `rank ${rank}`);
  }
  const zero = new Float64Array(l * n);
  assertEquals(cholQr2T(zero, l, n), null);
  assert(zero.every((v) => v === 0));
});

Deno.test("cholQr2T: 1e±150 and 1e-300 entries neither overflow nor underflow the Gram matrix", () => {
  const n = 50, l = 6, base = randMat(l, n, 5).data as Float64Array;
  const r1 = cholQr2T(base.slice(), l, n)!;
  for (const scale of [1e150, 1e-150, 1e-300, 2 ** 1000]) {
    const xt = base.map((v) => v * scale);
    const r = cholQr2T(xt, l, n);
    assert(r, `scale ${scale}: refused`);
    assert(orthoError(xt, l, n) <= 4 * (n + l) * u, `scale ${scale}`);
    for (let i = 0; i < l * l; i++) {
      assert(Math.abs(r[i] / scale - r1[i]) <= 100 * n * u * Math.abs(r1[0]), `scale ${scale}`);
    }
  }
});

Deno.test("orthonormalizeT: Householder fallback keeps Q orthonormal for rank-deficient input", () => {
  for (const [n, l, rank] of [[40, 6, 2], [25, 25, 10], [9, 4, 0]]) {
    const x = rank > 0 ? rankDeficient(n, l, rank, 2).data : new Float64Array(n * l);
    const xt = naiveT(x, n, l);
    orthonormalizeT(xt, l, n);
    assert(xt.every(Number.isFinite));
    assert(orthoError(xt, l, n) <= 4 * (n + l) * u, `${n}x${l} rank ${rank}`);
    // Q·Qᵀ·X = X: the basis spans X's columns.
    const q = naiveT(xt, l, n), proj = naiveMul(q, naiveMul(xt, x, l, n, l), n, l, l);
    assert(frob(x, proj) <= 100 * (n + l) * u * Math.max(frob(x), 1), `${n}x${l}: span`);
  }
  const full = randMat(30, 5, 8).data as Float64Array, xt = naiveT(full, 30, 5);
  orthonormalizeT(xt, 5, 30); // the CholeskyQR2 path
  assert(orthoError(xt, 5, 30) <= 4 * 35 * u);
});

Deno.test("cholQr2T: a sample with a unit R diagonal but huge κ(R) is refused or still exact", () => {
  // R = unit upper triangular with v above the diagonal: its diagonal hides κ(R) (≈ 2^l for
  // v = −1) from the diagonal guard, so the orthogonality check after the second pass must
  // catch what the Cholesky factorizations let through (l = 44, v = −0.8 does: without the
  // check, ‖QᵀQ − I‖ = 5e-10).
  for (const [l, v] of [[20, -1], [40, -1], [44, -0.8], [44, -0.5]]) {
    const n = 3 * l, q = orthonormalCols(n, l, l), r0 = new Float64Array(l * l);
    for (let i = 0; i < l; i++) for (let j = i; j < l; j++) r0[i * l + j] = i === j ? 1 : v;
    refusedOrExact(naiveT(naiveMul(q, r0, n, l, l), n, l), l, n, `l=${l}, v=${v}`);
  }
});

Deno.test("cholQr2T: a subnormal sample (2^-1060) is scaled to unit, not refused", () => {
  // The unit scale 2^1060 is past 2^1023: as one factor it was Infinity, the working copy NaN,
  // and every subnormal sample fell back to Householder QR.
  const n = 50, l = 6, base = randMat(l, n, 5).data as Float64Array;
  const r1 = cholQr2T(base.slice(), l, n)!;
  const xt = base.map((v) => v * 2 ** -1060); // ~14 significant bits left (2^-1074 spacing)
  const r = cholQr2T(xt, l, n);
  assert(r, "subnormal sample refused");
  assert(orthoError(xt, l, n) <= 4 * (n + l) * u, `‖QᵀQ − I‖ = ${orthoError(xt, l, n)}`);
  for (let i = 0; i < l * l; i++) {
    const back = r[i] * 2 ** 530 * 2 ** 530;
    assert(Math.abs(back - r1[i]) <= n * 2 ** -14 * Math.abs(r1[0]), `r[${i}] ${back} vs ${r1[i]}`);
  }
});
