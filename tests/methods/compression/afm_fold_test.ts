// AFM property 5 (second half): folding the embedding projection into the next linear layer.
import assert from "node:assert/strict";
import { randn, Rng } from "../../../ops/random.ts";
import type { Tensor } from "../../../ops/tensor.ts";
import { concat, gather, linear, reshape } from "../../../ops/autograd/ops.ts";
import {
  afmBasis,
  afmEmbedding,
  foldProjection,
  OutputStats,
} from "../../../methods/compression/mod.ts";

/** Next layer reads [pre (offset cols), F embeddings of width w, post (tail cols)]. */
function logits(
  table: Tensor,
  proj: { weight: Tensor; bias?: Tensor } | null,
  next: { weight: Tensor; bias?: Tensor },
  ids: Int32Array,
  pre: Tensor,
  post: Tensor,
  fields: number,
): Tensor {
  const rows = ids.length / fields;
  let e = gather(table, { data: ids, shape: [rows, fields] });
  if (proj) e = linear(e, proj.weight, proj.bias);
  const flat = reshape(e, [rows, e.size / rows]);
  return linear(concat([pre, flat, post], 1), next.weight, next.bias);
}

Deno.test("foldProjection: folded AFM embedding gives the unfolded logits within 1e-10 (offset, blocks, tail)", () => {
  const v = 25, d = 6, fields = 3, rows = 40, pre = 2, post = 3, h = 5;
  const rng = new Rng(0);
  const table = randn([v, d], { seed: 1 });
  const ids = Int32Array.from({ length: rows * fields }, () => rng.int(v));
  const stats = new OutputStats(d);
  stats.update(gather(table, ids));
  const preT = randn([rows, pre], { seed: 2 }), postT = randn([rows, post], { seed: 3 });
  const next = {
    weight: randn([h, pre + fields * d + post], { seed: 4 }),
    bias: randn([h], { seed: 5 }),
  };
  for (const k of [1, 3, d]) {
    const f = afmEmbedding(table, afmBasis(stats, k));
    const unfolded = logits(f.table, f.proj, next, ids, preT, postT, fields);
    const folded = foldProjection(f.proj, next, { offset: pre, blocks: fields });
    assert.deepEqual(folded.weight.shape, [h, pre + fields * k + post]);
    const got = logits(f.table, null, folded, ids, preT, postT, fields);
    let m = 0;
    for (let i = 0; i < got.size; i++) m = Math.max(m, Math.abs(got.data[i] - unfolded.data[i]));
    assert.ok(m <= 1e-10, `k ${k}: max diff ${m}`);
    if (k === d) {
      const orig = logits(table, null, next, ids, preT, postT, fields);
      for (let i = 0; i < got.size; i++) assert.ok(Math.abs(got.data[i] - orig.data[i]) <= 1e-10);
    }
  }
});

Deno.test("foldProjection: no bias on either side, and the errors", () => {
  const proj = { weight: randn([4, 2], { seed: 0 }) };
  const next = { weight: randn([3, 4], { seed: 1 }) };
  const f = foldProjection(proj, next);
  assert.deepEqual(Array.from(f.bias!.data), [0, 0, 0]);
  assert.throws(
    () => foldProjection(proj, next, { blocks: 2 }),
    /2 blocks of width 4 from column 0 exceed next's 4 inputs/,
  );
  assert.throws(
    () => foldProjection(proj, next, { offset: -1 }),
    /offset must be a non-negative integer, got -1/,
  );
  assert.throws(
    () => foldProjection(proj, next, { blocks: 0 }),
    /blocks must be a positive integer, got 0/,
  );
  // @ts-expect-error unknown option
  assert.throws(() => foldProjection(proj, next, { block: 1 }), /unknown option block/);
});
