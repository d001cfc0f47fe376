/**
 * Experiment: the LoRA family head to head on a task whose ideal update is high-rank.
 *
 * A 2-layer MLP (in 32 → hidden 64, tanh → out 16) is pretrained on task A (a random teacher
 * MLP). Task B's teacher is A's with its first-layer weight moved by a full-rank random matrix,
 * so the ideal first-layer update has rank 32. Every method adapts only the student's first
 * layer (64×32) on task B with Adam, at matched trainable-parameter budgets; we report the task
 * B test loss (relative to before adaptation) against trainable parameters, the singular-value
 * spectra of the learned ΔW, each method's training-step time relative to LoRA, and checks of
 * the properties the papers claim (RandLoRA's full-rank update vs LoRA at equal parameters,
 * DyLoRA at every truncated rank, NOLA's count independent of rank). TriAdaptLoRA grows from
 * rank 1 to 4 during training; BA-LoRA is PiSSA r = 4 with its regularizers on the outputs.
 * DP-LoRA, MoLE, CoLoRA and Flexora act across clients, experts or layers and are not part of
 * this single-layer comparison (their properties are tested in `tests/methods/adapters/`).
 *
 * `deno run -A experiments/adapters.ts [--quick] [--seed N] [--out DIR] [--json FILE]`
 *
 * @module
 */
import { commonFlags } from "./lib/cli.ts";
import { plotSvg } from "./lib/plot.ts";
import { type Check, writeReport } from "./lib/report.ts";
import { valueAndGrad } from "../ops/autograd/grad.ts";
import { add, mean, square, sub, tanh } from "../ops/autograd/ops.ts";
import { matmul } from "../ops/autograd/ops_matmul.ts";
import { svdvals } from "../ops/linalg/svd.ts";
import { randn, Rng } from "../ops/random.ts";
import { add as addT } from "../ops/elementwise.ts";
import type { Tensor } from "../ops/tensor.ts";
import type { AdapterMethod, AdapterState, Params } from "../methods/adapters/adapter.ts";
import { lora } from "../methods/adapters/lora.ts";
import { pissa } from "../methods/adapters/pissa.ts";
import { randLora } from "../methods/adapters/randlora.ts";
import { nola } from "../methods/adapters/nola.ts";
import { loldu } from "../methods/adapters/loldu.ts";
import { dyLora, type DyLoraState, sampleRank, withRank } from "../methods/adapters/dylora.ts";
import { intTune, nlora, slora } from "../methods/adapters/nlora.ts";
import { flora } from "../methods/adapters/flora.ts";
import { baLoraNlu } from "../methods/adapters/ba_lora.ts";
import {
  orthogonalityPenalty,
  triAdapt,
  type TriAdaptState,
} from "../methods/adapters/triadapt.ts";
import { growOptimizerState_, triAdaptGrowStep } from "../methods/adapters/triadapt_growth.ts";
import { adam } from "../ops/optim/adam.ts";

/** The pretrained student, for BA-LoRA's reference outputs (set in main). */
let studentRef: Mlp | null = null;

const { flags } = commonFlags(Deno.args);
const QUICK = flags.quick;
const STEPS = QUICK ? 120 : 800;
const LRS = QUICK ? [2e-2] : [3e-3, 1e-2, 3e-2];
const D_IN = 32, HID = 64, D_OUT = 16, N_TRAIN = 512, N_TEST = 512;

interface Mlp {
  w1: Tensor;
  b1: Tensor;
  w2: Tensor;
  b2: Tensor;
}

function forward(p: Mlp, x: Tensor): Tensor {
  const h = tanh(add(matmul(x, p.w1, { transB: true }), p.b1));
  return add(matmul(h, p.w2, { transB: true }), p.b2);
}

function mse(p: Mlp, x: Tensor, y: Tensor): Tensor {
  return mean(square(sub(forward(p, x), y)));
}

/** Copies of the tensors of a record (the optimizers update in place). */
function cloneParams(p: Params): Params {
  return Object.fromEntries(Object.entries(p).map(([k, t]) => [k, t.clone()]));
}

function teacher(seed: number): Mlp {
  return {
    w1: scaleT(randn([HID, D_IN], { seed }), 1 / Math.sqrt(D_IN)),
    b1: scaleT(randn([HID], { seed: seed + 1 }), 0.1),
    w2: scaleT(randn([D_OUT, HID], { seed: seed + 2 }), 1 / Math.sqrt(HID)),
    b2: scaleT(randn([D_OUT], { seed: seed + 3 }), 0.1),
  };
}

