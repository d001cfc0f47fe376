import assert from "node:assert/strict";
import { type Gpu, requestGpu } from "../../ops/gpu/device.ts";
import { Rng } from "../../ops/random.ts";
import { Tensor } from "../../ops/tensor.ts";
import { lossAndGradient } from "../../recovery/objective.ts";
import { generateProblem } from "../../recovery/problem.ts";
import { subgm } from "../../recovery/subgm.ts";
import { subgmGpu, toGpuProblem } from "../../recovery/subgm_gpu.ts";
import { gaussian, maxDiff, norm } from "./helpers.ts";

// CI has only the software adapter (llvmpipe): sizes stay tiny, the runs short.
const gpu: Gpu | null = await requestGpu({ allowFallback: true });
const U32 = 2 ** -24;

Deno.test({
  name: "GPU pass: residuals to f32 accuracy and the same sub-gradient as the CPU",
  ignore: gpu === null,
  fn: async () => {
    for (const storage of ["packed", "full"] as const) {
      const noise = { kind: "outlier", p: 0.2 } as const;
      const p = generateProblem({ d: 9, rstar: 2, m: 70, dtype: "f32", storage, noise, seed: 1 });
      const g = toGpuProblem(gpu!, p);
      const k = 3, u = gaussian(9 * k, new Rng(2));
      const cpu = lossAndGradient(p, new Tensor(u, [9, k]));
      const gl = new Float64Array(9 * k);
      const res = await g.op.residualGradient(u, k, p.y, "sign", gl);
      // f32 dot products of length L: error ≤ L·u32·Σ|a_j x_j| ≤ L·u32·‖a‖‖x‖ (a ~ N(0,1))
      const len = g.op.rowLength,
        scale = Math.sqrt(len) * norm(u) ** 2 + Math.max(...p.y.map(Math.abs));
      assert.ok(maxDiff(res, cpu.residuals.data) <= len * U32 * scale, `${storage} residuals`);
      // f32 residuals are far from zero here, so the signs, hence the sub-gradient, agree
      const want = cpu.grad.data.map((x) => x * p.op.m);
      const tol = 1e-5 * norm(want);
      assert.ok(maxDiff(gl, want) <= tol, `${storage}: ${maxDiff(gl, want)} > ${tol}`);
      g.op.dispose();
    }
  },
});

Deno.test({
  name: "subgmGpu follows the CPU iteration on a small problem",
  ignore: gpu === null,
  fn: async () => {
    const noise = { kind: "outlier", p: 0.2 } as const;
    const p = generateProblem({ d: 8, rstar: 1, m: 120, dtype: "f32", noise, seed: 3 });
    const g = toGpuProblem(gpu!, p);
    const o = { rank: 2, alpha: 0.3, eta0: 0.3, rho: 0.95, iters: 30, seed: 3 };
    const r = await subgmGpu(g, o), c = subgm(p, o);
    assert.equal(r.stopReason, "iters");
    const [eg, ec] = [r.errors.at(-1)!, c.errors.at(-1)!];
    assert.ok(eg < 0.5 * r.errors[0], `GPU run made progress: ${r.errors[0]} → ${eg}`);
    assert.ok(Math.abs(eg - ec) <= 1e-3 * ec + 1e-4, `GPU ${eg} vs CPU ${ec}`);
    await assert.rejects(
      () => subgmGpu(g, { rank: 0 }),
      /subgmGpu: rank must be a positive integer/,
    );
    g.op.dispose();
    assert.throws(
      () => toGpuProblem(gpu!, generateProblem({ d: 4, rstar: 1, m: 9, design: "rank-one" })),
      TypeError,
    );
  },
});
