/**
 * Text form of a tensor's values, truncated like numpy's `repr`: what `console.log(t)` shows.
 *
 * @module
 */
import type { Tensor } from "./tensor.ts";

/** Options of {@link formatTensor}. */
export interface FormatOptions {
  /** Significant digits per element (default 6). */
  precision?: number;
  /** Above this many elements, show only `edgeItems` at each end of every axis (default 1000). */
  threshold?: number;
  /** Elements kept at each end of an axis when truncating (default 3). */
  edgeItems?: number;
}

function formatNumber(v: number, precision: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  const a = Math.abs(v);
  if (a >= 1e-4 && a < 10 ** precision) return String(Number(v.toPrecision(precision)));
  return v.toExponential(precision - 1).replace(/\.?0+e/, "e");
}

/** The indices of one axis to show (`-1` marks the "…" gap). */
function shown(n: number, truncate: boolean, edge: number): number[] {
  if (!truncate || n <= 2 * edge) return Array.from({ length: n }, (_, i) => i);
  return [
    ...Array.from({ length: edge }, (_, i) => i),
    -1,
    ...Array.from({ length: edge }, (_, i) => n - edge + i),
  ];
}

/**
 * The values of `t` as nested brackets, columns aligned, e.g. `[[1, 2.5], [3, 4]]` over two lines;
 * a tensor of more than `threshold` elements shows `edgeItems` at each end of every axis with
 * `…` between (numpy's rule). A 0-D tensor is its single value.
 *
 * @example
 * ```ts
 * import { tensor } from "./tensor.ts";
 * import { formatTensor } from "./format.ts";
 * console.log(formatTensor(tensor([[1, 2.5], [-3, 4]])));
 * // [[  1, 2.5],
 * //  [ -3,   4]]
 * ```
 */
export function formatTensor(t: Tensor, opts: FormatOptions = {}): string {
  const precision = opts.precision ?? 6, edge = opts.edgeItems ?? 3;
  const truncate = t.size > (opts.threshold ?? 1000);
  if (t.ndim === 0) return formatNumber(t.data[0], precision);
  const strides = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const axes = t.shape.map((n) => shown(n, truncate, edge));
  // Format the shown elements first, to align them to the widest.
  const cells = new Map<number, string>();
  const collect = (axis: number, off: number): void => {
    for (const i of axes[axis]) {
      if (i < 0) continue;
      if (axis === t.ndim - 1) cells.set(off + i, formatNumber(t.data[off + i], precision));
      else collect(axis + 1, off + i * strides[axis]);
    }
  };
  collect(0, 0);
  const width = Math.max(1, ...[...cells.values()].map((s) => s.length));
  const render = (axis: number, off: number): string => {
    const parts = axes[axis].map((i) => {
      if (i < 0) return "…";
      return axis === t.ndim - 1
        ? (cells.get(off + i) as string).padStart(width)
        : render(axis + 1, off + i * strides[axis]);
    });
    const sep = axis === t.ndim - 1 ? ", " : ",\n" + " ".repeat(axis + 1);
    return `[${parts.join(sep)}]`;
  };
  return render(0, 0);
}