function scaleT(t: Tensor, s: number): Tensor {
  const c = t.clone();
  for (let i = 0; i < c.size; i++) c.data[i] *= s;
  return c;
}

function data(t: Mlp, n: number, seed: number): { x: Tensor; y: Tensor } {
  const x = randn([n, D_IN], { seed });
  return { x, y: forward(t, x) };
}

/** Trains all of `p` on (x, y) from its current values (pretraining on task A). */
function pretrain(p: Mlp, x: Tensor, y: Tensor, steps: number): Mlp {
  const cur = cloneParams(p as unknown as Params);
  const opt = adam({ lr: 1e-2 }), os = opt.init(cur);
  const f = valueAndGrad((q: Params) => mse(q as unknown as Mlp, x, y));
  for (let s = 0; s < steps; s++) opt.step_(cur, f(cur).grad as Params, os);
  return cur as unknown as Mlp;
}

interface Spec {
  /** Extra loss term on the adapted outputs (BA-LoRA's regularizers). */
  extra?: (z: Tensor, x: Tensor) => Tensor;
  method: string;
  label: string;
  // deno-lint-ignore no-explicit-any
  m: AdapterMethod<any, AdapterState>;
  opts: Record<string, unknown>;
}

interface RunResult {
  method: string;
  label: string;
  params: number;
  lr: number;
  valRel: number;
  testRel: number;
  msPerStep: number;
  delta: Tensor;
  state: AdapterState;
}

/** Adapts the first layer of `student` with one method and learning rate. */
function adapt(
  spec: Spec,
  student: Mlp,
  task: Record<string, { x: Tensor; y: Tensor }>,
  lr: number,
  seed: number,
): RunResult {
  const st0 = spec.m.init(student.w1, spec.opts, new Rng(seed));
  const base = st0.base ?? student.w1;
  const dyn = spec.method === "dylora";
  const rankRng = new Rng(seed + 1);
  const lossOf = (st: AdapterState, x: Tensor, y: Tensor): Tensor =>
    mse({ ...student, w1: add(base, spec.m.delta(st)) }, x, y);
  const trainLoss = (st: AdapterState): Tensor => {
    const { x, y } = task.train;
    const z = forward({ ...student, w1: add(base, spec.m.delta(st)) }, x);
    let l = mean(square(sub(z, y)));
    if (spec.extra) l = add(l, spec.extra(z, x));
    if (spec.method === "triadapt") {
      l = add(l, orthogonalityPenalty([{ a: st.params.a, b: st.params.b }]));
    }
    return l;
  };
  const opt = adam({ lr });
  let p = cloneParams(spec.m.trainable(st0));
  let st: AdapterState = { ...st0, params: { ...st0.params, ...p } };
  const os = opt.init(p);
  let qPrev = [0];
  const t0 = performance.now();
  for (let s = 0; s < STEPS; s++) {
    if (spec.method === "triadapt") {
      // Rank growth (spec §10, the library's loop) for this single adapted matrix: reference
      // rank 4, increment 1; grown rows keep their Adam moments, new ones start at zero.
      const tri = st as TriAdaptState;
      const g = triAdaptGrowStep([tri], qPrev, s, {
        total: STEPS,
        rankTarget: 4,
        increment: 1,
      }, rankRng);
      qPrev = g.q;
      if (g.grown.length > 0) {
        growOptimizerState_(os, "", tri, g.states[0]);
        st = g.states[0];
        p = spec.m.trainable(st);
      }
    }
    const cur = dyn ? withRank(st as DyLoraState, sampleRank(rankRng, (st as DyLoraState).r)) : st;
    const f = valueAndGrad((q: Params) => trainLoss({ ...cur, params: { ...cur.params, ...q } }));
    opt.step_(p, f(p).grad as Params, os);
  }
  const msPerStep = (performance.now() - t0) / STEPS;
  const rel = (d: { x: Tensor; y: Tensor }): number =>
    lossOf(st, d.x, d.y).data[0] / mse(student, d.x, d.y).data[0];
  const delta = addT(base, spec.m.delta(st));
  for (let i = 0; i < delta.size; i++) delta.data[i] -= student.w1.data[i];
  return {
    method: spec.method,
    label: spec.label,
    params: spec.m.paramCount(st),
    lr,
    valRel: rel(task.val),
    testRel: rel(task.test),
    msPerStep,
    delta,
    state: st,
  };
}

