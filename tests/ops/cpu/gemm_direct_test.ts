import assert from "node:assert/strict";
import fc from "fast-check";
import wabtInit from "wabt";
import { emitDirectKernels } from "../../../ops/cpu/gemm_kernel_direct.ts";
import type { KernelConfig } from "../../../ops/cpu/gemm_kernel.ts";
import { loadCT, packB, stage, STAGE_GAP, storeCT } from "../../../ops/cpu/gemm_pack.ts";
import { gemmMemory, kernelsFor, memoryView } from "../../../ops/cpu/gemm_memory.ts";
import type { GemmArgs } from "../../../ops/cpu/gemm_types.ts";
import { gemmWasm, type WasmGemmOptions } from "../../../ops/cpu/gemm_wasm.ts";
import { wasmFeatures } from "../../../ops/cpu/wasm_features.ts";
import { Rng } from "../../../ops/random.ts";
import { assertGemm, type CaseSpec, makeCase } from "./gemm_ref.ts";

const TRANS = [[false, false], [true, false], [false, true], [true, true]] as const;
const FMA = wasmFeatures().relaxed ? [false, true] : [false];

function check(rng: Rng, spec: CaseSpec, opts: WasmGemmOptions): void {
  const { args, c0 } = makeCase(rng, spec);
  gemmWasm(args, opts);
  assertGemm(args, c0, `${JSON.stringify(spec)} ${JSON.stringify(opts)}`);
}

/**
 * A case whose operands have row gaps wider than STAGE_GAP (so op(A) is copied row by row),
 * NaN in the gaps and around the block, and C embedded in a wider matrix.
 */
function wideCase(rng: Rng, s: CaseSpec): { args: GemmArgs; c0: Float64Array } {
  const { args } = makeCase(rng, s);
  const widen = (data: Float32Array | Float64Array, off: number, ld: number, rows: number) => {
    const cols = ld, wide = cols + STAGE_GAP + 1 + rng.int(20);
    const out = s.dtype === "f64"
      ? new Float64Array(3 + rows * wide).fill(NaN)
      : new Float32Array(3 + rows * wide).fill(NaN);
    for (let r = 0; r < rows; r++) {
      out.set(data.subarray(off + r * ld, off + r * ld + cols), 3 + r * wide);
    }
    return { data: out, off: 3, ld: wide };
  };
  const a = widen(args.a, args.aOffset ?? 0, args.lda, s.transA ? s.k : s.m);
  const b = widen(args.b, args.bOffset ?? 0, args.ldb, s.transB ? s.n : s.k);
  const wide: GemmArgs = {
    ...args,
    a: a.data,
    aOffset: a.off,
    lda: a.ld,
    b: b.data,
    bOffset: b.off,
    ldb: b.ld,
  };
  return { args: wide, c0: Float64Array.from(args.c) };
}

Deno.test("direct path: both operand roles (swap) and both macro loop orders, all transposes", () => {
  if (!wasmFeatures().simd) return;
  const rng = new Rng(21);
  for (const fma of FMA) {
    for (const dtype of ["f64", "f32"] as const) {
      for (const [transA, transB] of TRANS) {
        for (const [m, n, k] of [[37, 45, 29], [7, 50, 33], [50, 7, 33], [13, 1, 70]]) {
          for (const swap of [false, true]) {
            for (const order of ["ir", "jr"] as const) {
              const spec = {
                m,
                n,
                k,
                dtype,
                transA,
                transB,
                alpha: -1.5,
                beta: 0.5,
                strided: true,
              };
              check(rng, spec, { fma, swap, order, mc: 12, kc: 8, nc: 16 });
            }
          }
        }
      }
    }
  }
});

Deno.test("direct path: A copied in bands with depth chunks (C held for the band), beta = 0", () => {
  if (!wasmFeatures().simd) return;
  const rng = new Rng(22);
  for (const dtype of ["f64", "f32"] as const) {
    for (const [transA, transB] of TRANS) {
      for (const swap of [false, true]) {
        // stageElems below mc·k forces several depth chunks per band; cElems sizes the band.
        const opts = { swap, mc: 6, kc: 4, nc: 8, stageElems: 60, cElems: 200 };
        check(rng, { m: 31, n: 23, k: 41, dtype, transA, transB, strided: true }, opts);
        check(rng, { m: 31, n: 23, k: 41, dtype, transA, transB, beta: 2 }, opts);
      }
    }
  }
});

