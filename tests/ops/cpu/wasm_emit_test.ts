import assert from "node:assert/strict";
import wabtInit from "wabt";
import type { KernelConfig } from "../../../ops/cpu/gemm_kernel.ts";
import { emitDirectKernels } from "../../../ops/cpu/gemm_kernel_direct.ts";
import { Code, encodeModule, I32, sleb, uleb } from "../../../ops/cpu/wasm_emit.ts";

const wabt = await wabtInit();
const FEATURES = { simd: true, relaxed_simd: true, threads: true };

/**
 * wabt's disassembly of our bytes, and wabt's own assembly of that text. wabt.js's validator
 * rejects shared memories even with `threads` on, so those are validated by V8 instead.
 */
function roundTrip(
  bytes: Uint8Array<ArrayBuffer>,
  shared: boolean,
): { text: string; back: Uint8Array } {
  const mod = wabt.readWasm(bytes, FEATURES);
  if (shared) assert.ok(WebAssembly.validate(bytes));
  else mod.validate();
  const text = mod.toText({});
  const back = wabt.parseWat("k.wat", text, FEATURES).toBinary({}).buffer;
  return { text, back };
}

Deno.test("LEB128 matches the DWARF specification's worked examples", () => {
  assert.deepEqual(uleb(0), [0]);
  assert.deepEqual(uleb(127), [0x7f]);
  assert.deepEqual(uleb(128), [0x80, 0x01]);
  assert.deepEqual(uleb(624485), [0xe5, 0x8e, 0x26]);
  assert.deepEqual(sleb(-1), [0x7f]);
  assert.deepEqual(sleb(63), [0x3f]);
  assert.deepEqual(sleb(64), [0xc0, 0x00]);
  assert.deepEqual(sleb(-123456), [0xc0, 0xbb, 0x78]);
  assert.throws(() => uleb(-1), { name: "RangeError", message: /-1/ });
  assert.throws(() => sleb(2 ** 40), { name: "RangeError", message: /1099511627776/ });
});

Deno.test("emitted direct kernels are byte-identical to wabt's assembly of their own disassembly", () => {
  const variants: KernelConfig[] = [];
  for (const dtype of ["f64", "f32"] as const) {
    for (const fma of [true, false]) {
      variants.push({ dtype, mr: 6, nv: 2, unroll: 4, fma }, {
        dtype,
        mr: 3,
        nv: 3,
        unroll: 1,
        fma,
      });
    }
  }
  for (const cfg of variants) {
    for (const shared of [false, true]) {
      const bytes = emitDirectKernels(cfg, shared);
      const { text, back } = roundTrip(bytes, shared);
      assert.deepEqual([...back], [...bytes], JSON.stringify(cfg));
      assert.equal(
        text.includes(`${cfg.dtype}x${cfg.dtype === "f64" ? 2 : 4}.relaxed_madd`),
        cfg.fma,
      );
      assert.equal(text.includes("shared"), shared);
      assert.deepEqual(
        [...emitDirectKernels(cfg, shared)],
        [...bytes],
        "emission is deterministic",
      );
    }
  }
});

Deno.test("the emitter's control flow and integer ops assemble like wabt's", () => {
  const body = new Code().get(0).set(1).loop().inc(1, -3).get(1).i32(5).mul().brIf(0).end();
  const bytes = encodeModule({
    minPages: 2,
    funcs: [{ name: "f", params: [I32], locals: [I32], body }],
  });
  const wat = `(module (import "env" "mem" (memory 2))
    (func (export "f") (param i32) (local i32)
      local.get 0 local.set 1
      loop local.get 1 i32.const -3 i32.add local.set 1 local.get 1 i32.const 5 i32.mul br_if 0 end))`;
  const want = wabt.parseWat("f.wat", wat, FEATURES).toBinary({}).buffer;
  assert.deepEqual([...bytes], [...want]);
});
