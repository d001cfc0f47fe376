/** Shared oracles of the adapter tests. */
import assert from "node:assert/strict";
import { gradcheck, mul, sum, valueAndGrad } from "../../../ops/autograd/mod.ts";
import { svdvals } from "../../../ops/linalg/svd.ts";
import { randn } from "../../../ops/random.ts";
import type { Tensor } from "../../../ops/tensor.ts";
import type { AdapterMethod, AdapterState, Params } from "../../../methods/adapters/adapter.ts";
import { merge, unmerge } from "../../../methods/adapters/adapter.ts";

/** Numerical rank of a dense matrix: singular values above max(m, n)·u·σ₁ (u = 2^-53). */
export function rankOf(t: Tensor): number {
  const s = svdvals(t).data;
  const tol = Math.max(...t.shape) * 2 ** -52 * (s[0] ?? 0);
  return Array.from(s).filter((x) => x > tol).length;
}

/** max |x| over a tensor. */
export function maxAbs(t: Tensor): number {
  let m = 0;
  for (const x of t.data) m = Math.max(m, Math.abs(x));
  return m;
}

/** max |a − b|. */
export function maxDiff(a: Tensor, b: Tensor): number {
  assert.deepEqual(a.shape, b.shape);
  let m = 0;
  for (let i = 0; i < a.size; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

/** A probe: the functional of the trainable tensors, their names and current values. */
export interface Probe {
  f: (...xs: Tensor[]) => Tensor;
  names: string[];
  inputs: Tensor[];
}

/** A fixed random linear functional L(ΔW) = Σ G ⊙ ΔW, so ∂L/∂ΔW = G. */
export function probe<O, S extends AdapterState>(
  method: AdapterMethod<O, S>,
  st: S,
  seed = 99,
): Probe {
  const g = randn([...st.shape], { seed, dtype: method.delta(st).dtype });
  const names = Object.keys(st.params);
  const f = (...xs: Tensor[]): Tensor => {
    const params = Object.fromEntries(names.map((n, i) => [n, xs[i]])) as Params;
    return sum(mul(method.delta({ ...st, params }), g));
  };
  return { f, names, inputs: names.map((n) => st.params[n]) };
}

/** Gradient of the probe functional with respect to every trainable tensor, by name. */
export function probeGrads<O, S extends AdapterState>(
  method: AdapterMethod<O, S>,
  st: S,
): Record<string, Tensor> {
  const { f, names, inputs } = probe(method, st);
  const argnums = names.map((_, i) => i);
  const { grad } = valueAndGrad(f, { argnums })(...inputs);
  return Object.fromEntries(names.map((n, i) => [n, (grad as Tensor[])[i]]));
}

/** gradcheck of ΔW(θ) through the probe functional (f64, central differences). */
export function checkDeltaGradients<O, S extends AdapterState>(
  method: AdapterMethod<O, S>,
  st: S,
): void {
  const { f, inputs } = probe(method, st);
  const res = gradcheck(f, inputs);
  assert.ok(
    res.ok,
    `${method.name}: gradcheck error ${res.maxError} at ${JSON.stringify(res.worst)}`,
  );
}

/** merge → unmerge returns W to round-off (spec §0: f64 relative ~1e-12 scaled by magnitudes). */
export function checkMergeRoundTrip<O, S extends AdapterState>(
  method: AdapterMethod<O, S>,
  w: Tensor,
  st: S,
): void {
  const d = method.delta(st);
  const merged = merge(w, method, st);
  const back = unmerge(merged, method, st);
  const u = w.dtype === "f64" ? 2 ** -53 : 2 ** -24;
  const tol = 4 * u * (maxAbs(w) + maxAbs(d));
  assert.ok(
    maxDiff(back, w) <= tol,
    `${method.name}: merge/unmerge error ${maxDiff(back, w)} > ${tol}`,
  );
  assert.ok(maxAbs(d) > 0, `${method.name}: test needs a non-zero ΔW`);
}

const PEFT_TOOL = new URL("../../../experiments/peft.ts", import.meta.url).pathname;

/** Runs `experiments/peft.ts` with `args` in a subprocess; its exit code and output. */
export async function runPeftTool(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", PEFT_TOOL, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}
