/**
 * The WebAssembly SIMD (f64x2) kernels of the decompositions, emitted with the GEMM's binary
 * emitter (`ops/cpu/wasm_emit.ts`): a sequence of plane rotations of adjacent rows, row-by-row dot
 * products, and the two fused row updates of bidiagonalization. Plain SIMD (no relaxed FMA), so the
 * results equal the TypeScript loops' up to the order of the additions. Used through
 * `simdWorkspace` in `simd.ts`.
 *
 * @module
 */
import { Code, encodeModule, I32, Simd, V128 } from "../cpu/wasm_emit.ts";

const F64 = 0x7c;
const OP = {
  block: [0x02, 0x40],
  br: 0x0c,
  i32GeU: 0x4f,
  i32GtU: 0x4b,
  i32LtU: 0x49,
  i32And: 0x71,
  f64Load: 0x2b,
  f64Const: 0x44,
  f64Store: 0x39,
  f64Add: 0xa0,
  f64Sub: 0xa1,
  f64Mul: 0xa2,
  f64x2Sub: 0xf1,
  f64x2ExtractLane: 0x21,
} as const;

/** rotRows(base, ld, len, lo, hi, cs, sn): rows j, j+1 ← rotation j, for j = lo … hi−1. */
function rotRows(): Code {
  const [base, ld, len, lo, hi, cs, sn, j, p, q, end, c, s, x, y] = [
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
    12,
    13,
    14,
  ];
  const b = new Code();
  b.get(lo).set(j);
  b.raw(...OP.block).loop();
  b.get(j).get(hi).raw(OP.i32GeU).brIf(1);
  b.get(cs).get(j).i32(8).mul().add().simdMem(Simd.load64Splat, 3, 0).set(c);
  b.get(sn).get(j).i32(8).mul().add().simdMem(Simd.load64Splat, 3, 0).set(s);
  b.get(base).get(j).get(ld).mul().add().set(p);
  b.get(p).get(ld).add().set(q);
  b.get(p).get(len).i32(8).mul().add().set(end);
  b.loop();
  b.get(p).simdMem(Simd.load, 3, 0).set(x);
  b.get(q).simdMem(Simd.load, 3, 0).set(y);
  b.get(p).get(c).get(x).simd(Simd.f64x2Mul).get(s).get(y).simd(Simd.f64x2Mul).simd(Simd.f64x2Add);
  b.simdMem(Simd.store, 3, 0);
  b.get(q).get(c).get(y).simd(Simd.f64x2Mul).get(s).get(x).simd(Simd.f64x2Mul).simd(OP.f64x2Sub);
  b.simdMem(Simd.store, 3, 0);
  b.inc(p, 16).inc(q, 16);
  b.get(p).get(end).raw(OP.i32LtU).brIf(0);
  b.end();
  b.inc(j, 1).raw(OP.br, 0);
  b.end().end();
  return b;
}

/** dotRows(a, ld, rows, len, v, out): out[i] = Σ_k a[i·ld + k]·v[k] (byte addresses). */
function dotRows(): Code {
  const [a, ld, rows, len, v, out, i, p, q, endQuad, endAll, acc0, acc1, s] = [
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
    12,
    13,
  ];
  const b = new Code();
  b.i32(0).set(i);
  b.raw(...OP.block).loop();
  b.get(i).get(rows).raw(OP.i32GeU).brIf(1);
  b.get(a).get(i).get(ld).mul().add().set(p);
  b.get(v).set(q);
  b.zero().set(acc0).zero().set(acc1);
  b.get(p).get(len).i32(-4).raw(OP.i32And).i32(8).mul().add().set(endQuad);
  b.get(p).get(len).i32(8).mul().add().set(endAll);
  // four entries per step into two accumulators
  b.raw(...OP.block);
  b.get(p).get(endQuad).raw(OP.i32GeU).brIf(0);
  b.loop();
  b.get(acc0).get(p).simdMem(Simd.load, 3, 0).get(q).simdMem(Simd.load, 3, 0).simd(Simd.f64x2Mul)
    .simd(Simd.f64x2Add).set(acc0);
  b.get(acc1).get(p).simdMem(Simd.load, 3, 16).get(q).simdMem(Simd.load, 3, 16).simd(
    Simd.f64x2Mul,
  ).simd(Simd.f64x2Add).set(acc1);
  b.inc(p, 32).inc(q, 32);
  b.get(p).get(endQuad).raw(OP.i32LtU).brIf(0);
  b.end().end();
  b.get(acc0).get(acc1).simd(Simd.f64x2Add).set(acc0);
  b.get(acc0).simd(OP.f64x2ExtractLane).raw(0).get(acc0).simd(OP.f64x2ExtractLane).raw(1);
  b.raw(OP.f64Add).set(s);
  // scalar tail
  b.raw(...OP.block);
  b.get(p).get(endAll).raw(OP.i32GeU).brIf(0);
  b.loop();
  b.get(s).get(p).raw(OP.f64Load, 3, 0).get(q).raw(OP.f64Load, 3, 0).raw(OP.f64Mul).raw(OP.f64Add)
    .set(s);
  b.inc(p, 8).inc(q, 8);
  b.get(p).get(endAll).raw(OP.i32LtU).brIf(0);
  b.end().end();
  b.get(out).get(i).i32(8).mul().add().get(s).raw(OP.f64Store, 3, 0);
  b.inc(i, 1).raw(OP.br, 0);
  b.end().end();
  return b;
}

