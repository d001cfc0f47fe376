/**
 * The per-point passes of `lloyd`'s bounded assignment step (Hamerly, SDM 2010) as
 * WebAssembly kernels, with a TypeScript twin for engines without SIMD. Three tight passes
 * over the data (move the bounds and list the points they no longer settle; measure those
 * points' own distances; add every point to its cluster's sums) replace one branchy loop:
 * whether a point's bounds settle it is a coin flip for about a quarter of the points, and the
 * mispredicted branches and typed-array checks of the fused JavaScript loop cost more than the
 * arithmetic. Arithmetic is the scalar code's, operation for operation (distances summed
 * coordinate by coordinate; the sums' two f64 lanes are two independent scalar sums in point
 * order), so both paths give bit-identical results.
 *
 * The rescans (a walk over each listed point's nearest centres) are kernels too. The data,
 * bounds and scratch live in one `WebAssembly.Memory` ({@link LloydSpace}); the means and the
 * relocation of empty clusters read the same memory through typed-array views. The emitters
 * are in `_kmeans_emit.ts`.
 *
 * @module
 */
import { emitModule } from "./_kmeans_emit.ts";
import { wasmFeatures } from "../cpu/wasm_features.ts";

/**
 * The arrays of a Lloyd run (views into one memory when the kernels are WebAssembly) and the
 * passes over them.
 *
 * @example
 * ```ts
 * import { lloydSpace } from "./_kmeans_wasm.ts";
 * const s = lloydSpace(Float64Array.of(0, 1, 10), 3, 1, 2);
 * console.log(Array.from(s.x), s.labels.length); // [0, 1, 10] 3
 * ```
 */
export interface LloydSpace {
  /** `n × d` data (a copy). */
  x: Float64Array;
  /** Nearest-centre index of each point. */
  labels: Int32Array;
  /** Upper bound on each point's distance to its centre. */
  upper: Float64Array;
  /** Lower bound on each point's distance to every other centre. */
  lower: Float64Array;
  /** The points a pass lists for the next one. */
  todo: Int32Array;
  /** Squared own-centre distances of the listed points. */
  own: Float64Array;
  /** `k × d` current centres. */
  c: Float64Array;
  /** How far each centre moved in the last update. */
  move: Float64Array;
  /** Half the distance from each centre to its nearest other centre. */
  half: Float64Array;
  /** `k × d` sums of the points of each cluster. */
  sums: Float64Array;
  /** Row `a`: the centres by increasing distance from centre `a` (`a` itself first). */
  order: Int32Array;
  /** Row `a`: half the distances from centre `a` to the centres of `order`'s row. */
  gap: Float64Array;
  /** Points in each cluster. */
  count: Float64Array;
  /**
   * Moves every bound (the upper by its centre's move, the lower by the largest move of
   * another centre: `runner` for points of centre `topArg`, else `top`) and lists in `todo`
   * the points whose upper bound (+ `slack`) reaches max(half, lower); returns how many.
   */
  bounds(n: number, topArg: number, top: number, runner: number, slack: number): number;
  /**
   * Measures the own-centre distance of the first `open` listed points (exact upper bound),
   * and lists again, with their squared distances in `own`, those it does not settle.
   */
  measure(open: number, slack: number): number;
  /**
   * Rescans the first `again` listed points (squared own distances in `own`, u = its root):
   * walks the neighbours of the point's centre `a` nearest first and measures them until
   * Elkan's bound of the next one, 2·half-gap − u, reaches the runner-up so far + `slack`
   * (every later centre is then farther than the runner-up and than the nearest); sets the
   * label (nearest, lowest index on ties), the upper bound, and the lower bound (runner-up,
   * or the first unmeasured centre's bound or the moved old bound if less).
   */
  rescan(again: number, slack: number): void;
  /** Sums and counts of every cluster, points in index order. */
  accumulate(n: number): void;
  /** Which implementation runs the passes. */
  kernel: "wasm" | "ts";
}

