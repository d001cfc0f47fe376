/**
 * Test support for GEMM: strided random cases with poisoned padding, a naive triple-loop
 * reference in f64, and an elementwise error bound scaled by depth and dtype.
 */
import assert from "node:assert/strict";
import type { GemmArgs } from "../../../ops/cpu/gemm_types.ts";
import type { Rng } from "../../../ops/random.ts";

/** What a case asks for. */
export interface CaseSpec {
  m: number;
  n: number;
  k: number;
  dtype: "f32" | "f64";
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  beta?: number;
  /** Strided storage: offsets, ld > cols and trailing elements. */
  strided?: boolean;
}

/** A ready-to-run case and the untouched copy of C's storage. */
export interface Case {
  args: GemmArgs;
  c0: Float64Array;
}

const C_FILL = 12345.5; // storage of C outside the block: must come back bit-identical

/**
 * A rows × cols matrix in fresh storage: `[data, off, ld]`. An array, not an object `{ data,
 * off, ld }`: V8 15.0 (Deno 2.9.6) miscompiles this function so that such objects, built one
 * after another, share the storage of their `off` and `ld` (heap numbers here: `Rng.int`), and
 * building B rewrote A's fields. It is not a bug of ours: no code writes to the objects and
 * they are distinct. The standalone repro `v8_field_alias_repro.ts` (command and runs there)
 * shows it, and that `--no-maglev`, `--no-use-osr` or `--no-maglev-escape-analysis` end it.
 * Seen on gemm_pin_test.ts, always at its first f32 case (A 301×257 with ld 260 read back B's or
 * C's off and ld, e.g. 3 and 43): with objects, 2 of 20 runs as two concurrent copies and 7 of
 * 10 with `--v8-flags=--concurrent-recompilation-delay=20`; with this array, 0 of 24 and 0 of 10.
 * `gemm_ref_test.ts` checks it under that flag; `checkFits` guards every case.
 */
function operand(
  rng: Rng,
  dtype: "f32" | "f64",
  rows: number,
  cols: number,
  strided: boolean,
  outside: number,
  inside: () => number,
): [Float32Array | Float64Array, number, number] {
  const ld = cols + (strided ? 1 + rng.int(3) : 0);
  const off = strided ? rng.int(5) : 0;
  const len = off + rows * ld + (strided ? rng.int(3) : 0);
  const data = dtype === "f64" ? new Float64Array(len) : new Float32Array(len);
  data.fill(outside);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[off + i * ld + j] = inside();
  return [data, off, ld];
}

/** Builds a case; padding of A and B is NaN so that any stray read poisons the result. */
export function makeCase(rng: Rng, s: CaseSpec): Case {
  const strided = s.strided ?? false, beta = s.beta ?? 0;
  const [ar, ac] = s.transA ? [s.k, s.m] : [s.m, s.k];
  const [br, bc] = s.transB ? [s.n, s.k] : [s.k, s.n];
  const normal = (): number => rng.normal();
  const [a, aOff, lda] = operand(rng, s.dtype, ar, ac, strided, NaN, normal);
  const [b, bOff, ldb] = operand(rng, s.dtype, br, bc, strided, NaN, normal);
  // beta = 0 must ignore the old C entirely, so it starts as NaN there.
  const fillC = beta === 0 ? () => NaN : normal;
  const [c, cOff, ldc] = operand(rng, s.dtype, s.m, s.n, strided, C_FILL, fillC);
  const args: GemmArgs = {
    m: s.m,
    n: s.n,
    k: s.k,
    a,
    aOffset: aOff,
    lda,
    transA: s.transA,
    b,
    bOffset: bOff,
    ldb,
    transB: s.transB,
    c,
    cOffset: cOff,
    ldc,
    alpha: s.alpha,
    beta: s.beta,
  };
  checkFits(args, [ar, ac], [br, bc], [s.m, s.n]);
  return { args, c0: Float64Array.from(c) };
}

/**
 * Throws unless each operand of a case fits its array: a guard against the V8 miscompile of
 * `operand` (such a case would fail far from its cause, or read padding and pass).
 */
function checkFits(g: GemmArgs, ...dims: [number, number][]): void {
  const ops = [[g.a, g.aOffset, g.lda], [g.b, g.bOffset, g.ldb], [g.c, g.cOffset, g.ldc]] as const;
  ops.forEach(([data, off = 0, ld], i) => {
    const [rows, cols] = dims[i];
    if (ld < cols || off + (rows - 1) * ld + cols > data.length) {
      const name = "abc"[i];
      throw new Error(`makeCase: ${name} ${rows}x${cols} off ${off} ld ${ld} len ${data.length}`);
    }
  });
}

/**
 * Naive triple loop in f64 and the bound |alpha|·|op(A)|·|op(B)| + |beta|·|C| per element.
 */
export function reference(g: GemmArgs, c0: Float64Array): { ref: number[]; bound: number[] } {
  const { m, n, k } = g, alpha = g.alpha ?? 1, beta = g.beta ?? 0;
  const A = (i: number, p: number): number =>
    g.a[(g.aOffset ?? 0) + (g.transA ? p * g.lda + i : i * g.lda + p)];
  const B = (p: number, j: number): number =>
    g.b[(g.bOffset ?? 0) + (g.transB ? j * g.ldb + p : p * g.ldb + j)];
  const ref: number[] = [], bound: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0, sa = 0;
      if (alpha !== 0) {
        for (let p = 0; p < k; p++) {
          s += A(i, p) * B(p, j);
          sa += Math.abs(A(i, p) * B(p, j));
        }
      }
      const old = beta === 0 ? 0 : c0[(g.cOffset ?? 0) + i * g.ldc + j];
      ref.push(alpha * s + beta * old);
      bound.push(Math.abs(alpha) * sa + Math.abs(beta * old));
    }
  }
  return { ref, bound };
}

/**
 * Asserts C within `2·(k+2)·u·bound` of the reference elementwise (a standard forward error
 * bound for a dot product of length k plus the alpha/beta roundings, doubled to cover the f64
 * reference's own error), and the storage of C outside the block unchanged.
 */
export function assertGemm(g: GemmArgs, c0: Float64Array, label: string): void {
  const { ref, bound } = reference(g, c0);
  const u = g.c instanceof Float64Array ? 2 ** -53 : 2 ** -24;
  const tiny = g.c instanceof Float64Array ? 1e-300 : 1e-37;
  const off = g.cOffset ?? 0;
  const inBlock = new Set<number>();
  for (let i = 0; i < g.m; i++) {
    for (let j = 0; j < g.n; j++) {
      const at = off + i * g.ldc + j, got = g.c[at], want = ref[i * g.n + j];
      inBlock.add(at);
      const tol = 2 * (g.k + 2) * u * bound[i * g.n + j] + tiny;
      if (!(Math.abs(got - want) <= tol)) {
        assert.fail(`${label}: C[${i}][${j}] = ${got}, want ${want} ± ${tol}`);
      }
    }
  }
  for (let t = 0; t < g.c.length; t++) {
    if (!inBlock.has(t) && !Object.is(g.c[t], c0[t])) {
      assert.fail(`${label}: storage of C outside the block changed at ${t}: ${g.c[t]}`);
    }
  }
}
