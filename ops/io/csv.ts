/**
 * Reader for CSV files of numbers (for example the UCI digits table of `../shared/data/digits`):
 * one row per line, the same number of fields on every line, an optional header line.
 *
 * @module
 */
import { Tensor } from "../tensor.ts";
import { checkOptionKeys, sourceName, splitLines } from "./_text_lines.ts";

/** Options of {@link parseNumericCsv} and {@link readNumericCsv}. */
export interface NumericCsvOptions {
  /** Name used in error messages (default `"<text>"`; `readNumericCsv` uses the path). */
  file?: string;
  /**
   * Whether the first line holds column names: `true`, `false`, or `"auto"` (default): a header
   * when any field of the first line is not a number.
   */
  header?: boolean | "auto";
  /** Field separator, one character other than `"`, `\r` and `\n` (default `","`). */
  delimiter?: string;
}

/** A parsed numeric CSV table. */
export interface NumericCsv {
  /** Column names from the header line, or null when the file has none. */
  header: string[] | null;
  /** Number of data rows. */
  rows: number;
  /** Number of columns. */
  cols: number;
  /** The values, f64 of shape `[rows, cols]`. */
  data: Tensor;
}

const OPTION_KEYS = ["file", "header", "delimiter"] as const;

// A decimal number: sign, digits with an optional point, optional exponent. Stricter than
// Number(), which also takes "", "0x1f", "Infinity" and "1_0"-like surprises.
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseField(field: string): number {
  const s = field.trim();
  return NUMBER.test(s) ? Number(s) : NaN;
}

function checkDelimiter(fn: string, d: unknown): string {
  if (d === undefined) return ",";
  if (typeof d !== "string" || d.length !== 1 || d === '"' || d === "\r" || d === "\n") {
    throw new TypeError(
      `${fn}: delimiter must be one character other than a quote or line break, got ${
        JSON.stringify(d)
      }`,
    );
  }
  return d;
}

function checkHeader(fn: string, h: unknown): boolean | "auto" {
  if (h === undefined) return "auto";
  if (h !== true && h !== false && h !== "auto") {
    throw new TypeError(`${fn}: header must be true, false or "auto", got ${JSON.stringify(h)}`);
  }
  return h;
}

/**
 * Parses CSV text of finite decimal numbers into an f64 `[rows, cols]` tensor. Fields are
 * separated by `delimiter` (no quoting), may carry spaces around the number, and must each be a
 * finite decimal number (`1`, `-2.5`, `3e-4`); every line must have as many fields as the first.
 * CRLF endings and one trailing line ending are accepted. A malformed line (wrong field count, a
 * field that is not a finite number, a blank line) is a RangeError naming the file, the 1-based
 * line and field (and the column name when there is a header); nothing is skipped. An unknown
 * option key or a wrongly typed option is a TypeError.
 *
 * @example
 * ```ts
 * import { parseNumericCsv } from "./csv.ts";
 * const t = parseNumericCsv("x,y\n1,2\n3,4.5\n");
 * console.log(t.header, t.rows, t.cols, t.data.data); // [ "x", "y" ] 2 2 Float64Array [1, 2, 3, 4.5]
 * ```
 */
export function parseNumericCsv(text: string, opts: NumericCsvOptions = {}): NumericCsv {
  const fn = "parseNumericCsv";
  checkOptionKeys(fn, opts, OPTION_KEYS);
  const file = sourceName(fn, opts.file);
  const delimiter = checkDelimiter(fn, opts.delimiter);
  const headerOpt = checkHeader(fn, opts.header);
  const lines = splitLines(fn, text, file);
  if (lines.length === 0) throw new RangeError(`${fn}: ${file}: no lines`);
  const first = lines[0].split(delimiter);
  const hasHeader = headerOpt === "auto"
    ? first.some((f) => Number.isNaN(parseField(f)))
    : headerOpt;
  const header = hasHeader ? first : null;
  const cols = first.length;
  const start = hasHeader ? 1 : 0;
  const rows = lines.length - start;
  const data = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const li = r + start;
    const fields = lines[li].split(delimiter);
    if (fields.length !== cols) {
      throw new RangeError(
        `${fn}: ${file}:${li + 1}: expected ${cols} fields, got ${fields.length}`,
      );
    }
    for (let c = 0; c < cols; c++) {
      const v = parseField(fields[c]);
      if (!Number.isFinite(v)) {
        const name = header ? ` (${header[c]})` : "";
        throw new RangeError(
          `${fn}: ${file}:${li + 1}: field ${c + 1}${name} is not a finite number: ${
            JSON.stringify(fields[c])
          }`,
        );
      }
      data[r * cols + c] = v;
    }
  }
  return { header, rows, cols, data: new Tensor(data, [rows, cols]) };
}

/**
 * Reads a numeric CSV file (see {@link parseNumericCsv}; errors name `path` unless
 * `opts.file` is given). Synchronous; `await` on the result is harmless.
 *
 * @example
 * ```ts
 * import { readNumericCsv } from "./csv.ts";
 * const path = Deno.makeTempFileSync({ suffix: ".csv" });
 * Deno.writeTextFileSync(path, "0,16,3\n1,2,9\n");
 * const t = readNumericCsv(path, { header: false });
 * console.log(t.header, t.data.shape); // null [2, 3]
 * Deno.removeSync(path);
 * ```
 */
export function readNumericCsv(path: string, opts: NumericCsvOptions = {}): NumericCsv {
  checkOptionKeys("readNumericCsv", opts, OPTION_KEYS);
  return parseNumericCsv(Deno.readTextFileSync(path), { file: path, ...opts });
}
