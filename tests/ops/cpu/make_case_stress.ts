/**
 * Builds the case sequence of `gemm_pin_test.ts` with `makeCase` (no GEMM) and exits non-zero
 * if a case does not fit its arrays. Run in a fresh process by `gemm_ref_test.ts` with
 * `--v8-flags=--concurrent-recompilation-delay=20`, the conditions under which V8 15.0
 * overwrote operand fields (see `gemm_ref.ts` and `v8_field_alias_repro.ts`).
 */
import { makeCase } from "./gemm_ref.ts";
import { Rng } from "../../../ops/random.ts";

const rng = new Rng(21);
const shapes = [
  [301, 42, 257, false, false],
  [301, 42, 257, true, false],
  [42, 301, 257, false, true],
  [42, 301, 257, false, false],
  [7, 5, 3, false, false],
  [130, 130, 600, true, true],
] as const;
for (const dtype of ["f64", "f32"] as const) {
  for (const [m, n, k, transA, transB] of shapes) {
    for (let i = 0; i < 4; i++) {
      makeCase(rng, { m, n, k, dtype, transA, transB, beta: 0.25, strided: true });
    }
  }
}
