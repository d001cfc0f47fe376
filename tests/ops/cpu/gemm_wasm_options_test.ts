import assert from "node:assert/strict";
import { gemmWasm, type WasmGemmOptions } from "../../../ops/cpu/gemm_wasm.ts";
import { wasmFeatures } from "../../../ops/cpu/wasm_features.ts";
import { Rng } from "../../../ops/random.ts";
import { assertGemm, makeCase } from "./gemm_ref.ts";

const simd = wasmFeatures().simd;

/** Runs gemmWasm with options that must be refused; C must be left as it was. */
function refused(opts: unknown, message: RegExp): void {
  const { args } = makeCase(new Rng(3), { m: 5, n: 4, k: 3, dtype: "f64", beta: 1 });
  const before = args.c.slice();
  assert.throws(() => gemmWasm(args, opts as WasmGemmOptions), { name: "TypeError", message });
  assert.deepEqual(args.c, before, "C changed before the options were checked");
}

Deno.test({
  name: "gemmWasm: the removed threadedPath option and unknown keys are TypeErrors naming the key",
  ignore: !simd,
  fn(): void {
    // The packed two-thread path is gone (issue 13); its selector must not be silently ignored.
    for (const value of ["packed", "direct"]) {
      refused({ threadedPath: value }, /gemmWasm: unknown option "threadedPath" \(known: fma, /);
    }
    refused({ thread: true }, /gemmWasm: unknown option "thread"/);
  },
});

Deno.test({
  name: "gemmWasm: option values of the wrong kind are TypeErrors naming the key and the value",
  ignore: !simd,
  fn(): void {
    refused({ threads: "yes" }, /gemmWasm: option threads must be a boolean, got "yes"/);
    refused({ order: "ij" }, /gemmWasm: option order must be one of "ir", "jr", got "ij"/);
    refused({ mc: 12.5 }, /gemmWasm: option mc must be an integer, got 12\.5/);
    refused({ kernel: 6 }, /gemmWasm: option kernel must be an object, got 6/);
    refused(7, /gemmWasm: options must be an object/);
  },
});

Deno.test({
  name: "gemmWasm: every documented option is accepted and the product stays exact",
  ignore: !simd,
  fn(): void {
    const all: Required<WasmGemmOptions> = {
      fma: wasmFeatures().relaxed,
      mc: 12,
      kc: 8,
      nc: 16,
      cElems: 1 << 12,
      packElems: 1 << 12,
      stageElems: 1 << 12,
      swap: true,
      order: "jr",
      threads: false,
      kernel: { mr: 4 },
    };
    const rng = new Rng(4);
    for (const opts of [all, {}, undefined]) {
      const { args, c0 } = makeCase(rng, { m: 30, n: 20, k: 25, dtype: "f64", strided: true });
      gemmWasm(args, opts);
      assertGemm(args, c0, `gemmWasm ${JSON.stringify(opts)}`);
    }
  },
});