interface Layout {
  x: number;
  labels: number;
  upper: number;
  lower: number;
  todo: number;
  own: number;
  c: number;
  move: number;
  half: number;
  sums: number;
  count: number;
  order: number;
  gap: number;
  out: number;
  bytes: number;
}

function layout(n: number, d: number, k: number): Layout {
  let at = 0;
  const take = (bytes: number): number => {
    const p = at;
    at += Math.ceil(bytes / 16) * 16;
    return p;
  };
  return {
    x: take(8 * n * d),
    labels: take(4 * n),
    upper: take(8 * n),
    lower: take(8 * n),
    todo: take(4 * n),
    own: take(8 * n),
    c: take(8 * k * d),
    move: take(8 * k),
    half: take(8 * k),
    sums: take(8 * k * d),
    count: take(8 * k),
    order: take(4 * k * k),
    gap: take(8 * k * k),
    out: take(16),
    bytes: at,
  };
}

const modules = new Map<number, WebAssembly.Module>();

type Passes = Pick<LloydSpace, "bounds" | "measure" | "rescan" | "accumulate">;

function wasmSpace(x: Float64Array, n: number, d: number, k: number): LloydSpace | null {
  const at = layout(n, d, k), pages = Math.ceil(at.bytes / 65536);
  if (!wasmFeatures().simd || pages > 32768) return null;
  let mod = modules.get(d);
  if (!mod) modules.set(d, mod = new WebAssembly.Module(emitModule(d)));
  const mem = new WebAssembly.Memory({ initial: pages, maximum: pages });
  const e = new WebAssembly.Instance(mod, { env: { mem } }).exports as unknown as {
    bounds(...a: number[]): void;
    measure(...a: number[]): void;
    accumulate(...a: number[]): void;
    rescan(...a: number[]): void;
  };
  const buf = mem.buffer, out = new Int32Array(buf, at.out, 2);
  const f64 = (p: number, len: number): Float64Array => new Float64Array(buf, p, len);
  const space = {
    x: f64(at.x, n * d),
    labels: new Int32Array(buf, at.labels, n),
    upper: f64(at.upper, n),
    lower: f64(at.lower, n),
    todo: new Int32Array(buf, at.todo, n),
    own: f64(at.own, n),
    c: f64(at.c, k * d),
    move: f64(at.move, k),
    half: f64(at.half, k),
    sums: f64(at.sums, k * d),
    count: f64(at.count, k),
    order: new Int32Array(buf, at.order, k * k),
    gap: f64(at.gap, k * k),
    kernel: "wasm" as const,
  };
  space.x.set(x);
  const passes: Passes = {
    bounds(n, topArg, top, runner, slack): number {
      e.bounds(
        n,
        at.labels,
        at.upper,
        at.lower,
        at.move,
        at.half,
        at.todo,
        at.out,
        topArg,
        top,
        runner,
        slack,
      );
      return out[0];
    },
    measure(open, slack): number {
      e.measure(
        open,
        at.x,
        at.labels,
        at.upper,
        at.lower,
        at.half,
        at.c,
        at.todo,
        at.own,
        at.out,
        slack,
      );
      return out[1];
    },
    rescan(again, slack): void {
      const a = at;
      e.rescan(
        again,
        k,
        a.x,
        a.c,
        a.labels,
        a.upper,
        a.lower,
        a.todo,
        a.own,
        a.gap,
        a.order,
        slack,
      );
    },
    accumulate(n): void {
      space.sums.fill(0);
      space.count.fill(0);
      e.accumulate(n, at.x, at.labels, at.sums, at.count);
    },
  };
  return { ...space, ...passes };
}

