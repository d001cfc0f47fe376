/**
 * Count options of the geometry methods must be positive integers (DESIGN §3: nothing silently
 * ignored or clamped); unknown keys and wrong kinds are checked by the shared `checkOptions` of
 * `ops/options.ts`.
 *
 * @module
 */

/**
 * Returns `v` if it is a positive integer, else a RangeError naming the option and the value.
 *
 * @example
 * ```ts
 * import { positiveIntOption } from "./options.ts";
 * console.log(positiveIntOption("f", "iterations", 5)); // 5
 * ```
 */
export function positiveIntOption(fn: string, name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) {
    throw new RangeError(`${fn}: ${name} must be a positive integer, got ${String(v)}`);
  }
  return v;
}
