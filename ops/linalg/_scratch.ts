/**
 * Internal: reusable scratch vectors for the small-matrix paths of qr, svd and eigh. Creating a
 * typed array costs 0.4–1 µs in Deno here (its backing store is allocated and later finalized
 * by the GC), more than an 8 × 8 factorization's arithmetic; a 8 × 8 svd used to create twenty.
 * Each call site owns one {@link Scratch} and the code is synchronous, so a buffer is never in
 * use twice at once.
 *
 * @module
 */

/** Scratch of at most this many entries is kept between calls; larger requests allocate. */
const KEEP_MAX = 4096;

/**
 * One reusable Float64Array for one call site. Its contents are undefined on return (the caller
 * initializes what it reads) and it may be longer than asked for.
 *
 * @example
 * ```ts
 * import { Scratch } from "./_scratch.ts";
 * const s = new Scratch();
 * const a = s.get(4);
 * console.log(a.length >= 4, s.get(3) === a); // true true
 * ```
 */
export class Scratch {
  #buf = new Float64Array(0);

  /** A buffer of at least `len` entries (the kept one when `len` ≤ 4096). */
  get(len: number): Float64Array {
    if (len > KEEP_MAX) return new Float64Array(len);
    if (this.#buf.length < len) this.#buf = new Float64Array(Math.max(len, 16));
    return this.#buf;
  }
}
