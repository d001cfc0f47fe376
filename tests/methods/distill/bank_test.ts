/** GradientBank: ring buffer and SVD schedule (§10 property 6), projector (property 1). */
import assert from "node:assert/strict";
import { grad, randn, sum, svd, type Tensor, tensor } from "../../../mod.ts";

import { energyRank, flatBankOptions, GradientBank } from "../../../methods/distill/mod.ts";
import { maxDiff, projector, U64 } from "./_helpers.ts";

const vec = (d: number, seed: number): Tensor => randn([d], { seed });

Deno.test("GradientBank: defaults are L = ⌊0.8·D⌋, an SVD every 10·L pushes, energy 0.98", () => {
  const bank = new GradientBank(10);
  assert.deepEqual([bank.length, bank.period, bank.energy], [8, 80, 0.98]);
  const flat = flatBankOptions(10);
  assert.deepEqual(flat, { length: 8, period: 8 });
  assert.deepEqual(flatBankOptions(499), { length: 399, period: 399 });
  assert.deepEqual(flatBankOptions(500), { length: 300, period: 300 });
});

Deno.test("GradientBank: push overwrites column count mod L", () => {
  const d = 4, bank = new GradientBank(d, { length: 3, period: 1000 });
  const pushed: Tensor[] = [];
  for (let t = 0; t < 7; t++) {
    const v = vec(d, t);
    pushed.push(v);
    bank.push(v);
    const b = bank.matrix();
    const col = t % 3;
    for (let i = 0; i < d; i++) assert.equal(b.data[i * 3 + col], v.data[i]);
    // The other columns hold the latest push that landed on them (or zero).
    for (let c = 0; c < 3; c++) {
      const last = [...pushed.keys()].filter((k) => k % 3 === c).pop();
      for (let i = 0; i < d; i++) {
        assert.equal(b.data[i * 3 + c], last === undefined ? 0 : pushed[last].data[i]);
      }
    }
  }
  assert.equal(bank.count, 7);
});

Deno.test("GradientBank: the SVD fires exactly when count is a multiple of the period (10·L default)", () => {
  const bank = new GradientBank(5); // L = 4, period 40
  const fired: number[] = [];
  for (let t = 1; t <= 85; t++) if (bank.push(vec(5, t))) fired.push(t);
  assert.deepEqual(fired, [40, 80]);
  assert.equal(bank.svdCount, 2);
  const custom = new GradientBank(5, { length: 2, period: 3 });
  const f2: number[] = [];
  for (let t = 1; t <= 10; t++) if (custom.push(vec(5, t))) f2.push(t);
  assert.deepEqual(f2, [3, 6, 9]);
});

Deno.test("GradientBank: basis is null (project = identity) before the first SVD", () => {
  const bank = new GradientBank(6, { length: 4, period: 4 });
  for (let t = 0; t < 3; t++) bank.push(vec(6, t));
  assert.equal(bank.basis, null);
  assert.equal(bank.rank, 0);
  const x = vec(6, 99);
  assert.deepEqual(bank.project(x).data, x.data);
});

Deno.test("GradientBank: P = U_rU_rᵀ is symmetric and idempotent with trace r, r the 98% energy rank", () => {
  const d = 30, bank = new GradientBank(d, { period: 24 }); // L = 24
  // Gradients near a 3-D subspace plus small noise: a clear spectral gap.
  const basis = svd(randn([d, 3], { seed: 5 })).u;
  for (let t = 0; t < 24; t++) {
    const c = randn([3], { seed: 100 + t }), noise = randn([d], { seed: 200 + t });
    const v = tensor(Array.from({ length: d }, (_, i) => {
      let s = 0;
      for (let j = 0; j < 3; j++) s += basis.data[i * 3 + j] * c.data[j] * (3 - j);
      return s + 1e-3 * noise.data[i];
    }));
    bank.push(v);
  }
  assert.equal(bank.svdCount, 1);
  const r = bank.rank;
  assert.equal(r, energyRank(svd(bank.matrix()).s, 0.98));
  assert.equal(r, 3);
  const p = projector(bank.basis!);
  const tol = 50 * d * U64;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) assert.ok(Math.abs(p.data[i * d + j] - p.data[j * d + i]) < tol);
  }
  const pp = projector(bank.basis!); // P² = P: compare P·P with P through the basis
  let trace = 0;
  for (let i = 0; i < d; i++) trace += p.data[i * d + i];
  assert.ok(Math.abs(trace - r) < tol, `trace ${trace}`);
  const p2 = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < d; k++) {
      for (let j = 0; j < d; j++) p2[i * d + j] += p.data[i * d + k] * pp.data[k * d + j];
    }
  }
  assert.ok(maxDiff(p2, p.data) < tol);
  // The subspace is the planted one: P fixes the planted directions.
  const planted = bank.project(tensor(Array.from({ length: d }, (_, i) => basis.data[i * 3])));
  assert.ok(maxDiff(planted.data, Array.from({ length: d }, (_, i) => basis.data[i * 3])) < 1e-3);
});

Deno.test("GradientBank: the energy option changes the kept rank", () => {
  const d = 8;
  const make = (energy: number): GradientBank => {
    const b = new GradientBank(d, { length: 4, period: 4, energy });
    // Orthogonal pushes with energies 90, 5, 4, 1 (the spec's example).
    [90, 5, 4, 1].forEach((e, k) => {
      const v = new Float64Array(d);
      v[k] = Math.sqrt(e);
      b.push(tensor(v));
    });
    return b;
  };
  assert.equal(make(0.98).rank, 3);
  assert.equal(make(0.89).rank, 1);
  assert.equal(make(0.999).rank, 4);
});

Deno.test("GradientBank: bad input and traced pushes are errors", () => {
  assert.throws(() => new GradientBank(1), /length/);
  assert.throws(() => new GradientBank(4, { length: 0 }), /length must be an integer >= 1, got 0/);
  assert.throws(() => new GradientBank(4, { period: 1.5 }), /period/);
  assert.throws(() => new GradientBank(4, { energy: 0 }), /energy/);
  assert.throws(() => new GradientBank(4, { bogus: 1 } as never), TypeError);
  const bank = new GradientBank(4, { length: 2, period: 2 });
  assert.throws(() => bank.push(tensor([1, 2, 3])), /3 entries, the bank holds 4/);
  assert.throws(() => bank.push(tensor([1, 2, NaN, 0])), /v\[2\] is NaN/);
  assert.throws(
    () => bank.push(tensor([0, 0, 0, 0])) || bank.push(tensor([0, 0, 0, 0])),
    /only zeros after 2 pushes/,
  );
  assert.throws(
    () => grad((x: Tensor) => (new GradientBank(4).push(x), sum(x)))(tensor([1, 2, 3, 4])),
    /stopGradient/,
  );
});

Deno.test("GradientBank: a non-number option is a TypeError", () => {
  assert.throws(() => new GradientBank(4, { length: "2" as never }), TypeError);
  assert.throws(() => new GradientBank(4, { energy: "0.9" as never }), TypeError);
});
