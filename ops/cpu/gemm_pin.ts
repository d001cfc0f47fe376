/**
 * Operands pinned in the GEMM memory: a matrix that several products read (the big matrix of a
 * randomized SVD's power iterations, read 16 times) is copied into the WebAssembly memory once
 * instead of once per product. The direct driver (`gemm_direct.ts`) then reads it in place, and
 * both GEMM threads share the kernel work that used to wait on the one-thread copy.
 *
 * Pins form a stack at the bottom of the data area; every product's scratch starts above the
 * top pin ({@link scratchBase}). A pin is a snapshot: the pinned array must not change while it
 * is pinned (`withPinnedOperand` scopes this; the API is internal to the library).
 *
 * @module
 */
import { gemmMemory, memoryView } from "./gemm_memory.ts";
import { stage, STAGE_GAP } from "./gemm_pack.ts";
import { DATA } from "./gemm_pool.ts";

type Data = Float32Array | Float64Array;

/**
 * A matrix pinned in the GEMM memory: rows × cols of `data` from element `off` with row stride
 * `ld`, copied to byte `at` with row stride `ldPin` (padded where `ld` would alias cache sets).
 *
 * @example
 * ```ts
 * import { pinnedOperand, withPinnedOperand, type Pin } from "./gemm_pin.ts";
 * const a = new Float64Array(12);
 * withPinnedOperand(a, 0, 3, 4, 4, () => {
 *   const pin: Pin | null = pinnedOperand(a, 0, 4, 3, 4);
 *   console.log(pin?.rows, pin?.cols); // 3 4
 * });
 * ```
 */
export interface Pin {
  readonly data: Data;
  readonly off: number;
  readonly rows: number;
  readonly cols: number;
  readonly ld: number;
  /** Byte address of element (0, 0) in the GEMM memory. */
  readonly at: number;
  /** Row stride of the copy, in elements. */
  readonly ldPin: number;
  /** Bytes the pin holds, slack included (the stack's next pin starts after them). */
  readonly bytes: number;
}

const pins: Pin[] = [];

const roundUp = (x: number, q: number): number => Math.ceil(x / q) * q;

/**
 * Byte address where a product's scratch (C block, packed B, copies of A) may start: above
 * every pinned operand.
 *
 * @example
 * ```ts
 * import { scratchBase } from "./gemm_pin.ts";
 * import { DATA } from "./gemm_pool.ts";
 * console.log(scratchBase() >= DATA); // true
 * ```
 */
export function scratchBase(): number {
  const top = pins.at(-1);
  return top ? top.at + top.bytes : DATA;
}

/**
 * Runs `fn` with the rows × cols matrix at `off` (row stride `ld`) of `data` pinned in the GEMM
 * memory, so that products reading it skip its copy; unpins it afterwards, also on a throw.
 * `data` must not change while `fn` runs. A matrix too large to pin (the pin would end past
 * 1.75 GiB of the GEMM memory) is not pinned: `fn` runs as it would without this call.
 *
 * @example
 * ```ts
 * import { withPinnedOperand } from "./gemm_pin.ts";
 * import { gemm } from "./gemm.ts";
 * const a = new Float64Array([1, 2, 3, 4]), b = new Float64Array([1, 0, 0, 1]);
 * const c = new Float64Array(4);
 * withPinnedOperand(a, 0, 2, 2, 2, () => gemm({ m: 2, n: 2, k: 2, a, lda: 2, b, ldb: 2, c, ldc: 2 }));
 * console.log(c); // Float64Array [1, 2, 3, 4]
 * ```
 */
export function withPinnedOperand<T>(
  data: Data,
  off: number,
  rows: number,
  cols: number,
  ld: number,
  fn: () => T,
): T {
  const pin = pinOperand(data, off, rows, cols, ld);
  if (!pin) return fn(); // too large to pin: products copy it as they would without a pin
  try {
    return fn();
  } finally {
    // Scoped pins unwind in order; a hole left below a later pin would only waste space.
    pins.splice(pins.lastIndexOf(pin), 1);
  }
}

