import assert from "node:assert/strict";
import { matmul, randn, sub, type Tensor, tensor, transpose } from "../../../ops/mod.ts";
import * as ad from "../../../ops/autograd/ops.ts";
import { grad, stopGradient, valueAndGrad } from "../../../ops/autograd/grad.ts";
import { backward, isTraced, Tape, withTape } from "../../../ops/autograd/tape.ts";
import { treeLeaves } from "../../../ops/autograd/tree.ts";

const U = 2 ** -53;

function assertClose(a: Tensor, b: Tensor, tol: number, what: string): void {
  assert.deepEqual(a.shape, b.shape, `${what}: shapes`);
  let scale = 0;
  for (const v of b.data) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < a.size; i++) {
    assert.ok(
      Math.abs(a.data[i] - b.data[i]) <= tol * Math.max(1, scale),
      `${what}[${i}]: ${a.data[i]} vs ${b.data[i]}`,
    );
  }
}

Deno.test("grad of least squares matches the closed form 2(XWᵀ−Y)ᵀX", () => {
  const x = randn([6, 3], { seed: 1 }), y = randn([6, 2], { seed: 2 });
  const w = randn([2, 3], { seed: 3 });
  const g = grad((w: Tensor) => ad.sum(ad.square(ad.sub(ad.linear(x, w), y))))(w);
  const r = sub(matmul(x, w, { transB: true }), y);
  const want = matmul(transpose(r), x);
  for (let i = 0; i < want.size; i++) want.data[i] *= 2;
  assertClose(g, want, 50 * U, "dW");
});

Deno.test("valueAndGrad over a record/array tree with argnums array", () => {
  const params = { w: tensor([1, 2]), layers: [{ b: tensor([3]) }, { b: tensor([-1]) }] };
  const f = (p: typeof params, s: Tensor): Tensor =>
    ad.sum(ad.mul(ad.add(ad.mul(p.w, s), p.layers[0].b), p.layers[1].b));
  const { value, grad: gs } = valueAndGrad(f, { argnums: [0, 1] })(params, tensor([2, 5]));
  // f = -(w·s + 2b0) summed -> -(2 + 10 + 6) = -18
  assert.equal(value.data[0], -18);
  const [gp, gsIn] = gs as [typeof params, Tensor];
  assert.deepEqual(Array.from(gp.w.data), [-2, -5]);
  assert.deepEqual(Array.from(gp.layers[0].b.data), [-2]);
  assert.deepEqual(Array.from(gp.layers[1].b.data), [1 * 2 + 3 + 2 * 5 + 3]);
  assert.deepEqual(Array.from(gsIn.data), [-1, -2]);
  assert.deepEqual(treeLeaves(gp).map(([p]) => p), ["w", "layers.0.b", "layers.1.b"]);
});

Deno.test("a tensor used twice accumulates both contributions; unused inputs need allowUnused", () => {
  const x = tensor([3, -2]);
  const f = (a: Tensor, _b: Tensor): Tensor => ad.sum(ad.mul(a, a));
  assert.throws(
    () => grad(f, { argnums: [0, 1] })(x, tensor([[7]])),
    (e: unknown) => e instanceof TypeError && /does not depend on argument 1/.test(e.message),
  );
  const g = grad(f, { argnums: [0, 1], allowUnused: true })(x, tensor([[7]]));
  assert.deepEqual(Array.from((g[0] as Tensor).data), [6, -4]);
  assert.deepEqual((g[1] as Tensor).shape, [1, 1]);
  assert.deepEqual(Array.from((g[1] as Tensor).data), [0]);
});

Deno.test("an unused leaf inside a parameter tree is named by its path", () => {
  const f = (p: { layers: { w: Tensor; b: Tensor }[] }): Tensor => ad.sum(p.layers[0].w);
  const p = { layers: [{ w: tensor([1]), b: tensor([2]) }] };
  assert.throws(() => grad(f)(p), /argument 0 at path "layers\.0\.b"/);
  assert.deepEqual(Array.from(grad(f, { allowUnused: true })(p).layers[0].b.data), [0]);
  assert.throws(() => grad(f, { allowUnused: 1 as unknown as boolean }), /allowUnused/);
  assert.throws(() => grad(f, { allowUnsued: true } as never), /unknown option "allowUnsued"/);
});

