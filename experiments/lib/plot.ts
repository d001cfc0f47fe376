/**
 * The experiments' plotter is the public `./plot` entry (`ops/plot/`); this path stays for the
 * scripts that import it.
 *
 * @module
 */
export { type PlotSpec, plotSvg, type Series } from "../../ops/plot/mod.ts";
