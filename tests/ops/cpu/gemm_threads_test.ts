import assert from "node:assert/strict";
import {
  claimWord,
  controlBlock,
  F,
  helperChunks,
  nextHealth,
  resetPoolHealth,
  runChunks,
  runOnPool,
} from "../../../ops/cpu/gemm_pool.ts";
import { gemm } from "../../../ops/cpu/gemm.ts";
import {
  gemmWasm,
  setGemmThreads,
  startGemmThreads,
  THREADS_MIN_FLOPS,
} from "../../../ops/cpu/gemm_wasm.ts";
import type { GemmArgs } from "../../../ops/cpu/gemm_types.ts";
import { Rng } from "../../../ops/random.ts";
import { assertGemm, makeCase } from "./gemm_ref.ts";

Deno.test("chunk claims: every chunk runs exactly once, closed jobs claim nothing", () => {
  const ctrl = new Int32Array(F.SIZE), word = claimWord(ctrl);
  // f(a, b, c, units): 11 units, 3 per chunk; a moves 100 bytes per unit, c 7.
  ctrl.set([5, 1000, 2000, 11], F.ARGS);
  Object.assign(ctrl, { [F.NARGS]: 4, [F.COUNT]: 3, [F.UNITS]: 11, [F.PER]: 3, [F.CHUNKS]: 4 });
  ctrl[F.NCALLS] = 1;
  Object.assign(ctrl, { [F.X1]: 0, [F.S1]: 100, [F.X2]: 2, [F.S2]: 7 });
  const calls: number[][] = [];
  const none: number[] = [];
  word[0] = -1n; // closed: the caller is writing the fields
  assert.equal(runChunks(ctrl, () => () => none.push(-1)), 0);
  assert.equal(none.length, 0);
  word[0] = 7n << 16n; // job 7 is posted
  assert.equal(runChunks(ctrl, () => (...args) => calls.push(args)), 4);
  assert.deepEqual(calls, [
    [5, 1000, 2000, 3],
    [305, 1000, 2021, 3],
    [605, 1000, 2042, 3],
    [905, 1000, 2063, 2],
  ]);
  assert.equal(ctrl[F.FIN], 4);
  assert.equal(word[0], (7n << 16n) + 4n);
  // All claimed: a late claimer takes nothing. Closed, no claim succeeds even if the new chunk
  // count would leave room.
  assert.equal(runChunks(ctrl, () => () => none.push(1)), 0);
  word[0] = -1n;
  ctrl[F.CHUNKS] = 100;
  assert.equal(runChunks(ctrl, () => () => none.push(1)), 0);
  assert.equal(none.length, 0);
  ctrl[F.CHUNKS] = 4;
  // A job of two calls: each chunk runs both, in order, on its own units.
  ctrl.set([5, 1000, 2000, 11, 6, 1001, 2000, 11], F.ARGS);
  ctrl[F.NCALLS] = 2;
  word[0] = 9n << 16n;
  ctrl[F.FIN] = 0;
  const seq2: number[][] = [];
  assert.equal(runChunks(ctrl, () => (...args) => seq2.push(args)), 4);
  assert.deepEqual(seq2.slice(0, 4), [
    [5, 1000, 2000, 3],
    [6, 1001, 2000, 3],
    [305, 1000, 2021, 3],
    [306, 1001, 2021, 3],
  ]);
  assert.equal(seq2.length, 8);
  ctrl[F.NCALLS] = 1;
  // A kernel that throws is reported, and its chunk still counts as finished.
  word[0] = 10n << 16n;
  ctrl[F.FIN] = 0;
  assert.equal(
    runChunks(ctrl, () => () => {
      throw new RangeError("trap");
    }),
    0,
  );
  assert.equal(ctrl[F.FIN], 4);
  assert.equal(ctrl[F.ERR], 1);
  const call = { kernel: 0, fn: 0, calls: [[0, 2]], count: 1, advance: [], per: 1 };
  assert.throws(() =>
    runOnPool(call, () => {
      throw new RangeError("trap");
    }), /kernel failed/);
  // A job the claim word cannot index, or a unit count outside args, is refused.
  assert.throws(() => runOnPool({ ...call, calls: [[0, 1 << 20]] }, () => {}), RangeError);
  // Calls of one job must agree on their unit count and length.
  assert.throws(() => runOnPool({ ...call, calls: [[0, 2], [0, 3]] }, () => {}), RangeError);
  assert.throws(() => runOnPool({ ...call, calls: [] }, () => {}), RangeError);
  assert.throws(() => runOnPool({ ...call, count: 2 }, () => {}), RangeError);
  assert.throws(() => runOnPool({ ...call, per: 0 }, () => {}), RangeError);
});

