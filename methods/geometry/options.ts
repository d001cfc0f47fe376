/**
 * Option checks shared by the geometry methods: unknown keys are a TypeError, counts must be
 * positive integers (DESIGN §3: nothing silently ignored or clamped).
 *
 * @module
 */

/**
 * Throws a TypeError naming `fn` and the key if `opts` holds a key outside `known`.
 *
 * @example
 * ```ts
 * import { checkOptions } from "./options.ts";
 * checkOptions("f", { a: 1 }, ["a", "b"]);
 * try { checkOptions("f", { c: 1 }, ["a"]); } catch (e) { console.log((e as Error).message); }
 * // f: unknown option "c" (known: a)
 * ```
 */
export function checkOptions(fn: string, opts: object, known: readonly string[]): void {
  if (opts === null || typeof opts !== "object") {
    throw new TypeError(`${fn}: options must be an object, got ${String(opts)}`);
  }
  for (const k of Object.keys(opts)) {
    if (!known.includes(k)) {
      throw new TypeError(
        `${fn}: unknown option ${JSON.stringify(k)} (known: ${known.join(", ")})`,
      );
    }
  }
}

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
