/**
 * The per-point passes of {@link lloyd}'s bounded assignment step (Hamerly, SDM 2010) as
 * WebAssembly kernels, with a TypeScript twin for engines without SIMD. Three tight passes
 * over the data (move the bounds and list the points they no longer settle; measure those
 * points' own distances; add every point to its cluster's sums) replace one branchy loop:
 * whether a point's bounds settle it is a coin flip for about a quarter of the points, and the
 * mispredicted branches and typed-array checks of the fused JavaScript loop cost more than the
 * arithmetic. Arithmetic is the scalar code's, operation for operation (distances summed
 * coordinate by coordinate; the sums' two f64 lanes are two independent scalar sums in point
 * order), so both paths give bit-identical results.
 *
 * The data, bounds and scratch live in one `WebAssembly.Memory` ({@link LloydSpace}); the
 * rescans, means and relocation read and write the same memory through typed-array views.
 *
 * @module
 */
import { Code, encodeModule, I32, Simd, uleb } from "../cpu/wasm_emit.ts";
import { wasmFeatures } from "../cpu/wasm_features.ts";

const F64 = 0x7c;
const op = {
  i32Load: 0x28,
  f64Load: 0x2b,
  i32Store: 0x36,
  f64Store: 0x39,
  f64Const: 0x44,
  i32Eq: 0x46,
  i32GeU: 0x4f,
  f64Gt: 0x64,
  f64Ge: 0x66,
  i32Shl: 0x74,
  f64Sqrt: 0x9f,
  f64Add: 0xa0,
  f64Sub: 0xa1,
  f64Mul: 0xa2,
  select: 0x1b,
  tee: 0x22,
} as const;

/**
 * The arrays of a Lloyd run (views into one memory when the kernels are WebAssembly) and the
 * three passes over them.
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
    out: take(16),
    bytes: at,
  };
}

function f64Const(c: Code, v: number): Code {
  return c.raw(op.f64Const, ...new Uint8Array(Float64Array.of(v).buffer));
}

/** `local[p] + (local[i] << s)`: a byte address. */
function addr(c: Code, p: number, i: number, s: number): Code {
  return c.get(p).get(i).i32(s).raw(op.i32Shl).add();
}

/** Loop header: `block loop; br_if 1 (local[i] ≥ local[n])`. */
function loopTo(c: Code, i: number, n: number): Code {
  return c.block().loop().get(i).get(n).raw(op.i32GeU).brIf(1);
}

// bounds(n, labels, upper, lower, move, half, todo, out, topArg, top, runner, slack)
function emitBounds(): Code {
  const [N, LAB, UP, LO, MOVE, HALF, TODO, OUT, TOPARG, TOP, RUNNER, SLACK] = [
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
  ];
  const [I, OPEN, A, U, L, H] = [12, 13, 14, 15, 16, 17];
  const c = new Code();
  loopTo(c, I, N);
  addr(c, LAB, I, 2).raw(op.i32Load, 2, 0).set(A);
  addr(c, UP, I, 3);
  addr(c, UP, I, 3).raw(op.f64Load, 3, 0);
  addr(c, MOVE, A, 3).raw(op.f64Load, 3, 0).raw(op.f64Add).raw(op.tee, U);
  c.raw(op.f64Store, 3, 0);
  addr(c, LO, I, 3);
  addr(c, LO, I, 3).raw(op.f64Load, 3, 0);
  c.get(RUNNER).get(TOP).get(A).get(TOPARG).raw(op.i32Eq).raw(op.select).raw(op.f64Sub);
  c.raw(op.tee, L).raw(op.f64Store, 3, 0);
  addr(c, HALF, A, 3).raw(op.f64Load, 3, 0).set(H);
  addr(c, TODO, OPEN, 2).get(I).raw(op.i32Store, 2, 0);
  // open += up + slack >= (h > lo ? h : lo)
  c.get(OPEN).get(U).get(SLACK).raw(op.f64Add);
  c.get(H).get(L).get(H).get(L).raw(op.f64Gt).raw(op.select).raw(op.f64Ge).add().set(OPEN);
  c.inc(I, 1).br(0).end().end();
  return c.get(OUT).get(OPEN).raw(op.i32Store, 2, 0);
}

