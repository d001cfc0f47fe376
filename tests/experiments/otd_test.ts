/**
 * experiments/otd.ts: strict flags and usage, and the digits domain-shift setting it builds
 * (split, pools, few shots, target shift, standardisation).
 */
import assert from "node:assert/strict";
import { tensor } from "../../mod.ts";
import {
  blur,
  domains,
  K_SHOT,
  loadDigits,
  shift,
  standardize,
} from "../../experiments/lib/otd_digits.ts";
import { runScript } from "./_script.ts";
import { sharedData } from "../ops/io/shared_data.ts";

// Ignored (with the reason printed) only when ../shared/data is absent; with the folder
// present, a missing digits file fails the data tests instead of skipping them.
const { missing: NO_DATA } = sharedData("digits/digits.csv");

Deno.test("otd.ts --help prints the flags and the JSON fields, exits 0", async () => {
  const r = await runScript("otd", ["--help"]);
  assert.equal(r.code, 0, r.stderr);
  for (
    const s of [
      "--quick",
      "--seed",
      "--json",
      "--out",
      '"finetune"',
      '"accOld"',
      '"accNew"',
      '"boost"',
      '"otd"',
      '"seeds"',
    ]
  ) {
    assert.ok(r.stdout.includes(s), s);
  }
});

Deno.test("otd.ts: unknown, repeated and malformed flags exit 2 with one line", async () => {
  const cases: [string[], string][] = [
    [["--qiuck"], "unknown flag --qiuck; did you mean --quick?"],
    [["--seed", "1", "--seed", "2"], "--seed is given twice"],
    [["--seed", "1.5"], "--seed must be an integer"],
    [["--quick=yes"], "--quick takes no value"],
    [["--json"], "--json needs a value"],
    [["3"], "unexpected argument"],
    [["--json", "/proc/otd/r.json"], "--json /proc/otd/r.json: cannot create folder"],
  ];
  const runs = await Promise.all(cases.map(([args]) => runScript("otd", args)));
  runs.forEach((r, i) => {
    const [args, msg] = cases[i];
    assert.equal(r.code, 2, `${args.join(" ")}: exit ${r.code}`);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.ok(r.stderr.includes(msg), `${args.join(" ")}: ${r.stderr}`);
  });
});

Deno.test("otd digits: blur is the normalised binomial kernel, shift inverts then blurs", () => {
  const img = new Float64Array(64);
  img[3 * 8 + 3] = 16; // an impulse spreads as [1 2 1]ᵀ[1 2 1]
  const b = blur(img);
  assert.equal(b[3 * 8 + 3], 4);
  assert.equal(b[2 * 8 + 3], 2);
  assert.equal(b[2 * 8 + 2], 1);
  assert.equal(b.reduce((a, v) => a + v, 0), 16); // mass kept away from the edges
  const x = tensor(Float64Array.from({ length: 64 }, (_, i) => (i === 27 ? 1 : 0)), {
    shape: [1, 64],
  });
  const s = shift(x);
  assert.equal(s.data[0], 1); // background 0 becomes 1
  assert.equal(s.data[27], 1 - 4 / 16);
});

Deno.test("otd digits: standardize gives the pool zero mean and unit deviation per pixel", () => {
  const x = tensor(
    Float64Array.from({ length: 3 * 64 }, (_, k) => (k % 64) * (Math.floor(k / 64) + 1)),
    { shape: [3, 64] },
  );
  const s = standardize({ x, y: Int32Array.of(0, 1, 2) }, [0, 1, 2]);
  for (const j of [1, 17, 63]) {
    const col = [0, 1, 2].map((i) => s.x.data[i * 64 + j]);
    const m = col.reduce((a, v) => a + v, 0) / 3;
    const v = col.reduce((a, c) => a + (c - m) ** 2, 0) / 3;
    assert.ok(Math.abs(m) < 1e-14 && Math.abs(v - 1) < 1e-12, `pixel ${j}: ${m}, ${v}`);
  }
  assert.deepEqual([0, 1, 2].map((i) => s.x.data[i * 64]), [0, 0, 0]); // constant pixel: centred
});

Deno.test({
  name:
    "otd digits: the README split, disjoint domains, 5 shots per class, source classes 0–6 only",
  ignore: NO_DATA,
  fn: () => {
    const all = loadDigits();
    assert.equal(all.y.length, 1797);
    const d = domains(all, 3);
    assert.equal(d.targetTest.y.length, 360);
    const counts = new Array(10).fill(0);
    d.fewShot.y.forEach((c) => counts[c]++);
    assert.deepEqual(counts, new Array(10).fill(K_SHOT));
    assert.ok([...d.source.y, ...d.sourceVal.y].every((c) => c <= 6));
    // 1437 train rows halved: 718 source-pool rows (classes 0–6 kept), 719 target-pool rows.
    assert.equal(d.fewShot.y.length + d.targetVal.y.length, 1437 - 718);
    // Test labels are the rows i % 5 == 0 in order.
    assert.deepEqual([...d.targetTest.y], [...all.y].filter((_, i) => i % 5 === 0));
    // Another seed gives other pools.
    const e = domains(all, 4);
    assert.notDeepEqual([...e.fewShot.x.data.slice(0, 64)], [...d.fewShot.x.data.slice(0, 64)]);
  },
});