Deno.test("job ids in the claim word never repeat: no wrap after 2^15 jobs", () => {
  // A claimer paused between reading the claim word and its compare-exchange must never see
  // that word again for a later job, or it would run stale arguments in place of a chunk of the
  // new job (and FIN would count the new chunk as done). With a 15-bit id the word repeated
  // every 32768 jobs.
  const call = { kernel: 0, fn: 0, calls: [[0, 1]], count: 1, advance: [], per: 1 };
  const words = new Set<bigint>();
  // Inside the kernel the claim word holds this job's id with its one chunk claimed.
  const seen = (): void => void words.add(claimWord(controlBlock())[0]);
  for (let j = 0; j < 0x8000 + 3; j++) runOnPool(call, seen);
  assert.equal(words.size, 0x8000 + 3);
});

Deno.test("pool health: stalled jobs pause the split, longer each time; good jobs reset", () => {
  let h = { ewma: 1, until: 0, pauseMs: 50 };
  // Healthy: 4 of 8 chunks here in 4 ms, job 4.2 ms (one thread ≈ 8 ms): stays shared.
  for (let i = 0; i < 20; i++) h = nextHealth(h, 4, 4, 8, 4.2, 100 + i);
  assert.equal(h.until, 0);
  assert.ok(h.ewma > 1.8, `ewma ${h.ewma}`);
  // Stalled: this thread ran 7 of 8 chunks in 7 ms and then waited 4 ms for the helper's one.
  const stalled = (x: typeof h, now: number): typeof h => nextHealth(x, 7, 7, 8, 11, now);
  let n = 0;
  while (h.until === 0 && n < 100) [h, n] = [stalled(h, 1000), n + 1];
  assert.ok(n >= 2 && n <= 12, `paused after ${n} stalled jobs`);
  assert.deepEqual([h.until, h.pauseMs], [1050, 100]);
  // Fails again after each pause: twice as long, capped at 10 s.
  for (let round = 0; round < 12; round++) {
    const now = h.until;
    while (h.until <= now) h = stalled(h, now);
  }
  assert.equal(h.pauseMs, 10_000);
  // A run of good jobs after a pause brings the pause length back down.
  for (let i = 0; i < 10; i++) h = nextHealth(h, 4, 4, 8, 4.2, h.until + i);
  assert.equal(h.pauseMs, 50);
  // Jobs the helper took no part in, or that were all its own, say nothing.
  const same = { ewma: 0.95, until: 0, pauseMs: 400 };
  assert.deepEqual(nextHealth(same, 0, 1, 8, 10, 5), same);
  assert.deepEqual(nextHealth(same, 8, 8, 8, 30, 5), same);
});

Deno.test("two threads: the helper starts and split products match the naive loop", async () => {
  assert.equal(await startGemmThreads(60_000), true, "helper thread did not start");
  const rng = new Rng(11);
  const run = (g: GemmArgs): void => gemmWasm(g, { threads: true });
  const small = (g: GemmArgs): void =>
    gemmWasm(g, { threads: true, mc: 12, kc: 16, nc: 24, cElems: 24 * 48 });
  for (const dtype of ["f64", "f32"] as const) {
    for (const [transA, transB] of [[false, false], [true, true], [true, false]]) {
      for (const [m, n, k] of [[1, 1, 1], [7, 5, 3], [61, 47, 53], [200, 30, 70]]) {
        const spec = { m, n, k, dtype, transA, transB, alpha: -0.5, beta: 1.5, strided: true };
        for (const [name, f] of [["tuned", run], ["small blocks", small]] as const) {
          const { args, c0 } = makeCase(rng, spec);
          f(args);
          assertGemm(args, c0, `threads ${name} ${JSON.stringify(spec)}`);
        }
      }
    }
  }
});

