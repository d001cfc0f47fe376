/**
 * The candidate pass of greedy k-means++ seeding (Arthur & Vassilvitskii, SODA 2007; greedy
 * trials as scikit-learn) as a WebAssembly kernel, with a TypeScript twin for engines without
 * it: for a candidate centre, each point's new squared distance to its nearest centre and
 * their total, skipping the distances that the triangle inequality settles (Elkan, ICML 2003,
 * lemma 1, applied to seeding). Scalar f64 arithmetic in the TypeScript loop's order (the
 * distance coordinate by coordinate, the total in point order), so both give the same bits.
 *
 * @module
 */
import { Code, encodeModule, I32, uleb } from "../cpu/wasm_emit.ts";
import { wasmFeatures } from "../cpu/wasm_features.ts";

const F64 = 0x7c;

/**
 * Relative slack of the shortcut: a point is skipped only when the candidate is farther from
 * the point's nearest centre than 2·(1 + 5e-10) times the point's own distance, so rounding in
 * the computed distances (relative ~(d + 2)·2⁻⁵³) can never flip the comparison that the full
 * computation would make.
 */
const SKIP = 4 * (1 + 1e-9);

/**
 * Arrays of one seeding (views into one memory for the WebAssembly kernel) and its pass.
 *
 * @example
 * ```ts
 * import { seedSpace } from "./_kmeans_seed_wasm.ts";
 * const s = seedSpace(Float64Array.of(0, 1, 10), 3, 1, 2, "ts");
 * s.pot[0].set([0, 1, 100]);
 * s.cc[0] = 100; // candidate 10 is at squared distance 100 from centre 0
 * console.log(s.trial(2, 0, 1), Array.from(s.pot[1])); // 1 [0, 1, 0]
 * ```
 */
export interface SeedSpace {
  /** `n × d` data (a copy). */
  x: Float64Array;
  /** Three length-`n` arrays of squared distances to the nearest centre, used in rotation. */
  pot: [Float64Array, Float64Array, Float64Array];
  /** Index of each point's nearest centre so far (lowest index on ties). */
  near: Int32Array;
  /**
   * After a seeding: which `pot` array holds each point's exact squared distance to its
   * `near` centre, or -1 when a step could not update them (every potential overflowed).
   */
  nearest: number;
  /** Squared distance from the candidate to each centre so far. */
  cc: Float64Array;
  /**
   * Writes `pot[out][i] = min(‖x_i − x_id‖², pot[from][i])` for every point and returns the
   * total; a point whose nearest centre `a` has `cc[a]` ≥ 4·pot[from][i] (with slack) keeps its
   * distance unmeasured: the candidate cannot be nearer than `a`.
   */
  trial(id: number, from: number, out: number): number;
  /** Which implementation runs the pass. */
  kernel: "wasm" | "ts";
}

// trial(n, x, cand, closest, near, cc, out, res, skip)
function emitTrial(d: number): Code {
  const [N, X, CAND, CL, NEAR, CC, OUT, RES, SK] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [I, XI, C, V, S, E, P] = [9, 10, 11, 12, 13, 14, 15];
  const load = 0x2b, store = 0x39, shl = 0x74, add = 0xa0, sub = 0xa1, mul = 0xa2;
  const c = new Code().get(X).set(XI);
  c.block().loop().get(I).get(N).raw(0x4f).brIf(1);
  c.get(CL).get(I).i32(3).raw(shl).add().raw(load, 3, 0).raw(0x22, C).set(V);
  // if (cc[near[i]] < skip * cl)
  c.get(CC).get(NEAR).get(I).i32(2).raw(shl).add().raw(0x28, 2, 0).i32(3).raw(shl).add();
  c.raw(load, 3, 0).get(SK).get(C).raw(mul).raw(0x63).if();
  c.raw(0x44, ...new Uint8Array(8)).set(S);
  for (let t = 0; t < d; t++) {
    c.get(XI).raw(load, 3, ...uleb(8 * t)).get(CAND).raw(load, 3, ...uleb(8 * t)).raw(sub);
    c.raw(0x22, E).get(E).raw(mul).get(S).raw(add).set(S);
  }
  // v = s < cl ? s : cl
  c.get(S).get(C).get(S).get(C).raw(0x63).raw(0x1b).set(V).end();
  c.get(OUT).get(I).i32(3).raw(shl).add().get(V).raw(store, 3, 0);
  c.get(P).get(V).raw(add).set(P);
  c.inc(XI, 8 * d).inc(I, 1).br(0).end().end();
  return c.get(RES).get(P).raw(store, 3, 0);
}

