import assert from "node:assert/strict";
import { rand, randn, Rng } from "../../ops/random.ts";

Deno.test("same seed gives the same stream; different seeds differ", () => {
  const a = new Rng(123), b = new Rng(123), c = new Rng(124);
  const xs = Array.from({ length: 100 }, () => a.nextUint32());
  const ys = Array.from({ length: 100 }, () => b.nextUint32());
  const zs = Array.from({ length: 100 }, () => c.nextUint32());
  assert.deepEqual(xs, ys);
  assert.notDeepEqual(xs, zs);
  assert.deepEqual(randn([5], { seed: 9 }).data, randn([5], { seed: 9 }).data);
});

/** Independent reference: SplitMix32 seeding + xoshiro128** written with BigInt arithmetic. */
function referenceStream(seed: number, count: number): number[] {
  const M = 0xffffffffn;
  let sm = BigInt(seed) & M;
  const mix = (): bigint => {
    sm = (sm + 0x9e3779b9n) & M;
    let z = sm;
    z = ((z ^ (z >> 16n)) * 0x85ebca6bn) & M;
    z = ((z ^ (z >> 13n)) * 0xc2b2ae35n) & M;
    return z ^ (z >> 16n);
  };
  const s = [mix(), mix(), mix(), mix()];
  // The high part of the seed (seed ≥ 2^32) perturbs all four words by its own SplitMix32.
  const hi = BigInt(Math.floor(seed / 2 ** 32)) & M;
  if (hi !== 0n) {
    const lowStream = sm;
    sm = hi ^ 0x632be5abn;
    for (let i = 0; i < 4; i++) s[i] ^= mix();
    sm = lowStream;
  }
  const rotl = (x: bigint, k: bigint): bigint => ((x << k) | (x >> (32n - k))) & M;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    out.push(Number((rotl((s[1] * 5n) & M, 7n) * 9n) & M));
    const t = (s[1] << 9n) & M;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11n);
  }
  return out;
}

Deno.test("xoshiro128** matches an independent BigInt reference (cross-machine reproducibility)", () => {
  for (const seed of [0, 1, 42, 2 ** 31 + 5, 2 ** 32, 0x632be5ab, 2 ** 53 - 1, 3 * 2 ** 40 + 7]) {
    const r = new Rng(seed);
    const ours = Array.from({ length: 64 }, () => r.nextUint32());
    assert.deepEqual(ours, referenceStream(seed, 64), `seed ${seed}`);
  }
});

Deno.test("every bit of the seed matters: 2^32, 0x632be5ab and 0 are three streams", () => {
  const first = (seed: number): number[] => {
    const r = new Rng(seed);
    return Array.from({ length: 8 }, () => r.nextUint32());
  };
  const seeds = [0, 2 ** 32, 0x632be5ab, 2 ** 53 - 1, 2 ** 53 - 1 - 2 ** 32, -1, 0xffffffff];
  const streams = new Set(seeds.map((s) => first(s).join(",")));
  assert.equal(streams.size, seeds.length);
  assert.throws(() => new Rng(2 ** 53), /seed must be a safe integer/);
  assert.throws(() => randn([2], { seed: 2 ** 60 }), RangeError);
});

Deno.test("uniform: mean and variance within statistical bounds", () => {
  const r = new Rng(7);
  const n = 200_000;
  let s = 0, s2 = 0;
  for (let i = 0; i < n; i++) {
    const u = r.uniform();
    assert.ok(u >= 0 && u < 1);
    s += u;
    s2 += u * u;
  }
  const mean = s / n, variance = s2 / n - mean * mean;
  // standard error of the mean is sqrt(1/12/n) ≈ 6.5e-4; allow 5 sigma
  assert.ok(Math.abs(mean - 0.5) < 5 * Math.sqrt(1 / 12 / n), `mean ${mean}`);
  // the sample variance has standard error sqrt((μ4 - σ⁴)/n) with μ4 = 1/80, σ² = 1/12
  assert.ok(
    Math.abs(variance - 1 / 12) < 5 * Math.sqrt((1 / 80 - 1 / 144) / n),
    `variance ${variance}`,
  );
});

