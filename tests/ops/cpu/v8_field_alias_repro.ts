/**
 * Standalone repro of the V8 miscompile that `gemm_ref.ts` works around (Deno 2.9.6, V8
 * 15.0.245.2, x86-64): objects `{ data, off, ld }` built one after another by a function with a
 * hot loop share the storage of their number fields, so building the next object rewrites `off`
 * and `ld` of the one before. That is not JavaScript semantics: the objects are distinct
 * (`a === b` is false) and nothing writes to them after they are returned.
 *
 * What it needs (each switched off in turn below, and the corruption went away):
 * - Maglev, its escape analysis and on-stack replacement. A traced failing run of a leaner
 *   variant (`--trace-opt --trace-deopt --trace-osr`, `--print-bytecode`): the first
 *   Float32Array deoptimized `operand`'s Turbofan code; Maglev OSR code then built the literal
 *   and deoptimized twice (for A, then B) at `DefineNamedOwnProperty data`, the first store into
 *   the fresh object ("Insufficient type feedback for generic named access"), so the
 *   deoptimizer materialized those objects.
 * - `off` / `ld` holding heap numbers: `Rng.int` returns `x % n` of a uint32 (often above 2^31),
 *   which optimized code boxes. With `rng.int(n) | 0` (small integers) nothing is shared.
 * - Timing of the concurrent compiler: load (first seen with both cores busy) or the delay flag
 *   `--concurrent-recompilation-delay=20` that every run below uses.
 * Returning `[data, off, ld]` instead (array elements hold no mutable number boxes) avoids it.
 *
 * Run: `deno run --allow-run tests/ops/cpu/v8_field_alias_repro.ts [--runs 16]` (each variant in
 * fresh processes; exit status 1 when the first row shows the corruption). It depends on timing,
 * so rerun when it shows nothing: the first row had 6 of 32 runs corrupted at 16:17 UTC (with a
 * copy of `Rng` in this file), 0 of 32 at 16:19 and 9 of 32 at 16:22 (as it is now). The last
 * sitting, 2026-12-06 16:22 UTC, load average 5.1-5.4 on 2 cores, `--runs 32`:
 *     9 of 32 runs corrupted: as in gemm_ref.ts before the workaround
 *     0 of 32 runs corrupted: --no-maglev
 *     0 of 32 runs corrupted: --no-maglev-escape-analysis
 *     0 of 32 runs corrupted: --no-use-osr
 *     0 of 32 runs corrupted: off and ld as small integers (rng.int(n) | 0)
 *     0 of 32 runs corrupted: operand returns [data, off, ld]
 * One process, `deno run --v8-flags=--concurrent-recompilation-delay=20 <this file> --once`,
 * when it hits (A was built with off 4, ld 259; after B and C, it reads their ld 45):
 *     case 25 f32: a.off/a.ld 4/259 -> 4/45 (b 4/45, c 4/45, a === b false)
 *     48 cases, 1 with A's fields overwritten
 */

import { Rng } from "../../../ops/random.ts";

const SMI = Deno.args.includes("--smi"), TUPLE = Deno.args.includes("--tuple");
type Data = Float32Array | Float64Array;

/** `gemm_ref.ts`'s operand before the workaround: a strided matrix, padding filled. */
function operand(
  rng: Rng,
  f64: boolean,
  rows: number,
  cols: number,
  inside: () => number,
): { data: Data; off: number; ld: number } | readonly [Data, number, number] {
  // Rng.int returns x % n of a uint32, often above 2^31: optimized code boxes it (heap number).
  const ld = cols + 1 + (SMI ? rng.int(3) | 0 : rng.int(3));
  const off = SMI ? rng.int(5) | 0 : rng.int(5);
  const len = off + rows * ld + rng.int(3);
  const data = f64 ? new Float64Array(len) : new Float32Array(len);
  data.fill(NaN);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[off + i * ld + j] = inside();
  return TUPLE ? [data, off, ld] as const : { data, off, ld };
}

const fields = (o: ReturnType<typeof operand>): string =>
  Array.isArray(o)
    ? `${o[1]}/${o[2]}`
    : `${(o as { off: number }).off}/${(o as { ld: number }).ld}`;

/** The case sequence of `gemm_pin_test.ts` (24 f64 cases, then f32); returns the bad count. */
function once(): number {
  const rng = new Rng(21), inside = (): number => rng.normal();
  let no = 0, bad = 0;
  for (const f64 of [true, false]) {
    for (const [m, n, k] of [[301, 42, 257], [42, 301, 257], [7, 5, 3], [130, 130, 600]]) {
      for (let rep = 0; rep < 6; rep++) {
        no++;
        const a = operand(rng, f64, m, k, inside), before = fields(a);
        const b = operand(rng, f64, k, n, inside), c = operand(rng, f64, m, n, inside);
        if (fields(a) !== before) {
          bad++;
          const what = `b ${fields(b)}, c ${fields(c)}, a === b ${a === b}`;
          console.log(
            `case ${no} ${f64 ? "f64" : "f32"}: a.off/a.ld ${before} -> ${fields(a)} (${what})`,
          );
        }
      }
    }
  }
  console.log(`${no} cases, ${bad} with A's fields overwritten`);
  return bad;
}

const VARIANTS: [string, string[], string[]][] = [
  ["as in gemm_ref.ts before the workaround", [], []],
  ["--no-maglev", ["--no-maglev"], []],
  ["--no-maglev-escape-analysis", ["--no-maglev-escape-analysis"], []],
  ["--no-use-osr", ["--no-use-osr"], []],
  ["off and ld as small integers (rng.int(n) | 0)", [], ["--smi"]],
  ["operand returns [data, off, ld]", [], ["--tuple"]],
];

/** Runs each variant `runs` times in fresh processes; the number of corrupted runs of each. */
async function sweep(runs: number): Promise<number[]> {
  const counts: number[] = [];
  for (const [name, v8, args] of VARIANTS) {
    let bad = 0;
    for (let i = 0; i < runs; i++) {
      const flags = ["--concurrent-recompilation-delay=20", ...v8].join(",");
      const cmd = new Deno.Command(Deno.execPath(), {
        args: ["run", `--v8-flags=${flags}`, import.meta.filename!, "--once", ...args],
        stdout: "null",
      });
      if ((await cmd.output()).code !== 0) bad++;
    }
    console.log(`${String(bad).padStart(3)} of ${runs} runs corrupted: ${name}`);
    counts.push(bad);
  }
  return counts;
}

if (import.meta.main) {
  if (Deno.args.includes("--once")) Deno.exit(once() > 0 ? 1 : 0);
  const at = Deno.args.indexOf("--runs"), runs = at >= 0 ? Number(Deno.args[at + 1]) : 16;
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`--runs: got ${Deno.args[at + 1]}`);
  Deno.exit((await sweep(runs))[0] > 0 ? 1 : 0);
}
