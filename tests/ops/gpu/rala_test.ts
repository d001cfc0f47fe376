/**
 * RALA's WGSL forward (methods/attention/rala_gpu.ts) against the CPU core on the available
 * adapter (the software one here): outputs, KV buffers and α, with and without RoPE, several
 * heads and images, N not a multiple of the workgroup size.
 */
import assert from "node:assert/strict";
import { ralaCore } from "../../../methods/attention/rala_core.ts";
import { ralaCoreGpu } from "../../../methods/attention/rala_gpu.ts";
import { astype, type Tensor } from "../../../ops/tensor.ts";
import { gpu, noGpu, randF32, U32 } from "./_gpu.ts";

/** max |x − y| / max |y|. */
function relErr(x: Tensor, y: Tensor): number {
  assert.deepEqual(x.shape, y.shape);
  let e = 0, s = 0;
  for (let i = 0; i < x.size; i++) {
    e = Math.max(e, Math.abs(x.data[i] - y.data[i]));
    s = Math.max(s, Math.abs(y.data[i]));
  }
  return e / s;
}

const CASES = [
  { b: 2, n: 6, c: 8, h: 2, grid: [2, 3] as const, rope: true },
  { b: 1, n: 70, c: 16, h: 2, grid: [7, 10] as const, rope: true },
  { b: 1, n: 70, c: 16, h: 1, grid: [7, 10] as const, rope: false },
  { b: 3, n: 9, c: 24, h: 3, grid: [3, 3] as const, rope: true },
];

Deno.test("ralaCoreGpu equals the CPU ralaCore (f64 reference) within f32 accuracy", {
  ignore: noGpu,
}, async () => {
  const g = gpu!;
  let seed = 1;
  for (const c of CASES) {
    const [q, k, v] = [0, 1, 2].map(() => randF32([c.b, c.n, c.c], seed++));
    const ref = ralaCore(astype(q, "f64"), astype(k, "f64"), astype(v, "f64"), {
      nHeads: c.h,
      grid: c.grid,
      rope: c.rope,
    });
    const [gq, gk, gv] = [q, k, v].map((t) => g.upload(t));
    const r = ralaCoreGpu(gq, gk, gv, { nHeads: c.h, grid: c.grid, rope: c.rope });
    const [out, kv, alpha] = await Promise.all([r.out.read(), r.kv.read(), r.alpha.read()]);
    // Sums of N terms of size ~1 in f32, with exp and the division by the normaliser:
    // a few N·u relative, with a floor for tiny N.
    const tol = 4 * Math.max(c.n, 16) * U32;
    const name = `${c.b}x${c.n}x${c.c} h${c.h} rope ${c.rope}`;
    assert.ok(relErr(out, ref.out) < tol, `${name}: out ${relErr(out, ref.out)}`);
    assert.ok(relErr(kv, ref.kv) < tol, `${name}: kv ${relErr(kv, ref.kv)}`);
    assert.ok(relErr(alpha, ref.alpha) < tol, `${name}: alpha ${relErr(alpha, ref.alpha)}`);
    for (const t of [gq, gk, gv, r.out, r.kv, r.alpha]) t.dispose();
  }
});

Deno.test(
  "ralaCoreGpu: bad input is a RangeError or TypeError naming it",
  { ignore: noGpu },
  () => {
    const g = gpu!, q = g.upload(randF32([1, 6, 8], 1));
    assert.throws(() => ralaCoreGpu(q, q, q, { nHeads: 3, grid: [2, 3] }), /nHeads/);
    assert.throws(() => ralaCoreGpu(q, q, q, { nHeads: 2, grid: [2, 2] }), /grid/);
    assert.throws(
      () => ralaCoreGpu(q, q, q, { nHeads: 2, grid: [2, 3], rop: 1 } as never),
      TypeError,
    );
    const k = g.upload(randF32([1, 3, 16], 2));
    assert.throws(() => ralaCoreGpu(q, k, q, { nHeads: 2, grid: [2, 3] }), /k must be/);
    q.dispose();
    k.dispose();
  },
);

Deno.test("no WebGPU errors after this file's tests; device released", { ignore: noGpu }, () => {
  assert.deepEqual(gpu!.takeErrors(), [], "WebGPU validation errors");
  // Destroying the device before exit avoids a crash in llvmpipe's teardown ("double free or
  // corruption" at process exit, seen when a file left its device alive).
  gpu!.destroy();
});
