/**
 * Reader for JSON Lines files (one JSON value per line, for example the GSM8K files of
 * `../shared/data/gsm8k`). Format only: the values are returned as parsed, unchecked.
 *
 * @module
 */
import { checkOptionKeys, sourceName, splitLines } from "./_text_lines.ts";

/** Options of {@link parseJsonLines}. */
export interface JsonLinesOptions {
  /** Name used in error messages (default `"<text>"`). */
  file?: string;
}

/**
 * Parses JSON Lines text: each line is one JSON value. CRLF endings and one trailing line
 * ending are accepted; a blank line or a line that is not valid JSON is a RangeError naming the
 * file, the 1-based line and the parser's message; nothing is skipped. An unknown option key is
 * a TypeError.
 *
 * @example
 * ```ts
 * import { parseJsonLines } from "./jsonl.ts";
 * const rows = parseJsonLines('{"q": "1+1", "a": 2}\n[3]\n');
 * console.log(rows); // [ { q: "1+1", a: 2 }, [ 3 ] ]
 * ```
 */
export function parseJsonLines(text: string, opts: JsonLinesOptions = {}): unknown[] {
  const fn = "parseJsonLines";
  checkOptionKeys(fn, opts, ["file"]);
  const file = sourceName(fn, opts.file);
  const lines = splitLines(fn, text, file);
  const out = new Array<unknown>(lines.length);
  for (let i = 0; i < lines.length; i++) {
    try {
      out[i] = JSON.parse(lines[i]);
    } catch (e) {
      throw new RangeError(`${fn}: ${file}:${i + 1}: invalid JSON: ${(e as Error).message}`);
    }
  }
  return out;
}

/**
 * Reads a JSON Lines file (see {@link parseJsonLines}; errors name `path`). Synchronous;
 * `await` on the result is harmless.
 *
 * @example
 * ```ts
 * import { readJsonLines } from "./jsonl.ts";
 * const path = Deno.makeTempFileSync({ suffix: ".jsonl" });
 * Deno.writeTextFileSync(path, '{"a": 1}\r\n{"a": 2}\r\n');
 * console.log(readJsonLines(path).length); // 2
 * Deno.removeSync(path);
 * ```
 */
export function readJsonLines(path: string): unknown[] {
  return parseJsonLines(Deno.readTextFileSync(path), { file: path });
}
