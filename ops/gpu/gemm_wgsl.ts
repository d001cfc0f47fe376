/**
 * WGSL source generator of the register-blocked GEMM kernel (one source per tile configuration,
 * transpose flags and bounds mode).
 *
 * Design (after Volkov & Demmel, "Benchmarking GPUs to tune dense linear algebra", SC 2008, and
 * the CUTLASS hierarchy of block tile → thread micro-tile): each workgroup computes a BM×BN block
 * of C; per BK-slice of k it stages op(A) and op(B) tiles in workgroup memory, k-major, so that a
 * thread reads its 4-row / 4-column fragments as single `vec4` loads; each thread accumulates a
 * TM×TN micro-tile in NAMED `vec4<f32>` registers (an array of accumulators is spilled to memory
 * by wgpu's compilers). The next global tile is fetched into registers while the current one is
 * multiplied. Bounds: the "aligned" mode has no checks at all (every dimension a multiple of the
 * tile), "vec4" checks whole 128-bit loads (dimensions multiples of 4), "scalar" checks each
 * element; in every mode the inner product loop itself is check-free (out-of-range tile entries
 * are staged as zeros).
 *
 * @module
 */

/** A block/micro tile configuration of the GEMM kernel. */
export interface GemmTile {
  /** Rows of C per workgroup. */
  bm: number;
  /** Columns of C per workgroup. */
  bn: number;
  /** k-depth of a staged slice. */
  bk: number;
  /** Rows of C per thread (multiple of 4). */
  tm: number;
  /** Columns of C per thread (multiple of 4). */
  tn: number;
  /** Double-buffer the workgroup tiles: one barrier per k-slice instead of two (2× memory). */
  db?: boolean;
  /** Workgroup-memory layout (default `"flat"`), see {@link GemmLayout}. */
  layout?: GemmLayout;
}

/**
 * Workgroup-memory layout of the staged tiles. `"flat"`: one `array<vec4<f32>>` per operand
 * indexed `kk·side/4 + g·T + t` (plus `cur·size` when double-buffered): every read has a
 * variable index, and wgpu's shader compiler clamps each one. `"rows"`: `array<array<vec4<f32>,
 * T + pad>, G·BK>` read as `s[g·BK + kk][t]`, so the only variable index of a read is the
 * thread's loop-invariant `t` (one clamp, hoisted), and double buffering unrolls the k-loop over
 * two named arrays instead of indexing by `cur`. The k-major scatter of an operand whose stored
 * columns run along k writes rows k and k + 4 from the two halves of a warp; with rows of 16
 * vec4 those are 32·(T + pad)·G words apart, always a multiple of 32 banks when G·BK indexing
 * is `kk·G + g`; with `g·BK + kk` and one vec4 of padding (T + 1 odd) they land 16 banks apart,
 * which removes that 2-way conflict.
 *
 * @example
 * ```ts
 * import { type GemmLayout, gemmWgsl } from "./gemm_wgsl.ts";
 * const layout: GemmLayout = "rows";
 * const src = gemmWgsl({ bm: 32, bn: 32, bk: 8, tm: 4, tn: 4, layout }, false, false, "vec4");
 * console.log(src.includes("sA0[0][ty]")); // true
 * ```
 */
export type GemmLayout = "flat" | "rows";

/**
 * How the kernel handles the matrix edges.
 *
 * @example
 * ```ts
 * import { type GemmBounds, gemmWgsl } from "./gemm_wgsl.ts";
 * const bounds: GemmBounds = "scalar";
 * const src = gemmWgsl({ bm: 64, bn: 64, bk: 16, tm: 4, tn: 4 }, false, false, bounds);
 * console.log(src.includes("array<f32")); // true
 * ```
 */
export type GemmBounds = "aligned" | "vec4" | "scalar";

/**
 * Threads of a workgroup for tile `t`.
 *
 * @example
 * ```ts
 * import { tileThreads } from "./gemm_wgsl.ts";
 * console.log(tileThreads({ bm: 128, bn: 128, bk: 8, tm: 8, tn: 8 })); // 256
 * ```
 */
