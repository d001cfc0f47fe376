/**
 * A small dependency-free SVG plotter: line and scatter plots (series `mode` "line", "points" or
 * "both") with linear or log axes, "nice" ticks and a legend. Written here rather than pulling in
 * vega because x–y plots are all the reports need, and it keeps `deno task reproduce` offline.
 *
 * @module
 */
import { checkOptions } from "../options.ts";

/** One curve or point cloud. */
export interface Series {
  /** Legend label. */
  name: string;
  /** Abscissae. */
  x: number[];
  /** Ordinates (same length as x); non-finite points are left out of the curve. */
  y: number[];
  /** How to draw it (default "line"). */
  mode?: "line" | "points" | "both";
}

/** A whole plot. */
export interface PlotSpec {
  /** Title above the plot. */
  title: string;
  /** Label of the horizontal axis. */
  xLabel: string;
  /** Label of the vertical axis. */
  yLabel: string;
  /** Logarithmic x axis (non-positive x are left out). */
  logX?: boolean;
  /** Logarithmic y axis (non-positive y are left out). */
  logY?: boolean;
  /** The curves and point clouds, drawn in palette order. */
  series: Series[];
  /** Width in pixels (default 640). */
  width?: number;
  /** Height in pixels (default 400). */
  height?: number;
  /** Same scale on both axes (for trajectories and other geometry). */
  equalAxes?: boolean;
}

const PALETTE = [
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#ff7f0e",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];

interface Axis {
  lo: number;
  hi: number;
  log: boolean;
  ticks: number[];
}

/**
 * `s` with `&`, `<`, `>` and `"` escaped, for SVG text and attribute values.
 *
 * @example
 * ```ts
 * import { escapeXml } from "./svg.ts";
 * console.log(escapeXml("a < b & c")); // a &lt; b &amp; c
 * ```
 */
export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /"/g,
    "&quot;",
  );
}

function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const norm = raw / mag;
  return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
}

function makeAxis(values: number[], log: boolean): Axis {
  const usable = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  let lo = usable.length ? Math.min(...usable) : 0;
  let hi = usable.length ? Math.max(...usable) : 1;
  if (log) {
    lo = Math.floor(Math.log10(lo || 1));
    hi = Math.ceil(Math.log10(hi || 10));
    if (hi === lo) hi = lo + 1;
    const stride = Math.max(1, Math.ceil((hi - lo) / 8));
    const ticks: number[] = [];
    for (let e = lo; e <= hi; e += stride) ticks.push(e);
    return { lo, hi, log, ticks };
  }
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep(hi - lo, 6);
  lo = Math.floor(lo / step) * step;
  hi = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  for (let t = lo; t <= hi + step * 1e-9; t += step) ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return { lo, hi, log, ticks };
}

function tickLabel(v: number, log: boolean): string {
  if (log) return `1e${v}`;
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(0);
  return String(Number(v.toPrecision(6)));
}

function widenToEqual(x: Axis, y: Axis, w: number, h: number): void {
  const perX = (x.hi - x.lo) / w, perY = (y.hi - y.lo) / h;
  const per = Math.max(perX, perY);
  const grow = (a: Axis, size: number): void => {
    const mid = (a.lo + a.hi) / 2;
    a.lo = mid - (per * size) / 2;
    a.hi = mid + (per * size) / 2;
    const step = niceStep(a.hi - a.lo, 6);
    a.ticks = [];
    for (let t = Math.ceil(a.lo / step) * step; t <= a.hi; t += step) a.ticks.push(t);
  };
  grow(x, w);
  grow(y, h);
}

/**
 * Renders a plot as a standalone SVG document.
 *
 * @example
 * ```ts
 * import { plotSvg } from "./svg.ts";
 * const svg = plotSvg({
 *   title: "squares",
 *   xLabel: "n",
 *   yLabel: "n²",
 *   series: [{ name: "n²", x: [1, 2, 3], y: [1, 4, 9] }],
 * });
 * console.log(svg.startsWith("<svg")); // true
 * ```
 */
