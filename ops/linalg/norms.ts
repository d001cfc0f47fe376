/**
 * Matrix and vector norms, including the two that need singular values: the spectral norm
 * (`2`, the largest singular value) and the nuclear norm (`"nuc"`, their sum); and the 2-norm
 * condition number.
 *
 * @module
 */
import { assertUntraced } from "../autograd/tape.ts";
import { elementaryNorm } from "../norm.ts";
import { assertFinite, assertTensor, shapeStr, type Tensor } from "../tensor.ts";
import { svdvals } from "./svd.ts";

/**
 * Norm orders accepted by {@link norm}.
 *
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { norm, type NormOrd } from "./norms.ts";
 * const ords: NormOrd[] = ["fro", 1, "inf", "max"];
 * console.log(ords.map((o) => norm(tensor([[3, -4]]), o))); // [5, 4, 7, 4]
 * ```
 */
export type NormOrd = "fro" | 1 | 2 | "inf" | typeof Infinity | "nuc" | "max";

/**
 * The norm of a vector (`1 | 2 | "inf"`, default 2) or a matrix (`"fro"` (default), `1` = max
 * column abs sum, `"inf"`/`Infinity` = max row abs sum, `"max"` = largest |entry|, `2` = largest
 * singular value, `"nuc"` = sum of singular values; Golub & Van Loan, "Matrix Computations",
 * 4th ed., §2.3). The 2 and nuclear norms of a matrix come from {@link svdvals}.
 *
 * @throws {RangeError} for an order the shape does not support, or a non-finite matrix with
 * `ord` 2 or `"nuc"`.
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { norm } from "./norms.ts";
 * const a = tensor([[3, 0], [0, -4]]);
 * console.log(norm(a), norm(a, 2), norm(a, "nuc")); // 5 4 7
 * ```
 */
export function norm(a: Tensor, ord?: NormOrd): number {
  assertUntraced(
    "norm",
    { a },
    " (norm returns a number; a differentiable Frobenius norm is sqrt(sum(square(a))), " +
      "and sum(svdvals(a)) the nuclear norm)",
  );
  assertTensor("norm", "a", a);
  if ((ord === 2 && a.ndim === 2) || ord === "nuc") assertFinite("norm", "a", a);
  if (ord === 2 && a.ndim === 2) return a.size === 0 ? 0 : svdvals(a).data[0];
  if (ord === "nuc") {
    if (a.ndim !== 2) {
      throw new RangeError(`norm: order "nuc" needs a matrix, got shape ${shapeStr(a.shape)}`);
    }
    const s = svdvals(a).data;
    let sum = 0;
    for (let i = s.length - 1; i >= 0; i--) sum += s[i]; // smallest first: less rounding
    return sum;
  }
  if (
    ord !== undefined && ord !== "fro" && ord !== 1 && ord !== 2 && ord !== "inf" &&
    ord !== Infinity && ord !== "max"
  ) {
    throw new RangeError(`norm: unknown order ${JSON.stringify(ord)}`);
  }
  return elementaryNorm(a, ord ?? "fro");
}

/**
 * The 2-norm condition number `σ_max / σ_min` of a matrix of any shape (σ over the min(m, n)
 * singular values); `Infinity` for a rank-deficient matrix (Golub & Van Loan §2.6.2).
 *
 * @throws {RangeError} if `a` is not a matrix, is empty, or has a non-finite entry.
 * @example
 * ```ts
 * import { tensor } from "../tensor.ts";
 * import { cond } from "./norms.ts";
 * console.log(cond(tensor([[2, 0], [0, 0.5]]))); // 4
 * ```
 */
export function cond(a: Tensor): number {
  assertUntraced("cond", { a });
  assertTensor("cond", "a", a);
  if (a.ndim !== 2 || a.size === 0) {
    throw new RangeError(`cond: a must be a non-empty matrix, got shape ${shapeStr(a.shape)}`);
  }
  assertFinite("cond", "a", a);
  const s = svdvals(a).data;
  const smin = s[s.length - 1];
  return smin === 0 ? Infinity : s[0] / smin;
}