Deno.test("direct path: row gaps wider than STAGE_GAP are copied row by row, NaN gaps unread", () => {
  if (!wasmFeatures().simd) return;
  const rng = new Rng(23);
  for (const dtype of ["f64", "f32"] as const) {
    for (const [transA, transB] of TRANS) {
      for (const swap of [false, true]) {
        const spec = { m: 20, n: 14, k: 19, dtype, transA, transB, beta: -1, strided: true };
        const { args, c0 } = wideCase(rng, spec);
        gemmWasm(args, { swap, mc: 12, kc: 8 });
        assertGemm(args, c0, `wide ${JSON.stringify(spec)} swap=${swap}`);
      }
    }
  }
});

Deno.test("direct path: skinny low-rank shapes at the tuned blocks cross every new branch", () => {
  if (!wasmFeatures().simd) return;
  const rng = new Rng(24);
  const shapes: [number, number, number, boolean, boolean][] = [
    [300, 42, 400, false, false], // A·Ω of a randomized SVD: A read in place
    [42, 300, 400, true, false], // Qᵀ·A: roles swapped, depth-major copy of A
    [520, 520, 16, false, false], // LoRA-style B·A, k = 16: one depth block, C copied out at once
    [130, 16, 1100, false, true], // tall depth, n = 16: several KC blocks, A-panel loop outer
    [3, 5, 20000, true, true], // very deep, tiny m and n: A copied in depth chunks
    [7, 17000, 1, false, false], // k = 1 and n past NC_MAX: several column blocks
  ];
  // A packed B of ≥ 4 MiB: depth blocks go outside row blocks, C held for the whole band.
  check(rng, { m: 14, n: 1100, k: 520, dtype: "f64", beta: 1, strided: true }, { swap: false });
  check(rng, { m: 8, n: 1000, k: 1100, dtype: "f32", transB: true }, { swap: false });
  // Row strides of 1 KiB multiples are copied with a cache line of padding (stage's aliasing).
  for (const [dtype, w] of [["f64", 128], ["f32", 256]] as const) {
    for (const [transA, transB] of TRANS) {
      check(rng, { m: 40, n: w, k: w, dtype, transA, transB }, {});
      check(rng, { m: 40, n: w, k: w, dtype, transA, transB }, { swap: true });
    }
  }
  for (const dtype of ["f64", "f32"] as const) {
    for (const [m, n, k, transA, transB] of shapes) {
      check(rng, { m, n, k, dtype, transA, transB, strided: true, beta: 1 }, {});
    }
  }
});

Deno.test("direct path: property — random shapes and blocking knobs match the naive loop", () => {
  if (!wasmFeatures().simd) return;
  const rng = new Rng(25);
  fc.assert(
    fc.property(
      fc.record({
        m: fc.integer({ min: 1, max: 40 }),
        n: fc.integer({ min: 1, max: 40 }),
        k: fc.integer({ min: 1, max: 40 }),
        dtype: fc.constantFrom("f64" as const, "f32" as const),
        transA: fc.boolean(),
        transB: fc.boolean(),
        beta: fc.constantFrom(0, 1, -2),
        swap: fc.constantFrom(undefined, false, true),
        order: fc.constantFrom(undefined, "ir" as const, "jr" as const),
        mc: fc.constantFrom(undefined, 6, 18),
        kc: fc.constantFrom(undefined, 1, 5, 12),
        stageElems: fc.constantFrom(undefined, 1, 100, 1000),
        cElems: fc.constantFrom(undefined, 1, 300),
      }),
      (s) => {
        const { swap, order, mc, kc, stageElems, cElems, ...spec } = s;
        check(rng, { ...spec, strided: true }, { swap, order, mc, kc, stageElems, cElems });
      },
    ),
    { numRuns: 120, seed: 9 },
  );
});