export function tileThreads(t: GemmTile): number {
  return (t.bm / t.tm) * (t.bn / t.tn);
}

/**
 * Bytes of workgroup memory the kernel of tile `t` declares (both operands, both buffers when
 * double-buffered, the row padding of the `"rows"` layout).
 *
 * @example
 * ```ts
 * import { tileWorkgroupBytes } from "./gemm_wgsl.ts";
 * console.log(tileWorkgroupBytes({ bm: 128, bn: 128, bk: 8, tm: 8, tn: 8 })); // 8192
 * console.log(tileWorkgroupBytes({ bm: 128, bn: 128, bk: 16, tm: 8, tn: 8, db: true })); // 32768
 * ```
 */
export function tileWorkgroupBytes(t: GemmTile, transA = false, transB = false): number {
  const nbuf = t.db ? 2 : 1;
  const [a, b] = operands(t, transA, transB);
  return nbuf * 16 * (smemVec4s(t, a) + smemVec4s(t, b));
}

/**
 * Throws a RangeError unless the tile's loads divide evenly among its threads.
 *
 * @example
 * ```ts
 * import { checkTile } from "./gemm_wgsl.ts";
 * checkTile({ bm: 64, bn: 64, bk: 16, tm: 4, tn: 4 }); // ok: 256 threads, one vec4 load each
 * ```
 */
export function checkTile(t: GemmTile): void {
  const threads = tileThreads(t);
  const ok = t.tm % 4 === 0 && t.tn % 4 === 0 && t.bm % t.tm === 0 && t.bn % t.tn === 0 &&
    t.bk % 4 === 0 && (t.bm * t.bk / 4) % threads === 0 && (t.bn * t.bk / 4) % threads === 0;
  if (!ok) throw new RangeError(`gemmWgsl: tile ${JSON.stringify(t)} is not a valid layout`);
  const layout = t.layout ?? "flat";
  if (layout !== "flat" && layout !== "rows") {
    throw new RangeError(`gemmWgsl: tile layout must be "flat" or "rows", got ${String(layout)}`);
  }
}

interface Operand {
  name: "A" | "B";
  /** Stored matrix rows/cols expressions (WGSL). */
  rows: string;
  cols: string;
  /** Tile extent in stored rows/cols. */
  tr: number;
  tc: number;
  /** Stored tile origin expressions. */
  r0: string;
  c0: string;
  /** True when stored columns run along k (the tile is transposed into workgroup memory). */
  kAlongCols: boolean;
  /** Extent of the non-k side of the block (BM or BN). */
  side: number;
  off: string;
  /** Thread index along the side (`ty` for A, `tx` for B) and how many threads share it. */
  tid: "ty" | "tx";
  threadsAlong: number;
  /** vec4 groups per thread along the side (TM/4 or TN/4). */
  groups: number;
}

function operands(t: GemmTile, transA: boolean, transB: boolean): [Operand, Operand] {
  const a = transA
    ? { ...stored("A", "p.K", "p.M", t.bk, t.bm, "k0", "m0"), kAlongCols: false }
    : { ...stored("A", "p.M", "p.K", t.bm, t.bk, "m0", "k0"), kAlongCols: true };
  const b = transB
    ? { ...stored("B", "p.N", "p.K", t.bn, t.bk, "n0", "k0"), kAlongCols: true }
    : { ...stored("B", "p.K", "p.N", t.bk, t.bn, "k0", "n0"), kAlongCols: false };
  return [
    { ...a, side: t.bm, off: "aOff", tid: "ty", threadsAlong: t.bm / t.tm, groups: t.tm / 4 },
    { ...b, side: t.bn, off: "bOff", tid: "tx", threadsAlong: t.bn / t.tn, groups: t.tn / 4 },
  ];
}

/** One vec4 of padding per row of the `"rows"` layout where the k-major scatter conflicts. */
function rowPad(o: Operand): number {
  return o.kAlongCols && o.threadsAlong % 2 === 0 ? 1 : 0;
}

