/**
 * Option checking shared by the distillation functions: unknown keys and malformed numbers
 * are errors that name the option and the value (DESIGN §3).
 *
 * @module
 */

/**
 * Throws a TypeError naming the first key of `opts` not in `known`.
 *
 * @example
 * ```ts
 * import { checkKeys } from "./_options.ts";
 * checkKeys("demo", { decay: 0.9 }, ["decay"]); // fine
 * ```
 */
export function checkKeys(fn: string, opts: object, known: readonly string[]): void {
  if (opts === null || typeof opts !== "object") {
    throw new TypeError(`${fn}: options must be an object, got ${String(opts)}`);
  }
  for (const k of Object.keys(opts)) {
    if (!known.includes(k)) throw new TypeError(`${fn}: unknown option "${k}"`);
  }
}

/**
 * `v` if it is a finite number in `[lo, hi]` (`fallback` if undefined), else a RangeError
 * (a TypeError for a non-number).
 *
 * @example
 * ```ts
 * import { numberIn } from "./_options.ts";
 * console.log(numberIn("demo", "decay", undefined, 0.95, 0, 1)); // 0.95
 * ```
 */
export function numberIn(
  fn: string,
  name: string,
  v: unknown,
  fallback: number,
  lo: number,
  hi: number,
): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number") {
    throw new TypeError(`${fn}: ${name} must be a number, got ${String(v)}`);
  }
  if (!Number.isFinite(v) || !(v >= lo && v <= hi)) {
    throw new RangeError(`${fn}: ${name} must be in [${lo}, ${hi}], got ${v}`);
  }
  return v;
}

/**
 * `v` if it is an integer `>= lo` (`fallback` if undefined), else a RangeError (a TypeError
 * for a non-number).
 *
 * @example
 * ```ts
 * import { intAtLeast } from "./_options.ts";
 * console.log(intAtLeast("demo", "length", 4, 1, 1)); // 4
 * ```
 */
export function intAtLeast(
  fn: string,
  name: string,
  v: unknown,
  fallback: number,
  lo: number,
): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number") {
    throw new TypeError(`${fn}: ${name} must be a number, got ${String(v)}`);
  }
  if (!Number.isSafeInteger(v) || v < lo) {
    throw new RangeError(`${fn}: ${name} must be an integer >= ${lo}, got ${String(v)}`);
  }
  return v as number;
}