/** rowsAxpyDot(a, ld, rows, len, wv, v, f, out): row_i ← row_i − f_i·wv; out_i = row_i·v. */
function rowsAxpyDot(): Code {
  const [a, ld, rows, len, wv, v, f, out] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [i, p, qw, qv, endPair, endAll, fv, acc, x, fs, s] = [
    8,
    9,
    10,
    11,
    12,
    13,
    14,
    15,
    16,
    17,
    18,
  ];
  const b = new Code();
  b.i32(0).set(i);
  b.raw(...OP.block).loop();
  b.get(i).get(rows).raw(OP.i32GeU).brIf(1);
  b.get(a).get(i).get(ld).mul().add().set(p);
  b.get(wv).set(qw).get(v).set(qv);
  b.get(f).get(i).i32(8).mul().add().raw(OP.f64Load, 3, 0).set(fs);
  b.get(fs).simd(Simd.f64x2Splat).set(fv);
  b.zero().set(acc);
  b.get(p).get(len).i32(-2).raw(OP.i32And).i32(8).mul().add().set(endPair);
  b.get(p).get(len).i32(8).mul().add().set(endAll);
  b.raw(...OP.block);
  b.get(p).get(endPair).raw(OP.i32GeU).brIf(0);
  b.loop();
  b.get(p).simdMem(Simd.load, 3, 0).get(fv).get(qw).simdMem(Simd.load, 3, 0).simd(Simd.f64x2Mul)
    .simd(OP.f64x2Sub).set(x);
  b.get(p).get(x).simdMem(Simd.store, 3, 0);
  b.get(acc).get(x).get(qv).simdMem(Simd.load, 3, 0).simd(Simd.f64x2Mul).simd(Simd.f64x2Add)
    .set(acc);
  b.inc(p, 16).inc(qw, 16).inc(qv, 16);
  b.get(p).get(endPair).raw(OP.i32LtU).brIf(0);
  b.end().end();
  b.get(acc).simd(OP.f64x2ExtractLane).raw(0).get(acc).simd(OP.f64x2ExtractLane).raw(1);
  b.raw(OP.f64Add).set(s);
  b.raw(...OP.block);
  b.get(p).get(endAll).raw(OP.i32GeU).brIf(0);
  b.get(p).raw(OP.f64Load, 3, 0).get(fs).get(qw).raw(OP.f64Load, 3, 0).raw(OP.f64Mul).raw(OP.f64Sub)
    .set(fs);
  b.get(p).get(fs).raw(OP.f64Store, 3, 0);
  b.get(s).get(fs).get(qv).raw(OP.f64Load, 3, 0).raw(OP.f64Mul).raw(OP.f64Add).set(s);
  b.end();
  b.get(out).get(i).i32(8).mul().add().get(s).raw(OP.f64Store, 3, 0);
  b.inc(i, 1).raw(OP.br, 0);
  b.end().end();
  return b;
}

