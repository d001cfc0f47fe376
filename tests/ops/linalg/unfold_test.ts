import assert, { deepEqual as assertEquals } from "node:assert/strict";
import fc from "fast-check";
import { fold, modeProduct, unfold } from "../../../ops/linalg/unfold.ts";
import { randn } from "../../../ops/random.ts";
import { astype, Tensor, tensor } from "../../../ops/tensor.ts";
import { frob, naiveMul, randMat, throwsWith, uOf } from "./_factor_helpers.ts";

/** Naive unfolding from the definition: row i_mode, column = row-major index of the rest. */
function naiveUnfold(x: Tensor, mode: number): Float64Array {
  const shape = x.shape, nd = shape.length;
  const cols = x.size / shape[mode];
  const out = new Float64Array(x.size);
  const idx = new Array<number>(nd).fill(0);
  for (let flat = 0; flat < x.size; flat++) {
    let c = 0;
    for (let ax = 0; ax < nd; ax++) if (ax !== mode) c = c * shape[ax] + idx[ax];
    out[idx[mode] * cols + c] = x.data[flat];
    for (let ax = nd - 1; ax >= 0; ax--) {
      if (++idx[ax] < shape[ax]) break;
      idx[ax] = 0;
    }
  }
  return out;
}

Deno.test("unfold: matches the definition for every mode of 1-D to 4-D tensors", () => {
  for (const shape of [[5], [3, 4], [2, 3, 4], [3, 1, 2, 4]]) {
    const x = randn(shape, { seed: shape.length });
    for (let mode = 0; mode < shape.length; mode++) {
      const u = unfold(x, mode);
      assertEquals(u.shape, [shape[mode], x.size / shape[mode]]);
      assertEquals(Array.from(u.data), Array.from(naiveUnfold(x, mode)));
    }
  }
});

Deno.test("fold(unfold) round trip — property over random shapes and modes", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
      fc.nat(),
      fc.integer({ min: 0, max: 1e6 }),
      (shape, modeSeed, seed) => {
        const mode = modeSeed % shape.length;
        const x = randn(shape, { seed });
        const y = fold(unfold(x, mode), mode, shape);
        assertEquals(y.shape, shape);
        assertEquals(Array.from(y.data), Array.from(x.data));
      },
    ),
    { numRuns: 100, seed: 29 },
  );
});

Deno.test("modeProduct: equals fold(M · unfold(x)) and supports the transpose", () => {
  const x = randn([3, 4, 5], { seed: 1 });
  for (let mode = 0; mode < 3; mode++) {
    const i = x.shape[mode];
    const m = randMat(2, i, mode);
    const y = modeProduct(x, m, mode);
    const shape = x.shape.map((d, ax) => (ax === mode ? 2 : d));
    const ref = fold(
      new Tensor(naiveMul(m.data, unfold(x, mode).data, 2, i, x.size / i), [2, x.size / i]),
      mode,
      shape,
    );
    assertEquals(y.shape, shape);
    assert(frob(y.data, ref.data) <= 8 * i * uOf("f64") * frob(m.data) * frob(x.data));
    const mt = new Tensor(new Float64Array(i * 2), [i, 2]);
    for (let r = 0; r < 2; r++) for (let c = 0; c < i; c++) mt.data[c * 2 + r] = m.data[r * i + c];
    assertEquals(Array.from(modeProduct(x, mt, mode, { trans: true }).data), Array.from(y.data));
  }
});

Deno.test("unfold/fold/modeProduct: bad modes, shapes and dtypes are errors", () => {
  const x = randn([2, 3], { seed: 2 });
  throwsWith(() => unfold(x, 2), RangeError, "unfold: mode must be an integer in 0..1");
  throwsWith(() => fold(x, 0, [3, 2]), RangeError, "fold: m must be 3x2");
  throwsWith(() => modeProduct(x, randMat(2, 4, 1), 1), RangeError, "must have 3 columns");
  throwsWith(() => modeProduct(x, astype(randMat(2, 3, 1), "f32"), 1), TypeError, "dtypes differ");
  throwsWith(() => unfold(tensor(3), 0), RangeError, "unfold: mode");
});