// measure(open, x, labels, upper, lower, half, c, todo, own, out, slack)
function emitMeasure(d: number): Code {
  const [OPEN, X, LAB, UP, LO, HALF, CEN, TODO, OWN, OUT, SLACK] = [
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
  ];
  const [Q, AGAIN, I, A, XI, CA, V, E, U, H, L] = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21];
  const c = new Code();
  loopTo(c, Q, OPEN);
  addr(c, TODO, Q, 2).raw(op.i32Load, 2, 0).set(I);
  addr(c, LAB, I, 2).raw(op.i32Load, 2, 0).set(A);
  c.get(X).get(I).i32(8 * d).mul().add().set(XI);
  c.get(CEN).get(A).i32(8 * d).mul().add().set(CA);
  f64Const(c, 0).set(V);
  for (let t = 0; t < d; t++) {
    c.get(XI).raw(op.f64Load, 3, ...uleb(8 * t)).get(CA).raw(op.f64Load, 3, ...uleb(8 * t));
    c.raw(op.f64Sub).raw(op.tee, E).get(E).raw(op.f64Mul).get(V).raw(op.f64Add).set(V);
  }
  addr(c, UP, I, 3).get(V).raw(op.f64Sqrt).raw(op.tee, U).raw(op.f64Store, 3, 0);
  addr(c, LO, I, 3).raw(op.f64Load, 3, 0).set(L);
  addr(c, HALF, A, 3).raw(op.f64Load, 3, 0).set(H);
  addr(c, TODO, AGAIN, 2).get(I).raw(op.i32Store, 2, 0);
  addr(c, OWN, AGAIN, 3).get(V).raw(op.f64Store, 3, 0);
  c.get(AGAIN).get(U).get(SLACK).raw(op.f64Add);
  c.get(H).get(L).get(H).get(L).raw(op.f64Gt).raw(op.select).raw(op.f64Ge).add().set(AGAIN);
  c.inc(Q, 1).br(0).end().end();
  return c.get(OUT).get(AGAIN).raw(op.i32Store, 2, 4);
}

// accumulate(n, x, labels, sums, count)
function emitAccumulate(d: number): Code {
  const [N, X, LAB, SUMS, COUNT] = [0, 1, 2, 3, 4];
  const [I, XP, O, CP] = [5, 6, 7, 8];
  const c = new Code();
  c.get(X).set(XP);
  loopTo(c, I, N);
  addr(c, LAB, I, 2).raw(op.i32Load, 2, 0).set(O);
  addr(c, COUNT, O, 3).set(CP);
  c.get(SUMS).get(O).i32(8 * d).mul().add().set(O);
  for (let t = 0; t + 1 < d; t += 2) {
    c.get(O).get(O).simdMem(Simd.load, 3, 8 * t).get(XP).simdMem(Simd.load, 3, 8 * t);
    c.simd(Simd.f64x2Add).simdMem(Simd.store, 3, 8 * t);
  }
  if (d % 2 === 1) {
    const t = d - 1;
    c.get(O).get(O).raw(op.f64Load, 3, ...uleb(8 * t)).get(XP).raw(op.f64Load, 3, ...uleb(8 * t));
    c.raw(op.f64Add).raw(op.f64Store, 3, ...uleb(8 * t));
  }
  c.get(CP).get(CP).raw(op.f64Load, 3, 0);
  f64Const(c, 1).raw(op.f64Add).raw(op.f64Store, 3, 0);
  c.inc(XP, 8 * d).inc(I, 1).br(0).end().end();
  return c;
}

/** The kernels for `d` columns (memory imported as `env.mem`). */
function emitModule(d: number): Uint8Array<ArrayBuffer> {
  return encodeModule({
    minPages: 1,
    funcs: [
      {
        name: "bounds",
        params: [I32, I32, I32, I32, I32, I32, I32, I32, I32, F64, F64, F64],
        locals: [I32, I32, I32, F64, F64, F64],
        body: emitBounds(),
      },
      {
        name: "measure",
        params: [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, F64],
        locals: [I32, I32, I32, I32, I32, I32, F64, F64, F64, F64, F64],
        body: emitMeasure(d),
      },
      {
        name: "accumulate",
        params: [I32, I32, I32, I32, I32],
        locals: [I32, I32, I32, I32],
        body: emitAccumulate(d),
      },
    ],
  });
}

const modules = new Map<number, WebAssembly.Module>();

type Passes = Pick<LloydSpace, "bounds" | "measure" | "accumulate">;

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
    kernel: "ts" as const,
  };
  const { labels, upper, lower, todo, own, move, half, sums, count } = s;
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
