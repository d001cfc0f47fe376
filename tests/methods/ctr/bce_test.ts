import assert from "node:assert/strict";
import { gradcheck } from "../../../ops/autograd/gradcheck.ts";
import { randn } from "../../../ops/random.ts";
import { tensor } from "../../../ops/tensor.ts";
import { bceWithLogits, logLoss } from "../../../methods/ctr/mod.ts";

Deno.test("bceWithLogits: value is logLoss, gradient passes gradcheck (any shape)", () => {
  const z = randn([6, 1], { seed: 0 }), y = [1, 0, 0, 1, 1, 0];
  assert.ok(Math.abs(bceWithLogits(z, y).data[0] - logLoss(y, z.data)) <= 1e-15);
  const r = gradcheck((t: typeof z) => bceWithLogits(t, y), [z]);
  assert.ok(r.ok, `max error ${r.maxError}`);
  const big = tensor([30, -30, 0.5]);
  assert.ok(gradcheck((t: typeof big) => bceWithLogits(t, [0, 1, 1]), [big]).ok);
});

Deno.test("bceWithLogits errors name the counts and the label", () => {
  assert.throws(() => bceWithLogits(tensor([1, 2]), [1]), /2 logits but 1 labels/);
  assert.throws(() => bceWithLogits(tensor([1]), [3]), /labels\[0\] = 3 is not 0 or 1/);
});
