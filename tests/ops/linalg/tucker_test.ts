import assert, { deepEqual as assertEquals } from "node:assert/strict";
import fc from "fast-check";
import { tucker, tuckerToTensor } from "../../../ops/linalg/tucker.ts";
import { modeProduct } from "../../../ops/linalg/unfold.ts";
import { randn } from "../../../ops/random.ts";
import { astype, Tensor } from "../../../ops/tensor.ts";
import { frob, naiveMul, naiveT, orthonormalCols, throwsWith, uOf } from "./_factor_helpers.ts";

/** A tensor of exact multilinear rank `ranks`: random core times orthonormal factors. */
function lowRank(shape: number[], ranks: number[], seed: number): Tensor {
  let x = randn(ranks, { seed });
  shape.forEach((d, n) => {
    x = modeProduct(x, new Tensor(orthonormalCols(d, ranks[n], seed + n + 1), [d, ranks[n]]), n);
  });
  return x;
}

function relError(x: Tensor, r: { core: Tensor; factors: Tensor[] }): number {
  return frob(x.data, tuckerToTensor(r).data) / frob(x.data);
}

function checkOrthonormal(f: Tensor): void {
  const [m, k] = f.shape;
  const g = naiveMul(naiveT(f.data, m, k), f.data, k, m, k);
  for (let i = 0; i < k; i++) g[i * k + i] -= 1;
  assert(frob(g) <= 100 * m * uOf(f.dtype));
}

Deno.test("tucker: exact on exactly low-multilinear-rank tensors (HOSVD and HOOI)", () => {
  for (const [shape, ranks] of [[[8, 9, 10], [2, 3, 4]], [[5, 6, 4, 3], [2, 2, 3, 1]]]) {
    const x = lowRank(shape, ranks, shape.length);
    for (const method of ["hosvd", "hooi"] as const) {
      const r = tucker(x, ranks, { method });
      assertEquals(r.core.shape, ranks);
      r.factors.forEach((f, n) => {
        assertEquals(f.shape, [shape[n], ranks[n]]);
        checkOrthonormal(f);
      });
      assert(
        relError(x, r) <= 100 * Math.max(...shape) * uOf("f64"),
        `${method}: ${relError(x, r)}`,
      );
    }
  }
});

Deno.test("tucker: HOOI is never worse than HOSVD, and full ranks reconstruct exactly", () => {
  for (let seed = 0; seed < 4; seed++) {
    const x = randn([7, 6, 5], { seed });
    const ranks = [3, 2, 2];
    const e1 = relError(x, tucker(x, ranks, { method: "hosvd" }));
    const e2 = relError(x, tucker(x, ranks, { method: "hooi", iters: 30 }));
    assert(e2 <= e1 + 1e-12, `seed ${seed}: HOOI ${e2} > HOSVD ${e1}`);
  }
  const x = randn([3, 4, 2], { seed: 9 });
  assert(relError(x, tucker(x, [3, 4, 2])) <= 100 * 4 * uOf("f64"));
});

Deno.test("tucker: f32 input, 1-D and 2-D tensors (2-D HOSVD is the truncated SVD)", () => {
  const x = astype(lowRank([6, 5, 4], [2, 2, 2], 3), "f32");
  const r = tucker(x, [2, 2, 2]);
  assertEquals(r.core.dtype, "f32");
  assert(
    relError(astype(x, "f64"), {
      core: astype(r.core, "f64"),
      factors: r.factors.map((f) => astype(f, "f64")),
    }) <= 100 * 6 * uOf("f32"),
  );
  const v = randn([5], { seed: 1 });
  assert(relError(v, tucker(v, [1])) <= 16 * uOf("f64"));
  // Matrix: the rank-1 HOSVD error equals √(Σ_{i>1} σᵢ²) of the matrix (Eckart–Young).
  const m = new Tensor(Float64Array.from([3, 0, 0, 0, 2, 0]), [2, 3]);
  assert(Math.abs(relError(m, tucker(m, [1, 1])) * frob(m.data) - 2) <= 1e-14);
});

Deno.test("tucker: ranks and options are validated", () => {
  const x = randn([3, 4], { seed: 1 });
  throwsWith(() => tucker(x, [2]), RangeError, "one rank per mode");
  throwsWith(() => tucker(x, [4, 2]), RangeError, "ranks[0] must be an integer in 1..3");
  throwsWith(() => tucker(x, [1, 1], { method: "cp" as "hooi" }), RangeError, "method");
  throwsWith(() => tucker(x, [1, 1], { iters: -1 }), RangeError, "iters");
  x.data[0] = NaN;
  throwsWith(() => tucker(x, [1, 1]), RangeError, "tucker: x has a non-finite");
});

Deno.test("tucker: property — HOOI ≤ HOSVD over random small shapes and ranks", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 2, maxLength: 3 }),
      fc.integer({ min: 0, max: 1e6 }),
      (shape, seed) => {
        const ranks = shape.map((d, i) => 1 + ((seed >> i) % d));
        const x = randn(shape, { seed });
        const e1 = relError(x, tucker(x, ranks, { method: "hosvd" }));
        const e2 = relError(x, tucker(x, ranks, { method: "hooi", iters: 10 }));
        assert(e2 <= e1 + 1e-12);
      },
    ),
    { numRuns: 40, seed: 31 },
  );
});
