/**
 * The historical-trajectory stream of OTD over a whole parameter tree (Fan et al., ICCV 2023,
 * camwew/TADA-MI; spec `compression_optim_attention.md` §10): one flat {@link GradientBank}
 * per parameter with two or more axes, fed with that parameter's gradient every step, and the
 * boost `g ← g + 0.1·U_rU_rᵀg` applied to the gradient before the optimizer step.
 *
 * @module
 */
import { treeLeaves, type TreeLike, treeMap } from "../../ops/autograd/tree.ts";
import type { Tensor } from "../../ops/tensor.ts";
import { checkKeys, intAtLeast, numberIn } from "./_options.ts";
import { flatBankOptions, GradientBank } from "./bank.ts";
import { trajectoryBoost } from "./project.ts";

/** Options of {@link TrajectoryBooster}. */
export interface TrajectoryBoosterOptions {
  /** Boost of the in-subspace component (default 0.1). */
  factor?: number;
  /** Energy share of each bank's subspace (default 0.98). */
  energy?: number;
  /** Parameters with at least this many axes get a bank (default 2, as the spec). */
  minNdim?: number;
}

/**
 * Keeps a flat gradient bank (L = ⌊0.8·D⌋ for D < 500 else 300, an SVD every L pushes) for each
 * parameter of `params` with at least `minNdim` axes. `boost(grads)` first pushes each such
 * gradient into its bank (which may fire that bank's SVD), then returns a new tree in which
 * those gradients are `g + factor·U_rU_rᵀg` (unchanged while a bank has no subspace yet); the
 * other leaves are passed through as they are.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { TrajectoryBooster } from "./trajectory.ts";
 * const params = { w: tensor([[0, 0], [0, 0]]), b: tensor([0, 0]) };
 * const booster = new TrajectoryBooster(params);
 * const g = { w: tensor([[1, 0], [0, 0]]), b: tensor([1, 1]) };
 * booster.boost(g); // first push (L = 3): no subspace yet
 * booster.boost(g);
 * const out = booster.boost(g); // third push: SVD, the subspace is span(g.w)
 * console.log(out.w.data, out.b.data); // Float64Array [1.1, 0, 0, 0] Float64Array [1, 1]
 * ```
 */
export class TrajectoryBooster {
  /** The bank of each boosted parameter, by tree path. */
  readonly banks: Map<string, GradientBank> = new Map();
  /** Boost factor. */
  readonly factor: number;

  constructor(params: TreeLike, opts: TrajectoryBoosterOptions = {}) {
    const fn = "TrajectoryBooster";
    checkKeys(fn, opts, ["factor", "energy", "minNdim"]);
    this.factor = numberIn(fn, "factor", opts.factor, 0.1, -Infinity, Infinity);
    const energy = numberIn(fn, "energy", opts.energy, 0.98, Number.MIN_VALUE, 1);
    const minNdim = intAtLeast(fn, "minNdim", opts.minNdim, 2, 0);
    for (const [path, p] of treeLeaves(params, fn)) {
      if (p.ndim < minNdim) continue;
      if (p.size < 2) {
        throw new RangeError(`${fn}: parameter "${path}" has ${p.size} entry; no bank`);
      }
      this.banks.set(path, new GradientBank(p.size, { ...flatBankOptions(p.size), energy }));
    }
  }

  /** Pushes each banked gradient and returns the boosted tree (the input is not modified). */
  boost<T extends TreeLike>(grads: T): T {
    const seen = new Set<string>();
    const out = treeMap(grads, (g: Tensor, path: string) => {
      const bank = this.banks.get(path);
      if (bank === undefined) return g;
      seen.add(path);
      bank.push(g);
      return trajectoryBoost(bank.basis, g, { factor: this.factor });
    }, "TrajectoryBooster.boost");
    const missing = [...this.banks.keys()].filter((p) => !seen.has(p));
    if (missing.length) {
      throw new RangeError(`TrajectoryBooster.boost: grads lack the banked paths ${missing}`);
    }
    return out;
  }
}
