/**
 * Runtime checks of options objects: a misspelled key (`{ fulll: true }`) or a value of the
 * wrong type (`{ full: "yes" }`) is a TypeError naming the function and the key, as the type
 * checker would say, also for plain JavaScript callers and `deno run` (which does not type-check).
 *
 * @module
 */

/**
 * The accepted type of one option: a primitive type name, `"integer"`, `"array"`, `"object"`,
 * a list of the allowed strings, or `"any"` (only the key is checked; the function checks a
 * value of several types, such as `number | "auto"`, itself).
 */
export type OptionKind =
  | "any"
  | "boolean"
  | "number"
  | "integer"
  | "string"
  | "function"
  | "object"
  | "array"
  | readonly string[];

/** What a value looks like in an error message. */
function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return "an array";
  if (v === null) return "null";
  if (typeof v === "object") return `a ${v.constructor?.name ?? "object"}`;
  return String(v);
}

function matches(kind: OptionKind, v: unknown): boolean {
  if (Array.isArray(kind)) return typeof v === "string" && kind.includes(v);
  switch (kind) {
    case "any":
      return true;
    case "integer":
      return Number.isInteger(v);
    case "array":
      return Array.isArray(v);
    case "object":
      return v !== null && typeof v === "object";
    case "boolean":
      return typeof v === "boolean";
    case "number":
      return typeof v === "number";
    case "string":
      return typeof v === "string";
    default:
      return typeof v === "function";
  }
}

function kindName(kind: OptionKind): string {
  if (Array.isArray(kind)) return `one of ${kind.map((k) => JSON.stringify(k)).join(", ")}`;
  return kind === "integer" || kind === "array" || kind === "object" ? `an ${kind}` : `a ${kind}`;
}

/**
 * Checks an options argument of `fn`: `undefined` or a plain object whose keys are all in
 * `spec` and whose values (unless `undefined`) have the declared kind. Ranges are left to the
 * function, which knows them.
 *
 * @throws {TypeError} naming `fn` and the key for an unknown key or a value of the wrong kind,
 * or when `opts` is not an object (e.g. `mean(x, 0)` instead of `mean(x, { axis: 0 })`).
 *
 * @example
 * ```ts
 * import { checkOptions } from "./options.ts";
 * try {
 *   checkOptions("svd", { fulll: true }, { full: "boolean" });
 * } catch (e) {
 *   console.log((e as Error).message); // svd: unknown option "fulll" (known: full)
 * }
 * ```
 */
export function checkOptions(
  fn: string,
  opts: unknown,
  spec: Readonly<Record<string, OptionKind>>,
): void {
  if (opts === undefined) return;
  if (opts === null || typeof opts !== "object" || Array.isArray(opts)) {
    const keys = Object.keys(spec);
    const hint = keys.length > 0 ? ` such as { ${keys[0]}: … }` : "";
    throw new TypeError(`${fn}: options must be an object${hint}, got ${show(opts)}`);
  }
  for (const [key, v] of Object.entries(opts)) {
    const kind = spec[key];
    if (kind === undefined || !Object.hasOwn(spec, key)) {
      throw new TypeError(
        `${fn}: unknown option "${key}" (known: ${Object.keys(spec).join(", ") || "none"})`,
      );
    }
    if (v !== undefined && !matches(kind, v)) {
      throw new TypeError(`${fn}: option ${key} must be ${kindName(kind)}, got ${show(v)}`);
    }
  }
}
