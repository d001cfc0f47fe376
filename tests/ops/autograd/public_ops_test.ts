// One op set: the names that mod.ts exports are the differentiable ones. The regression of the
// audit (a gradient of exactly 0 through the plain names), every public differentiable op
// through valueAndGrad against finite differences, and the ops without a gradient that must throw
// on a traced input instead of cutting the graph.
import assert from "node:assert/strict";
import * as lr from "../../../mod.ts";
import {
  ad,
  gradcheck,
  matmul,
  mul,
  randn,
  stopGradient,
  sum,
  tanh,
  type Tensor,
  tensor,
  valueAndGrad,
} from "../../../mod.ts";

Deno.test("regression: sum(mul(tanh(matmul(X, w)), C)) through the plain names", () => {
  const x = randn([5, 3], { seed: 1 }),
    c = randn([5, 2], { seed: 2 }),
    w = randn([3, 2], { seed: 3 });
  const f = (w: Tensor): Tensor => sum(mul(tanh(matmul(x, w)), c));
  const { grad } = valueAndGrad(f)(w);
  assert.ok(grad.data.some((v) => v !== 0));
  const res = gradcheck(f, [w]);
  assert.ok(res.ok, `max error ${res.maxError}`);
});

Deno.test("ad.* are the same functions as the public names (aliases, not copies)", () => {
  for (const name of Object.keys(ad)) {
    assert.equal(
      (ad as Record<string, unknown>)[name],
      (lr as Record<string, unknown>)[name],
      name,
    );
  }
});

let seed = 900;
const rn = (shape: number[]): Tensor => randn(shape, { seed: seed++ });
const pos = (shape: number[]): Tensor => lr.add(lr.abs(rn(shape)), 0.5);
type Op = (...xs: Tensor[]) => Tensor;
/** Every differentiable public op with inputs in its smooth domain. */
const cases: [string, Op, Tensor[]][] = [
  ["add", (a, b) => lr.add(a, b), [rn([3, 2]), rn([2])]],
  ["sub", (a, b) => lr.sub(a, b), [rn([3, 2]), rn([3, 2])]],
  ["mul", (a, b) => lr.mul(a, b), [rn([3, 2]), rn([3, 1])]],
  ["div", (a, b) => lr.div(a, b), [rn([3, 2]), pos([2])]],
  ["scale", (a) => lr.scale(a, -1.5), [rn([4])]],
  ["neg", (a) => lr.neg(a), [rn([4])]],
  ["abs", (a) => lr.abs(a), [pos([4])]],
  ["exp", (a) => lr.exp(a), [rn([4])]],
  ["log", (a) => lr.log(a), [pos([4])]],
  ["sqrt", (a) => lr.sqrt(a), [pos([4])]],
  ["square", (a) => lr.square(a), [rn([4])]],
  ["pow", (a) => lr.pow(a, 3), [pos([4])]],
  ["tanh", (a) => lr.tanh(a), [rn([4])]],
  ["sigmoid", (a) => lr.sigmoid(a), [rn([4])]],
  ["relu", (a) => lr.relu(a), [pos([4])]],
  ["silu", (a) => lr.silu(a), [rn([4])]],
  ["gelu", (a) => lr.gelu(a), [rn([4])]],
  ["sum axis", (a) => lr.sum(a, { axis: 1 }), [rn([3, 4])]],
  ["mean", (a) => lr.mean(a), [rn([3, 4])]],
  ["max axis", (a) => lr.max(a, { axis: 0 }), [rn([3, 4])]],
  ["min", (a) => lr.min(a), [rn([3, 4])]],
  ["reshape", (a) => lr.reshape(a, [4, 3]), [rn([3, 4])]],
  ["transpose", (a) => lr.transpose(a), [rn([3, 4])]],
  ["slice", (a) => lr.slice(a, [1, 3], [0, 2]), [rn([3, 4])]],
  ["sliceRows", (a) => lr.sliceRows(a, 1, 3), [rn([3, 4])]],
  ["sliceCols", (a) => lr.sliceCols(a, 1, 3), [rn([3, 4])]],
  ["sliceAxis", (a) => lr.sliceAxis(a, 1, 1, 3), [rn([2, 4, 2])]],
  ["gather", (a) => lr.gather(a, [2, 0, 2]), [rn([3, 4])]],
  ["concat", (a, b) => lr.concat([a, b], 1), [rn([3, 2]), rn([3, 1])]],
  ["matmul", (a, b) => lr.matmul(a, b, { transB: true }), [rn([3, 4]), rn([2, 4])]],
  ["linear", (x, w, b) => lr.linear(x, w, b), [rn([3, 4]), rn([2, 4]), rn([2])]],
  ["softmax", (a) => lr.softmax(a), [rn([3, 4])]],
  ["logSoftmax", (a) => lr.logSoftmax(a), [rn([3, 4])]],
  ["layerNorm", (x) => lr.layerNorm(x), [rn([3, 4])]],
  ["rmsNorm", (x) => lr.rmsNorm(x), [rn([3, 4])]],
  ["mse", (a, b) => lr.mse(a, b), [rn([3, 4]), rn([3, 4])]],
  ["svdvals", (a) => lr.svdvals(a), [rn([4, 3])]],
  ["solve", (a, b) => lr.solve(a, b), [lr.add(rn([3, 3]), lr.scale(lr.eye(3), 3)), rn([3, 2])]],
];

