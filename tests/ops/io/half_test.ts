import assert from "node:assert/strict";
import { decodeBF16, decodeF16, encodeBF16, encodeF16 } from "../../../ops/io/half.ts";
import { Rng } from "../../../ops/random.ts";

// V8's own binary16 rounding (ES2025 Math.f16round) is an independent oracle for our encoder.
const f16round = (Math as unknown as { f16round(x: number): number }).f16round;

function edgeValues(): number[] {
  const v = [0, -0, 1, -1, 65504, 65519.99, 65520, 65536, 1e6, -1e6, Infinity, -Infinity];
  v.push(2 ** -14, 2 ** -24, 2 ** -25, 2 ** -25 * 1.0000001, 3 * 2 ** -25, 2 ** -26, 1e-10);
  // Exact ties between neighbouring halves near 1 (1 + k·2^-11) round to the even mantissa.
  for (let k = 1; k < 20; k += 2) v.push(1 + k * 2 ** -11, -(1 + k * 2 ** -11));
  return v;
}

Deno.test("encodeF16 matches V8's Math.f16round on edge cases and random doubles", () => {
  const rng = new Rng(1);
  const values = edgeValues();
  for (let i = 0; i < 20000; i++) {
    const e = rng.int(50) - 30;
    values.push((rng.uniform() * 2 - 1) * 2 ** e);
  }
  for (const x of values) {
    const got = decodeF16(encodeF16(x));
    assert.ok(Object.is(got, f16round(x)), `x = ${x}: got ${got}, want ${f16round(x)}`);
  }
  assert.ok(Number.isNaN(decodeF16(encodeF16(NaN))));
});

Deno.test("F16: every non-NaN bit pattern decodes and re-encodes to itself", () => {
  for (let h = 0; h < 65536; h++) {
    const x = decodeF16(h);
    if (Number.isNaN(x)) continue;
    assert.equal(encodeF16(x), h, `pattern ${h.toString(16)}`);
    assert.ok(Object.is(f16round(x), x), `pattern ${h.toString(16)} is not a binary16 value`);
  }
});

/** The classic float32 → bfloat16 RNE bit trick (as used by PyTorch's CPU kernels). */
function bf16BitTrick(x: number): number {
  const u = new Uint32Array(new Float32Array([x]).buffer)[0];
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

Deno.test("encodeBF16 equals the float32 bit trick on float32 inputs", () => {
  const rng = new Rng(2);
  const values = [0, -0, 1, -1, 3.4e38, -3.4e38, 1e-40, -1e-42, 2 ** -133, 1.5 * 2 ** -133];
  for (let i = 0; i < 20000; i++) {
    const e = rng.int(260) - 135;
    values.push(Math.fround((rng.uniform() * 2 - 1) * 2 ** e));
  }
  // Exact ties in float32: low 16 bits = 0x8000.
  const bits = new Uint32Array(1), f = new Float32Array(bits.buffer);
  for (let i = 0; i < 2000; i++) {
    bits[0] = ((rng.nextUint32() & 0x7eff0000) | 0x8000) >>> 0;
    values.push(f[0]);
  }
  for (const x of values) {
    assert.equal(encodeBF16(x), bf16BitTrick(x), `x = ${x}`);
  }
});

Deno.test("encodeBF16 of a double picks the nearest bfloat16 (ties to even), checked by search", () => {
  const rng = new Rng(3);
  for (let i = 0; i < 5000; i++) {
    const x = (rng.uniform() * 2 - 1) * 2 ** (rng.int(40) - 20);
    const h = encodeBF16(x);
    const y = decodeBF16(h);
    // Neighbours one ulp either side must not be strictly closer.
    for (const nb of [h - 1, h + 1]) {
      const z = decodeBF16(nb & 0xffff);
      assert.ok(Math.abs(z - x) >= Math.abs(y - x), `x = ${x}: neighbour ${z} beats ${y}`);
    }
  }
});

Deno.test("BF16: every bit pattern decodes to the float32 with those high bits", () => {
  const bits = new Uint32Array(1), f = new Float32Array(bits.buffer);
  for (let h = 0; h < 65536; h++) {
    bits[0] = h << 16;
    const got = decodeBF16(h);
    if (Number.isNaN(f[0])) assert.ok(Number.isNaN(got));
    else assert.ok(Object.is(got, f[0]), `pattern ${h.toString(16)}`);
  }
});