/**
 * Highest byte address a pin may end at. The wasm32 memory ends at 4 GiB (a larger pin was a
 * RangeError from `memory.grow`), and the split kernel calls of `gemm_pool.ts` carry addresses
 * as non-negative i32 (a threaded product reading a pin above 2 GiB was a RangeError);
 * 256 MiB are left below 2 GiB for the products' scratch above the pin.
 */
const PIN_END_MAX = 2 ** 31 - 2 ** 28;

function pinOperand(
  data: Data,
  off: number,
  rows: number,
  cols: number,
  ld: number,
): Pin | null {
  const ok = [off, rows, cols, ld].every(Number.isInteger) && off >= 0 && rows >= 1 &&
    cols >= 1 && ld >= cols && off + (rows - 1) * ld + cols <= data.length;
  if (!ok) {
    throw new RangeError(
      `withPinnedOperand: ${rows}x${cols} at ${off} (ld ${ld}) does not fit ${data.length} elements`,
    );
  }
  const es = data.BYTES_PER_ELEMENT, at = roundUp(scratchBase(), 64);
  // Slack: a kernel reads whole micro-panels (up to 16 rows or columns past the edge) and the
  // stride can grow by STAGE_GAP; the values read there only reach padding rows of C.
  const maxLd = Math.max(ld, cols + STAGE_GAP) + 64 / es;
  const bytes = roundUp((rows + 16) * maxLd * es + 64 * 16, 64);
  if (at + bytes > PIN_END_MAX) return null;
  gemmMemory(at + bytes);
  const w = memoryView(es === 8 ? "f64" : "f32");
  const ldPin = stage(w, at / es, data, off, ld, 0, rows, 0, cols);
  w.fill(0, at / es + (rows - 1) * ldPin + cols, (at + bytes) / es);
  const pin: Pin = { data, off, rows, cols, ld, at, ldPin, bytes };
  pins.push(pin);
  return pin;
}

/**
 * The pin that holds the rows × cols matrix at `off` (stride `ld`) of `data`, if it lies inside
 * one, else null. The address of its element (0, 0) is then
 * `pin.at + ((r0)·pin.ldPin + c0)·bytes` with `r0, c0` its position in the pin ({@link pinnedAt}).
 *
 * @example
 * ```ts
 * import { pinnedOperand, withPinnedOperand } from "./gemm_pin.ts";
 * const a = new Float64Array(16);
 * withPinnedOperand(a, 0, 4, 4, 4, () => {
 *   console.log(pinnedOperand(a, 5, 4, 2, 2) !== null); // true: rows 1-2, columns 1-2
 *   console.log(pinnedOperand(a, 0, 2, 4, 4)); // null: another row stride
 * });
 * ```
 */
export function pinnedOperand(
  data: Data,
  off: number,
  ld: number,
  rows: number,
  cols: number,
): Pin | null {
  for (let i = pins.length - 1; i >= 0; i--) {
    const p = pins[i];
    if (p.data !== data || p.ld !== ld || off < p.off) continue;
    const r0 = Math.floor((off - p.off) / ld), c0 = (off - p.off) % ld;
    if (r0 + rows <= p.rows && c0 + cols <= p.cols) return p;
  }
  return null;
}

/**
 * Byte address of the element at storage index `idx` of a pinned matrix (inside the pin).
 *
 * @example
 * ```ts
 * import { pinnedAt, pinnedOperand, withPinnedOperand } from "./gemm_pin.ts";
 * const a = new Float64Array(16);
 * withPinnedOperand(a, 0, 4, 4, 4, () => {
 *   const pin = pinnedOperand(a, 0, 4, 4, 4)!;
 *   console.log(pinnedAt(pin, 5) - pin.at === (pin.ldPin + 1) * 8); // true
 * });
 * ```
 */
export function pinnedAt(pin: Pin, idx: number): number {
  const r = Math.floor((idx - pin.off) / pin.ld), c = (idx - pin.off) % pin.ld;
  return pin.at + (r * pin.ldPin + c) * pin.data.BYTES_PER_ELEMENT;
}
