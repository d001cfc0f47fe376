/**
 * Plots as standalone SVG strings, with no dependency: line and scatter plots ({@link plotSvg};
 * a series' `mode` is "line", "points" or "both", axes linear or log) and heat maps of a matrix
 * ({@link heatmapSvg}). Write the string to a `.svg` file or embed it in HTML.
 *
 * @example
 * ```ts
 * import { heatmapSvg, plotSvg } from "./mod.ts";
 * const line = plotSvg({
 *   title: "loss",
 *   xLabel: "step",
 *   yLabel: "loss",
 *   logY: true,
 *   series: [{ name: "train", x: [1, 2, 3], y: [1, 0.3, 0.1] }],
 * });
 * const scatter = plotSvg({
 *   title: "points",
 *   xLabel: "x",
 *   yLabel: "y",
 *   series: [{ name: "data", x: [0, 1, 2], y: [1, 0, 2], mode: "points" }],
 * });
 * const map = heatmapSvg([[0, 1], [1, 0]], { title: "identity's complement" });
 * console.log([line, scatter, map].every((s) => s.startsWith("<svg"))); // true
 * ```
 *
 * @module
 */
export { escapeXml, type PlotSpec, plotSvg, type Series } from "./svg.ts";
export { colorAt, type HeatmapSpec, heatmapSvg } from "./heatmap.ts";
// Types the exports above use in their signatures (deno doc --lint: documented entry).
export type { DType, Tensor, TensorData } from "../tensor.ts";