function specs(): Spec[] {
  const out: Spec[] = [];
  for (const r of [1, 2, 4]) {
    out.push({ method: "lora", label: `LoRA r=${r}`, m: lora, opts: { r, alpha: 2 * r } });
    out.push({ method: "pissa", label: `PiSSA r=${r}`, m: pissa, opts: { r, alpha: 2 * r } });
    out.push({ method: "slora", label: `SLoRA r=${r}`, m: slora, opts: { r, alpha: 2 * r } });
    out.push({ method: "nlora", label: `NLoRA r=${r}`, m: nlora, opts: { r, alpha: 2 * r } });
    out.push({
      method: "flora",
      label: `FLoRA r=${r}`,
      m: flora,
      opts: { ranks: [r, r], scale: 2 },
    });
  }
  for (const r of [16, 8, 4]) {
    out.push({
      method: "randlora",
      label: `RandLoRA r=${r}`,
      m: randLora,
      opts: { r, alpha: 2 * r },
    });
  }
  for (const p of [96, 192, 384]) {
    out.push({
      method: "nola",
      label: `NOLA k=l=${p / 2}`,
      m: nola,
      opts: { r: 8, k: p / 2, l: p / 2, alpha: 16 },
    });
  }
  out.push({
    method: "dylora",
    label: "DyLoRA r_max=4",
    m: dyLora,
    opts: { r: 4, alpha: 8, mode: "nonfrozen" },
  });
  out.push({
    method: "triadapt",
    label: "TriAdaptLoRA r 1→4",
    m: triAdapt,
    opts: { initRank: 1, alpha: 8 },
  });
  out.push({
    method: "ba-lora",
    label: "BA-LoRA (PiSSA r=4)",
    m: pissa,
    opts: { r: 4, alpha: 8 },
    extra: (z: Tensor, x: Tensor): Tensor => baLoraNlu(z, forward(studentRef!, x)),
  });
  out.push({ method: "loldu", label: "LoLDU r=32", m: loldu, opts: { r: 32, alpha: 32 } });
  for (const r of [4, 8]) {
    out.push({ method: "inttune", label: `IntTune r=${r}`, m: intTune, opts: { r, alpha: r } });
  }
  return out;
}

function fullFineTune(
  student: Mlp,
  task: Record<string, { x: Tensor; y: Tensor }>,
  lr: number,
): { valRel: number; testRel: number; delta: Tensor } {
  const opt = adam({ lr });
  const p = { w1: student.w1.clone() }, os = opt.init(p);
  const f = valueAndGrad((q: Params) => mse({ ...student, w1: q.w1 }, task.train.x, task.train.y));
  for (let s = 0; s < STEPS; s++) opt.step_(p, f(p).grad as Params, os);
  const w1 = p.w1;
  const rel = (d: { x: Tensor; y: Tensor }): number =>
    mse({ ...student, w1 }, d.x, d.y).data[0] / mse(student, d.x, d.y).data[0];
  const delta = w1.clone();
  for (let i = 0; i < delta.size; i++) delta.data[i] -= student.w1.data[i];
  return { valRel: rel(task.val), testRel: rel(task.test), delta };
}

function numericalRank(t: Tensor): number {
  const s = svdvals(t).data;
  return Array.from(s).filter((x) => x > 1e-8 * s[0]).length;
}

