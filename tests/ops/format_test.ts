import assert from "node:assert/strict";
import { formatTensor } from "../../ops/format.ts";
import { arange, scalar, tensor } from "../../ops/tensor.ts";
import { reshape } from "../../ops/shape.ts";

Deno.test("formatTensor: nested brackets with aligned columns; 0-D, 1-D, 3-D", () => {
  assert.equal(formatTensor(tensor([[1, 2.5], [-3, 4]])), "[[  1, 2.5],\n [ -3,   4]]");
  assert.equal(formatTensor(tensor([1, 2, 3])), "[1, 2, 3]");
  assert.equal(formatTensor(scalar(-0.5)), "-0.5");
  assert.equal(
    formatTensor(reshape(arange(0, 8), [2, 2, 2])),
    "[[[0, 1],\n  [2, 3]],\n [[4, 5],\n  [6, 7]]]",
  );
});

Deno.test("formatTensor: precision, exponents, NaN/Infinity and -0", () => {
  assert.equal(formatTensor(tensor([1 / 3, 2e-7, 6.02e23])), "[0.333333,     2e-7, 6.02e+23]");
  assert.equal(formatTensor(tensor([1 / 3]), { precision: 3 }), "[0.333]");
  assert.equal(formatTensor(tensor([NaN, -Infinity, -0])), "[      NaN, -Infinity,        -0]");
});

Deno.test("formatTensor: more than threshold elements shows edgeItems at each end of every axis", () => {
  const big = reshape(arange(0, 40 * 40), [40, 40]);
  const text = formatTensor(big);
  const lines = text.split("\n");
  assert.equal(lines.length, 7, text); // 3 rows, the gap, 3 rows
  assert.equal(lines[3].trim(), "…,");
  assert.ok(lines[0].startsWith("[[   0,    1,    2, …,   37,   38,   39],"), lines[0]);
  assert.ok(lines[6].endsWith("1597, 1598, 1599]]"), lines[6]);
  assert.equal(formatTensor(arange(0, 10), { threshold: 5, edgeItems: 2 }), "[0, 1, …, 8, 9]");
  assert.equal(formatTensor(arange(0, 10), { threshold: 10 }), "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]");
});

Deno.test("console.log of a tensor shows the summary and the values (Deno.inspect)", () => {
  const text = Deno.inspect(tensor([[1, 2], [3, 4]], { dtype: "f32" }));
  assert.equal(text, "Tensor(f32 [2, 2])\n[[1, 2],\n [3, 4]]");
  assert.equal(String(tensor([1, 2])), "Tensor(f64 [2])", "toString stays the summary");
});