/** vec4 slots of one buffer of operand `o`'s workgroup tile. */
function smemVec4s(t: GemmTile, o: Operand): number {
  if ((t.layout ?? "flat") === "flat") return t.bk * o.side / 4;
  return o.groups * t.bk * (o.threadsAlong + rowPad(o));
}

/** WGSL declarations of operand `o`'s workgroup tile(s). */
function smemDecls(t: GemmTile, o: Operand): string[] {
  const s = `s${o.name}`;
  if ((t.layout ?? "flat") === "flat") {
    return [`var<workgroup> ${s}: array<vec4<f32>, ${(t.db ? 2 : 1) * smemVec4s(t, o)}>;`];
  }
  const type = `array<array<vec4<f32>, ${o.threadsAlong + rowPad(o)}>, ${o.groups * t.bk}>`;
  return Array.from({ length: t.db ? 2 : 1 }, (_, i) => `var<workgroup> ${s}${i}: ${type};`);
}

/**
 * Where a staged slice lives: the flat layout offsets into one array (`base` is a WGSL prefix
 * such as "cur * 512u + "), the rows layout names one of two arrays.
 */
type Buf = { flat: string } | { rows: 0 | 1 };

/** The read of vec4 group `g` of k-step `kk` by this thread. */
function smemRead(t: GemmTile, o: Operand, buf: Buf, kk: number, g: number): string {
  if ("flat" in buf) {
    return `s${o.name}[${buf.flat}${kk * o.side / 4}u + ${g * o.threadsAlong}u + ${o.tid}]`;
  }
  return `s${o.name}${buf.rows}[${g * t.bk + kk}][${o.tid}]`;
}

/** The slot (a WGSL lvalue) of k-row `k` and side vec4 `v` (both WGSL u32 expressions). */
function smemSlot(t: GemmTile, o: Operand, buf: Buf, k: string, v: string): string {
  if ("flat" in buf) return `s${o.name}[${buf.flat}(${k}) * ${o.side / 4}u + ${v}]`;
  const ta = o.threadsAlong;
  return `s${o.name}${buf.rows}[((${v}) / ${ta}u) * ${t.bk}u + ${k}][(${v}) % ${ta}u]`;
}

function stored(
  name: "A" | "B",
  rows: string,
  cols: string,
  tr: number,
  tc: number,
  r0: string,
  c0: string,
): Omit<Operand, "kAlongCols" | "side" | "off" | "tid" | "threadsAlong" | "groups"> {
  return { name, rows, cols, tr, tc, r0, c0 };
}

/** Lines that fetch this thread's share of one tile of `o` into registers `pA0…`. */
function fetchLines(o: Operand, threads: number, bounds: GemmBounds, k0: string): string[] {
  const per = o.tr * o.tc / 4 / threads, vpr = o.tc / 4;
  const lines: string[] = [];
  for (let s = 0; s < per; s++) {
    const v = `(lid + ${s * threads}u)`;
    const r = `${o.r0.replace("k0", k0)} + ${v} / ${vpr}u`;
    const c = `${o.c0.replace("k0", k0)} + (${v} % ${vpr}u) * 4u`;
    const reg = `p${o.name}${s}`;
    if (bounds === "aligned") {
      lines.push(`${reg} = ${o.name}[(${o.off} + (${r}) * ${o.cols} + ${c}) / 4u];`);
    } else if (bounds === "vec4") {
      lines.push(`{ let r = ${r}; let c = ${c};`);
      lines.push(
        `  ${reg} = select(vec4<f32>(0.0), ${o.name}[(${o.off} + ` +
          `min(r, ${o.rows} - 1u) * ${o.cols} + min(c, ${o.cols} - 4u)) / 4u], ` +
          `r < ${o.rows} && c < ${o.cols}); }`,
      );
    } else {
      lines.push(`{ let r = ${r}; let c = ${c};`);
      const el = (j: number): string => `ld${o.name}(r, c + ${j}u)`;
      lines.push(`  ${reg} = vec4<f32>(${el(0)}, ${el(1)}, ${el(2)}, ${el(3)}); }`);
    }
  }
  return lines;
}

