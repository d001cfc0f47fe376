/** The RAVLT-style ViT: shapes, the attention option, hooks, gradients reaching every parameter. */
import assert from "node:assert/strict";
import { randn } from "../../../ops/random.ts";
import { grad } from "../../../ops/autograd/grad.ts";
import { crossEntropy } from "../../../ops/autograd/ops.ts";
import { treeLeaves } from "../../../ops/autograd/tree.ts";
import { initRavlt, ravltConfig, ravltForward } from "../../../methods/attention/mod.ts";

const small = { dims: [8, 16], depths: [1, 2], heads: [2, 4], mlpRatio: 1 };

Deno.test("ravlt: logits shape, per-stage grids seen by the hook, attention type in the params", () => {
  const x = randn([2, 1, 8, 8], { seed: 1 });
  for (const attention of ["softmax", "linear", "rala"] as const) {
    const cfg = { ...small, attention };
    const p = initRavlt({ ...cfg, seed: 0 });
    const seen: string[] = [];
    const y = ravltForward(p, cfg, x, (s, b, t, g) => seen.push(`${s}.${b}:${g}:${t.shape}`));
    assert.deepEqual(y.shape, [2, 10]);
    assert.deepEqual(seen, ["0.0:8,8:2,64,8", "1.0:4,4:2,16,16", "1.1:4,4:2,16,16"]);
    assert.equal("qkvo" in p.stages[0].blocks[0].attn, attention === "rala");
    assert.equal(p.stages[0].down, undefined);
    assert.deepEqual(p.stages[1].down?.weight.shape, [16, 8, 3, 3]);
  }
});

Deno.test("ravlt: every parameter gets a gradient (grad throws on unused leaves)", () => {
  const x = randn([2, 1, 8, 8], { seed: 2 });
  for (const attention of ["softmax", "linear", "rala"] as const) {
    const cfg = { ...small, depths: [1, 1], attention };
    const p = initRavlt({ ...cfg, seed: 3 });
    const g = grad((pp: typeof p) => crossEntropy(ravltForward(pp, cfg, x), [1, 7]))(p);
    for (const [path, t] of treeLeaves(g)) {
      assert.ok(t.data.some((v) => v !== 0), `${attention}: zero gradient at ${path}`);
    }
  }
});

Deno.test("ravlt: options are checked and have their effect", () => {
  assert.equal(initRavlt({ attention: "rala", dtype: "f32" }).head.weight.dtype, "f32");
  assert.deepEqual(
    initRavlt({ classes: 3, dims: [8], depths: [1], heads: [1] }).head.weight.shape,
    [3, 8],
  );
  assert.deepEqual(initRavlt({ ...small, inChannels: 3 }).stem.weight.shape, [8, 3, 3, 3]);
  assert.deepEqual(initRavlt({ ...small, mlpRatio: 3 }).stages[0].blocks[0].ffn.fc1.weight.shape, [
    24,
    8,
  ]);
  assert.deepEqual(ravltConfig({}).heads, [2, 4]);
  assert.throws(() => initRavlt({ attenton: "rala" } as never), TypeError);
  assert.throws(() => initRavlt({ dims: [8, 16], depths: [1], heads: [1, 2] }), RangeError);
  assert.throws(() => initRavlt({ dims: [6], depths: [1], heads: [4] }), RangeError);
  const p = initRavlt(small);
  assert.throws(() => ravltForward(p, small, randn([1, 2, 8, 8], { seed: 0 })), /\[B, 1, H, W\]/);
});
