/** Cross-domain and cross-class losses: spec §10 property 3 and hand-computed values. */
import assert from "node:assert/strict";
import {
  add,
  concat,
  grad,
  gradcheck,
  randn,
  sliceRows,
  svd,
  type Tensor,
  tensor,
} from "../../../mod.ts";
import { crossClassLoss, crossDomainLoss, projectOnto } from "../../../methods/distill/mod.ts";

const D = 9;
const basis = (seed: number, r: number): Tensor => svd(randn([D, r], { seed })).u;

/** A random vector orthogonal to the columns of u: z − P z. */
function outside(u: Tensor, seed: number): Tensor {
  const z = randn([D], { seed }), pz = projectOnto(u, z);
  return tensor(Array.from(z.data, (v, i) => v - pz.data[i]));
}

Deno.test("crossDomainLoss: zero when the statistics agree inside the subspace, however they differ outside (property 3)", () => {
  const um = basis(1, 3), uv = basis(2, 2);
  const src = { m: randn([D], { seed: 3 }), v: randn([D], { seed: 4 }) };
  const mix = { m: add(src.m, outside(um, 5)), v: add(src.v, outside(uv, 6)) };
  const l = crossDomainLoss(src, mix, { m: um, v: uv }).data[0];
  assert.ok(Math.abs(l) < 1e-28, `loss ${l}`);
  // The same pair is far apart unprojected, and with the bases swapped.
  assert.ok(crossDomainLoss(src, mix, { m: null, v: null }).data[0] > 0.1);
  assert.ok(crossDomainLoss(src, mix, { m: uv, v: um }).data[0] > 1e-3);
});

Deno.test("crossDomainLoss: the value is MSE(m P, m' P) + MSE(v P, v' P), each statistic with its own basis", () => {
  const e1 = tensor([[1], [0], [0]]), e2 = tensor([[0], [1], [0]]);
  const src = { m: tensor([1, 2, 3]), v: tensor([4, 5, 6]) };
  const mix = { m: tensor([4, 2, 0]), v: tensor([4, 1, 0]) };
  // m: only axis 0 counts: (1 − 4)²/3 = 3. v: only axis 1: (5 − 1)²/3 = 16/3.
  const l = crossDomainLoss(src, mix, { m: e1, v: e2 }).data[0];
  assert.ok(Math.abs(l - (3 + 16 / 3)) < 1e-14, `${l}`);
  const raw = crossDomainLoss(src, mix, { m: null, v: null }).data[0];
  assert.ok(Math.abs(raw - (9 + 0 + 9) / 3 - (0 + 16 + 36) / 3) < 1e-13);
});

Deno.test("crossDomainLoss: gradcheck in all four statistics", () => {
  const um = basis(7, 3), uv = basis(8, 4);
  const f = (a: Tensor, b: Tensor, c: Tensor, d: Tensor): Tensor =>
    crossDomainLoss({ m: a, v: b }, { m: c, v: d }, { m: um, v: uv });
  const xs = [9, 10, 11, 12].map((seed) => randn([D], { seed }));
  assert.ok(gradcheck(f, xs).ok);
  assert.throws(
    () =>
      crossDomainLoss({ m: xs[0], v: xs[1] }, { m: randn([4]), v: xs[3] }, { m: null, v: null }),
    /m shapes differ/,
  );
});

Deno.test("crossClassLoss: Σ_new (ref_m − m_c)² + (ref_v − v_c)² with class means of projected rows", () => {
  // 4 classes × K = 3; reference classes 0 and 1, new classes 2 and 3; basis e1 (first column only).
  const m = tensor([[1, 9, 9], [3, 9, 9], [0, 5, 5], [6, -1, 0]]);
  const v = tensor([[2, 0, 0], [4, 0, 0], [1, 7, 7], [3, 0, 0]]);
  const e1 = tensor([[1], [0], [0]]);
  const opts = { newClasses: [2, 3], refClasses: [0, 1], bases: { m: e1, v: e1 } };
  // Projected rows keep column 0; their mean over K = 3 is column0/3.
  // ref_m = (1/3 + 3/3)/2 = 2/3, ref_v = (2/3 + 4/3)/2 = 1.
  const want = (2 / 3 - 0) ** 2 + (2 / 3 - 2) ** 2 + (1 - 1 / 3) ** 2 + (1 - 1) ** 2;
  assert.ok(Math.abs(crossClassLoss({ m, v }, opts).data[0] - want) < 1e-14);
  // Unprojected: row means. ref_m = (19/3 + 21/3)/2 = 20/3, ref_v = (2/3 + 4/3)/2 = 1.
  const raw = crossClassLoss({ m, v }, { ...opts, bases: { m: null, v: null } }).data[0];
  const wantRaw = (20 / 3 - 10 / 3) ** 2 + (20 / 3 - 5 / 3) ** 2 + (1 - 5) ** 2 + (1 - 1) ** 2;
  assert.ok(Math.abs(raw - wantRaw) < 1e-13, `${raw} vs ${wantRaw}`);
});

Deno.test("crossClassLoss: the reference is detached; the new rows get the gradient (gradcheck on them)", () => {
  const m = randn([5, 4], { seed: 13 }), v = randn([5, 4], { seed: 14 });
  const ub = svd(randn([4, 2], { seed: 15 })).u;
  const opts = { newClasses: [3, 4], refClasses: [0, 1, 2], bases: { m: ub, v: null } };
  const g = grad((mm: Tensor) => crossClassLoss({ m: mm, v }, opts))(m);
  for (let i = 0; i < 3 * 4; i++) assert.equal(g.data[i], 0, `reference entry ${i}`);
  assert.ok(g.data.slice(12).some((x) => x !== 0));
  // With the reference rows held fixed, the loss is a plain function of the new rows.
  const refM = sliceRows(m, 0, 3), refV = sliceRows(v, 0, 3);
  const f = (newM: Tensor, newV: Tensor): Tensor =>
    crossClassLoss({ m: concat([refM, newM]), v: concat([refV, newV]) }, opts);
  const gv = gradcheck(f, [sliceRows(m, 3), sliceRows(v, 3)]);
  assert.ok(gv.ok, JSON.stringify(gv));
});

Deno.test("crossClassLoss: bad classes and options are errors naming them", () => {
  const m = randn([4, 2], { seed: 16 }), s = { m, v: m };
  const bases = { m: null, v: null };
  assert.throws(
    () => crossClassLoss(s, { newClasses: [4], refClasses: [0], bases }),
    /newClasses has 4/,
  );
  assert.throws(
    () => crossClassLoss(s, { newClasses: [], refClasses: [0], bases }),
    /newClasses must be a non-empty/,
  );
  assert.throws(
    () => crossClassLoss(s, { newClasses: [1], refClasses: [1, 0], bases }),
    /both new and reference/,
  );
  assert.throws(() => crossClassLoss(s, { newClasses: [1], refClasses: [0, 0], bases }), /repeats/);
  assert.throws(
    () => crossClassLoss(s, { newClasses: [1], refClasses: [0] } as never),
    /bases is required/,
  );
  assert.throws(
    () => crossClassLoss(s, { newClasses: [1], refClasses: [0], bases, w: 1 } as never),
    /unknown option "w"/,
  );
});

Deno.test("crossClassLoss: classes that are not an array are a TypeError", () => {
  const m = randn([3, 2], { seed: 17 });
  assert.throws(
    () =>
      crossClassLoss({ m, v: m }, {
        newClasses: 2 as never,
        refClasses: [0],
        bases: { m: null, v: null },
      }),
    TypeError,
  );
});