Deno.test("normal: moments and tail frequency match N(0, 1)", () => {
  const t = randn([200_000], { seed: 11 });
  const n = t.size;
  let s = 0, s2 = 0, s4 = 0, tail = 0;
  for (const z of t.data) {
    s += z;
    s2 += z * z;
    s4 += z ** 4;
    if (Math.abs(z) > 1.96) tail++;
  }
  const mean = s / n, v = s2 / n;
  assert.ok(Math.abs(mean) < 5 / Math.sqrt(n), `mean ${mean}`);
  assert.ok(Math.abs(v - 1) < 5 * Math.sqrt(2 / n), `variance ${v}`);
  assert.ok(Math.abs(s4 / n - 3) < 5 * Math.sqrt(96 / n), `kurtosis ${s4 / n}`);
  const p = tail / n; // P(|Z| > 1.96) = 0.05
  assert.ok(Math.abs(p - 0.05) < 5 * Math.sqrt(0.05 * 0.95 / n), `tail ${p}`);
});

Deno.test("int is unbiased over a non-power-of-two range (chi-square)", () => {
  const r = new Rng(5);
  const k = 7, n = 70_000;
  const counts = new Array(k).fill(0);
  for (let i = 0; i < n; i++) counts[r.int(k)]++;
  const e = n / k;
  const chi2 = counts.reduce((s, c) => s + (c - e) ** 2 / e, 0);
  assert.ok(chi2 < 22.46, `chi2 ${chi2} (p = 0.001 critical value for 6 dof is 22.46)`);
  assert.throws(() => r.int(0), /n must be an integer in \[1, 2\^32\], got 0/);
});

Deno.test("permutation and choice", () => {
  const r = new Rng(3);
  const p = r.permutation(50);
  assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
  const c = r.choice(10, 10);
  assert.equal(new Set(c).size, 10);
  assert.throws(() => r.choice(3, 4), /cannot take 4 of 3 without replacement/);
  const w = r.choice(3, 1000, { replace: true, p: [0, 1, 3] });
  assert.ok(!w.includes(0));
  const ones = w.filter((x) => x === 1).length;
  assert.ok(Math.abs(ones / 1000 - 0.25) < 0.07, `weighted frequency ${ones / 1000}`);
  assert.deepEqual(r.choice(3, 2, { p: [1, 0, 1] }).sort(), [0, 2]);
  assert.throws(() => r.choice(3, 3, { p: [1, 0, 1] }), /only 2 non-zero weights for 3 draws/);
});

Deno.test("split streams are deterministic and decorrelated", () => {
  const a = new Rng(1).split(), b = new Rng(1).split();
  assert.equal(a.uniform(), b.uniform());
  const parent = new Rng(1);
  const child = parent.split();
  const n = 20_000;
  let sxy = 0;
  for (let i = 0; i < n; i++) sxy += parent.normal() * child.normal();
  assert.ok(Math.abs(sxy / n) < 5 / Math.sqrt(n), `correlation ${sxy / n}`);
});

Deno.test("rand respects bounds and seeds are validated", () => {
  const u = rand([1000], { seed: 2, lo: -3, hi: -1, dtype: "f32" });
  assert.equal(u.dtype, "f32");
  assert.ok(u.data.every((x) => x >= -3 && x <= -1));
  // bounds are checked up front (also for an empty shape), naming rand and both values
  assert.throws(() => rand([0], { lo: 1, hi: 0 }), {
    name: "RangeError",
    message: /rand: need finite lo <= hi, got lo = 1, hi = 0/,
  });
  assert.throws(() => rand([2], { lo: NaN }), /rand: .*lo = NaN/);
  assert.throws(() => rand([2], { lo: -Infinity, hi: Infinity }), /rand: .*lo = -Infinity/);
  assert.throws(() => new Rng(1).uniformIn(0, Infinity), /Rng.uniformIn: .*hi = Infinity/);
  assert.throws(() => new Rng(1).normal(0, -1), /Rng.normal: .*got 0, -1/);
  assert.throws(() => new Rng(1).normal(NaN, 1), RangeError);
  assert.equal(new Rng(1).normal(3, 0), 3);
  assert.throws(() => randn([2], { seed: 1.5 }), /seed must be an integer, got 1.5/);
  assert.throws(() => new Rng(Number.NaN), TypeError);
});
