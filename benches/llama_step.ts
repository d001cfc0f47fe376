/**
 * One training step (forward + backward + AdamW, f32) of the char-level Llama-style decoder of
 * `../shared/tools/jax_llama_step.py` (d 128, 4 heads, 2 layers, SwiGLU 256, context 64, batch
 * 32, vocab 65) through the public API (`initLlama`, `llamaLoss`, `valueAndGrad`, `adamw`), and,
 * in the same sitting, the JAX step (jit-compiled, CPU) when JAX is installed. Same protocol as
 * the JAX script: warm-up steps, then the best of several timed blocks.
 *
 * Run: `deno run -A benches/llama_step.ts [--blocks N] [--steps N] [--no-jax] [--json FILE]`.
 * `--json FILE` writes our ms/step, the loss and the JAX ms/step before and after ours.
 * `--profile` prints where our step's time goes (per op name, forward and backward).
 *
 * @module
 */
import {
  adamw,
  initLlama,
  type LlamaConfig,
  llamaLoss,
  type Tensor,
  valueAndGrad,
} from "../mod.ts";
import { Rng } from "../ops/random.ts";

const CONFIG: LlamaConfig = {
  vocabSize: 65,
  hiddenSize: 128,
  intermediateSize: 256,
  numLayers: 2,
  numHeads: 4,
};
const [B, T] = [32, 64];

/** Parses the bench's flags strictly. */
function flags(
  args: string[],
): { blocks: number; steps: number; jax: boolean; json: string | null } {
  const out: { blocks: number; steps: number; jax: boolean; json: string | null } = {
    blocks: 5,
    steps: 5,
    jax: true,
    json: null,
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--no-jax") out.jax = false;
    else if (a === "--json") {
      const v = args[++i];
      if (v === undefined || v.startsWith("--")) throw new TypeError("--json needs a FILE");
      out.json = v;
    } else if (a === "--blocks" || a === "--steps") {
      const v = Number(args[++i]);
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`${a} needs a positive integer`);
      out[a === "--blocks" ? "blocks" : "steps"] = v;
    } else throw new TypeError(`unknown flag ${a}`);
  }
  return out;
}

/** Our step: ms per step, best block. */
function ours(blocks: number, steps: number): { ms: number; loss: number } {
  const params = initLlama(CONFIG, { seed: 0, dtype: "f32" });
  const rng = new Rng(1);
  const flat = Int32Array.from({ length: B * T }, () => Math.floor(rng.uniform() * 65));
  const shifted = flat.map((_, i) => flat[i % T === T - 1 ? i - T + 1 : i + 1]);
  const ids = { shape: [B, T], data: flat }, tgt = { shape: [B, T], data: shifted };
  const opt = adamw({ lr: 1e-3, weightDecay: 0.01, eps: 1e-8 });
  let state = opt.init(params);
  const vg = valueAndGrad((p: Record<string, Tensor>) => llamaLoss(p, ids, tgt, CONFIG));
  let loss = NaN;
  const step = (): void => {
    const { value, grad } = vg(params);
    state = opt.step_(params, grad, state);
    loss = value.data[0];
  };
  for (let i = 0; i < 3; i++) step();
  let best = Infinity;
  for (let b = 0; b < blocks; b++) {
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) step();
    best = Math.min(best, (performance.now() - t0) / steps);
    console.error(`ours block ${b + 1}/${blocks}: ${best.toFixed(1)} ms/step (best so far)`);
  }
  return { ms: best, loss };
}

/** The JAX peer in the same sitting, or null when JAX is not installed. */
async function jax(): Promise<string | null> {
  const script = new URL("../../shared/tools/jax_llama_step.py", import.meta.url).pathname;
  const env = Deno.env.toObject();
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  try {
    const out = await new Deno.Command("python3", { args: [script], env, clearEnv: true }).output();
    const text = new TextDecoder().decode(out.stdout).trim();
    if (!out.success) {
      console.error(new TextDecoder().decode(out.stderr).split("\n").slice(-3).join("\n"));
      return null;
    }
    return text;
  } catch (e) {
    console.error(`jax peer not run: ${(e as Error).message}`);
    return null;
  }
}

if (import.meta.main) {
  const f = flags(Deno.args);
  if (f.json) Deno.writeTextFileSync(f.json, ""); // an unwritable path fails before the timing
  const before = f.jax ? await jax() : null;
  const r = ours(f.blocks, f.steps);
  const after = f.jax ? await jax() : null;
  console.log(`ours f32: tiny llama train step ${r.ms.toFixed(2)} ms (loss ${r.loss.toFixed(3)})`);
  if (before) console.log(`${before}   [before ours]`);
  if (after) console.log(`${after}   [after ours]`);
  if (f.json) {
    // The JAX script prints one prose line; its ms figure is the one number taken from it.
    const ms = (line: string | null): number | null =>
      line === null ? null : Number(/step ([\d.]+) ms/.exec(line)?.[1] ?? NaN);
    const json = {
      ours_ms: r.ms,
      loss: r.loss,
      jax: before?.split(" ").slice(0, 2).join(" ") ?? null,
      jax_before_ms: ms(before),
      jax_after_ms: ms(after),
    };
    await Deno.writeTextFile(f.json, JSON.stringify(json, null, 2));
  }
}
