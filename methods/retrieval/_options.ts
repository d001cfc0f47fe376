/**
 * Option checks shared by the retrieval functions: unknown keys and positive integers, each
 * error naming the function, the option and the value.
 *
 * @module
 */

/**
 * Throws a TypeError unless `opts` is a plain object whose keys are all in `known`.
 *
 * @example
 * ```ts
 * import { knownKeys } from "./_options.ts";
 * try {
 *   knownKeys("loreRerank", { kk: 2 }, ["k", "n"]);
 * } catch (e) {
 *   console.log((e as Error).message); // loreRerank: unknown option "kk" (known: k, n)
 * }
 * ```
 */
export function knownKeys(fn: string, opts: unknown, known: readonly string[]): void {
  if (typeof opts !== "object" || opts === null || Array.isArray(opts)) {
    throw new TypeError(`${fn}: options must be an object, got ${String(opts)}`);
  }
  const bad = Object.keys(opts).find((key) => !known.includes(key));
  if (bad !== undefined) {
    throw new TypeError(`${fn}: unknown option "${bad}" (known: ${known.join(", ")})`);
  }
}

/**
 * `value` checked as an integer `>= min` (`fallback` when undefined): a non-number is a
 * TypeError, a number out of range a RangeError, both naming the option and the value.
 *
 * @example
 * ```ts
 * import { intOption } from "./_options.ts";
 * console.log(intOption("f", "n", undefined, 8), intOption("f", "n", 3, 8)); // 8 3
 * ```
 */
export function intOption(
  fn: string,
  name: string,
  value: unknown,
  fallback: number,
  min = 1,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number") {
    throw new TypeError(`${fn}: ${name} must be a number, got ${typeof value} ${String(value)}`);
  }
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${fn}: ${name} must be an integer >= ${min}, got ${value}`);
  }
  return value;
}

/**
 * `value` checked as one of `choices` (`fallback` when undefined); anything else is a TypeError
 * naming the option, the value and the choices.
 *
 * @example
 * ```ts
 * import { choiceOption } from "./_options.ts";
 * console.log(choiceOption("f", "score", undefined, ["dot", "cosine"] as const)); // "dot"
 * ```
 */
export function choiceOption<T extends string>(
  fn: string,
  name: string,
  value: unknown,
  choices: readonly T[],
): T {
  if (value === undefined) return choices[0];
  if (!choices.includes(value as T)) {
    throw new TypeError(
      `${fn}: ${name} must be ${choices.map((c) => `"${c}"`).join(" or ")}, got ${
        JSON.stringify(value)
      }`,
    );
  }
  return value as T;
}
