// Finite-difference checks of every differentiable op at f64 (~1e-7 relative), including
// broadcasting, transposes, batching and every axis option. Each op's output is contracted
// with fixed random weights so that every output entry contributes to the checked scalar.
import assert from "node:assert/strict";
import { randn, type Tensor, tensor } from "../../../ops/mod.ts";
import { rand } from "../../../ops/random.ts";
import * as ad from "../../../ops/autograd/ops.ts";
import { gradcheck } from "../../../ops/autograd/gradcheck.ts";
import { record } from "../../../ops/autograd/tape.ts";
import { scale } from "../../../ops/elementwise.ts";

let seed = 100;
const rn = (shape: number[]): Tensor => randn(shape, { seed: seed++ });
/** Uniform in ±[lo, hi], away from the kinks of relu/abs/sign. */
const away = (shape: number[], lo = 0.1, hi = 2): Tensor => {
  const u = rand(shape, { seed: seed++, lo: -1, hi: 1 });
  return tensor(Array.from(u.data, (v) => Math.sign(v) * (lo + (hi - lo) * Math.abs(v))), {
    shape,
  });
};
const positive = (shape: number[]): Tensor => rand(shape, { seed: seed++, lo: 0.3, hi: 2 });

/** `Σ op(x) ⊙ R` for a fixed random R shaped like op's output. */
function probe(op: (...xs: Tensor[]) => Tensor): (...xs: Tensor[]) => Tensor {
  let r: Tensor | undefined;
  return (...xs) => {
    const y = op(...xs);
    r ??= rn([...y.shape]);
    return ad.sum(ad.mul(y, r));
  };
}

function check(name: string, op: (...xs: Tensor[]) => Tensor, inputs: Tensor[], tol = 1e-7): void {
  Deno.test(`gradcheck ${name}`, () => {
    const res = gradcheck(probe(op), inputs, { tol });
    assert.ok(res.ok, `${name}: max error ${res.maxError} at ${JSON.stringify(res.worst)}`);
  });
}

// arithmetic, with broadcasting both ways and scalar operands
check("add", ad.add, [rn([3, 4]), rn([3, 4])]);
check("add broadcast row", ad.add, [rn([3, 4]), rn([4])]);
check("add broadcast col+row", ad.add, [rn([3, 1]), rn([1, 4])]);
check("add broadcast 3-D", ad.add, [rn([2, 1, 4]), rn([3, 1])]);
check("add number", (a) => ad.add(a, 2.5), [rn([5])]);
check("sub broadcast", ad.sub, [rn([4]), rn([2, 3, 4])]);
check("mul broadcast", ad.mul, [rn([2, 3]), rn([2, 1])]);
check("mul scalar tensor", ad.mul, [rn([3, 2]), rn([])]);
check("div broadcast", ad.div, [rn([3, 4]), away([4], 0.5, 2)]);
check("div number", (a) => ad.div(a, -3), [rn([4])]);
check("scale", (a) => ad.scale(a, 0.7), [rn([2, 2])]);
check("neg", ad.neg, [rn([3])]);

// unary functions
check("exp", ad.exp, [rn([3, 3])]);
check("log", ad.log, [positive([3, 3])]);
check("sqrt", ad.sqrt, [positive([4])]);
check("square", ad.square, [rn([4])]);
check("abs", ad.abs, [away([6])]);
check("sign", ad.sign, [away([6])]);
check("tanh", ad.tanh, [rn([5])]);
check("sigmoid", ad.sigmoid, [rn([5])]);
check("relu", ad.relu, [away([8])]);
check("gelu exact", (a) => ad.gelu(a), [tensor([-4, -2.7, -1, -0.3, 0.2, 1.1, 2.6, 3.8])]);
check("gelu tanh", (a) => ad.gelu(a, { approximate: "tanh" }), [rn([6])]);
check("silu", ad.silu, [rn([6])]);
check("pow 3", (a) => ad.pow(a, 3), [rn([4])]);
check("pow -1.5", (a) => ad.pow(a, -1.5), [positive([4])]);
check("pow tensor exponent broadcast", (a, p) => ad.pow(a, p), [positive([2, 3]), rn([3])]);

// reductions
check("sum all", (a) => ad.sum(a), [rn([3, 4])]);
check("sum axis 0", (a) => ad.sum(a, { axis: 0 }), [rn([3, 4])]);
check("sum axis -1 keepDims", (a) => ad.sum(a, { axis: -1, keepDims: true }), [rn([2, 3, 4])]);
check("mean all keepDims", (a) => ad.mean(a, { keepDims: true }), [rn([3, 4])]);
check("mean axis 1", (a) => ad.mean(a, { axis: 1 }), [rn([2, 3, 4])]);