/** Lines that store the fetched registers into the k-major workgroup tile of `o`. */
function stageLines(t: GemmTile, o: Operand, threads: number, buf: Buf): string[] {
  const per = o.tr * o.tc / 4 / threads, vpr = o.tc / 4;
  const lines: string[] = [];
  for (let s = 0; s < per; s++) {
    const v = `(lid + ${s * threads}u)`, reg = `p${o.name}${s}`;
    if (o.kAlongCols) {
      // stored row = an m (or n) index, stored columns = 4 consecutive k: scatter k-major.
      lines.push(`{ let sr = ${v} / ${vpr}u; let kq = (${v} % ${vpr}u) * 4u;`);
      for (let j = 0; j < 4; j++) {
        lines.push(`  ${smemSlot(t, o, buf, `kq + ${j}u`, "sr / 4u")}[sr % 4u] = ${reg}[${j}];`);
      }
      lines.push(`}`);
    } else if ("flat" in buf) {
      // k-rows of side/4 vec4s back to back: the slot is the load index itself.
      lines.push(`s${o.name}[${buf.flat}${v}] = ${reg};`);
    } else {
      lines.push(`${smemSlot(t, o, buf, `${v} / ${vpr}u`, `${v} % ${vpr}u`)} = ${reg};`);
    }
  }
  return lines;
}

const FLAT0: Buf = { flat: "" };

function stageAll(t: GemmTile, a: Operand, b: Operand, threads: number, buf: Buf): string {
  return [...stageLines(t, a, threads, buf), ...stageLines(t, b, threads, buf)].join("\n      ");
}

function fetchAll(a: Operand, b: Operand, threads: number, bounds: GemmBounds, k0: string): string {
  return [...fetchLines(a, threads, bounds, k0), ...fetchLines(b, threads, bounds, k0)]
    .join("\n      ");
}

/** What every k-loop generator needs: the tile, both operands, threads, bounds mode. */
interface LoopParts {
  t: GemmTile;
  a: Operand;
  b: Operand;
  threads: number;
  bounds: GemmBounds;
}

/** Fetch next slice, multiply the staged one, barrier, stage the next, barrier. */
function singleLoop(l: LoopParts): string {
  const { t, a, b, threads, bounds } = l;
  const buf: Buf = (t.layout ?? "flat") === "flat" ? FLAT0 : { rows: 0 };
  return `for (var k0 = 0u; k0 < p.K; k0 += ${t.bk}u) {
    let kn = k0 + ${t.bk}u;
    if (kn < p.K) {
      ${fetchAll(a, b, threads, bounds, "kn")}
    }
    ${computeLines(t, a, b, buf).join("\n    ")}
    workgroupBarrier();
    if (kn < p.K) {
      ${stageAll(t, a, b, threads, buf)}
    }
    workgroupBarrier();
  }`;
}

/**
 * Double-buffered: multiply buffer `cur` while staging the next slice into `1 - cur`; one
 * barrier per slice suffices because every thread has finished reading `cur` before any thread
 * passes the barrier and starts overwriting it in the following iteration.
 */
function doubleLoop(l: LoopParts): string {
  const { t, a, b, threads, bounds } = l;
  if ((t.layout ?? "flat") === "rows") return doubleLoopRows(l);
  const cur: Buf = { flat: `cur * ${smemVec4s(t, a)}u + ` };
  const nxtA = `nxt * ${smemVec4s(t, a)}u + `, nxtB = `nxt * ${smemVec4s(t, b)}u + `;
  const curB = `cur * ${smemVec4s(t, b)}u + `;
  return `var cur = 0u;
  for (var k0 = 0u; k0 < p.K; k0 += ${t.bk}u) {
    let kn = k0 + ${t.bk}u;
    let nxt = 1u - cur;
    if (kn < p.K) {
      ${fetchAll(a, b, threads, bounds, "kn")}
    }
    ${computeLines(t, a, b, cur, { flat: curB }).join("\n    ")}
    if (kn < p.K) {
      ${stageLines(t, a, threads, { flat: nxtA }).join("\n      ")}
      ${stageLines(t, b, threads, { flat: nxtB }).join("\n      ")}
    }
    workgroupBarrier();
    cur = nxt;
  }`;
}

