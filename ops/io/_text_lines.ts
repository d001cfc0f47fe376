/**
 * Shared checks of the text-format readers: option objects with known keys only, and the split
 * of a text into lines with the rules every reader follows (CRLF or LF endings, one trailing
 * line ending allowed, no blank line in between).
 *
 * @module
 */

/**
 * Throws a TypeError naming `fn` unless `opts` is undefined or a plain object whose keys are
 * all in `known`.
 *
 * @example
 * ```ts
 * import { checkOptionKeys } from "./_text_lines.ts";
 * checkOptionKeys("f", { file: "a.csv" }, ["file"]); // passes
 * try {
 *   checkOptionKeys("f", { fiel: "a.csv" }, ["file"]);
 * } catch (e) {
 *   console.log((e as Error).message); // f: unknown option "fiel" (known: file)
 * }
 * ```
 */
export function checkOptionKeys(fn: string, opts: unknown, known: readonly string[]): void {
  if (opts === undefined) return;
  if (typeof opts !== "object" || opts === null || Array.isArray(opts)) {
    throw new TypeError(`${fn}: options must be an object, got ${String(opts)}`);
  }
  for (const key of Object.keys(opts)) {
    if (!known.includes(key)) {
      throw new TypeError(`${fn}: unknown option "${key}" (known: ${known.join(", ")})`);
    }
  }
}

/**
 * The source name for error messages: `file` if given (a TypeError unless it is a string),
 * otherwise `"<text>"`.
 *
 * @example
 * ```ts
 * import { sourceName } from "./_text_lines.ts";
 * console.log(sourceName("f", undefined), sourceName("f", "a.csv")); // <text> a.csv
 * ```
 */
export function sourceName(fn: string, file: unknown): string {
  if (file === undefined) return "<text>";
  if (typeof file !== "string") {
    throw new TypeError(`${fn}: file must be a string, got ${String(file)}`);
  }
  return file;
}

/**
 * Splits `text` into lines. Lines end in `\n` or `\r\n`; a leading byte-order mark is dropped;
 * one line ending at the very end is allowed. A blank line anywhere else (including a second
 * trailing line ending) is a RangeError naming `fn`, `source` and the 1-based line, since a
 * reader must not skip a line silently. Empty text gives no lines.
 *
 * @example
 * ```ts
 * import { splitLines } from "./_text_lines.ts";
 * console.log(splitLines("f", "a\r\nb\n", "x.txt")); // [ "a", "b" ]
 * ```
 */
export function splitLines(fn: string, text: unknown, source: string): string[] {
  if (typeof text !== "string") {
    throw new TypeError(`${fn}: text must be a string, got ${typeof text}`);
  }
  let body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body === "") return [];
  if (body.endsWith("\n")) body = body.slice(0, body.endsWith("\r\n") ? -2 : -1);
  const lines = body.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.endsWith("\r")) lines[i] = line.slice(0, -1);
    if (lines[i] === "") throw new RangeError(`${fn}: ${source}:${i + 1}: blank line`);
  }
  return lines;
}