const modules = new Map<number, WebAssembly.Module>();

function wasmSeedSpace(x: Float64Array, n: number, d: number, k: number): SeedSpace | null {
  const r16 = (b: number): number => Math.ceil(b / 16) * 16;
  const at = { x: 0, pot: r16(8 * n * d), near: 0, cc: 0, res: 0 };
  at.near = at.pot + 3 * r16(8 * n);
  at.cc = at.near + r16(4 * n);
  at.res = at.cc + r16(8 * k);
  const pages = Math.ceil((at.res + 16) / 65536);
  if (!wasmFeatures().simd || pages > 32768) return null;
  let mod = modules.get(d);
  if (!mod) {
    const bytes = encodeModule({
      minPages: 1,
      funcs: [{
        name: "trial",
        params: [I32, I32, I32, I32, I32, I32, I32, I32, F64],
        locals: [I32, I32, F64, F64, F64, F64, F64],
        body: emitTrial(d),
      }],
    });
    modules.set(d, mod = new WebAssembly.Module(bytes));
  }
  const mem = new WebAssembly.Memory({ initial: pages, maximum: pages });
  const run = new WebAssembly.Instance(mod, { env: { mem } }).exports.trial as (
    ...a: number[]
  ) => void;
  const buf = mem.buffer, res = new Float64Array(buf, at.res, 1);
  const potAt = [0, 1, 2].map((q) => at.pot + q * r16(8 * n));
  const space: SeedSpace = {
    x: new Float64Array(buf, at.x, n * d),
    pot: [0, 1, 2].map((q) => new Float64Array(buf, potAt[q], n)) as SeedSpace["pot"],
    near: new Int32Array(buf, at.near, n),
    cc: new Float64Array(buf, at.cc, k),
    nearest: -1,
    trial(id, from, out): number {
      run(n, at.x, at.x + 8 * d * id, potAt[from], at.near, at.cc, potAt[out], at.res, SKIP);
      return res[0];
    },
    kernel: "wasm",
  };
  space.x.set(x);
  return space;
}

function tsSeedSpace(x: Float64Array, n: number, d: number, k: number): SeedSpace {
  const xs = x.slice(), near = new Int32Array(n), cc = new Float64Array(k);
  const pot: SeedSpace["pot"] = [0, 1, 2].map(() => new Float64Array(n)) as SeedSpace["pot"];
  return {
    x: xs,
    pot,
    near,
    cc,
    nearest: -1,
    trial(id, from, out): number {
      const closest = pot[from], dst = pot[out], o = id * d;
      let p = 0;
      for (let i = 0; i < n; i++) {
        const cl = closest[i];
        let v = cl;
        if (cc[near[i]] < SKIP * cl) {
          const xi = i * d;
          let s = 0;
          for (let t = 0; t < d; t++) {
            const e = xs[xi + t] - xs[o + t];
            s += e * e;
          }
          if (s < cl) v = s;
        }
        dst[i] = v;
        p += v;
      }
      return p;
    },
    kernel: "ts",
  };
}

/**
 * The arrays and candidate pass of greedy k-means++ on the `n × d` rows of `x` with `k`
 * centres: the WebAssembly kernel where the engine has it (and the data fits in 2 GiB), else
 * the TypeScript one; `kernel` forces one (`"wasm"` falls back when unavailable).
 *
 * @example
 * ```ts
 * import { seedSpace } from "./_kmeans_seed_wasm.ts";
 * console.log(seedSpace(Float64Array.of(0, 1, 10), 3, 1, 2, "ts").kernel); // "ts"
 * ```
 */
export function seedSpace(
  x: Float64Array,
  n: number,
  d: number,
  k: number,
  kernel: "wasm" | "ts" = "wasm",
): SeedSpace {
  return (kernel === "wasm" ? wasmSeedSpace(x, n, d, k) : null) ?? tsSeedSpace(x, n, d, k);
}