for (const [name, op, inputs] of cases) {
  Deno.test(`public ${name} records on the tape (gradcheck through valueAndGrad)`, () => {
    let r: Tensor | undefined;
    const f = (...xs: Tensor[]): Tensor => {
      const y = op(...xs);
      r ??= rn([...y.shape]);
      return sum(mul(y, r));
    };
    const res = gradcheck(f, inputs, { tol: 1e-6 });
    assert.ok(res.ok, `${name}: max error ${res.maxError} at ${JSON.stringify(res.worst)}`);
  });
}

Deno.test("ops without a gradient throw on a traced input, naming the op; stopGradient cuts", () => {
  const a = randn([4, 3], { seed: 4 });
  const noGrad: [string, (t: Tensor) => unknown][] = [
    ["lu", (t) => lr.lu(t)],
    ["ldu", (t) => lr.ldu(t)],
    ["pinv", (t) => lr.pinv(t)],
    ["lstsq", (t) => lr.lstsq(t, tensor([1, 2, 3, 4]))],
    ["matrixRank", (t) => lr.matrixRank(t)],
    ["randomizedSvd", (t) => lr.randomizedSvd(t, 2, { seed: 0 })],
    ["pca", (t) => lr.pca(t, 2)],
    ["kmeans", (t) => lr.kmeans(t, 2, { seed: 0 })],
    ["norm", (t) => lr.norm(t)],
    ["det", (t) => lr.det(lr.sliceRows(t, 0, 3))],
    ["map", (t) => lr.map(t, (v) => v)],
    ["add_", (t) => lr.add_(t, t)],
    ["jacobiSvd", (t) => lr.jacobiSvd(t)],
    ["tucker", (t) => lr.tucker(lr.reshape(t, [2, 2, 3]), [1, 1, 1])],
  ];
  for (const [name, op] of noGrad) {
    assert.throws(
      () => valueAndGrad((t: Tensor) => sum(mul(t, op(t) instanceof lr.Tensor ? 0 : 0)))(a),
      (e: unknown) =>
        e instanceof TypeError && e.message.startsWith(`${name}:`) &&
        /stopGradient/.test(e.message),
      name,
    );
  }
  const { grad } = valueAndGrad((t: Tensor) => sum(mul(t, lr.pinv(stopGradient(t)).shape[0])))(a);
  assert.ok(grad.data.every((v) => v === 3));
});
