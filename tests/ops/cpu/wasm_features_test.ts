import assert from "node:assert/strict";
import { detectWasmFeatures, selectBackend, wasmFeatures } from "../../../ops/cpu/wasm_features.ts";

/** True where `bytes` contains the relaxed-SIMD opcode prefix 0xfd 0x87 0x02 (f64x2.relaxed_madd). */
function hasRelaxed(bytes: Uint8Array): boolean {
  for (let i = 0; i + 2 < bytes.length; i++) {
    if (bytes[i] === 0xfd && bytes[i + 1] === 0x87 && bytes[i + 2] === 0x02) return true;
  }
  return false;
}

Deno.test("feature detection falls back: no relaxed → plain SIMD, no SIMD → TypeScript", () => {
  const plainOnly = detectWasmFeatures((b) => WebAssembly.validate(b) && !hasRelaxed(b));
  assert.deepEqual(plainOnly, { simd: true, relaxed: false });
  assert.equal(selectBackend(plainOnly), "wasm-simd");
  const none = detectWasmFeatures(() => false);
  assert.deepEqual(none, { simd: false, relaxed: false });
  assert.equal(selectBackend(none), "ts");
  const throwing = detectWasmFeatures(() => {
    throw new WebAssembly.CompileError("no");
  });
  assert.deepEqual(throwing, { simd: false, relaxed: false });
  assert.deepEqual(detectWasmFeatures(null), { simd: false, relaxed: false });
  // relaxed without SIMD is impossible; a validator claiming only relaxed still gives "ts".
  assert.equal(selectBackend(detectWasmFeatures((b) => hasRelaxed(b))), "ts");
});

Deno.test("this engine (Deno 2.9, V8) validates SIMD and relaxed SIMD", () => {
  assert.deepEqual(wasmFeatures(), { simd: true, relaxed: true });
  assert.equal(selectBackend(wasmFeatures()), "wasm-relaxed-simd");
});
