/**
 * Peak memory of one RandLoRA training step (forward + backward of the factored branch) on a
 * 1024×1024 layer, r = 32 (n = 32, so Â is 1024 × 1024), batch 64, f32: the memory-saving
 * custom backward (`randLoraScaledA`, spec §4) against the expanded autodiff form
 * (`randLoraScaledAExpanded`, the code before). Each variant runs in its own process; the
 * number is the growth of the process's peak resident set (VmHWM, /proc/self/status) during the
 * step, after setup and a warm-up step on a small layer.
 *
 *   deno run -A benches/randlora_memory.ts            # both variants, a table on stdout
 *
 * @module
 */
import { valueAndGrad } from "../ops/autograd/grad.ts";
import { matmul, mul, scale, sum } from "../ops/autograd/ops.ts";
import { randn, Rng } from "../ops/random.ts";
import type { Tensor } from "../ops/tensor.ts";
import { randLora, type RandLoraState } from "../methods/adapters/randlora.ts";
import { randLoraScaledA, randLoraScaledAExpanded } from "../methods/adapters/randlora_scaled.ts";

type Variant = "custom" | "expanded";

function peakKb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
  if (m === null) throw new Error("randlora_memory: no VmHWM in /proc/self/status (Linux only)");
  return Number(m[1]);
}

function step(variant: Variant, size: number, r: number, batch: number): number {
  const w = randn([size, size], { seed: 1, dtype: "f32" });
  const st0 = randLora.init(w, { r }, new Rng(0));
  const st: RandLoraState = {
    ...st0,
    params: {
      lambda: randn([...st0.params.lambda.shape], { seed: 2, dtype: "f32" }),
      gamma: randn([...st0.params.gamma.shape], { seed: 3, dtype: "f32" }),
    },
  };
  const x = randn([batch, size], { seed: 4, dtype: "f32" });
  const g = randn([batch, size], { seed: 5, dtype: "f32" });
  const scaled = variant === "custom" ? randLoraScaledA : randLoraScaledAExpanded;
  const loss = (lambda: Tensor, gamma: Tensor): Tensor => {
    const aHat = scaled({ ...st, params: { lambda, gamma } });
    const y = matmul(matmul(x, aHat, { transB: true }), st.bHat, { transB: true });
    return sum(mul(scale(y, st.scale), g));
  };
  const before = peakKb();
  const t0 = performance.now();
  valueAndGrad(loss, { argnums: [0, 1] })(st.params.lambda, st.params.gamma);
  const ms = performance.now() - t0;
  console.error(`${variant} ${size}: ${ms.toFixed(0)} ms`);
  return peakKb() - before;
}

async function child(variant: Variant): Promise<void> {
  step(variant, 128, 8, 8); // warm-up: compile the kernels
  const kb = step(variant, 1024, 32, 64);
  console.log(JSON.stringify({ variant, peakGrowthMiB: kb / 1024 }));
  await Promise.resolve();
}

async function main(): Promise<void> {
  const rows: { variant: string; peakGrowthMiB: number }[] = [];
  for (const variant of ["expanded", "custom"] as const) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL(import.meta.url).pathname, "--child", variant],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    if (out.code !== 0) throw new Error(`randlora_memory: the ${variant} child failed`);
    rows.push(JSON.parse(new TextDecoder().decode(out.stdout)));
  }
  console.log("| Â and its backward | peak RSS growth of one step (MiB) |");
  console.log("| --- | --- |");
  for (const r of rows) console.log(`| ${r.variant} | ${r.peakGrowthMiB.toFixed(1)} |`);
}

if (import.meta.main) {
  if (Deno.args[0] === "--child") await child(Deno.args[1] as Variant);
  else await main();
}
