/**
 * WebAssembly kernels of the bounded Lloyd step of {@link lloydSpace} (emitted as bytes with
 * `ops/cpu/wasm_emit.ts`, one module per number of columns `d`): the bounds pass, the
 * own-distance pass, the rescans and the sums. Each does, operation for operation, what its
 * TypeScript twin in `_kmeans_wasm.ts` does (scalar f64 arithmetic, distances coordinate by
 * coordinate, sums in point order; the sums' two SIMD lanes are two independent scalar sums),
 * so both give the same bits. References: Hamerly, SDM 2010 (bounds); Elkan, ICML 2003,
 * lemma 1, walked in sorted order as Newling & Fleuret, ICML 2016 (rescans).
 *
 * @module
 */
import { Code, encodeModule, I32, Simd, uleb } from "../cpu/wasm_emit.ts";

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
  f64Eq: 0x61,
  f64Lt: 0x63,
  i32LtS: 0x48,
  i32And: 0x71,
  i32Or: 0x72,
} as const;

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

// rescan(again, k, x, c, labels, upper, lower, todo, own, gap, order, slack): for each listed
// point, walk its centre's neighbours nearest first until Elkan's bound of the next one,
// 2·half-gap − u, reaches the runner-up so far (+ slack): then the runner-up is exact.
function emitRescan(d: number): Code {
  const [AGAIN, K, X, CEN, LAB, UP, LO, TODO, OWN, GAP, ORD, SLACK] = [
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
  const [Q, I, A, ROW, P, J, ARG, XI, CJ] = [12, 13, 14, 15, 16, 17, 18, 19, 20];
  const [V, U, REACH, BEST, SECOND, SKIPPED, H, W, E, L, S] = [
    21,
    22,
    23,
    24,
    25,
    26,
    27,
    28,
    29,
    30,
    31,
  ];
  const c = new Code();
  loopTo(c, Q, AGAIN);
  addr(c, TODO, Q, 2).raw(op.i32Load, 2, 0).set(I);
  addr(c, LAB, I, 2).raw(op.i32Load, 2, 0).raw(op.tee, A).set(ARG);
  addr(c, OWN, Q, 3).raw(op.f64Load, 3, 0).raw(op.tee, V).set(BEST);
  addr(c, LO, I, 3).raw(op.f64Load, 3, 0).set(L);
  c.get(V).raw(op.f64Sqrt).set(U);
  f64Const(c, Infinity).set(REACH);
  f64Const(c, Infinity).set(SECOND);
  f64Const(c, Infinity).set(SKIPPED);
  c.get(A).get(K).mul().set(ROW).i32(1).set(P);
  c.get(X).get(I).i32(8 * d).mul().add().set(XI);
  // The walk: block (exit) / loop; br_if 1 when p ≥ k.
  loopTo(c, P, K);
  c.get(GAP).get(ROW).get(P).add().i32(3).raw(op.i32Shl).add().raw(op.f64Load, 3, 0).set(H);
  f64Const(c, 2).get(H).raw(op.f64Mul).get(U).raw(op.f64Sub).set(S);
  c.get(S).get(REACH).raw(op.f64Ge).if().get(S).set(SKIPPED).br(2).end();
  c.get(ORD).get(ROW).get(P).add().i32(2).raw(op.i32Shl).add().raw(op.i32Load, 2, 0).set(J);
  c.get(CEN).get(J).i32(8 * d).mul().add().set(CJ);
  f64Const(c, 0).set(W);
  for (let t = 0; t < d; t++) {
    c.get(XI).raw(op.f64Load, 3, ...uleb(8 * t)).get(CJ).raw(op.f64Load, 3, ...uleb(8 * t));
    c.raw(op.f64Sub).raw(op.tee, E).get(E).raw(op.f64Mul).get(W).raw(op.f64Add).set(W);
  }
  // w < best || (w === best && j < arg)
  c.get(W).get(BEST).raw(op.f64Lt);
  c.get(W).get(BEST).raw(op.f64Eq).get(J).get(ARG).raw(op.i32LtS).raw(op.i32And);
  c.raw(op.i32Or).if();
  c.get(BEST).set(SECOND).get(W).set(BEST).get(J).set(ARG);
  c.else();
  c.get(W).get(SECOND).get(W).get(SECOND).raw(op.f64Lt).raw(op.select).set(SECOND);
  c.end();
  c.get(SECOND).raw(op.f64Sqrt).get(SLACK).raw(op.f64Add).set(REACH);
  c.inc(P, 1).br(0).end().end();
  addr(c, LAB, I, 2).get(ARG).raw(op.i32Store, 2, 0);
  addr(c, UP, I, 3).get(BEST).raw(op.f64Sqrt).raw(op.f64Store, 3, 0);
  c.get(SECOND).raw(op.f64Sqrt).set(S);
  // skipped = skipped < lo ? lo : skipped; lower = s < skipped ? s : skipped
  c.get(L).get(SKIPPED).get(SKIPPED).get(L).raw(op.f64Lt).raw(op.select).set(SKIPPED);
  addr(c, LO, I, 3).get(S).get(SKIPPED).get(S).get(SKIPPED).raw(op.f64Lt).raw(op.select);
  c.raw(op.f64Store, 3, 0);
  return c.inc(Q, 1).br(0).end().end();
}

/**
 * The module of the four kernels for `d` columns (memory imported as `env.mem`).
 *
 * @example
 * ```ts
 * import { emitModule } from "./_kmeans_emit.ts";
 * console.log(WebAssembly.validate(emitModule(6))); // true
 * ```
 */
export function emitModule(d: number): Uint8Array<ArrayBuffer> {
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
      {
        name: "rescan",
        params: [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, F64],
        locals: [I32, I32, I32, I32, I32, I32, I32, I32, I32, ...new Array(11).fill(F64)],
        body: emitRescan(d),
      },
    ],
  });
}