/** rowsAxpyAxpy(a, ld, rows, len, v, z, u, wv): row_i ← row_i − z_i·v; wv += u_i·row_i. */
function rowsAxpyAxpy(): Code {
  const [a, ld, rows, len, v, z, u, wv] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [i, p, qv, qw, endPair, endAll, zv, uv, x, zs, us] = [
    8,
    9,
    10,
    11,
    12,
    13,
    14,
    15,
    16,
    17,
    18,
  ];
  const b = new Code();
  b.i32(0).set(i);
  b.raw(...OP.block).loop();
  b.get(i).get(rows).raw(OP.i32GeU).brIf(1);
  b.get(a).get(i).get(ld).mul().add().set(p);
  b.get(v).set(qv).get(wv).set(qw);
  b.get(z).get(i).i32(8).mul().add().raw(OP.f64Load, 3, 0).set(zs);
  b.get(u).get(i).i32(8).mul().add().raw(OP.f64Load, 3, 0).set(us);
  b.get(zs).simd(Simd.f64x2Splat).set(zv).get(us).simd(Simd.f64x2Splat).set(uv);
  b.get(p).get(len).i32(-2).raw(OP.i32And).i32(8).mul().add().set(endPair);
  b.get(p).get(len).i32(8).mul().add().set(endAll);
  b.raw(...OP.block);
  b.get(p).get(endPair).raw(OP.i32GeU).brIf(0);
  b.loop();
  b.get(p).simdMem(Simd.load, 3, 0).get(zv).get(qv).simdMem(Simd.load, 3, 0).simd(Simd.f64x2Mul)
    .simd(OP.f64x2Sub).set(x);
  b.get(p).get(x).simdMem(Simd.store, 3, 0);
  b.get(qw).get(qw).simdMem(Simd.load, 3, 0).get(uv).get(x).simd(Simd.f64x2Mul).simd(Simd.f64x2Add)
    .simdMem(Simd.store, 3, 0);
  b.inc(p, 16).inc(qv, 16).inc(qw, 16);
  b.get(p).get(endPair).raw(OP.i32LtU).brIf(0);
  b.end().end();
  b.raw(...OP.block);
  b.get(p).get(endAll).raw(OP.i32GeU).brIf(0);
  b.get(p).raw(OP.f64Load, 3, 0).get(zs).get(qv).raw(OP.f64Load, 3, 0).raw(OP.f64Mul).raw(OP.f64Sub)
    .set(zs);
  b.get(p).get(zs).raw(OP.f64Store, 3, 0);
  b.get(qw).get(qw).raw(OP.f64Load, 3, 0).get(us).get(zs).raw(OP.f64Mul).raw(OP.f64Add)
    .raw(OP.f64Store, 3, 0);
  b.end();
  b.inc(i, 1).raw(OP.br, 0);
  b.end().end();
  return b;
}

/**
 * dotRows4(a, ld, rows, len, v, out): as dotRows for the first `rows & ~3` rows, four rows per
 * pass so that each load of v serves four rows and eight independent accumulators hide the
 * latency of the additions (dotRows' two chains are latency-bound). The caller finishes the
 * last `rows % 4` rows with dotRows.
 */
