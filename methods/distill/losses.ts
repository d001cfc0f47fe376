/**
 * The two gradient-distillation losses of OTD (Fan et al., "Taxonomy-adaptive cross-domain
 * adaptation in medical imaging via optimization trajectory distillation", ICCV 2023; code
 * camwew/TADA-MI; spec `compression_optim_attention.md` §10): the cross-domain stream, which
 * matches the gradient statistics of mixed/target samples to those of the source inside the
 * low-rank gradient subspace, and the cross-class stream, which pulls the statistics of new
 * classes toward the average of the well-annotated classes.
 *
 * @module
 */
import { stopGradient } from "../../ops/autograd/grad.ts";
import { add, mean, mse, scale, sliceRows, square, sub } from "../../ops/autograd/ops.ts";
import { full, type Tensor } from "../../ops/tensor.ts";
import { checkKeys } from "./_options.ts";
import { projectOnto } from "./project.ts";
import type { GradStats } from "./stats.ts";

/** Subspace bases for the m and v statistics (null: not yet estimated, use unprojected). */
export interface StatBases {
  /** `U_r` of the bank of m (`D × r`), or null. */
  m: Tensor | null;
  /** `U_r` of the bank of v (`D × r`), or null. */
  v: Tensor | null;
}

function sameShape(fn: string, a: Tensor, b: Tensor, what: string): void {
  if (a.shape.join() !== b.shape.join()) {
    throw new RangeError(`${fn}: ${what} shapes differ: [${a.shape}] and [${b.shape}]`);
  }
}

/**
 * `L_cd = MSE(m̄_src P_m, m̄_mix P_m) + MSE(v̄_src P_v, v̄_mix P_v)` with `P = U_rU_rᵀ` from
 * `bases` (each statistic has its own bank), over vectors of length D. It vanishes whenever
 * the two statistics agree inside the subspaces, however they differ outside (spec §10,
 * property 3). Differentiable in all four statistics.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { crossDomainLoss } from "./losses.ts";
 * const e1 = tensor([[1], [0]]);
 * const src = { m: tensor([1, 5]), v: tensor([0, 0]) }, mix = { m: tensor([1, -5]), v: tensor([0, 9]) };
 * console.log(crossDomainLoss(src, mix, { m: e1, v: e1 }).data[0]); // 0
 * console.log(crossDomainLoss(src, mix, { m: null, v: null }).data[0]); // 90.5 = 100/2 + 81/2
 * ```
 */
export function crossDomainLoss(src: GradStats, mix: GradStats, bases: StatBases): Tensor {
  const fn = "crossDomainLoss";
  checkKeys(fn, bases, ["m", "v"]);
  sameShape(fn, src.m, mix.m, "m");
  sameShape(fn, src.v, mix.v, "v");
  return add(
    mse(projectOnto(bases.m, src.m), projectOnto(bases.m, mix.m)),
    mse(projectOnto(bases.v, src.v), projectOnto(bases.v, mix.v)),
  );
}

/** Options of {@link crossClassLoss}. */
export interface CrossClassOptions {
  /** The classes whose statistics are pulled toward the reference (required, non-empty). */
  newClasses: readonly number[];
  /** The well-annotated classes whose average is the (detached) reference (required). */
  refClasses: readonly number[];
  /** Subspace bases of the reference classes' m and v rows (`K × r`), or null for none. */
  bases: StatBases;
}

function checkClasses(fn: string, name: string, cs: readonly number[], n: number): void {
  if (!Array.isArray(cs)) throw new TypeError(`${fn}: ${name} must be an array, got ${String(cs)}`);
  if (cs.length === 0) throw new RangeError(`${fn}: ${name} must be a non-empty array of classes`);
  for (const c of cs) {
    if (!Number.isInteger(c) || c < 0 || c >= n) {
      throw new RangeError(`${fn}: ${name} has ${c}, not a class in [0, ${n})`);
    }
  }
  if (new Set(cs).size !== cs.length) throw new RangeError(`${fn}: ${name} repeats a class`);
}

/** Scalar mean of the projected row c of a `C × K` statistic. */
function classScalar(stat: Tensor, c: number, basis: Tensor | null): Tensor {
  return mean(projectOnto(basis, sliceRows(stat, c, c + 1)));
}

/**
 * `L_cc = Σ_{c ∈ new} [(ref_m − m_c)² + (ref_v − v_c)²]`, where `m_c` is the mean of row c of
 * the per-class statistic `stats.m` (`C × K`: one row per class of the head, K = its inputs)
 * after projection with the reference classes' bank, and `ref_m` the average of `m_c` over
 * `refClasses`, detached (spec §10, "Cross-class stream"; likewise for v). Differentiable in
 * the new classes' rows.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { crossClassLoss } from "./losses.ts";
 * const m = tensor([[1, 1], [3, 3], [0, 4]]), v = tensor([[0, 0], [0, 0], [1, 1]]);
 * const l = crossClassLoss({ m, v }, { newClasses: [2], refClasses: [0, 1], bases: { m: null, v: null } });
 * console.log(l.data[0]); // 1 = (2 − 2)² + (0 − 1)²
 * ```
 */
export function crossClassLoss(stats: GradStats, opts: CrossClassOptions): Tensor {
  const fn = "crossClassLoss";
  checkKeys(fn, opts, ["newClasses", "refClasses", "bases"]);
  if (opts.bases === undefined) throw new TypeError(`${fn}: opts.bases is required`);
  checkKeys(fn, opts.bases, ["m", "v"]);
  sameShape(fn, stats.m, stats.v, "m and v");
  if (stats.m.ndim !== 2) throw new RangeError(`${fn}: stats must be C×K, got [${stats.m.shape}]`);
  const n = stats.m.shape[0];
  checkClasses(fn, "newClasses", opts.newClasses, n);
  checkClasses(fn, "refClasses", opts.refClasses, n);
  const overlap = opts.newClasses.filter((c) => opts.refClasses.includes(c));
  if (overlap.length) throw new RangeError(`${fn}: classes ${overlap} are both new and reference`);
  let total: Tensor = full([], 0, { dtype: stats.m.dtype });
  for (const key of ["m", "v"] as const) {
    const basis = opts.bases[key] ?? null, stat = stats[key];
    let ref: Tensor = full([], 0, { dtype: stat.dtype });
    for (const c of opts.refClasses) ref = add(ref, classScalar(stat, c, basis));
    ref = stopGradient(scale(ref, 1 / opts.refClasses.length));
    for (const c of opts.newClasses) {
      total = add(total, square(sub(ref, classScalar(stat, c, basis))));
    }
  }
  return total;
}