async function main(): Promise<void> {
  const seed = flags.seed;
  console.error(`adapters: ${QUICK ? "quick" : "full"} run, ${STEPS} steps, lrs ${LRS.join(", ")}`);
  const teacherA = teacher(seed * 100 + 1);
  const shift = scaleT(randn([HID, D_IN], { seed: seed * 100 + 9 }), 0.5 / Math.sqrt(D_IN));
  const teacherB = { ...teacherA, w1: addT(teacherA.w1, shift) };
  const a = data(teacherA, N_TRAIN * 4, seed * 100 + 20);
  // Pretraining starts from a noisy copy of A's teacher (30% relative noise on every weight), so
  // that a few hundred steps fit task A closely; the student's ideal task-B update is then close
  // to the teacher's full-rank shift.
  const noise = teacher(seed * 100 + 50);
  const student0: Mlp = {
    w1: addT(teacherA.w1, scaleT(noise.w1, 0.3)),
    b1: addT(teacherA.b1, scaleT(noise.b1, 0.3)),
    w2: addT(teacherA.w2, scaleT(noise.w2, 0.3)),
    b2: addT(teacherA.b2, scaleT(noise.b2, 0.3)),
  };
  const student = pretrain(student0, a.x, a.y, QUICK ? 400 : 1500);
  studentRef = student;
  const testA = data(teacherA, N_TEST, seed * 100 + 21);
  console.error(
    `pretrained on task A: test MSE ${mse(student, testA.x, testA.y).data[0].toExponential(3)}`,
  );
  const task = {
    train: data(teacherB, N_TRAIN, seed * 100 + 30),
    val: data(teacherB, N_TEST, seed * 100 + 31),
    test: data(teacherB, N_TEST, seed * 100 + 32),
  };
  const results: RunResult[] = [];
  for (const spec of specs()) {
    let best: RunResult | null = null;
    for (const lr of LRS) {
      const r = adapt(spec, student, task, lr, seed + 7);
      if (best === null || r.valRel < best.valRel) best = r;
    }
    results.push(best!);
    console.error(
      `${best!.label}: params ${best!.params}, test loss ×${best!.testRel.toFixed(3)} (lr ${
        best!.lr
      })`,
    );
  }
  let full = fullFineTune(student, task, LRS[0]);
  for (const lr of LRS.slice(1)) {
    const f = fullFineTune(student, task, lr);
    if (f.valRel < full.valRel) full = f;
  }
  console.error(`full fine-tuning: test loss ×${full.testRel.toExponential(2)}`);
  await report(results, full, student, task);
}

function evalRel(
  m: AdapterMethod<unknown, AdapterState>,
  st: AdapterState,
  student: Mlp,
  d: { x: Tensor; y: Tensor },
): number {
  const w1 = add(st.base ?? student.w1, m.delta(st));
  return mse({ ...student, w1 }, d.x, d.y).data[0] / mse(student, d.x, d.y).data[0];
}

