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

function operand(
  rng: Rng,
  dtype: "f32" | "f64",
  rows: number,
  cols: number,
  strided: boolean,
  outside: number,
  inside: () => number,
): { data: Float32Array | Float64Array; off: number; ld: number } {
  const ld = cols + (strided ? 1 + rng.int(3) : 0);
  const off = strided ? rng.int(5) : 0;
  const len = off + rows * ld + (strided ? rng.int(3) : 0);
  const data = dtype === "f64" ? new Float64Array(len) : new Float32Array(len);
  data.fill(outside);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[off + i * ld + j] = inside();
  return { data, off, ld };
}

/** Builds a case; padding of A and B is NaN so that any stray read poisons the result. */
export function makeCase(rng: Rng, s: CaseSpec): Case {
  const strided = s.strided ?? false, beta = s.beta ?? 0;
  const [ar, ac] = s.transA ? [s.k, s.m] : [s.m, s.k];
  const [br, bc] = s.transB ? [s.n, s.k] : [s.k, s.n];
  const normal = (): number => rng.normal();
  // Each operand's fields are frozen copies: under load (concurrent tier-up) Deno 2.9.6's JIT was
  // seen to hand back A's object with B's off and ld (A's data, 301×257, with ld 43), a case
  // that no longer fit its array. Frozen objects are never folded into one allocation.
  const a = Object.freeze({ ...operand(rng, s.dtype, ar, ac, strided, NaN, normal) });
  const b = Object.freeze({ ...operand(rng, s.dtype, br, bc, strided, NaN, normal) });
  for (const [name, o, rows, cols] of [["a", a, ar, ac], ["b", b, br, bc]] as const) {
    // A case must fit its array: the consistency check that caught the miscompiled one.
    if (o.ld < cols || o.off + (rows - 1) * o.ld + cols > o.data.length) {
      throw new Error(
        `makeCase: ${name} ${rows}x${cols} off ${o.off} ld ${o.ld} len ${o.data.length}`,
      );
    }
  }
  // beta = 0 must ignore the old C entirely, so it starts as NaN there.
  const c = operand(rng, s.dtype, s.m, s.n, strided, C_FILL, beta === 0 ? () => NaN : normal);
  const args: GemmArgs = {
    m: s.m,
    n: s.n,
    k: s.k,
    a: a.data,
    aOffset: a.off,
    lda: a.ld,
    transA: s.transA,
    b: b.data,
    bOffset: b.off,
    ldb: b.ld,
    transB: s.transB,
    c: c.data,
    cOffset: c.off,
    ldc: c.ld,
    alpha: s.alpha,
    beta: s.beta,
  };
  return { args, c0: Float64Array.from(c.data) };
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