Deno.test("stage: one copy when the row gaps are small, row by row otherwise", () => {
  const src = Float64Array.from({ length: 40 }, (_, i) => i);
  const dst = new Float64Array(64).fill(-1);
  // 3 rows × 2 columns from (1, 1) of a 4-column matrix: gaps of 2 → one span copy, stride 4.
  assert.equal(stage(dst, 5, src, 0, 4, 1, 3, 1, 2), 4);
  assert.deepEqual([...dst.subarray(5, 15)], [5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  assert.equal(dst[4], -1);
  // Gaps wider than STAGE_GAP: packed rows of the width.
  const wide = Float64Array.from({ length: 3 * (STAGE_GAP + 10) }, (_, i) => i);
  const ld = STAGE_GAP + 10, out = new Float64Array(9).fill(-1);
  assert.equal(stage(out, 1, wide, 2, ld, 0, 3, 4, 2), 2);
  assert.deepEqual([...out], [-1, 6, 7, ld + 6, ld + 7, 2 * ld + 6, 2 * ld + 7, -1, -1]);
});

Deno.test("loadCT and storeCT transpose between C and the buffer, beta = 0 reads nothing", () => {
  const c = new Float64Array([1, 2, 3, NaN, 4, 5, 6, NaN]); // 2×3 in a 2×4 storage
  const buf = new Float64Array(8).fill(-1);
  loadCT(buf, 0, 2, c, 0, 4, 2, 3, 2); // buffer holds Cᵀ (3×2, stride 2), scaled by 2
  assert.deepEqual([...buf.subarray(0, 6)], [2, 8, 4, 10, 6, 12]);
  loadCT(buf, 0, 2, new Float64Array(8).fill(NaN), 0, 4, 2, 3, 0);
  assert.deepEqual([...buf.subarray(0, 6)], [0, 0, 0, 0, 0, 0]);
  const back = new Float64Array(8).fill(7);
  storeCT(back, 1, 4, new Float64Array([1, 4, 2, 5, 3, 6]), 0, 2, 2, 3);
  assert.deepEqual([...back], [7, 1, 2, 3, 7, 4, 5, 6]);
});

Deno.test("emitDirectKernels: wabt reassembles its disassembly byte for byte; bad configs throw", async () => {
  const wabt = await wabtInit();
  const features = { simd: true, relaxed_simd: true };
  for (const dtype of ["f64", "f32"] as const) {
    for (const fma of [false, true]) {
      const cfg: KernelConfig = { dtype, mr: 6, nv: 2, unroll: 4, fma };
      const bytes = emitDirectKernels(cfg);
      const mod = wabt.readWasm(bytes, features);
      mod.validate();
      const text = mod.toText({});
      for (const name of ["tileR", "tileD", "tileRi", "tileDi"]) assert.ok(text.includes(name));
      const back = wabt.parseWat("d.wat", text, features).toBinary({}).buffer;
      assert.deepEqual([...back], [...bytes], JSON.stringify(cfg));
      assert.ok(WebAssembly.validate(emitDirectKernels(cfg, true)), "shared-memory variant");
    }
  }
  const ok: KernelConfig = { dtype: "f64", mr: 6, nv: 2, unroll: 4, fma: false };
  assert.throws(() => emitDirectKernels({ ...ok, nv: 17 }), {
    name: "RangeError",
    message: /emitDirectKernels: nv .* 17/,
  });
  assert.throws(() => emitDirectKernels({ ...ok, dtype: "f16" as "f64" }), {
    name: "TypeError",
    message: /dtype .*f16/,
  });
});

Deno.test("wasm packN/packT give the same panels as the TypeScript packB, both dtypes", () => {
  if (!wasmFeatures().simd) return;
  const rng = new Rng(26);
  for (const dtype of ["f64", "f32"] as const) {
    const kern = kernelsFor({ dtype, mr: 6, nv: 2, unroll: 4, fma: false });
    const es = dtype === "f64" ? 8 : 4, L = dtype === "f64" ? 2 : 4, nr = 2 * L;
    const cases: [number, number, boolean][] = [[1, 1, false], [7, 3, false], [9, 2, true], [
      16,
      3,
      true,
    ]];
    for (const [k, panels, trans] of cases) {
      const cols = panels * nr, ld = (trans ? k : cols) + 3, rows = trans ? cols : k;
      const src = Float64Array.from({ length: rows * ld }, () => rng.normal());
      gemmMemory(1 << 20);
      const w = memoryView(dtype);
      const rawAt = 4096, outAt = 65536;
      w.set(src, rawAt / es);
      const stored = w.slice(rawAt / es, rawAt / es + rows * ld); // src rounded to dtype
      const want = dtype === "f64" ? new Float64Array(k * cols) : new Float32Array(k * cols);
      packB(want, 0, { data: stored, off: 0, ld, trans }, 0, 0, k, cols, nr, k);
      w.fill(NaN, outAt / es, outAt / es + k * cols);
      if (trans) {
        const groups = Math.floor(k / L);
        kern.packT(rawAt, ld * es, outAt, groups, panels, k * nr * es);
        // packT leaves the last k mod L depths to its caller: compare the rest.
        for (let s = 0; s < panels; s++) {
          for (let d = 0; d < k; d++) {
            for (let j = 0; j < nr; j++) {
              const at = (s * k + d) * nr + j;
              if (d < groups * L) assert.equal(w[outAt / es + at], want[at], `${dtype} ${at}`);
              else assert.ok(Number.isNaN(w[outAt / es + at]), "tail depths left alone");
            }
          }
        }
      } else {
        kern.packN(rawAt, ld * es, outAt, k, panels);
        assert.deepEqual([...w.subarray(outAt / es, outAt / es + k * cols)], [...want]);
      }
    }
  }
});
