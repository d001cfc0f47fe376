import assert, { deepEqual as assertEquals } from "node:assert/strict";
import {
  rsvdCore,
  type RsvdPhase,
  type RsvdPlan,
  wantsTranspose,
} from "../../../ops/linalg/_rsvd_core.ts";
import { Rng } from "../../../ops/random.ts";
import { naiveT, randMat } from "./_factor_helpers.ts";

const plan = (k: number, l: number, iters: number, how: RsvdPlan["how"]): RsvdPlan => ({
  k,
  l,
  iters,
  how,
  rng: new Rng(7),
});

Deno.test("rsvdCore: given aᵀ, the same factors to the last bit (tall, wide, pinned)", () => {
  // Each product reads a or aᵀ along the depth; the GEMM sums every entry over the same depths
  // in the same order either way. 300×250 = 75000 elements is pinned in the GEMM memory.
  for (const [m, n] of [[60, 45], [45, 60], [300, 250], [250, 300]]) {
    const a = randMat(m, n, m + n).data as Float64Array, at = naiveT(a, m, n);
    for (const how of ["lu", "qr", "none"] as const) {
      const without = rsvdCore(a, m, n, plan(5, 12, 3, how));
      const withT = rsvdCore(a, m, n, plan(5, 12, 3, how), at);
      for (const f of ["u", "s", "vt"] as const) {
        assertEquals(Array.from(withT[f]), Array.from(without[f]), `${m}x${n} ${how}: ${f}`);
      }
    }
  }
});

Deno.test("rsvdCore: a wrong aᵀ changes the result (it is read)", () => {
  for (const [m, n] of [[40, 30], [30, 40]]) {
    const a = randMat(m, n, 1).data as Float64Array, other = randMat(n, m, 2).data;
    const ref = rsvdCore(a, m, n, plan(3, 8, 2, "lu"));
    const r = rsvdCore(a, m, n, plan(3, 8, 2, "lu"), other as Float64Array);
    assert(r.s[0] !== ref.s[0], `${m}x${n}`);
  }
});

Deno.test("wantsTranspose: 2^20 to 2^26 elements and two power iterations on", () => {
  const at = (m: number, n: number, iters: number): boolean =>
    wantsTranspose(m, n, plan(1, 2, iters, "lu"));
  assertEquals([0, 1, 2, 7].map((iters) => at(1024, 1024, iters)), [false, false, true, true]);
  assertEquals([at(1023, 1024, 7), at(1024, 1023, 7), at(4096, 256, 7), at(256, 4096, 2)], [
    false,
    false,
    true,
    true,
  ]);
  assertEquals([at(8192, 8192, 7), at(8193, 8192, 7), at(8192, 8193, 7)], [true, false, false]);
});

Deno.test("rsvdCore: lap names each step in order; pinned matrices report the pin first", () => {
  const run = (m: number, n: number, iters: number, how: RsvdPlan["how"]): RsvdPhase[] => {
    const seen: RsvdPhase[] = [], a = randMat(m, n, 3).data as Float64Array;
    rsvdCore(a, m, n, { ...plan(4, 9, iters, how), lap: (p) => seen.push(p) });
    return seen;
  };
  const tail: RsvdPhase[] = ["products", "qr", "b", "small_svd", "u"];
  const iteration = (norm: RsvdPhase): RsvdPhase[] => ["products", norm, "products", norm];
  assertEquals(run(30, 20, 2, "lu"), ["omega", ...iteration("lu"), ...iteration("lu"), ...tail]);
  assertEquals(run(20, 30, 1, "qr"), ["omega", ...iteration("qr"), ...tail]);
  assertEquals(run(300, 250, 0, "none"), ["pin", "omega", ...tail]);
});
