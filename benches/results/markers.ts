/**
 * The generated parts of `benches/RESULTS.md` live between `<!-- results:AREA:begin -->` and
 * `<!-- results:AREA:end -->`; everything outside (readings, notes) is hand-written and kept.
 *
 * @module
 */

/**
 * The begin and end marker lines of `area`.
 *
 * @example
 * ```ts
 * import { markers } from "./markers.ts";
 * console.log(markers("gemm").begin); // <!-- results:gemm:begin -->
 * ```
 */
export function markers(area: string): { begin: string; end: string } {
  return { begin: `<!-- results:${area}:begin -->`, end: `<!-- results:${area}:end -->` };
}

/** Positions of every occurrence of `needle` in `text`. */
function occurrences(text: string, needle: string): number[] {
  const at: number[] = [];
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) at.push(i);
  return at;
}

/**
 * `text` with what lies between `area`'s markers replaced by `body`. Throws a `RangeError` when
 * a marker is missing, repeated, or the end comes before the begin: the file is then left as it
 * is rather than the table appended somewhere.
 *
 * @example
 * ```ts
 * import { replaceSection } from "./markers.ts";
 * const md = "# R\n<!-- results:gemm:begin -->\nold\n<!-- results:gemm:end -->\nreading\n";
 * console.log(replaceSection(md, "gemm", "new table"));
 * // # R
 * // <!-- results:gemm:begin -->
 * // new table
 * // <!-- results:gemm:end -->
 * // reading
 * ```
 */
export function replaceSection(text: string, area: string, body: string): string {
  const { begin, end } = markers(area);
  const b = occurrences(text, begin), e = occurrences(text, end);
  if (b.length !== 1 || e.length !== 1) {
    throw new RangeError(
      `replaceSection: area "${area}" needs exactly one ${begin} and one ${end}, ` +
        `found ${b.length} and ${e.length}`,
    );
  }
  if (e[0] < b[0]) throw new RangeError(`replaceSection: ${end} comes before ${begin}`);
  return `${text.slice(0, b[0] + begin.length)}\n${body.trim()}\n${text.slice(e[0])}`;
}