Deno.test("two threads: the helper really takes chunks of large products", async () => {
  assert.equal(await startGemmThreads(60_000), true);
  resetPoolHealth(); // earlier stalls on a busy machine may have paused the split
  const rng = new Rng(13);
  const before = helperChunks();
  // On a busy machine the helper may wake too late for one product; a few seconds of products
  // give it every chance. Each product is checked.
  const end = performance.now() + 5000;
  while (helperChunks() === before && performance.now() < end) {
    const { args, c0 } = makeCase(rng, { m: 240, n: 64, k: 256, dtype: "f64" });
    gemmWasm(args, { threads: true });
    assertGemm(args, c0, "threads 240x64x256");
  }
  assert.ok(helperChunks() > before, "the helper never ran a chunk");
});

Deno.test("two threads give the same bits as one, on every path of the direct driver", async () => {
  assert.equal(await startGemmThreads(60_000), true);
  resetPoolHealth(); // earlier stalls on a busy machine may have paused the split
  const rng = new Rng(12), start = helperChunks();
  const shapes: [number, number, number, boolean, boolean][] = [
    [150, 90, 300, false, false],
    [300, 300, 300, false, false], // square: jr order
    [400, 40, 300, false, false], // skinny: the roles swap (Cᵀ = op(B)ᵀ·op(A)ᵀ)
    [40, 400, 300, true, false], // depth-major A
    [257, 129, 600, true, true], // several depth blocks, odd edges
    [96, 1200, 64, false, true], // one depth block, wide
  ];
  for (const dtype of ["f64", "f32"] as const) {
    for (const [m, n, k, transA, transB] of shapes) {
      const one = makeCase(rng, { m, n, k, dtype, transA, transB, beta: 0.5 });
      const two = { ...one.args, c: one.args.c.slice() };
      gemmWasm(one.args, { threads: false });
      gemmWasm(two, { threads: true });
      assert.deepEqual(two.c, one.args.c, `${dtype} ${m}x${n}x${k} ${transA} ${transB}`);
      assertGemm(two, one.c0, `threads ${dtype} ${m}x${n}x${k}`);
      for (const order of ["ir", "jr"] as const) {
        // A fresh C of C's own element type (c0 is a Float64Array copy for every dtype).
        const fresh = (): typeof one.args.c =>
          one.args.c instanceof Float32Array
            ? Float32Array.from(one.c0)
            : Float64Array.from(one.c0);
        const [x, y] = [{ ...one.args, c: fresh() }, { ...one.args, c: fresh() }];
        gemmWasm(x, { threads: false, order });
        gemmWasm(y, { threads: true, order });
        assert.deepEqual(y.c, x.c, `order ${order} ${dtype} ${m}x${n}x${k}`);
      }
    }
  }
  // 48 split products: the helper took part in some of them (else this compared one thread twice).
  assert.ok(helperChunks() > start, "the helper ran no chunk of the split products");
});

Deno.test("setGemmThreads routes large gemm() calls through the helper, and checks its input", async () => {
  assert.equal(await startGemmThreads(60_000), true);
  resetPoolHealth(); // earlier stalls on a busy machine may have paused the split
  assert.throws(() => setGemmThreads("yes" as unknown as boolean), {
    name: "TypeError",
    message: /setGemmThreads: on must be a boolean, got yes/,
  });
  const rng = new Rng(14);
  const side = Math.ceil(Math.cbrt(THREADS_MIN_FLOPS));
  setGemmThreads(true);
  try {
    const before = helperChunks();
    const end = performance.now() + 5000;
    do {
      const { args, c0 } = makeCase(rng, { m: side, n: side, k: side, dtype: "f32" });
      gemm(args);
      assertGemm(args, c0, "gemm with threads on");
    } while (helperChunks() === before && performance.now() < end);
    assert.ok(helperChunks() > before, "gemm() never used the helper");
  } finally {
    setGemmThreads(false);
  }
  // Off: the helper takes nothing.
  try {
    const before = helperChunks();
    const { args, c0 } = makeCase(rng, { m: side, n: side, k: side, dtype: "f32" });
    gemm(args);
    assertGemm(args, c0, "gemm with threads off");
    assert.equal(helperChunks(), before);
  } finally {
    setGemmThreads(true); // the default on a machine with two cores
  }
});