Deno.test("leaf gradients never share storage (pass-through ops)", () => {
  const g = grad((p: { a: Tensor; b: Tensor }) => ad.sum(ad.add(p.a, p.b)))({
    a: tensor([1, 2]),
    b: tensor([3, 4]),
  });
  assert.notEqual(g.a.data, g.b.data);
  g.a.data[0] = 99;
  assert.equal(g.b.data[0], 1);
});

Deno.test("stopGradient blocks the gradient; the tape exists only inside grad", () => {
  const x = tensor([2]);
  let seen = false;
  const g = grad((x: Tensor) => {
    seen = isTraced(x);
    return ad.sum(ad.mul(x, stopGradient(ad.mul(x, x))));
  })(x);
  assert.ok(seen);
  assert.deepEqual(Array.from(g.data), [4]); // d/dx (x · c) with c = x² held fixed
  assert.equal(isTraced(x), false);
  assert.equal(stopGradient(x), x);
});

Deno.test("f32 gradients are f32 and agree with f64 to f32 round-off", () => {
  const w = randn([4, 3], { seed: 5 }), x = randn([5, 3], { seed: 6 });
  const f = (w: Tensor, x: Tensor): Tensor => ad.mean(ad.tanh(ad.linear(x, w)));
  const g64 = grad(f)(w, x);
  const w32 = tensor(w.data, { shape: w.shape, dtype: "f32" });
  const x32 = tensor(x.data, { shape: x.shape, dtype: "f32" });
  const g32 = grad(f)(w32, x32);
  assert.equal(g32.dtype, "f32");
  assertClose(g32, g64, 50 * 2 ** -24, "f32 vs f64");
});

Deno.test("a function independent of its input is a TypeError, or zero with allowUnused", () => {
  const f = (_x: Tensor): Tensor => ad.sum(tensor([1, 2]));
  assert.throws(() => grad(f)(tensor([5, 6, 7])), /does not depend on any differentiated input/);
  const g = grad(f, { allowUnused: true })(tensor([5, 6, 7]));
  assert.deepEqual(Array.from(g.data), [0, 0, 0]);
});

Deno.test("grad rejects bad input with named errors", () => {
  assert.throws(() => grad((x: Tensor) => x)(tensor([1, 2])), /scalar Tensor/);
  assert.throws(() => grad((x: Tensor) => ad.sum(x), { argnums: 2 })(tensor([1])), /argnums/);
  assert.throws(
    () => grad((p: { a: unknown }) => ad.sum(p.a as Tensor))({ a: 3 }),
    /leaf "a" is not a Tensor/,
  );
  assert.throws(
    () => grad((x: Tensor) => ad.sum(grad((y: Tensor) => ad.sum(y))(x)))(tensor([1])),
    /higher-order/,
  );
  // the tape is released after an exception, so the next call works
  assert.deepEqual(Array.from(grad((x: Tensor) => ad.sum(x))(tensor([1])).data), [1]);
});

Deno.test("backward releases every processed node's closure and parents", () => {
  const tape = new Tape();
  const x = tensor([1, 2]);
  const leaf = tape.leaf(x);
  const [y, z] = withTape(tape, () => {
    const y = ad.exp(x);
    return [y, ad.sum(ad.mul(y, y))];
  });
  const nodes = [tape.nodeOf.get(y)!, tape.nodeOf.get(z)!];
  assert.ok(nodes.every((n) => n.backward !== null));
  const [g] = backward(tape, nodes[1], tensor(1), [leaf]);
  // d/dx Σ e^{2x} = 2e^{2x}
  assert.ok(Math.abs(g!.data[1] - 2 * Math.exp(4)) < 1e-12 * Math.exp(4));
  for (const n of nodes) {
    assert.equal(n.backward, null, `${n.op} kept its closure`);
    assert.equal(n.parents.length, 0);
  }
  assert.equal(tape.nodes.length, 0);
});
