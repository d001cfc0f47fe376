/**
 * The gradient bank of optimisation-trajectory distillation (Fan et al., ICCV 2023, code
 * camwew/TADA-MI; spec `compression_optim_attention.md` §10, "Gradient bank" and "Historical
 * trajectory stream"): a ring buffer `B ∈ R^{D×L}` of past gradient vectors (or gradient
 * statistics) whose thin SVD, taken on a fixed schedule, gives the principal subspace `U_r`
 * holding 98 % of the energy. The projector `P = U_rU_rᵀ` is kept as `U_r` (O(D·r) memory).
 *
 * @module
 */
import { svd } from "../../ops/linalg/svd.ts";
import { assertUntraced } from "../../ops/autograd/tape.ts";
import { assertTensor, Tensor } from "../../ops/tensor.ts";
import { checkKeys, intAtLeast, numberIn } from "./_options.ts";
import { energyRank } from "./energy_rank.ts";
import { projectOnto } from "./project.ts";

/** Options of {@link GradientBank}. */
export interface GradientBankOptions {
  /** Ring-buffer length L (default ⌊0.8·D⌋, the statistic banks of the spec). */
  length?: number;
  /** Pushes between two SVDs (default 10·L, the statistic banks of the spec). */
  period?: number;
  /** Share of Σσ² the subspace keeps (default 0.98). */
  energy?: number;
}

const BANK_KEYS = ["length", "period", "energy"] as const;

/**
 * The options of a *flat* bank over the gradient of one parameter with D entries (the
 * historical-trajectory stream, spec §10): L = ⌊0.8·D⌋ if D < 500, else 300, and an SVD every
 * L pushes (bank interval 1).
 *
 * @example
 * ```ts
 * import { flatBankOptions } from "./bank.ts";
 * console.log(flatBankOptions(100), flatBankOptions(2048));
 * // { length: 80, period: 80 } { length: 300, period: 300 }
 * ```
 */
export function flatBankOptions(dim: number): { length: number; period: number } {
  intAtLeast("flatBankOptions", "dim", dim, 0, 2);
  const length = dim < 500 ? Math.floor(0.8 * dim) : 300;
  return { length, period: length };
}

/**
 * A ring buffer of D-vectors with a periodic SVD. `push(v)` writes `v` into column
 * `count mod L` and increments `count`; when `count` is a multiple of `period` the thin SVD
 * `B = UΣVᵀ` of the whole buffer (columns not yet written are zero) gives `r =
 * energyRank(σ, energy)` and `basis = U_r`. Until the first SVD, `basis` is null and
 * {@link GradientBank.project} returns its input (spec §10: statistics are used unprojected).
 * Pushed values are copied as data: a vector traced by `grad` is a TypeError (pass
 * `stopGradient(v)`), since the bank is not differentiable.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { GradientBank } from "./bank.ts";
 * const bank = new GradientBank(3, { length: 2, period: 2 });
 * bank.push(tensor([1, 0, 0]));
 * console.log(bank.basis); // null
 * bank.push(tensor([2, 0, 0])); // second push: SVD, one direction holds all the energy
 * console.log(bank.rank, bank.project(tensor([5, 6, 7])).data); // 1 Float64Array [5, 0, 0]
 * ```
 */
export class GradientBank {
  /** Vector length D. */
  readonly dim: number;
  /** Ring-buffer length L. */
  readonly length: number;
  /** Pushes between SVDs. */
  readonly period: number;
  /** Energy share kept by the subspace. */
  readonly energy: number;
  /** Pushes so far. */
  count = 0;
  /** SVDs taken so far. */
  svdCount = 0;
  /** `U_r` (`D × r`, orthonormal columns) from the last SVD, or null before the first. */
  basis: Tensor | null = null;
  /** The buffer, row-major `D × L`: entry (i, j) at `i·L + j`. */
  readonly #buf: Float64Array;

  /** A bank for vectors of length `dim`; pass `length` when ⌊0.8·dim⌋ is 0 (dim 1). */
  constructor(dim: number, opts: GradientBankOptions = {}) {
    const fn = "GradientBank";
    checkKeys(fn, opts, BANK_KEYS);
    this.dim = intAtLeast(fn, "dim", dim, 0, 1);
    const dflt = Math.floor(0.8 * this.dim);
    if (opts.length === undefined && dflt < 1) {
      throw new RangeError(`${fn}: dim ${dim} gives the default length ⌊0.8·D⌋ = 0; pass length`);
    }
    this.length = intAtLeast(fn, "length", opts.length, dflt, 1);
    this.period = intAtLeast(fn, "period", opts.period, 10 * this.length, 1);
    this.energy = numberIn(fn, "energy", opts.energy, 0.98, Number.MIN_VALUE, 1);
    this.#buf = new Float64Array(this.dim * this.length);
  }

  /** The rank r of the current subspace (0 before the first SVD). */
  get rank(): number {
    return this.basis === null ? 0 : this.basis.shape[1];
  }

  /** A copy of the buffer as a `D × L` f64 tensor. */
  matrix(): Tensor {
    return new Tensor(this.#buf.slice(), [this.dim, this.length]);
  }

  /**
   * Writes the D entries of `v` (any shape, read flat) into column `count mod L`; returns true
   * when this push fired an SVD. A RangeError for a wrong size or a non-finite entry.
   */
  push(v: Tensor): boolean {
    const fn = "GradientBank.push";
    assertTensor(fn, "v", v);
    assertUntraced(fn, { v });
    if (v.size !== this.dim) {
      throw new RangeError(`${fn}: v has ${v.size} entries, the bank holds ${this.dim}`);
    }
    const col = this.count % this.length, L = this.length, d = v.data;
    for (let i = 0; i < this.dim; i++) {
      if (!Number.isFinite(d[i])) throw new RangeError(`${fn}: v[${i}] is ${d[i]}`);
      this.#buf[i * L + col] = d[i];
    }
    this.count++;
    if (this.count % this.period !== 0) return false;
    this.refresh();
    return true;
  }

  /**
   * Takes the SVD of the buffer now and replaces `basis` (also called by `push` on schedule).
   * A RangeError if the buffer holds only zeros (there is no subspace to keep).
   */
  refresh(): void {
    const { u, s } = svd(this.matrix());
    if (!(s.data[0] > 0)) {
      throw new RangeError(
        `GradientBank: the buffer holds only zeros after ${this.count} pushes; no subspace to keep`,
      );
    }
    const r = energyRank(s, this.energy);
    const k = u.shape[1], basis = new Float64Array(this.dim * r);
    for (let i = 0; i < this.dim; i++) {
      for (let j = 0; j < r; j++) basis[i * r + j] = u.data[i * k + j];
    }
    this.basis = new Tensor(basis, [this.dim, r]);
    this.svdCount++;
  }

  /** `x·P` along the last axis of `x` (see {@link projectOnto}); `x` itself before any SVD. */
  project(x: Tensor): Tensor {
    return projectOnto(this.basis, x);
  }
}
