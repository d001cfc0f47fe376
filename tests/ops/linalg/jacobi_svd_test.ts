import assert from "node:assert/strict";
import { eigs } from "mathjs";
import { jacobiSvd } from "../../../ops/linalg/jacobi_svd.ts";
import { tensor } from "../../../ops/tensor.ts";
import {
  fro,
  gaussian,
  lowRank,
  mm,
  orthDefect,
  rowOrthDefect,
  scaled,
  svdResidual,
} from "./_decomp_helpers.ts";

const U = 2 ** -53, C = 10;

Deno.test("jacobiSvd: residual, orthogonality and order on tall, wide and rank-deficient input", () => {
  for (
    const a of [gaussian(12, 7, 1), gaussian(5, 9, 2), lowRank(10, 8, 3, 3), gaussian(1, 4, 4)]
  ) {
    const [m, n] = a.shape, nmax = Math.max(m, n);
    const { u, s, vt } = jacobiSvd(a);
    const k = Math.min(m, n);
    assert.deepEqual([u.shape, s.shape, vt.shape], [[m, k], [k], [k, n]]);
    assert.ok(svdResidual(a, u, s, vt) <= C * nmax * U * fro(a.data));
    assert.ok(orthDefect(u) <= C * nmax * U && rowOrthDefect(vt) <= C * nmax * U);
    for (let i = 1; i < k; i++) assert.ok(s.data[i] <= s.data[i - 1]);
  }
});

Deno.test("jacobiSvd: squared values match mathjs eigs of AᵀA; zero columns get a basis", () => {
  const a = gaussian(7, 4, 9);
  const ata = mm(a.data, a.data, 4, 7, 4, true);
  const rows = Array.from({ length: 4 }, (_, i) => Array.from(ata.subarray(i * 4, i * 4 + 4)));
  const ev = (eigs(rows).values as number[]).slice().sort((x, y) => y - x);
  const s = jacobiSvd(a).s.data;
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(s[i] ** 2 - ev[i]) <= 1e-12 * ev[0]);
  const z = jacobiSvd(tensor([[1, 0, 0], [0, 0, 0], [0, 0, 0]]));
  assert.deepEqual(Array.from(z.s.data), [1, 0, 0]);
  assert.ok(orthDefect(z.u) <= 1e-15);
});

Deno.test("jacobiSvd: badly scaled input and errors", () => {
  const a = gaussian(6, 5, 1), s = jacobiSvd(a).s.data;
  const sb = jacobiSvd(scaled(a, 1e-150)).s.data;
  for (let i = 0; i < 5; i++) assert.ok(Math.abs(sb[i] / 1e-150 - s[i]) <= 1e-13 * s[0]);
  assert.throws(() => jacobiSvd(tensor([[NaN]])), /jacobiSvd: a has a non-finite entry/);
});
