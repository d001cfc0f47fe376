import assert from "node:assert/strict";
import { valueAndGrad } from "../../../ops/autograd/grad.ts";
import { sum } from "../../../ops/autograd/ops.ts";
import { gradcheck } from "../../../ops/autograd/gradcheck.ts";
import { matmul } from "../../../ops/matmul.ts";
import { randn, Rng } from "../../../ops/random.ts";
import { add } from "../../../ops/elementwise.ts";
import { full, type Tensor } from "../../../ops/tensor.ts";
import {
  lora,
  loraApply,
  loraFromFactors,
  type LoraState,
} from "../../../methods/adapters/lora.ts";
import {
  convToTokens,
  initMoleGates,
  mergeExpert,
  moleForward,
  moleGateParamCount,
  type MoleGates,
  tokensToConv,
} from "../../../methods/adapters/mole.ts";
import { maxAbs, maxDiff } from "./helpers.ts";

const [IN, OUT] = [6, 5];
const w = randn([OUT, IN], { seed: 1 }), bias = randn([OUT], { seed: 2 });
const experts: LoraState[] = [0, 1].map((k) =>
  loraFromFactors(randn([2, IN], { seed: 10 + k }), randn([OUT, 2], { seed: 20 + k }), {
    alpha: 2 + k,
  })
);
const x = randn([7, IN], { seed: 3 });

function withBias(g: MoleGates, v: number): MoleGates {
  return { ...g, c: full([2], v), b: full([2], v), phi: full([2, IN], 0), w: full([2, OUT], 0) };
}

Deno.test("MoLE: gates → 1 give base + Σ experts, gates → 0 give the base output", () => {
  const g = initMoleGates(2, IN, OUT, new Rng(0));
  const base = add(matmul(x, w, { transB: true }), bias);
  const on = moleForward(w, experts, withBias(g, 50), x, bias).y;
  const sumExperts = add(add(base, loraApply(experts[0], x)), loraApply(experts[1], x));
  assert.ok(maxDiff(on, sumExperts) <= 1e-12 * maxAbs(sumExperts));
  const off = moleForward(w, experts, withBias(g, -50), x, bias).y;
  assert.ok(maxDiff(off, base) <= 1e-12 * maxAbs(base));
});

Deno.test("MoLE: global gate is token-permutation invariant; local gates permute; ℓ ∈ (0,1), unnormalized", () => {
  const g = initMoleGates(2, IN, OUT, new Rng(1));
  const perm = [3, 0, 6, 1, 5, 2, 4];
  const xp = x.clone();
  perm.forEach((p, i) => xp.data.set(x.data.subarray(p * IN, p * IN + IN), i * IN));
  const a = moleForward(w, experts, g, x), b = moleForward(w, experts, g, xp);
  assert.ok(maxDiff(a.global, b.global) < 1e-15);
  perm.forEach((p, i) => {
    for (let k = 0; k < 2; k++) assert.equal(b.local.data[i * 2 + k], a.local.data[p * 2 + k]);
  });
  assert.ok(a.local.data.every((v) => v > 0 && v < 1));
  const sums = [0, 1, 2, 3, 4, 5, 6].map((t) => a.local.data[t * 2] + a.local.data[t * 2 + 1]);
  assert.ok(sums.some((s) => Math.abs(s - 1) > 1e-3), "not a softmax");
});

Deno.test("MoLE: conv tokens round-trip exactly; gate count formula; experts get no gradient", () => {
  const fmap = randn([3, 4, 5], { seed: 4 });
  const tok = convToTokens(fmap);
  assert.deepEqual(tok.shape, [20, 3]);
  assert.equal(tok.data[7 * 3 + 2], fmap.data[2 * 20 + 7]);
  assert.deepEqual(tokensToConv(tok, 4, 5).data, fmap.data);
  assert.equal(moleGateParamCount(2, 4096, 4096), 16_388);
  const g = initMoleGates(2, IN, OUT, new Rng(2));
  const f = (gates: MoleGates, e0a: Tensor): Tensor => {
    const ex = [{ ...experts[0], params: { ...experts[0].params, a: e0a } }, experts[1]];
    return sum(moleForward(w, ex, gates, x).y);
  };
  // Stage 3 differentiates the gates only: the experts' factors are not arguments of the loss.
  const { grad } = valueAndGrad((gates: MoleGates) => f(gates, experts[0].params.a))(g);
  for (const k of ["phi", "c", "w", "b"]) assert.ok(maxAbs((grad as MoleGates)[k]) > 0, k);
  const res = gradcheck(
    (phi: Tensor, c: Tensor, wg: Tensor, b: Tensor) => f({ phi, c, w: wg, b }, experts[0].params.a),
    [g.phi, g.c, g.w, g.b],
  );
  assert.ok(res.ok, `gradcheck ${res.maxError}`);
  const merged = mergeExpert(w, experts[1], 0.25);
  const want = add(w, lora.delta({ ...experts[1], scale: experts[1].scale * 0.25 }));
  assert.ok(maxDiff(merged, want) < 1e-14);
});
