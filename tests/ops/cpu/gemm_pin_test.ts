import assert from "node:assert/strict";
import { gemm } from "../../../ops/cpu/gemm.ts";
import { pinnedOperand, scratchBase, withPinnedOperand } from "../../../ops/cpu/gemm_pin.ts";
import { gemmWasm, startGemmThreads } from "../../../ops/cpu/gemm_wasm.ts";
import type { GemmArgs } from "../../../ops/cpu/gemm_types.ts";
import { Rng } from "../../../ops/random.ts";
import { assertGemm, makeCase } from "./gemm_ref.ts";

/** Stored rows and columns of op(A) = A or Aᵀ (m×k) and of op(B) (k×n). */
function storedA(g: GemmArgs): [number, number] {
  return g.transA ? [g.k, g.m] : [g.m, g.k];
}
function storedB(g: GemmArgs): [number, number] {
  return g.transB ? [g.n, g.k] : [g.k, g.n];
}

Deno.test("pinned operands: the same bits as the copied path, either operand, every layout", async () => {
  await startGemmThreads(60_000);
  const rng = new Rng(21);
  const shapes: [number, number, number, boolean, boolean][] = [
    [301, 42, 257, false, false], // big A read in place (row-major)
    [301, 42, 257, true, false], // big A stored transposed (depth-major)
    [42, 301, 257, false, true], // big B: the driver swaps roles to read it in place
    [42, 301, 257, false, false],
    [7, 5, 3, false, false],
    [130, 130, 600, true, true], // several depth blocks
  ];
  for (const dtype of ["f64", "f32"] as const) {
    for (const [m, n, k, transA, transB] of shapes) {
      for (const which of ["a", "b"] as const) {
        for (const threads of [false, true]) {
          const ref = makeCase(rng, { m, n, k, dtype, transA, transB, beta: 0.25, strided: true });
          const got = { ...ref.args, c: ref.args.c.slice() };
          gemmWasm(ref.args, { threads });
          const g = got;
          const [rows, cols] = which === "a" ? storedA(g) : storedB(g);
          const [data, off, ld] = which === "a"
            ? [g.a, g.aOffset ?? 0, g.lda]
            : [g.b, g.bOffset ?? 0, g.ldb];
          withPinnedOperand(data, off, rows, cols, ld, () => {
            assert.ok(pinnedOperand(data, off, ld, rows, cols) !== null);
            gemmWasm(got, { threads });
          });
          const what = `${dtype} ${m}x${n}x${k} tA=${transA} tB=${transB} pin ${which} ${threads}`;
          assert.deepEqual(got.c, ref.args.c, what);
          assertGemm(got, ref.c0, what);
        }
      }
    }
  }
});

Deno.test("pinned operands: products on other data above the pin leave it intact; pins nest", () => {
  const rng = new Rng(22);
  const pinned = makeCase(rng, { m: 200, n: 30, k: 150, dtype: "f64" });
  const a = pinned.args.a as Float64Array;
  const base = scratchBase();
  withPinnedOperand(a, 0, 200, 150, 150, () => {
    assert.ok(scratchBase() > base);
    // A large unrelated product grows the memory and fills the scratch above the pin.
    const other = makeCase(rng, { m: 400, n: 400, k: 300, dtype: "f64" });
    gemm(other.args);
    assertGemm(other.args, other.c0, "unrelated product while pinned");
    const inner = makeCase(rng, { m: 60, n: 70, k: 80, dtype: "f64" });
    withPinnedOperand(inner.args.b as Float64Array, 0, 80, 70, 70, () => {
      gemm(inner.args);
      gemm(pinned.args);
    });
    assertGemm(inner.args, inner.c0, "product with the inner pin");
    assertGemm(pinned.args, pinned.c0, "product with the outer pin after other work");
  });
  assert.equal(scratchBase(), base);
});

Deno.test("pinned operands: a pin is found only for its array, row stride and extent", () => {
  const a = new Float64Array(40);
  withPinnedOperand(a, 2, 4, 6, 8, () => {
    assert.ok(pinnedOperand(a, 2, 8, 4, 6) !== null);
    assert.ok(pinnedOperand(a, 11, 8, 3, 5) !== null); // rows 1-3, columns 1-5
    assert.equal(pinnedOperand(a, 2, 6, 4, 6), null); // another stride
    assert.equal(pinnedOperand(a, 2, 8, 5, 6), null); // past the last pinned row
    assert.equal(pinnedOperand(a, 3, 8, 4, 6), null); // past the last pinned column
    assert.equal(pinnedOperand(a, 0, 8, 1, 1), null); // before the pin
    assert.equal(pinnedOperand(a.slice(), 2, 8, 4, 6), null); // a copy is not the pinned array
  });
  assert.equal(pinnedOperand(a, 2, 8, 4, 6), null); // released
  assert.throws(() => withPinnedOperand(a, 0, 5, 9, 8, () => 0), {
    name: "RangeError",
    message: /withPinnedOperand: 5x9 at 0 \(ld 8\) does not fit 40 elements/,
  });
  assert.throws(() => withPinnedOperand(a, 0, 0, 4, 4, () => 0), RangeError);
  // Released on a throw too.
  assert.throws(() =>
    withPinnedOperand(a, 0, 2, 2, 2, () => {
      throw new TypeError("inside");
    }), TypeError);
  assert.equal(pinnedOperand(a, 0, 2, 2, 2), null);
});

Deno.test("pinned operands: a matrix too large for the GEMM memory runs unpinned, not an error", () => {
  const base = scratchBase();
  // 2 GiB (past the 2^31 byte addresses that split kernel calls carry) and 4 GiB (past the
  // wasm32 memory); never written, so the zero pages are not allocated. Both used to be pinned
  // or attempted: memory.grow threw a RangeError for the 4 GiB one.
  for (const log2 of [28, 29]) {
    const a = new Float64Array(2 ** log2), cols = 2 ** 14, rows = a.length / cols;
    const got = withPinnedOperand(a, 0, rows, cols, cols, () => {
      assert.equal(scratchBase(), base);
      // A product reading the first rows copies them as without a pin.
      const c = new Float64Array(4), b = Float64Array.from({ length: 2 * cols }, (_, i) => i);
      gemm({ m: 2, n: 2, k: cols, a, lda: cols, b, ldb: 2, c, ldc: 2 });
      assert.deepEqual(Array.from(c), [0, 0, 0, 0]);
      return pinnedOperand(a, 0, cols, rows, cols);
    });
    assert.equal(got, null, `2^${log2} elements were pinned`);
  }
  assert.equal(scratchBase(), base);
});
