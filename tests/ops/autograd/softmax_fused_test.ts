// softmax's fused options: `scale` equals softmax(scale·x) and `causal` equals the masked softmax
// built with `where` (both as values and as gradients); they cover the general axis path and
// the last-axis row path, and bad options are named errors.
import assert from "node:assert/strict";
import {
  gradcheck,
  mul,
  randn,
  scale,
  softmax,
  sum,
  type Tensor,
  tensor,
  where,
} from "../../../mod.ts";

const x = randn([2, 3, 5, 5], { seed: 7 });
const maxDiff = (a: Tensor, b: Tensor): number =>
  Array.from(a.data).reduce((m, v, i) => Math.max(m, Math.abs(v - b.data[i])), 0);
const lower = tensor(Array.from({ length: 25 }, (_, i) => (i % 5 <= Math.floor(i / 5) ? 1 : 0)), {
  shape: [5, 5],
});

Deno.test("softmax scale equals softmax of the scaled input, on both paths", () => {
  assert.ok(maxDiff(softmax(x, { scale: 0.3 }), softmax(scale(x, 0.3))) < 1e-15);
  const along1 = softmax(x, { scale: -2, axis: 1 }), ref = softmax(scale(x, -2), { axis: 1 });
  assert.ok(maxDiff(along1, ref) < 1e-15);
});

Deno.test("softmax causal equals the where-masked softmax, with exact zeros above the diagonal", () => {
  const got = softmax(x, { causal: true, scale: 0.5 });
  const want = softmax(where(lower, scale(x, 0.5), -Infinity));
  assert.ok(maxDiff(got, want) < 1e-15);
  for (let i = 0; i < got.size; i++) {
    if (i % 5 > Math.floor(i / 5) % 5) assert.equal(got.data[i], 0);
  }
});

Deno.test("softmax scale and causal backward (gradcheck)", () => {
  const r = randn([2, 3, 5, 5], { seed: 8 });
  for (const opts of [{ scale: 0.7 }, { causal: true }, { causal: true, scale: -1.3 }]) {
    const res = gradcheck((t) => sum(mul(softmax(t, opts), r)), [randn([2, 3, 5, 5], { seed: 9 })]);
    assert.ok(res.ok, `${JSON.stringify(opts)}: ${res.maxError}`);
  }
  const res = gradcheck((t) => sum(mul(softmax(t, { scale: 2, axis: 0 }), r)), [x]);
  assert.ok(res.ok, `axis 0: ${res.maxError}`);
});

Deno.test("softmax rejects bad fused options, naming them", () => {
  assert.throws(() => softmax(x, { scale: NaN }), /scale must be a finite number/);
  assert.throws(() => softmax(x, { causal: 1 as unknown as boolean }), /causal must be a boolean/);
  assert.throws(() => softmax(x, { causal: true, axis: 1 }), /causal needs the last axis/);
  assert.throws(() => softmax(tensor([1, 2]), { causal: true }), /causal needs the last axis/);
  assert.throws(() => softmax(x, { casual: true } as never), /unknown option "casual"/);
});
