/**
 * Reader for Criteo display-advertising click logs (`../shared/data/criteo`): per row a click
 * label, 13 integer count features `I1..I13` and 26 hashed categorical features `C1..C26`, any
 * feature possibly empty. Both layouts in use are read: the DeepCTR sample (comma-separated with
 * the header `label,I1,…,I13,C1,…,C26`, integers written like `260.0`) and the original
 * challenge files (tab-separated, no header).
 *
 * @module
 */
import { checkOptionKeys, sourceName, splitLines } from "./_text_lines.ts";

/** Options of {@link parseCriteo}. */
export interface CriteoOptions {
  /** Name used in error messages (default `"<text>"`). */
  file?: string;
}

/** Parsed Criteo rows, column-grouped. */
export interface CriteoData {
  /** Number of data rows. */
  rows: number;
  /** Click label (0 or 1) of each row. */
  labels: Uint8Array;
  /** Integer features, row-major `rows × 13`; NaN where the field is empty. */
  ints: Float64Array;
  /** Categorical features, row-major `rows × 26` (8 lowercase hex digits); "" where empty. */
  cats: string[];
}

/** Number of integer features. */
const N_INT = 13;
/** Number of categorical features. */
const N_CAT = 26;
const N_FIELDS = 1 + N_INT + N_CAT;
const HEADER = [
  "label",
  ...Array.from({ length: N_INT }, (_, i) => `I${i + 1}`),
  ...Array.from({ length: N_CAT }, (_, i) => `C${i + 1}`),
];
// An integer, optionally with a zero fraction as the DeepCTR sample writes it ("260.0").
const INTEGER = /^-?\d+(\.0*)?$/;
const HASH = /^[0-9a-f]{8}$/;

function checkHeader(fn: string, fields: string[], file: string): void {
  if (fields.length !== N_FIELDS) {
    throw new RangeError(
      `${fn}: ${file}:1: header has ${fields.length} fields, expected ${N_FIELDS}`,
    );
  }
  const bad = fields.findIndex((f, i) => f !== HEADER[i]);
  if (bad >= 0) {
    throw new RangeError(
      `${fn}: ${file}:1: header field ${bad + 1} is ${JSON.stringify(fields[bad])}, ` +
        `expected ${JSON.stringify(HEADER[bad])}`,
    );
  }
}

function parseRow(fn: string, fields: string[], r: number, out: CriteoData, at: string): void {
  const fail = (i: number, what: string): never => {
    throw new RangeError(
      `${fn}: ${at}: field ${i + 1} (${HEADER[i]}) ${what}: ${JSON.stringify(fields[i])}`,
    );
  };
  if (fields[0] !== "0" && fields[0] !== "1") fail(0, "is not a label 0 or 1");
  out.labels[r] = fields[0] === "1" ? 1 : 0;
  for (let j = 0; j < N_INT; j++) {
    const f = fields[1 + j];
    let v = NaN;
    if (f !== "") {
      v = Number(f);
      if (!INTEGER.test(f) || !Number.isSafeInteger(v)) fail(1 + j, "is not an integer");
    }
    out.ints[r * N_INT + j] = v;
  }
  for (let j = 0; j < N_CAT; j++) {
    const f = fields[1 + N_INT + j];
    if (f !== "" && !HASH.test(f)) fail(1 + N_INT + j, "is not 8 lowercase hex digits");
    out.cats[r * N_CAT + j] = f;
  }
}

/**
 * Parses Criteo click-log text. The separator is a tab if the first line contains one, else a
 * comma; a first line starting with `label` must be exactly the header
 * `label,I1,…,I13,C1,…,C26`. Every data line must have 40 fields: label `0` or `1`, 13 integers
 * (digits with an optional minus sign and an optional all-zero fraction) or empty, and 26 hashes
 * of 8 lowercase hex digits or empty. A malformed line is a RangeError naming the file, the
 * 1-based line, the field number and name; nothing is skipped or clamped. CRLF endings and one
 * trailing line ending are accepted. An unknown option key is a TypeError.
 *
 * @example
 * ```ts
 * import { parseCriteo } from "./criteo.ts";
 * const row = ["1", "5", "", "260.0", ...Array(10).fill("0"), "05db9164", ...Array(25).fill("")];
 * const d = parseCriteo(row.join("\t") + "\n");
 * console.log(d.rows, d.labels[0], d.ints.slice(0, 3), d.cats[0]); // 1 1 Float64Array [5, NaN, 260] 05db9164
 * ```
 */
export function parseCriteo(text: string, opts: CriteoOptions = {}): CriteoData {
  const fn = "parseCriteo";
  checkOptionKeys(fn, opts, ["file"]);
  const file = sourceName(fn, opts.file);
  const lines = splitLines(fn, text, file);
  if (lines.length === 0) throw new RangeError(`${fn}: ${file}: no lines`);
  const sep = lines[0].includes("\t") ? "\t" : ",";
  const start = lines[0].startsWith("label") ? 1 : 0;
  if (start === 1) checkHeader(fn, lines[0].split(sep), file);
  const rows = lines.length - start;
  const out: CriteoData = {
    rows,
    labels: new Uint8Array(rows),
    ints: new Float64Array(rows * N_INT),
    cats: new Array<string>(rows * N_CAT),
  };
  for (let r = 0; r < rows; r++) {
    const at = `${file}:${r + start + 1}`;
    const fields = lines[r + start].split(sep);
    if (fields.length !== N_FIELDS) {
      const name = sep === "\t" ? "tab" : "comma";
      throw new RangeError(
        `${fn}: ${at}: expected ${N_FIELDS} ${name}-separated fields, got ${fields.length}`,
      );
    }
    parseRow(fn, fields, r, out, at);
  }
  return out;
}

/**
 * Reads a Criteo click-log file (see {@link parseCriteo}; errors name `path`). Synchronous;
 * `await` on the result is harmless.
 *
 * @example
 * ```ts
 * import { readCriteo } from "./criteo.ts";
 * const path = Deno.makeTempFileSync({ suffix: ".txt" });
 * Deno.writeTextFileSync(path, ["0", ...Array(13).fill(""), ...Array(26).fill("")].join(",") + "\n");
 * console.log(readCriteo(path).rows); // 1
 * Deno.removeSync(path);
 * ```
 */
export function readCriteo(path: string): CriteoData {
  return parseCriteo(Deno.readTextFileSync(path), { file: path });
}