// shape ops
check("reshape", (a) => ad.reshape(a, [4, -1]), [rn([2, 6])]);
check("transpose 2-D", (a) => ad.transpose(a), [rn([3, 5])]);
check("transpose axes", (a) => ad.transpose(a, [2, 0, 1]), [rn([2, 3, 4])]);
check("sliceRows", (a) => ad.sliceRows(a, 1, 3), [rn([4, 2])]);
check("sliceCols", (a) => ad.sliceCols(a, 1, 3), [rn([2, 4])]);
check("slice block", (a) => ad.slice(a, [1, 3], [0, 2]), [rn([3, 3])]);
check("sliceAxis middle", (a) => ad.sliceAxis(a, 1, 1, 3), [rn([2, 4, 3])]);
check("concat axis 0", (a, b) => ad.concat([a, b]), [rn([2, 3]), rn([1, 3])]);
check("concat axis 1 3-way", (a, b, c) => ad.concat([a, b, c], 1), [
  rn([2, 1, 2]),
  rn([2, 3, 2]),
  rn([2, 2, 2]),
]);
check("gather repeated rows", (t) => ad.gather(t, [2, 0, 2, 1]), [rn([3, 4])]);
check("gather 2-D indices", (t) => ad.gather(t, tensor([[0, 1], [1, 1]])), [rn([2, 3])]);

// matmul in every transpose combination, batched and with a shared right operand
for (const transA of [false, true]) {
  for (const transB of [false, true]) {
    const a = transA ? [4, 3] : [3, 4], b = transB ? [2, 4] : [4, 2];
    const o = { transA, transB };
    check(`matmul ${JSON.stringify(o)}`, (x, y) => ad.matmul(x, y, o), [rn(a), rn(b)]);
    check(
      `matmul batched ${JSON.stringify(o)}`,
      (x, y) => ad.matmul(x, y, o),
      [rn([2, ...a]), rn([2, ...b])],
    );
    check(
      `matmul shared b ${JSON.stringify(o)}`,
      (x, y) => ad.matmul(x, y, o),
      [rn([2, 2, ...a]), rn(b)],
    );
  }
}
check("linear with bias", ad.linear, [rn([5, 3]), rn([4, 3]), rn([4])]);
check("linear 3-D input", (x, w) => ad.linear(x, w), [rn([2, 3, 3]), rn([2, 3])]);
check("linear vector input", (x, w, b) => ad.linear(x, w, b), [rn([3]), rn([2, 3]), rn([2])]);

// nn ops
check("softmax last", (a) => ad.softmax(a), [rn([3, 5])]);
check("softmax axis 0", (a) => ad.softmax(a, { axis: 0 }), [rn([3, 2, 2])]);
check("logSoftmax last", (a) => ad.logSoftmax(a), [rn([3, 5])]);
check("logSoftmax axis 1", (a) => ad.logSoftmax(a, { axis: 1 }), [rn([2, 3, 2])]);
check("layerNorm affine", (x, w, b) => ad.layerNorm(x, w, b), [rn([3, 5]), rn([5]), rn([5])]);
check("layerNorm plain 3-D", (x) => ad.layerNorm(x), [rn([2, 2, 4])]);
check("rmsNorm weight", (x, w) => ad.rmsNorm(x, w), [rn([3, 5]), rn([5])]);
check("rmsNorm plain", (x) => ad.rmsNorm(x, undefined, { eps: 1e-2 }), [rn([2, 6])]);
check("mse", ad.mse, [rn([3, 2]), rn([3, 2])]);
check("crossEntropy mean", (x) => ad.crossEntropy(x, [0, 3, 1]), [rn([3, 4])]);
check("crossEntropy sum 3-D", (x) =>
  ad.crossEntropy(x, tensor([[0, 2], [1, 1]]), {
    reduction: "sum",
  }), [rn([2, 2, 3])]);
check("crossEntropy ignoreIndex", (x) => ad.crossEntropy(x, [1, -100, 0], { ignoreIndex: -100 }), [
  rn([3, 4]),
]);
check("crossEntropy none", (x) => ad.crossEntropy(x, [2, 0], { reduction: "none" }), [
  rn([2, 3]),
]);
check("where broadcast", (a, b) => ad.where(tensor([[1], [0], [1]]), a, b), [
  rn([3, 4]),
  rn([4]),
]);
check("where number branch", (a) => ad.where(tensor([1, 0, 0, 1]), a, -3), [rn([4])]);
check("rope", (x) => ad.rope(x, { theta: 100 }), [rn([2, 5, 6])]);
check("rope offset", (x) => ad.rope(x, { offset: 7 }), [rn([3, 4])]);

Deno.test("gradcheck reports a wrong gradient", () => {
  // out = 2x with a backward that forgets the factor 2: the relative error is 1/2
  const wrong = (x: Tensor): Tensor => record("wrong", scale(x, 2), [x], (g) => [g]);
  const res = gradcheck((x) => ad.sum(wrong(x)), [rn([3])]);
  assert.equal(res.ok, false);
  assert.ok(Math.abs(res.maxError - 0.5) < 1e-8, `error ${res.maxError}`);
});