function dotRows4(): Code {
  const [a, ld, rows, len, v, out, i, q, endQuad, endPair, endAll] = [
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
  const p = [11, 12, 13, 14], acc = [15, 16, 17, 18], acc2 = [19, 20, 21, 22], [x, x2] = [23, 24];
  const s = [25, 26, 27, 28], xs = 29;
  const b = new Code();
  b.i32(0).set(i);
  b.raw(...OP.block).loop();
  b.get(i).i32(4).add().get(rows).raw(OP.i32GtU).brIf(1);
  b.get(a).get(i).get(ld).mul().add().set(p[0]);
  for (let r = 1; r < 4; r++) b.get(p[r - 1]).get(ld).add().set(p[r]);
  b.get(v).set(q);
  for (let r = 0; r < 4; r++) b.zero().set(acc[r]).zero().set(acc2[r]);
  b.get(p[0]).get(len).i32(-4).raw(OP.i32And).i32(8).mul().add().set(endQuad);
  b.get(p[0]).get(len).i32(-2).raw(OP.i32And).i32(8).mul().add().set(endPair);
  b.get(p[0]).get(len).i32(8).mul().add().set(endAll);
  // four columns per step: one pair into acc, the next into acc2
  b.raw(...OP.block);
  b.get(p[0]).get(endQuad).raw(OP.i32GeU).brIf(0);
  b.loop();
  b.get(q).simdMem(Simd.load, 3, 0).set(x).get(q).simdMem(Simd.load, 3, 16).set(x2);
  for (let r = 0; r < 4; r++) {
    b.get(acc[r]).get(p[r]).simdMem(Simd.load, 3, 0).get(x).simd(Simd.f64x2Mul)
      .simd(Simd.f64x2Add).set(acc[r]);
    b.get(acc2[r]).get(p[r]).simdMem(Simd.load, 3, 16).get(x2).simd(Simd.f64x2Mul)
      .simd(Simd.f64x2Add).set(acc2[r]);
  }
  for (let r = 0; r < 4; r++) b.inc(p[r], 32);
  b.inc(q, 32);
  b.get(p[0]).get(endQuad).raw(OP.i32LtU).brIf(0);
  b.end().end();
  // at most one pair left
  b.raw(...OP.block);
  b.get(p[0]).get(endPair).raw(OP.i32GeU).brIf(0);
  b.get(q).simdMem(Simd.load, 3, 0).set(x);
  for (let r = 0; r < 4; r++) {
    b.get(acc[r]).get(p[r]).simdMem(Simd.load, 3, 0).get(x).simd(Simd.f64x2Mul)
      .simd(Simd.f64x2Add).set(acc[r]);
    b.inc(p[r], 16);
  }
  b.inc(q, 16);
  b.end();
  for (let r = 0; r < 4; r++) {
    b.get(acc[r]).get(acc2[r]).simd(Simd.f64x2Add).set(acc[r]);
    b.get(acc[r]).simd(OP.f64x2ExtractLane).raw(0).get(acc[r]).simd(OP.f64x2ExtractLane).raw(1);
    b.raw(OP.f64Add).set(s[r]);
  }
  // at most one entry left
  b.raw(...OP.block);
  b.get(p[0]).get(endAll).raw(OP.i32GeU).brIf(0);
  b.get(q).raw(OP.f64Load, 3, 0).set(xs);
  for (let r = 0; r < 4; r++) {
    b.get(s[r]).get(p[r]).raw(OP.f64Load, 3, 0).get(xs).raw(OP.f64Mul).raw(OP.f64Add).set(s[r]);
  }
  b.end();
  for (let r = 0; r < 4; r++) {
    b.get(out).get(i).i32(8).mul().add().get(s[r]).raw(OP.f64Store, 3, 8 * r);
  }
  b.inc(i, 4).raw(OP.br, 0);
  b.end().end();
  return b;
}

/**
 * symvUpper(a, ld, m, x, y): y = A·x for the symmetric m × m matrix A whose upper triangle is
 * stored by rows from `a` (row i from its diagonal entry, a[i·ld + i …]). Two rows per pass:
 * each entry a_ic serves the dot product of row i and the update y_c += a_ic·x_i, so A is read
 * once, half of what a full-matrix product reads (LAPACK `dsymv`'s idea).
 */
function symvUpper(): Code {
  const [a, ld, m, x, y, i, p0, p1, q, yq, endQuad, endPair, endAll] = [
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
    12,
  ];
  const [x0, x1, acc0, acc1, acc0b, acc1b, xc, xc2, r0, r1] = [
    13,
    14,
    15,
    16,
    17,
    18,
    19,
    20,
    21,
    22,
  ];
  const [s0, s1, xi, xi1, a01, xs, r0s, r1s] = [23, 24, 25, 26, 27, 28, 29, 30];
  const b = new Code();
  const madd = (acc: number, r: number, v: number): void => {
    b.get(acc).get(r).get(v).simd(Simd.f64x2Mul).simd(Simd.f64x2Add).set(acc);
  };
  // y_c ← y_c + r0·x_i + r1·x_{i+1} for the pair at yq + off
  const updateY = (off: number): void => {
    b.get(yq).get(yq).simdMem(Simd.load, 3, off).get(r0).get(x0).simd(Simd.f64x2Mul)
      .simd(Simd.f64x2Add).get(r1).get(x1).simd(Simd.f64x2Mul).simd(Simd.f64x2Add)
      .simdMem(Simd.store, 3, off);
  };
  // y = 0
  b.get(y).set(yq).get(y).get(m).i32(8).mul().add().set(endAll);
  b.raw(...OP.block).loop();
  b.get(yq).get(endAll).raw(OP.i32GeU).brIf(1);
  b.get(yq).raw(OP.f64Const, 0, 0, 0, 0, 0, 0, 0, 0).raw(OP.f64Store, 3, 0);
  b.inc(yq, 8).raw(OP.br, 0);
  b.end().end();
  b.i32(0).set(i);
  b.raw(...OP.block).loop();
  b.get(i).i32(2).add().get(m).raw(OP.i32GtU).brIf(1);
  b.get(a).get(i).get(ld).mul().add().get(i).i32(8).mul().add().set(p0);
  b.get(p0).get(ld).add().i32(8).add().set(p1);
  b.get(x).get(i).i32(8).mul().add().set(q);
  b.get(y).get(i).i32(8).mul().add().set(yq);
  b.get(q).raw(OP.f64Load, 3, 0).set(xi).get(q).raw(OP.f64Load, 3, 8).set(xi1);
  b.get(p0).raw(OP.f64Load, 3, 8).set(a01);
  b.get(p0).raw(OP.f64Load, 3, 0).get(xi).raw(OP.f64Mul).get(a01).get(xi1).raw(OP.f64Mul);
  b.raw(OP.f64Add).set(s0);
  b.get(a01).get(xi).raw(OP.f64Mul).get(p1).raw(OP.f64Load, 3, 0).get(xi1).raw(OP.f64Mul);
  b.raw(OP.f64Add).set(s1);
  b.get(xi).simd(Simd.f64x2Splat).set(x0).get(xi1).simd(Simd.f64x2Splat).set(x1);
  // from column i + 2 on
  b.inc(p0, 16).inc(p1, 8).inc(q, 16).inc(yq, 16);
  const rest = (): Code => b.get(m).get(i).sub().i32(2).sub();
  rest().i32(-4).raw(OP.i32And).i32(8).mul().get(p0).add().set(endQuad);
  rest().i32(-2).raw(OP.i32And).i32(8).mul().get(p0).add().set(endPair);
  rest().i32(8).mul().get(p0).add().set(endAll);
  for (const v of [acc0, acc1, acc0b, acc1b]) b.zero().set(v);
  b.raw(...OP.block);
  b.get(p0).get(endQuad).raw(OP.i32GeU).brIf(0);
  b.loop();
  b.get(q).simdMem(Simd.load, 3, 0).set(xc).get(q).simdMem(Simd.load, 3, 16).set(xc2);
  b.get(p0).simdMem(Simd.load, 3, 0).set(r0).get(p1).simdMem(Simd.load, 3, 0).set(r1);
  madd(acc0, r0, xc);
  madd(acc1, r1, xc);
  updateY(0);
  b.get(p0).simdMem(Simd.load, 3, 16).set(r0).get(p1).simdMem(Simd.load, 3, 16).set(r1);
  madd(acc0b, r0, xc2);
  madd(acc1b, r1, xc2);
  updateY(16);
  b.inc(p0, 32).inc(p1, 32).inc(q, 32).inc(yq, 32);
  b.get(p0).get(endQuad).raw(OP.i32LtU).brIf(0);
  b.end().end();
  b.raw(...OP.block);
  b.get(p0).get(endPair).raw(OP.i32GeU).brIf(0);
  b.get(q).simdMem(Simd.load, 3, 0).set(xc);
  b.get(p0).simdMem(Simd.load, 3, 0).set(r0).get(p1).simdMem(Simd.load, 3, 0).set(r1);
  madd(acc0, r0, xc);
  madd(acc1, r1, xc);
  updateY(0);
  b.inc(p0, 16).inc(p1, 16).inc(q, 16).inc(yq, 16);
  b.end();
  for (const [acc, accb, sum] of [[acc0, acc0b, s0], [acc1, acc1b, s1]]) {
    b.get(acc).get(accb).simd(Simd.f64x2Add).set(acc);
    b.get(sum).get(acc).simd(OP.f64x2ExtractLane).raw(0).raw(OP.f64Add);
    b.get(acc).simd(OP.f64x2ExtractLane).raw(1).raw(OP.f64Add).set(sum);
  }
  b.raw(...OP.block);
  b.get(p0).get(endAll).raw(OP.i32GeU).brIf(0);
  b.get(q).raw(OP.f64Load, 3, 0).set(xs);
  b.get(p0).raw(OP.f64Load, 3, 0).set(r0s).get(p1).raw(OP.f64Load, 3, 0).set(r1s);
  b.get(s0).get(r0s).get(xs).raw(OP.f64Mul).raw(OP.f64Add).set(s0);
  b.get(s1).get(r1s).get(xs).raw(OP.f64Mul).raw(OP.f64Add).set(s1);
  b.get(yq).get(yq).raw(OP.f64Load, 3, 0).get(r0s).get(xi).raw(OP.f64Mul).raw(OP.f64Add);
  b.get(r1s).get(xi1).raw(OP.f64Mul).raw(OP.f64Add).raw(OP.f64Store, 3, 0);
  b.end();
  b.get(y).get(i).i32(8).mul().add().set(yq);
  b.get(yq).get(yq).raw(OP.f64Load, 3, 0).get(s0).raw(OP.f64Add).raw(OP.f64Store, 3, 0);
  b.get(yq).get(yq).raw(OP.f64Load, 3, 8).get(s1).raw(OP.f64Add).raw(OP.f64Store, 3, 8);
  b.inc(i, 2).raw(OP.br, 0);
  b.end().end();
  // odd m: the last diagonal entry
  b.get(i).get(m).raw(OP.i32LtU).if();
  b.get(y).get(i).i32(8).mul().add().set(yq);
  b.get(a).get(i).get(ld).mul().add().get(i).i32(8).mul().add().set(p0);
  b.get(yq).get(yq).raw(OP.f64Load, 3, 0).get(p0).raw(OP.f64Load, 3, 0);
  b.get(x).get(i).i32(8).mul().add().raw(OP.f64Load, 3, 0).raw(OP.f64Mul).raw(OP.f64Add);
  b.raw(OP.f64Store, 3, 0);
  b.end();
  return b;
}

const I = I32;
/**
 * The encoded module: `rotRows`, `dotRows`, `rowsAxpyDot`, `rowsAxpyAxpy`, `dotRows4` and
 * `symvUpper`, all taking byte
 * addresses and i32 sizes in an imported memory `env.mem`.
 *
 * @example
 * ```ts
 * import { SIMD_MODULE } from "./simd_kernels.ts";
 * console.log(SIMD_MODULE instanceof Uint8Array); // true
 * ```
 */
export const SIMD_MODULE: Uint8Array<ArrayBuffer> = encodeModule({
  minPages: 1,
  funcs: [
    {
      name: "rotRows",
      params: [I, I, I, I, I, I, I],
      locals: [I, I, I, I, V128, V128, V128, V128],
      body: rotRows(),
    },
    {
      name: "dotRows",
      params: [I, I, I, I, I, I],
      locals: [I, I, I, I, I, V128, V128, F64],
      body: dotRows(),
    },
    {
      name: "rowsAxpyDot",
      params: [I, I, I, I, I, I, I, I],
      locals: [I, I, I, I, I, I, V128, V128, V128, F64, F64],
      body: rowsAxpyDot(),
    },
    {
      name: "rowsAxpyAxpy",
      params: [I, I, I, I, I, I, I, I],
      locals: [I, I, I, I, I, I, V128, V128, V128, F64, F64],
      body: rowsAxpyAxpy(),
    },
    {
      name: "dotRows4",
      params: [I, I, I, I, I, I],
      locals: [...Array(9).fill(I), ...Array(10).fill(V128), ...Array(5).fill(F64)],
      body: dotRows4(),
    },
    {
      name: "symvUpper",
      params: [I, I, I, I, I],
      locals: [...Array(8).fill(I), ...Array(10).fill(V128), ...Array(8).fill(F64)],
      body: symvUpper(),
    },
  ],
});