/**
 * Double buffering of the rows layout, unrolled over the named arrays `s?0` and `s?1` (no
 * `cur`-indexed reads): each trip multiplies slice k0 from buffer 0 while staging k0 + BK into
 * buffer 1, then slice k0 + BK from buffer 1 while staging k0 + 2BK into buffer 0. The same
 * one-barrier-per-slice argument as {@link doubleLoop} holds for each half.
 */
function doubleLoopRows(l: LoopParts): string {
  const { t, a, b, threads, bounds } = l;
  const half = (from: 0 | 1, ahead: number): string =>
    `{
      let kn = k0 + ${ahead * t.bk}u;
      if (kn < p.K) {
        ${fetchAll(a, b, threads, bounds, "kn")}
      }
      ${computeLines(t, a, b, { rows: from }).join("\n      ")}
      if (kn < p.K) {
        ${stageAll(t, a, b, threads, { rows: from === 0 ? 1 : 0 })}
      }
      workgroupBarrier();
    }`;
  // k0 + BK >= K is the same for every thread (uniform), so the break keeps barriers uniform.
  return `for (var k0 = 0u; k0 < p.K; k0 += ${2 * t.bk}u) {
    ${half(0, 1)}
    if (k0 + ${t.bk}u >= p.K) { break; }
    ${half(1, 2)}
  }`;
}

function accName(row: number, h: number): string {
  return `c${row}_${h}`;
}

/** The unrolled multiply of one staged slice: BK steps of GM + GN vec4 loads and TM·GN fmas. */
function computeLines(t: GemmTile, a: Operand, b: Operand, bufA: Buf, bufB: Buf = bufA): string[] {
  const gm = t.tm / 4, gn = t.tn / 4;
  const lines: string[] = [];
  for (let kk = 0; kk < t.bk; kk++) {
    lines.push("{");
    for (let g = 0; g < gm; g++) lines.push(`  let a${g} = ${smemRead(t, a, bufA, kk, g)};`);
    for (let h = 0; h < gn; h++) lines.push(`  let b${h} = ${smemRead(t, b, bufB, kk, h)};`);
    for (let g = 0; g < gm; g++) {
      for (let i = 0; i < 4; i++) {
        const comp = "xyzw"[i];
        for (let h = 0; h < gn; h++) {
          const c = accName(g * 4 + i, h);
          lines.push(`  ${c} = fma(vec4<f32>(a${g}.${comp}), b${h}, ${c});`);
        }
      }
    }
    lines.push("}");
  }
  return lines;
}

function storeLines(t: GemmTile, bounds: GemmBounds): string[] {
  const gm = t.tm / 4, gn = t.tn / 4, ty = t.bm / t.tm, tx = t.bn / t.tn;
  const lines: string[] = [];
  for (let g = 0; g < gm; g++) {
    for (let i = 0; i < 4; i++) {
      lines.push(`{ let r = m0 + ${g * 4 * ty}u + ty * 4u + ${i}u;`);
      for (let h = 0; h < gn; h++) {
        const c = accName(g * 4 + i, h), col = `n0 + ${h * 4 * tx}u + tx * 4u`;
        if (bounds === "aligned") {
          lines.push(`  C[(cOff + r * p.N + ${col}) / 4u] = ${c};`);
        } else if (bounds === "vec4") {
          lines.push(
            `  if (r < p.M && ${col} < p.N) { C[(cOff + r * p.N + ${col}) / 4u] = ${c}; }`,
          );
        } else {
          for (let j = 0; j < 4; j++) {
            lines.push(
              `  if (r < p.M && ${col} + ${j}u < p.N) { C[cOff + r * p.N + ${col} + ${j}u] = ${c}[${j}]; }`,
            );
          }
        }
      }
      lines.push("}");
    }
  }
  return lines;
}

