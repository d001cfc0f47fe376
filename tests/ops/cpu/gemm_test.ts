import assert from "node:assert/strict";
import fc from "fast-check";
import { gemm, gemmBackend } from "../../../ops/cpu/gemm.ts";
import { gemmTs } from "../../../ops/cpu/gemm_ts.ts";
import { gemmWasm } from "../../../ops/cpu/gemm_wasm.ts";
import type { GemmArgs } from "../../../ops/cpu/gemm_types.ts";
import { wasmFeatures } from "../../../ops/cpu/wasm_features.ts";
import { Rng } from "../../../ops/random.ts";
import { assertGemm, type CaseSpec, makeCase } from "./gemm_ref.ts";

type Kernel = (g: GemmArgs) => void;

/** Every kernel this engine can run, each forced explicitly, plus the dispatching front end. */
const kernels: [string, Kernel][] = [
  ["gemm", gemm],
  ["ts", gemmTs],
  ...(wasmFeatures().simd ? [["wasm-simd", (g: GemmArgs) => gemmWasm(g, { fma: false })]] : []),
  ...(wasmFeatures().relaxed ? [["wasm-fma", (g: GemmArgs) => gemmWasm(g, { fma: true })]] : []),
] as [string, Kernel][];

function check(rng: Rng, spec: CaseSpec, run: Kernel, label: string): void {
  const { args, c0 } = makeCase(rng, spec);
  run(args);
  assertGemm(args, c0, `${label} ${JSON.stringify(spec)}`);
}

const TRANS = [[false, false], [true, false], [false, true], [true, true]] as const;

Deno.test("gemm: this engine runs the SIMD kernel (Deno 2.9 validates relaxed SIMD)", () => {
  assert.equal(gemmBackend(), "wasm-relaxed-simd");
  assert.equal(kernels.length, 4);
});

Deno.test("gemm: degenerate and odd shapes, all transposes, both dtypes, every kernel", () => {
  const rng = new Rng(1);
  const shapes = [
    [1, 1, 1],
    [1, 37, 5],
    [37, 1, 5],
    [9, 11, 1],
    [6, 8, 4],
    [7, 9, 5],
    [13, 17, 31],
    [0, 5, 3],
    [5, 0, 3],
    [5, 4, 0],
    [0, 0, 0],
    [1, 1, 300],
    [25, 3, 70],
  ];
  for (const [name, run] of kernels) {
    for (const dtype of ["f64", "f32"] as const) {
      for (const [m, n, k] of shapes) {
        for (const [transA, transB] of TRANS) {
          check(rng, { m, n, k, dtype, transA, transB, strided: true }, run, name);
        }
      }
    }
  }
});

Deno.test("gemm: alpha and beta, including alpha = 0 (A, B unread) and beta = 0 (C unread)", () => {
  const rng = new Rng(2);
  for (const [name, run] of kernels) {
    for (const dtype of ["f64", "f32"] as const) {
      for (const alpha of [1, -0.5, 0, 3]) {
        for (const beta of [0, 1, -1.5]) {
          const spec = { m: 11, n: 10, k: 9, dtype, alpha, beta, strided: true };
          check(rng, spec, run, name);
        }
      }
    }
  }
  // alpha = 0 must not read A or B at all: NaN there may not reach C.
  for (const [name, run] of kernels) {
    const c = new Float64Array([1, 2, 3, 4]);
    const nan = new Float64Array(4).fill(NaN);
    run({ m: 2, n: 2, k: 2, a: nan, lda: 2, b: nan, ldb: 2, c, ldc: 2, alpha: 0, beta: 2 });
    assert.deepEqual([...c], [2, 4, 6, 8], name);
  }
});

Deno.test("gemm: WebAssembly blocking crosses MC, KC, NC and the C row chunk", () => {
  if (!wasmFeatures().simd) return;
  const rng = new Rng(3);
  const small = { mc: 12, kc: 8, nc: 16, cElems: 16 * 24 };
  for (const fma of wasmFeatures().relaxed ? [false, true] : [false]) {
    for (const dtype of ["f64", "f32"] as const) {
      for (const [transA, transB] of TRANS) {
        for (const [m, n, k] of [[37, 45, 29], [12, 16, 8], [13, 17, 9], [50, 3, 40]]) {
          const run = (g: GemmArgs): void => gemmWasm(g, { fma, ...small });
          const spec = { m, n, k, dtype, transA, transB, alpha: 1.5, beta: -1, strided: true };
          check(rng, spec, run, `wasm fma=${fma}`);
        }
      }
    }
  }
  // The tuned blocks: depth crosses KC (256 f64, 512 f32), rows cross MC (96), columns NC (4096).
  for (const dtype of ["f64", "f32"] as const) {
    check(rng, { m: 100, n: 21, k: 530, dtype, strided: true, beta: 1 }, gemmWasm, "wasm tuned");
    check(rng, { m: 3, n: 4100, k: 5, dtype, transB: true, beta: -1 }, gemmWasm, "wasm tuned");
  }
});

