/**
 * Heat maps of a matrix as standalone SVG: one cell per entry, a sequential colour scale (an
 * approximation of matplotlib's viridis by five anchors) and a colour bar with the value range.
 *
 * @module
 */
import type { Tensor } from "../tensor.ts";
import { checkOptions } from "../options.ts";
import { escapeXml } from "./svg.ts";

/** Options of {@link heatmapSvg}. */
export interface HeatmapSpec {
  /** Title above the map. */
  title?: string;
  /** Label under the columns. */
  xLabel?: string;
  /** Label beside the rows. */
  yLabel?: string;
  /** Width in pixels (default 480). */
  width?: number;
  /** Height in pixels (default 400). */
  height?: number;
  /** Value mapped to the first colour (default: the smallest finite entry). */
  min?: number;
  /** Value mapped to the last colour (default: the largest finite entry). */
  max?: number;
}

/** viridis at 0, ¼, ½, ¾, 1. */
const ANCHORS: readonly (readonly [number, number, number])[] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

/**
 * The colour of `t` in [0, 1] (clamped) on the viridis-like scale, as `rgb(r,g,b)`.
 *
 * @example
 * ```ts
 * import { colorAt } from "./heatmap.ts";
 * console.log(colorAt(0), colorAt(1)); // rgb(68,1,84) rgb(253,231,37)
 * ```
 */
export function colorAt(t: number): string {
  const u = Math.min(1, Math.max(0, t)) * (ANCHORS.length - 1);
  const i = Math.min(ANCHORS.length - 2, Math.floor(u)), f = u - i;
  const c = ANCHORS[i].map((a, k) => Math.round(a + f * (ANCHORS[i + 1][k] - a)));
  return `rgb(${c.join(",")})`;
}

/** Rows of a 2-D tensor or of a nested array, checked to be rectangular. */
function rowsOf(m: Tensor | readonly (readonly number[])[]): number[][] {
  if (Array.isArray(m)) {
    const cols = m[0]?.length ?? 0;
    if (m.some((r) => !Array.isArray(r) || r.length !== cols)) {
      throw new RangeError("heatmapSvg: matrix rows must all have the same length");
    }
    return m.map((r) => [...r]);
  }
  const t = m as Tensor;
  if (t.ndim !== 2) throw new RangeError(`heatmapSvg: matrix must be 2-D, got shape [${t.shape}]`);
  const [r, c] = t.shape;
  return Array.from({ length: r }, (_, i) => Array.from(t.data.subarray(i * c, (i + 1) * c)));
}

/**
 * Renders a matrix (a 2-D tensor or nested array) as a heat map: row 0 at the top, column 0 at
 * the left, non-finite entries in grey, and a colour bar labelled with `min` and `max`.
 *
 * @throws {RangeError} for a matrix that is not 2-D and rectangular, or `min` ≥ `max`.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { heatmapSvg } from "./heatmap.ts";
 * const svg = heatmapSvg(tensor([[1, 2], [3, 4]]), { title: "A" });
 * console.log(svg.startsWith("<svg"), svg.includes("rgb(253,231,37)")); // true true
 * ```
 */
export function heatmapSvg(
  matrix: Tensor | readonly (readonly number[])[],
  spec: HeatmapSpec = {},
): string {
  checkOptions("heatmapSvg", spec, {
    title: "string",
    xLabel: "string",
    yLabel: "string",
    width: "number",
    height: "number",
    min: "number",
    max: "number",
  });
  const rows = rowsOf(matrix), nr = rows.length, nc = rows[0]?.length ?? 0;
  const finite = rows.flat().filter(Number.isFinite);
  const lo = spec.min ?? (finite.length ? Math.min(...finite) : 0);
  const hi = spec.max ?? (finite.length ? Math.max(...finite) : 1);
  if (!(lo <= hi)) throw new RangeError(`heatmapSvg: min ${lo} must not exceed max ${hi}`);
  const W = spec.width ?? 480, H = spec.height ?? 400;
  const m = { l: 56, r: 90, t: 36, b: 44 };
  const cw = (W - m.l - m.r) / Math.max(nc, 1), ch = (H - m.t - m.b) / Math.max(nr, 1);
  const scale = (v: number): number => (hi > lo ? (v - lo) / (hi - lo) : 0.5);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${
      escapeXml(spec.title ?? "")
    }</text>`,
  ];
  rows.forEach((r, i) =>
    r.forEach((v, j) => {
      const fill = Number.isFinite(v) ? colorAt(scale(v)) : "#bbb";
      out.push(
        `<rect x="${(m.l + j * cw).toFixed(2)}" y="${(m.t + i * ch).toFixed(2)}" width="${
          cw.toFixed(2)
        }" height="${ch.toFixed(2)}" fill="${fill}"><title>[${i}, ${j}] ${v}</title></rect>`,
      );
    })
  );
  // Colour bar: 20 steps from max (top) to min (bottom).
  const bx = W - m.r + 20, bh = H - m.t - m.b;
  for (let k = 0; k < 20; k++) {
    out.push(
      `<rect x="${bx}" y="${(m.t + (k * bh) / 20).toFixed(2)}" width="14" height="${
        (bh / 20 + 0.5).toFixed(2)
      }" fill="${colorAt(1 - (k + 0.5) / 20)}"/>`,
    );
  }
  const label = (v: number): string => String(Number(v.toPrecision(4)));
  out.push(
    `<text x="${bx + 18}" y="${m.t + 8}">${label(hi)}</text>`,
    `<text x="${bx + 18}" y="${m.t + bh}">${label(lo)}</text>`,
    `<text x="${m.l + (nc * cw) / 2}" y="${H - 12}" text-anchor="middle">${
      escapeXml(spec.xLabel ?? "")
    }</text>`,
    `<text transform="translate(16 ${m.t + bh / 2}) rotate(-90)" text-anchor="middle">${
      escapeXml(spec.yLabel ?? "")
    }</text>`,
    "</svg>",
  );
  return out.join("\n");
}
