/**
 * 16-bit float codecs used by checkpoint files: IEEE 754 binary16 ("F16") and bfloat16
 * ("BF16"). Encoding rounds to nearest, ties to even, directly from the float64 value (one
 * rounding, so a float32 input rounds exactly as PyTorch's `tensor.to(torch.bfloat16)` does).
 *
 * @module
 */

/** Bit layout of a binary floating-point format with an implicit leading one. */
interface MiniFloat {
  expBits: number;
  manBits: number;
}

const F16: MiniFloat = { expBits: 5, manBits: 10 };
const BF16: MiniFloat = { expBits: 8, manBits: 7 };

/** Rounds a non-negative double to the nearest integer, ties to even. */
function roundHalfEven(y: number): number {
  const f = Math.floor(y);
  const d = y - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** Encodes `x` in the format `fmt` (RNE; overflow to ±infinity; NaN to the quiet NaN). */
function encodeMini(x: number, fmt: MiniFloat): number {
  const { expBits, manBits } = fmt;
  const signBit = 1 << (expBits + manBits);
  const expMask = (1 << expBits) - 1;
  if (Number.isNaN(x)) return (expMask << manBits) | (1 << (manBits - 1));
  const sign = x < 0 || Object.is(x, -0) ? signBit : 0;
  const a = Math.abs(x);
  const bias = (1 << (expBits - 1)) - 1;
  const emin = 1 - bias;
  // Smallest value that rounds to infinity: halfway between the largest finite and 2^(emax+1).
  const overflow = (2 - 2 ** -(manBits + 1)) * 2 ** bias;
  if (a >= overflow) return sign | (expMask << manBits);
  if (a < 2 ** emin) {
    // Subnormal (or zero): integer multiple of 2^(emin - manBits); a carry into the exponent
    // field yields the smallest normal, which is the correct encoding.
    return sign | roundHalfEven(a * 2 ** (manBits - emin));
  }
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--; // log2 can be off by one ulp near powers of two
  else if (2 ** (e + 1) <= a) e++;
  let m = roundHalfEven((a / 2 ** e - 1) * 2 ** manBits);
  if (m === 1 << manBits) {
    m = 0;
    e++;
  }
  return sign | ((e + bias) << manBits) | m;
}

/** Decodes the bits `h` of format `fmt` to a number (exact). */
function decodeMini(h: number, fmt: MiniFloat): number {
  const { expBits, manBits } = fmt;
  const expMask = (1 << expBits) - 1;
  const bias = (1 << (expBits - 1)) - 1;
  const sign = (h >>> (expBits + manBits)) & 1 ? -1 : 1;
  const e = (h >>> manBits) & expMask;
  const m = h & ((1 << manBits) - 1);
  if (e === expMask) return m === 0 ? sign * Infinity : NaN;
  if (e === 0) return sign * m * 2 ** (1 - bias - manBits);
  return sign * (1 + m / 2 ** manBits) * 2 ** (e - bias);
}

/**
 * The binary16 bit pattern nearest to `x` (round to nearest, ties to even).
 *
 * @example
 * ```ts
 * import { encodeF16 } from "./half.ts";
 * console.log(encodeF16(1).toString(16), encodeF16(-2).toString(16)); // 3c00 c000
 * ```
 */
export function encodeF16(x: number): number {
  return encodeMini(x, F16);
}

/**
 * The value of the binary16 bit pattern `h` (a 16-bit unsigned integer).
 *
 * @example
 * ```ts
 * import { decodeF16 } from "./half.ts";
 * console.log(decodeF16(0x3c00), decodeF16(0x0001)); // 1 5.960464477539063e-8
 * ```
 */
export function decodeF16(h: number): number {
  return decodeMini(h, F16);
}

/**
 * The bfloat16 bit pattern nearest to `x` (round to nearest, ties to even).
 *
 * @example
 * ```ts
 * import { encodeBF16 } from "./half.ts";
 * console.log(encodeBF16(1).toString(16)); // 3f80
 * ```
 */
export function encodeBF16(x: number): number {
  return encodeMini(x, BF16);
}

/**
 * The value of the bfloat16 bit pattern `h` (exact: a bfloat16 is the top half of a float32).
 *
 * @example
 * ```ts
 * import { decodeBF16 } from "./half.ts";
 * console.log(decodeBF16(0x3f80), decodeBF16(0xc040)); // 1 -3
 * ```
 */
export function decodeBF16(h: number): number {
  return decodeMini(h, BF16);
}