Deno.test("gemm: other register tiles and unrolling are correct too", () => {
  if (!wasmFeatures().simd) return;
  const rng = new Rng(4);
  for (const kernel of [{ mr: 4, nv: 2, unroll: 1 }, { mr: 3, nv: 3, unroll: 3 }]) {
    for (const dtype of ["f64", "f32"] as const) {
      const run = (g: GemmArgs): void => gemmWasm(g, { kernel, mc: 12, kc: 10 });
      check(rng, { m: 23, n: 29, k: 31, dtype, transA: true, strided: true }, run, "tile");
    }
  }
});

Deno.test("gemm: property — random shapes, strides, transposes and scalars match the naive loop", () => {
  const rng = new Rng(5);
  fc.assert(
    fc.property(
      fc.record({
        m: fc.integer({ min: 0, max: 30 }),
        n: fc.integer({ min: 0, max: 30 }),
        k: fc.integer({ min: 0, max: 30 }),
        dtype: fc.constantFrom("f64" as const, "f32" as const),
        transA: fc.boolean(),
        transB: fc.boolean(),
        alpha: fc.constantFrom(1, -1, 0.5, 0),
        beta: fc.constantFrom(0, 1, 2),
        strided: fc.boolean(),
        kernel: fc.integer({ min: 0, max: kernels.length - 1 }),
        blocks: fc.constantFrom(undefined, { mc: 6, kc: 4, nc: 8 }),
      }),
      (s) => {
        const [name, run] = kernels[s.kernel];
        const kernel: Kernel = s.blocks && name.startsWith("wasm")
          ? (g) => gemmWasm(g, { ...s.blocks, fma: name === "wasm-fma" })
          : run;
        check(rng, s, kernel, name);
      },
    ),
    { numRuns: 150, seed: 7 },
  );
});

Deno.test("gemm: f32 products stay within k·2^-24·|A||B| at a larger depth", () => {
  const rng = new Rng(6);
  check(rng, { m: 40, n: 36, k: 1500, dtype: "f32", strided: true }, gemm, "gemm");
});

Deno.test("gemm: bad arguments throw errors naming the argument and value", () => {
  const a = new Float64Array(4), b = new Float64Array(4), c = new Float64Array(4);
  const ok: GemmArgs = { m: 2, n: 2, k: 2, a, lda: 2, b, ldb: 2, c, ldc: 2 };
  assert.throws(() => gemm({ ...ok, m: -1 }), { name: "RangeError", message: /gemm: m .*-1/ });
  assert.throws(() => gemm({ ...ok, k: 1.5 }), { name: "RangeError", message: /k .*1\.5/ });
  assert.throws(() => gemm({ ...ok, lda: 1 }), { name: "RangeError", message: /lda = 1/ });
  assert.throws(() => gemm({ ...ok, ldc: 3 }), { name: "RangeError", message: /c \(2x2, ld 3/ });
  assert.throws(() => gemm({ ...ok, bOffset: 1 }), { name: "RangeError", message: /offset 1/ });
  assert.throws(
    () => gemm({ ...ok, b: new Float32Array(4) }),
    {
      name: "TypeError",
      message: /same element type, got Float64Array, Float32Array, Float64Array/,
    },
  );
  const bad = (extra: Record<string, unknown>): GemmArgs => ({ ...ok, ...extra }) as GemmArgs;
  assert.throws(() => gemm(bad({ alpha: "2" })), {
    name: "TypeError",
    message: /gemm: alpha must be a number, got string 2/,
  });
  assert.throws(() => gemm(bad({ beta: null })), { name: "TypeError", message: /beta/ });
  assert.throws(() => gemm(bad({ transA: 1 })), {
    name: "TypeError",
    message: /gemm: transA must be a boolean, got number 1/,
  });
  assert.throws(() => gemm(bad({ transB: "yes" })), { name: "TypeError", message: /transB/ });
});