async function report(
  results: RunResult[],
  full: { testRel: number; delta: Tensor },
  student: Mlp,
  task: Record<string, { x: Tensor; y: Tensor }>,
): Promise<void> {
  const byMethod = new Map<string, RunResult[]>();
  for (const r of results) byMethod.set(r.method, [...(byMethod.get(r.method) ?? []), r]);
  const loraMs = byMethod.get("lora")!.reduce((a, r) => a + r.msPerStep, 0) / 3;
  const rows = results.map((r) => [
    r.label,
    r.params,
    Number(r.testRel.toFixed(4)),
    r.lr,
    numericalRank(r.delta),
    Number((r.msPerStep / loraMs).toFixed(2)),
  ]);
  rows.push([
    "full fine-tuning (W1)",
    HID * D_IN,
    Number(full.testRel.toFixed(4)),
    "-",
    numericalRank(full.delta),
    "-",
  ]);
  const series = [...byMethod].map(([name, rs]) => ({
    name,
    x: rs.map((r) => r.params),
    y: rs.map((r) => r.testRel),
    mode: "both" as const,
  }));
  series.push({ name: "full FT", x: [HID * D_IN], y: [full.testRel], mode: "both" });
  const pick = (label: string): RunResult => results.find((r) => r.label === label)!;
  const spectra = [pick("LoRA r=4"), pick("RandLoRA r=4"), pick("NOLA k=l=192"), pick("PiSSA r=4")]
    .map((r) => ({ name: r.label, d: r.delta }));
  spectra.push({ name: "full FT", d: full.delta });
  const dy = pick("DyLoRA r_max=4");
  const dyRel = [1, 2, 3, 4].map((b) =>
    evalRel(
      dyLora as AdapterMethod<unknown, AdapterState>,
      withRank(dy.state as DyLoraState, b),
      student,
      task.test,
    )
  );
  const loraAt = [1, 2, 4].map((r) => pick(`LoRA r=${r}`).testRel);
  // Matched budgets: RandLoRA r=16 has exactly LoRA r=1's 96 parameters; r=8 (160) < LoRA r=2 (192).
  const rand96 = pick("RandLoRA r=16"), lora96 = pick("LoRA r=1");
  const rand160 = pick("RandLoRA r=8"), lora192 = pick("LoRA r=2");
  const randWins = rand96.testRel < lora96.testRel && rand160.testRel < lora192.testRel;
  const nolaA = nola.init(student.w1, { r: 4, k: 50, l: 30 }, new Rng(0));
  const nolaB = nola.init(student.w1, { r: 16, k: 50, l: 30 }, new Rng(0));
  const checks: Check[] = [
    {
      name: "every method lowers the task-B test loss",
      ok: results.every((r) => r.testRel < 1),
      detail: results.map((r) => `${r.label} ×${r.testRel.toFixed(3)}`).join(", "),
    },
    {
      name: "DyLoRA works at every truncated rank",
      ok: dyRel.every((x) => x < 1) && dyRel[3] <= dyRel[0],
      detail: `test loss × ${dyRel.map((x) => x.toFixed(3)).join(", ")} at b = 1..4`,
    },
    {
      name: "NOLA's trainable count does not depend on the rank",
      ok: nola.paramCount(nolaA) === 80 && nola.paramCount(nolaB) === 80,
      detail: `k + l = 80 at r = 4 and r = 16: ${nola.paramCount(nolaA)}, ${
        nola.paramCount(nolaB)
      }`,
    },
    {
      name: "RandLoRA's learned update is full rank, LoRA's has rank ≤ r",
      ok: numericalRank(rand96.delta) === D_IN && numericalRank(pick("LoRA r=4").delta) <= 4,
      detail: `rank ${
        numericalRank(rand96.delta)
      } from ${rand96.params} parameters vs LoRA r=4 rank ${numericalRank(pick("LoRA r=4").delta)}`,
    },
  ];
  const summary =
    `A 32→64→16 tanh MLP pretrained on task A is adapted (first layer only) to task B, whose teacher differs by a full-rank first-layer shift; ${STEPS} Adam steps, learning rate chosen on a validation set from {${
      LRS.join(", ")
    }}. ` +
    `Full fine-tuning of the layer reaches ×${
      full.testRel.toExponential(2)
    } of the pre-adaptation test loss. ` +
    `RandLoRA vs LoRA at matched budgets: ${rand96.params} params ×${
      rand96.testRel.toFixed(3)
    } vs ×${lora96.testRel.toFixed(3)}; ${rand160.params} vs ${lora192.params} params ×${
      rand160.testRel.toFixed(3)
    } vs ×${lora192.testRel.toFixed(3)} — ` +
    (randWins
      ? "the paper's claim (full-rank update beats LoRA at equal parameters) holds here."
      : "the paper's claim does NOT hold in this run.") +
    ` LoRA at r = 1, 2, 4: ×${loraAt.map((x) => x.toFixed(3)).join(", ")}.`;
  console.error(summary);
  await writeReport(flags.out, {
    name: "adapters",
    title: "LoRA family on a high-rank adaptation task",
    summary,
    tables: [{
      caption:
        "Task-B test loss relative to before adaptation (lower is better), trainable parameters, numerical rank of ΔW, training-step time relative to LoRA",
      header: [
        "method",
        "trainable params",
        "test loss ratio",
        "lr",
        "rank ΔW",
        "step time / LoRA",
      ],
      rows,
    }],
    figures: [
      {
        file: "adapters_budget.svg",
        caption: "Test loss ratio vs trainable parameters (log x)",
        svg: plotSvg({
          title: "Task B test loss vs trainable parameters",
          xLabel: "trainable parameters",
          yLabel: "test loss / before",
          logX: true,
          series,
        }),
      },
      {
        file: "adapters_spectra.svg",
        caption: "Singular values of the learned first-layer update ΔW",
        svg: plotSvg({
          title: "Spectra of learned ΔW",
          xLabel: "index",
          yLabel: "singular value",
          logY: true,
          series: spectra.map((s) => ({
            name: s.name,
            x: Array.from({ length: D_IN }, (_, i) => i + 1),
            y: Array.from(svdvals(s.d).data),
            mode: "both" as const,
          })),
        }),
      },
      {
        file: "adapters_dylora.svg",
        caption:
          "DyLoRA (one training run) evaluated at every truncated rank vs separately trained LoRAs",
        svg: plotSvg({
          title: "DyLoRA at truncated ranks",
          xLabel: "rank",
          yLabel: "test loss / before",
          series: [
            { name: "DyLoRA r_max=4 truncated", x: [1, 2, 3, 4], y: dyRel, mode: "both" },
            { name: "LoRA trained at r", x: [1, 2, 4], y: loraAt, mode: "both" },
          ],
        }),
      },
    ],
    checks,
    data: {
      steps: STEPS,
      results: results.map(({ method, label, params, lr, valRel, testRel, msPerStep }) => ({
        method,
        label,
        params,
        lr,
        valRel,
        testRel,
        msPerStep,
      })),
      fullFineTune: full.testRel,
      dyloraTruncated: dyRel,
    },
  });
  if (flags.json) {
    await Deno.writeTextFile(flags.json, JSON.stringify({ results: rows, checks }, null, 2));
  }
}

if (import.meta.main) await main();