function tsSpace(x: Float64Array, n: number, d: number, k: number): LloydSpace {
  const s = {
    x: x.slice(),
    labels: new Int32Array(n),
    upper: new Float64Array(n),
    lower: new Float64Array(n),
    todo: new Int32Array(n),
    own: new Float64Array(n),
    c: new Float64Array(k * d),
    move: new Float64Array(k),
    half: new Float64Array(k),
    sums: new Float64Array(k * d),
    count: new Float64Array(k),
    order: new Int32Array(k * k),
    gap: new Float64Array(k * k),
    kernel: "ts" as const,
  };
  const { labels, upper, lower, todo, own, move, half, sums, count, order, gap } = s;
  const xs = s.x, c = s.c;
  const passes: Passes = {
    bounds(n, topArg, top, runner, slack): number {
      let open = 0;
      for (let i = 0; i < n; i++) {
        const a = labels[i];
        const up = upper[i] + move[a];
        const lo = lower[i] - (a === topArg ? runner : top);
        upper[i] = up;
        lower[i] = lo;
        const m = half[a] > lo ? half[a] : lo;
        todo[open] = i;
        open += up + slack >= m ? 1 : 0;
      }
      return open;
    },
    measure(open, slack): number {
      let again = 0;
      for (let q = 0; q < open; q++) {
        const i = todo[q], a = labels[i], xi = i * d;
        let v = 0;
        for (let t = 0, ca = a * d; t < d; t++) {
          const e = xs[xi + t] - c[ca + t];
          v += e * e;
        }
        const u = Math.sqrt(v);
        upper[i] = u;
        const lo = lower[i], m = half[a] > lo ? half[a] : lo;
        // Written in place: the list of points to rescan shrinks behind the reader.
        todo[again] = i;
        own[again] = v;
        again += u + slack >= m ? 1 : 0;
      }
      return again;
    },
    rescan(again, slack): void {
      for (let q = 0; q < again; q++) {
        const i = todo[q], a = labels[i], v = own[q], lo = lower[i];
        const u = Math.sqrt(v), row = a * k, xi = i * d;
        let best = v, second = Infinity, arg = a, skipped = Infinity, reach = Infinity;
        for (let p = 1; p < k; p++) {
          const bound = 2 * gap[row + p] - u;
          if (bound >= reach) {
            skipped = bound;
            break;
          }
          const j = order[row + p], cj = j * d;
          let w = 0;
          for (let t = 0; t < d; t++) {
            const e = xs[xi + t] - c[cj + t];
            w += e * e;
          }
          if (w < best || (w === best && j < arg)) {
            second = best;
            best = w;
            arg = j;
          } else if (w < second) second = w;
          reach = Math.sqrt(second) + slack;
        }
        labels[i] = arg;
        upper[i] = Math.sqrt(best);
        const sr = Math.sqrt(second);
        // The moved bound `lo` still holds for every centre other than `a`.
        if (skipped < lo) skipped = lo;
        lower[i] = sr < skipped ? sr : skipped;
      }
    },
    accumulate(n): void {
      sums.fill(0);
      count.fill(0);
      for (let i = 0; i < n; i++) {
        const a = labels[i], xi = i * d;
        count[a]++;
        for (let t = 0, o = a * d; t < d; t++) sums[o + t] += xs[xi + t];
      }
    },
  };
  return { ...s, ...passes };
}

/**
 * The arrays and passes of Lloyd runs on the `n × d` rows of `x` with `k` centres: the
 * WebAssembly kernels where the engine has SIMD (and the data fits in a 2 GiB memory), else
 * the TypeScript ones; `kernel` forces one (`"wasm"` falls back when unavailable).
 *
 * @example
 * ```ts
 * import { lloydSpace } from "./_kmeans_wasm.ts";
 * const s = lloydSpace(Float64Array.of(0, 1, 10), 3, 1, 2, "ts");
 * s.labels.set([0, 0, 1]);
 * s.accumulate(3);
 * console.log(Array.from(s.sums), Array.from(s.count)); // [1, 10] [2, 1]
 * ```
 */
export function lloydSpace(
  x: Float64Array,
  n: number,
  d: number,
  k: number,
  kernel: "wasm" | "ts" = "wasm",
): LloydSpace {
  return (kernel === "wasm" ? wasmSpace(x, n, d, k) : null) ?? tsSpace(x, n, d, k);
}
