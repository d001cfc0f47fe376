// Finite-difference checks of the decompositions' backward (ops/autograd/ops_linalg.ts), through
// the public names. Each output is contracted with fixed random weights so that every entry of
// every factor reaches the checked scalar; symmetric inputs are built as B + Bᵀ or B·Bᵀ + nI, so
// that the check sees the gradient a symmetric-input function really has.
import assert from "node:assert/strict";
import {
  add,
  cholesky,
  eigh,
  eye,
  grad,
  gradcheck,
  matmul,
  mul,
  qr,
  randn,
  scale,
  solve,
  sum,
  svd,
  svdvals,
  type Tensor,
  tensor,
  transpose,
} from "../../../mod.ts";

let seed = 500;
const rn = (shape: number[]): Tensor => randn(shape, { seed: seed++ });
const dot = (x: Tensor, r: Tensor): Tensor => sum(mul(x, r));

function ok(name: string, f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], tol = 1e-6): void {
  const res = gradcheck(f, inputs, { tol });
  assert.ok(res.ok, `${name}: max error ${res.maxError} at ${JSON.stringify(res.worst)}`);
}

Deno.test("svd backward: thin factors of tall, wide and square matrices", () => {
  for (const [m, n] of [[5, 3], [3, 5], [4, 4]]) {
    const k = Math.min(m, n);
    const ru = rn([m, k]), rs = rn([k]), rv = rn([k, n]);
    const f = (a: Tensor): Tensor => {
      const { u, s, vt } = svd(a);
      return add(add(dot(u, ru), dot(s, rs)), dot(vt, rv));
    };
    ok(`svd ${m}x${n}`, f, [rn([m, n])]);
  }
});

Deno.test("svd backward: singular values alone, and svdvals", () => {
  const rs = rn([3]);
  ok("svd s", (a) => dot(svd(a).s, rs), [rn([6, 3])]);
  ok("svdvals", (a) => dot(svdvals(a), rs), [rn([3, 6])]);
  // A rank-deficient matrix: σ's gradient (u_i v_iᵀ) is still defined for the nonzero σ.
  const g = grad((a: Tensor) => sum(svd(a).s))(tensor([[1, 2], [2, 4], [0, 0]]));
  assert.ok(g.data.every(Number.isFinite));
});

Deno.test("svd backward: equal singular values with vector gradients is a RangeError", () => {
  const r = rn([3, 3]);
  const f = (a: Tensor): Tensor => dot(svd(a).u, r);
  assert.throws(() => grad(f)(eye(3)), /distinct values/);
});

Deno.test("eigh backward: values and vectors of a symmetric matrix", () => {
  const rl = rn([4]), rv = rn([4, 4]);
  const f = (b: Tensor): Tensor => {
    const { values, vectors } = eigh(add(b, transpose(b)));
    return add(dot(values, rl), dot(vectors, rv));
  };
  ok("eigh", f, [rn([4, 4])]);
  // d(Σλ)/dA = I (to rounding: V·Vᵀ of orthonormal V).
  const g = grad((a: Tensor) => sum(eigh(a).values))(tensor([[2, 1], [1, 3]]));
  [1, 0, 0, 1].forEach((want, i) => assert.ok(Math.abs(g.data[i] - want) < 4e-16 * 4));
});

Deno.test("qr backward: reduced factors and mode r of a tall matrix; wide is a TypeError", () => {
  const rq = rn([5, 3]), rr = rn([3, 3]);
  ok("qr", (a) => {
    const { q, r } = qr(a);
    return add(dot(q, rq), dot(r, rr));
  }, [rn([5, 3])]);
  ok("qr r", (a) => dot(qr(a, { mode: "r" }).r, rr), [rn([5, 3])]);
  assert.throws(() => grad((a: Tensor) => sum(qr(a).r))(rn([2, 4])), /m ≥ n/);
});

Deno.test("cholesky backward, lower and upper", () => {
  const r = rn([4, 4]);
  const spd = (b: Tensor): Tensor => add(matmul(b, b, { transB: true }), scale(eye(4), 4));
  ok("cholesky", (b) => dot(cholesky(spd(b)), r), [rn([4, 4])]);
  ok("cholesky upper", (b) => dot(cholesky(spd(b), { upper: true }), r), [rn([4, 4])]);
});

Deno.test("solve backward in a and b, vector and matrix right-hand sides", () => {
  const a0 = add(rn([4, 4]), scale(eye(4), 4));
  const r1 = rn([4]), r2 = rn([4, 2]);
  ok("solve vector", (a, b) => dot(solve(a, b), r1), [a0, rn([4])]);
  ok("solve matrix", (a, b) => dot(solve(a, b), r2), [a0, rn([4, 2])]);
});