export function plotSvg(spec: PlotSpec): string {
  checkPlotSpec(spec);
  const W = spec.width ?? 640, H = spec.height ?? 400;
  const m = { l: 70, r: 160, t: 36, b: 52 };
  const pw = W - m.l - m.r, ph = H - m.t - m.b;
  const xs = spec.series.flatMap((s) => s.x), ys = spec.series.flatMap((s) => s.y);
  const ax = makeAxis(xs, spec.logX ?? false), ay = makeAxis(ys, spec.logY ?? false);
  if (spec.equalAxes && !ax.log && !ay.log) widenToEqual(ax, ay, pw, ph);
  const tx = (v: number): number => {
    const u = ax.log ? Math.log10(v) : v;
    return m.l + ((u - ax.lo) / (ax.hi - ax.lo)) * pw;
  };
  const ty = (v: number): number => {
    const u = ay.log ? Math.log10(v) : v;
    return m.t + ph - ((u - ay.lo) / (ay.hi - ay.lo)) * ph;
  };
  const ok = (x: number, y: number): boolean =>
    Number.isFinite(x) && Number.isFinite(y) && (!ax.log || x > 0) && (!ay.log || y > 0);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${m.l + pw / 2}" y="20" text-anchor="middle" font-size="14">${
      escapeXml(spec.title)
    }</text>`,
  );
  for (const t of ax.ticks) {
    const x = m.l + ((t - ax.lo) / (ax.hi - ax.lo)) * pw;
    out.push(
      `<line x1="${x}" y1="${m.t}" x2="${x}" y2="${m.t + ph}" stroke="#eee"/>`,
      `<text x="${x}" y="${m.t + ph + 16}" text-anchor="middle">${tickLabel(t, ax.log)}</text>`,
    );
  }
  for (const t of ay.ticks) {
    const y = m.t + ph - ((t - ay.lo) / (ay.hi - ay.lo)) * ph;
    out.push(
      `<line x1="${m.l}" y1="${y}" x2="${m.l + pw}" y2="${y}" stroke="#eee"/>`,
      `<text x="${m.l - 6}" y="${y + 4}" text-anchor="end">${tickLabel(t, ay.log)}</text>`,
    );
  }
  out.push(
    `<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`,
    `<text x="${m.l + pw / 2}" y="${H - 12}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`,
    `<text transform="translate(16 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${
      escapeXml(spec.yLabel)
    }</text>`,
  );
  spec.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const mode = s.mode ?? "line";
    if (mode !== "points") {
      let d = "";
      let pen = false;
      for (let j = 0; j < s.x.length; j++) {
        if (!ok(s.x[j], s.y[j])) {
          pen = false;
          continue;
        }
        d += `${pen ? "L" : "M"}${tx(s.x[j]).toFixed(2)} ${ty(s.y[j]).toFixed(2)}`;
        pen = true;
      }
      out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.6"/>`);
    }
    if (mode !== "line") {
      for (let j = 0; j < s.x.length; j++) {
        if (!ok(s.x[j], s.y[j])) continue;
        out.push(
          `<circle cx="${tx(s.x[j]).toFixed(2)}" cy="${
            ty(s.y[j]).toFixed(2)
          }" r="2.5" fill="${color}"/>`,
        );
      }
    }
    const ly = m.t + 10 + i * 16;
    out.push(
      `<line x1="${m.l + pw + 10}" y1="${ly}" x2="${
        m.l + pw + 30
      }" y2="${ly}" stroke="${color}" stroke-width="3"/>`,
      `<text x="${m.l + pw + 36}" y="${ly + 4}">${escapeXml(s.name)}</text>`,
    );
  });
  out.push("</svg>");
  return out.join("\n");
}

/** Run-time check of a {@link PlotSpec}: a plot is often built from untyped JSON. */
function checkPlotSpec(spec: PlotSpec): void {
  checkOptions("plotSvg", spec, {
    title: "string",
    xLabel: "string",
    yLabel: "string",
    logX: "boolean",
    logY: "boolean",
    series: "array",
    width: "number",
    height: "number",
    equalAxes: "boolean",
  });
  for (const k of ["title", "xLabel", "yLabel", "series"] as const) {
    if (spec?.[k] === undefined) throw new TypeError(`plotSvg: spec.${k} is required`);
  }
  for (const k of ["width", "height"] as const) {
    const v = spec[k];
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) {
      throw new RangeError(`plotSvg: spec.${k} must be a positive number, got ${v}`);
    }
  }
  spec.series.forEach((s, i) => {
    checkOptions(`plotSvg: series[${i}]`, s, {
      name: "string",
      x: "array",
      y: "array",
      mode: ["line", "points", "both"],
    });
    if (typeof s.name !== "string" || !Array.isArray(s.x) || !Array.isArray(s.y)) {
      throw new TypeError(`plotSvg: series[${i}] needs a name (string) and x, y (number arrays)`);
    }
    if (s.x.length !== s.y.length) {
      throw new RangeError(
        `plotSvg: series[${i}] ("${s.name}") has ${s.x.length} x but ${s.y.length} y values`,
      );
    }
  });
}