/**
 * WGSL of `C = op(A)·op(B)` for one tile, transposes and bounds mode. Bindings: 0 uniforms
 * `{M, N, K, strideA, strideB, strideC}` (batch strides in elements), 1 A, 2 B, 3 C; the
 * workgroup grid is `[ceil(N/bn), ceil(M/bm), batch]`.
 *
 * @example
 * ```ts
 * import { gemmWgsl } from "./gemm_wgsl.ts";
 * const src = gemmWgsl({ bm: 64, bn: 64, bk: 16, tm: 4, tn: 4 }, false, true, "vec4");
 * console.log(src.includes("var<workgroup> sA")); // true
 * ```
 */
export function gemmWgsl(
  t: GemmTile,
  transA: boolean,
  transB: boolean,
  bounds: GemmBounds,
): string {
  checkTile(t);
  const threads = tileThreads(t), tx = t.bn / t.tn;
  const [a, b] = operands(t, transA, transB);
  const first: Buf = (t.layout ?? "flat") === "flat" ? FLAT0 : { rows: 0 };
  const elem = bounds === "scalar" ? "f32" : "vec4<f32>";
  const perA = a.tr * a.tc / 4 / threads, perB = b.tr * b.tc / 4 / threads;
  const accs: string[] = [];
  for (let r = 0; r < t.tm; r++) {
    for (let h = 0; h < t.tn / 4; h++) accs.push(`var ${accName(r, h)} = vec4<f32>(0.0);`);
  }
  const regs = [
    ...Array.from({ length: perA }, (_, s) => `var pA${s} = vec4<f32>(0.0);`),
    ...Array.from({ length: perB }, (_, s) => `var pB${s} = vec4<f32>(0.0);`),
  ];
  const scalarLoads = bounds !== "scalar" ? "" : `
fn ldA(r: u32, c: u32) -> f32 {
  if (r < ${a.rows} && c < ${a.cols}) { return A[aOffG + r * ${a.cols} + c]; }
  return 0.0;
}
fn ldB(r: u32, c: u32) -> f32 {
  if (r < ${b.rows} && c < ${b.cols}) { return B[bOffG + r * ${b.cols} + c]; }
  return 0.0;
}`;
  return `
struct Params { M: u32, N: u32, K: u32, strideA: u32, strideB: u32, strideC: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> A: array<${elem}>;
@group(0) @binding(2) var<storage, read> B: array<${elem}>;
@group(0) @binding(3) var<storage, read_write> C: array<${elem}>;
${[...smemDecls(t, a), ...smemDecls(t, b)].join("\n")}
var<private> aOffG: u32;
var<private> bOffG: u32;
${scalarLoads}
@compute @workgroup_size(${threads})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let tx = lid % ${tx}u;
  let ty = lid / ${tx}u;
  let m0 = wid.y * ${t.bm}u;
  let n0 = wid.x * ${t.bn}u;
  let aOff = wid.z * p.strideA;
  let bOff = wid.z * p.strideB;
  let cOff = wid.z * p.strideC;
  aOffG = aOff;
  bOffG = bOff;
  ${accs.join("\n  ")}
  ${regs.join("\n  ")}
  ${fetchLines(a, threads, bounds, "0u").join("\n  ")}
  ${fetchLines(b, threads, bounds, "0u").join("\n  ")}
  ${stageLines(t, a, threads, first).join("\n  ")}
  ${stageLines(t, b, threads, first).join("\n  ")}
  workgroupBarrier();
  ${t.db ? doubleLoop({ t, a, b, threads, bounds }) : singleLoop({ t, a, b, threads, bounds })}
  ${storeLines(t, bounds).join("\n  ")}
}
`;
}
