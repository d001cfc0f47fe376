import assert from "node:assert/strict";
import { gemm } from "../../../ops/cpu/gemm.ts";
import { gemmDirect } from "../../../ops/cpu/gemm_direct.ts";
import { defaultConfig } from "../../../ops/cpu/gemm_kernel.ts";
import { kernelsFor } from "../../../ops/cpu/gemm_memory.ts";
import { withPinnedOperand } from "../../../ops/cpu/gemm_pin.ts";
import {
  gemmSmall,
  isSmallGemm,
  SMALL_MAX_DEPTH,
  SMALL_MAX_FLOPS,
} from "../../../ops/cpu/gemm_small.ts";
import type { GemmArgs } from "../../../ops/cpu/gemm_types.ts";
import { wasmFeatures } from "../../../ops/cpu/wasm_features.ts";
import { Rng } from "../../../ops/random.ts";
import { assertGemm, type CaseSpec, makeCase } from "./gemm_ref.ts";

const TRANS = [[false, false], [true, false], [false, true], [true, true]] as const;
const simd = wasmFeatures().simd;
const noSimd = { ignore: !simd };
if (!simd) console.log("gemm_small_test: this engine has no WebAssembly SIMD; tests skipped");

/** The same case in fresh storage, run by the blocked driver with its roles fixed. */
function viaDirect(args: GemmArgs, c: Float32Array | Float64Array, swap: boolean): void {
  const dtype = c instanceof Float64Array ? "f64" : "f32";
  gemmDirect({ ...args, c }, kernelsFor(defaultConfig(dtype, wasmFeatures().relaxed)), { swap });
}

// Shapes around the 6×4 (f64) and 6×8 (f32) register tile, the unroll of 4, and the limits.
const SHAPES = [
  [1, 1, 1],
  [5, 3, 7],
  [6, 8, 4],
  [7, 9, 5],
  [16, 16, 16],
  [13, 31, 17],
  [32, 32, 32],
  [33, 30, 29],
  [64, 64, 64],
  [1, 64, 256],
  [64, 1, 200],
  [2, 3, 511],
] as const;

Deno.test(
  "small path: bit-identical to the blocked driver (both operand roles), all transposes, strides, alpha and beta",
  noSimd,
  () => {
    const rng = new Rng(5);
    for (const dtype of ["f64", "f32"] as const) {
      for (const [m, n, k] of SHAPES) {
        if (k > SMALL_MAX_DEPTH[dtype]) continue;
        for (const [transA, transB] of TRANS) {
          for (const [alpha, beta] of [[1, 0], [-0.75, 0], [1, 1], [2.5, -0.5]]) {
            const spec: CaseSpec = { m, n, k, dtype, transA, transB, alpha, beta, strided: true };
            const { args, c0 } = makeCase(rng, spec);
            const before = args.c.slice();
            gemmSmall(args);
            for (const swap of [false, true]) {
              const c = before.slice();
              viaDirect(args, c, swap);
              assert.deepEqual(args.c, c, `${JSON.stringify(spec)} swap ${swap}`);
            }
            assertGemm(args, c0, JSON.stringify(spec));
          }
        }
      }
    }
  },
);

Deno.test(
  "small path: rows further apart than STAGE_GAP (copied row by row), NaN around the block",
  noSimd,
  () => {
    const rng = new Rng(8);
    for (const dtype of ["f64", "f32"] as const) {
      for (const [transA, transB] of TRANS) {
        const m = 11, n = 13, k = 9, wide = 300;
        const arr = (len: number) =>
          dtype === "f64" ? new Float64Array(len).fill(NaN) : new Float32Array(len).fill(NaN);
        const ar = transA ? k : m, br = transB ? n : k;
        const a = arr(2 + ar * wide), b = arr(5 + br * wide);
        const ref = new Float64Array(m * n);
        const at = (i: number, p: number) => 2 + (transA ? p * wide + i : i * wide + p);
        const bt = (p: number, j: number) => 5 + (transB ? j * wide + p : p * wide + j);
        for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) a[at(i, p)] = rng.normal();
        for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) b[bt(p, j)] = rng.normal();
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            for (let p = 0; p < k; p++) ref[i * n + j] += a[at(i, p)] * b[bt(p, j)];
          }
        }
        const c = arr(m * n);
        const args = { m, n, k, a, aOffset: 2, lda: wide, b, bOffset: 5, ldb: wide, c, ldc: n };
        gemmSmall({ ...args, transA, transB });
        const tol = (dtype === "f64" ? 2 ** -52 : 2 ** -23) * k * 16;
        for (let i = 0; i < m * n; i++) {
          assert.ok(Math.abs(c[i] - ref[i]) <= tol, `${dtype} ${transA} ${transB} entry ${i}`);
        }
      }
    }
  },
);

Deno.test(
  "small path: gemm takes it exactly for m·n·k ≤ 64³ and k ≤ KC, with the same bits as before",
  noSimd,
  () => {
    assert.equal(SMALL_MAX_FLOPS, 64 ** 3);
    assert.ok(isSmallGemm(64, 64, 64, true) && isSmallGemm(64, 64, 64, false));
    assert.ok(!isSmallGemm(65, 64, 64, true));
    assert.ok(isSmallGemm(1, 1, 256, true) && !isSmallGemm(1, 1, 257, true));
    assert.ok(isSmallGemm(1, 1, 512, false) && !isSmallGemm(1, 1, 513, false));
    // Through gemm: small sizes (this path) and just above (the blocked driver) both match the
    // blocked driver bit for bit, so the switch between them changes no result.
    const rng = new Rng(3);
    for (const [m, n, k] of [[16, 16, 16], [64, 64, 64], [65, 64, 64], [8, 8, 300]]) {
      const { args } = makeCase(rng, { m, n, k, dtype: "f64" });
      const c = args.c.slice();
      gemm(args);
      viaDirect(args, c, false);
      assert.deepEqual(args.c, c, `${m}x${n}x${k}`);
    }
  },
);

Deno.test("small path: works in its own memory: a pinned operand stays intact", noSimd, () => {
  const rng = new Rng(4);
  const normals = (len: number) => new Float64Array(len).map(() => rng.normal());
  // 70³ > 64³: the blocked driver, which reads the pinned copy of a in place.
  const n = 70, a = normals(n * n), b = normals(n * n), x = normals(24 * 24);
  const plain = new Float64Array(n * n), pinned = new Float64Array(n * n);
  gemm({ m: n, n, k: n, a, lda: n, b, ldb: n, c: plain, ldc: n });
  withPinnedOperand(a, 0, n, n, n, () => {
    // A small product on other data between: had its scratch overwritten the pin, the large
    // product after it would read garbage.
    gemm({ m: 24, n: 24, k: 24, a: x, lda: 24, b: x, ldb: 24, c: new Float64Array(576), ldc: 24 });
    gemm({ m: n, n, k: n, a, lda: n, b, ldb: n, c: pinned, ldc: n });
  });
  assert.deepEqual(pinned, plain);
});
