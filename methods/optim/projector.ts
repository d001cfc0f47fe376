/**
 * GaLore's gradient projectors (Zhao et al., "GaLore: Memory-Efficient LLM Training by Gradient
 * Low-Rank Projection", ICML 2024; spec `compression_optim_attention.md` §5a "Core algorithm",
 * and §5b for the two-sided Tucker form of Natural GaLore's official code).
 *
 * A projector maps the m×n gradient `G` to a small matrix `R` and maps an update of R's shape
 * back to m×n: right `R = G Pᵣᵀ` (Pᵣ = V_rᵀ, r×n), left `R = P_lᵀ G` (P_l = U_r, m×r), or both
 * `R = U_rᵀ G V_r` (r×r).
 *
 * @module
 */
import { matmul } from "../../ops/matmul.ts";
import { allocData, astype, type DType, Tensor } from "../../ops/tensor.ts";
import { svd } from "../../ops/linalg/svd.ts";
import { randomizedSvd } from "../../ops/linalg/randomized_svd.ts";

/**
 * Which side(s) of the gradient are projected: `"std"` picks right when m ≥ n and left
 * otherwise (GaLore's default), `"left"` / `"right"` force a side, `"two-sided"` projects both
 * (Natural GaLore's Tucker projector with rank r on both modes).
 *
 * @example
 * ```ts
 * import { type ProjType, projectionSide } from "./projector.ts";
 * const t: ProjType = "std";
 * console.log(projectionSide(t, 8, 4), projectionSide(t, 4, 8)); // right left
 * ```
 */
export type ProjType = "std" | "left" | "right" | "two-sided";

/**
 * A projector: `left` is U_r (m×r) or null, `right` is V_rᵀ (r×n) or null.
 *
 * @example
 * ```ts
 * import { eye } from "../../ops/tensor.ts";
 * import type { GaloreProjection } from "./projector.ts";
 * const p: GaloreProjection = { side: "right", left: null, right: eye(3) };
 * console.log(p.right?.shape); // [3, 3]
 * ```
 */
export interface GaloreProjection {
  /** Which side(s) are projected. */
  side: "left" | "right" | "both";
  /** U_r, m×r (left and both). */
  left: Tensor | null;
  /** V_rᵀ, r×n (right and both). */
  right: Tensor | null;
}

/**
 * How a projector is computed from the gradient: the exact thin SVD, the randomized SVD
 * (Halko, Martinsson & Tropp 2011; 10 oversamples, 2 power iterations), or a function (for
 * example to force a fixed projector in a test).
 *
 * @example
 * ```ts
 * import { eye } from "../../ops/tensor.ts";
 * import type { ProjectorFn } from "./projector.ts";
 * const identity: ProjectorFn = (g) => ({ side: "right", left: null, right: eye(g.shape[1]) });
 * console.log(typeof identity); // function
 * ```
 */
export type ProjectorFn = (
  grad: Tensor,
  rank: number,
  side: "left" | "right" | "both",
  path: string,
) => GaloreProjection;

/**
 * The side GaLore projects an m×n gradient on for `projType`.
 *
 * @example
 * ```ts
 * import { projectionSide } from "./projector.ts";
 * console.log(projectionSide("left", 8, 4), projectionSide("two-sided", 8, 4)); // left both
 * ```
 */
export function projectionSide(
  projType: ProjType,
  m: number,
  n: number,
): "left" | "right" | "both" {
  switch (projType) {
    case "std":
      return m >= n ? "right" : "left";
    case "left":
      return "left";
    case "right":
      return "right";
    case "two-sided":
      return "both";
  }
}

/**
 * The projector of `grad` (m×n) at `rank` from its top-r singular vectors. `method`
 * `"svd"` takes the exact thin SVD (computed in f64; the factors are stored in the gradient's
 * dtype), `"randomized"` the randomized SVD with the given seed. GaLore's code computes the SVD
 * in f32 because torch has no bf16 SVD; here f64 is the more accurate choice.
 *
 * @throws {RangeError} if `rank` is not an integer in `1..min(m, n)`.
 *
 * @example
 * ```ts
 * import { randn } from "../../ops/random.ts";
 * import { svdProjector } from "./projector.ts";
 * const p = svdProjector(randn([6, 4], { seed: 0 }), 2, "right", "svd");
 * console.log(p.right?.shape, p.left); // [2, 4] null
 * ```
 */
export function svdProjector(
  grad: Tensor,
  rank: number,
  side: "left" | "right" | "both",
  method: "svd" | "randomized",
  seed = 0,
): GaloreProjection {
  const [m, n] = grad.shape;
  if (!Number.isInteger(rank) || rank < 1 || rank > Math.min(m, n)) {
    throw new RangeError(
      `galore: rank must be an integer in 1..${
        Math.min(m, n)
      } for a ${m}x${n} gradient, got ${rank}`,
    );
  }
  const g64 = astype(grad, "f64");
  const { u, vt } = method === "svd" ? svd(g64) : randomizedSvd(g64, rank, { seed, powerIters: 2 });
  const left = side === "right" ? null : astype(firstColumns(u, rank), grad.dtype);
  const right = side === "left" ? null : astype(firstRows(vt, rank), grad.dtype);
  return { side, left, right };
}

function firstColumns(u: Tensor, r: number): Tensor {
  const [m, k] = u.shape;
  if (k === r) return u;
  const out = new Float64Array(m * r);
  for (let i = 0; i < m; i++) for (let j = 0; j < r; j++) out[i * r + j] = u.data[i * k + j];
  return new Tensor(out, [m, r]);
}

function firstRows(vt: Tensor, r: number): Tensor {
  const n = vt.shape[1];
  if (vt.shape[0] === r) return vt;
  return new Tensor(vt.data.slice(0, r * n), [r, n]);
}

/**
 * Where {@link projectInto} and {@link projectBackInto} put their results: a function giving a
 * tensor of a role (`"r"`, `"back"`, or `"mid"` for the two-sided intermediate; the optimizer
 * also asks for `"u"`, the small-space update), dtype and shape. {@link project} allocates fresh ones; the optimizer passes its workspace's.
 *
 * @example
 * ```ts
 * import { zeros } from "../../ops/tensor.ts";
 * import type { ProjectionOut } from "./projector.ts";
 * const fresh: ProjectionOut = (_role, dtype, shape) => zeros([...shape], { dtype });
 * console.log(fresh("r", "f64", [2, 3]).shape); // [2, 3]
 * ```
 */
export type ProjectionOut = (
  role: "r" | "u" | "back" | "mid",
  dtype: DType,
  shape: readonly [number, number],
) => Tensor;

const fresh: ProjectionOut = (_role, dtype, shape) =>
  new Tensor(allocData(dtype, shape[0] * shape[1]), shape);

/**
 * `R`: the gradient in the projector's small space (`P_lᵀ G`, `G Pᵣᵀ` or `U_rᵀ G V_r`).
 *
 * @example
 * ```ts
 * import { eye, tensor } from "../../ops/tensor.ts";
 * import { project } from "./projector.ts";
 * const g = tensor([[1, 2], [3, 4]]);
 * console.log(project({ side: "right", left: null, right: eye(2) }, g).data); // Float64Array [1, 2, 3, 4]
 * ```
 */
export function project(p: GaloreProjection, g: Tensor): Tensor {
  return projectInto(p, g, fresh);
}

/**
 * {@link project} writing into tensors from `out` (role `"r"` for R, `"mid"` for `U_rᵀ G` of
 * the two-sided form). The products take the projector transposed in the GEMM (`transA` /
 * `transB`): no transpose is materialised.
 *
 * @example
 * ```ts
 * import { eye, tensor, zeros } from "../../ops/tensor.ts";
 * import { projectInto } from "./projector.ts";
 * const r = zeros([2, 2]);
 * projectInto({ side: "right", left: null, right: eye(2) }, tensor([[1, 2], [3, 4]]), () => r);
 * console.log(r.data); // Float64Array [1, 2, 3, 4]
 * ```
 */
export function projectInto(p: GaloreProjection, g: Tensor, out: ProjectionOut): Tensor {
  const [m, n] = g.shape;
  const { left, right } = p;
  if (left && right) {
    const r = left.shape[1];
    const mid = matmul(left, g, { transA: true, out: out("mid", g.dtype, [r, n]) });
    return matmul(mid, right, { transB: true, out: out("r", g.dtype, [r, right.shape[0]]) });
  }
  if (left) return matmul(left, g, { transA: true, out: out("r", g.dtype, [left.shape[1], n]) });
  if (right) return matmul(g, right, { transB: true, out: out("r", g.dtype, [m, right.shape[0]]) });
  return g;
}

/**
 * The back-projection of a small-space update `n` to the parameter's m×n shape
 * (`P_l N`, `N Pᵣ` or `U_r N V_rᵀ`).
 *
 * @example
 * ```ts
 * import { eye, tensor } from "../../ops/tensor.ts";
 * import { projectBack } from "./projector.ts";
 * const n = tensor([[1, 2]]);
 * console.log(projectBack({ side: "left", left: tensor([[1], [0]]), right: null }, n).data);
 * // Float64Array [1, 2, 0, 0]
 * ```
 */
export function projectBack(p: GaloreProjection, n: Tensor): Tensor {
  return projectBackInto(p, n, fresh);
}

/**
 * {@link projectBack} writing into tensors from `out` (role `"back"` for the m×n result,
 * `"mid"` for `U_r N` of the two-sided form).
 *
 * @example
 * ```ts
 * import { tensor, zeros } from "../../ops/tensor.ts";
 * import { projectBackInto } from "./projector.ts";
 * const w = zeros([2, 2]);
 * projectBackInto({ side: "left", left: tensor([[1], [0]]), right: null }, tensor([[1, 2]]), () => w);
 * console.log(w.data); // Float64Array [1, 2, 0, 0]
 * ```
 */
export function projectBackInto(p: GaloreProjection, n: Tensor, out: ProjectionOut): Tensor {
  const { left, right } = p;
  const [a, b] = n.shape;
  if (left && right) {
    const mid = matmul(left, n, { out: out("mid", n.dtype, [left.shape[0], b]) });
    return matmul(mid, right, { out: out("back", n.dtype, [left.shape[0], right.shape[1]]) });
  }
  if (left) return matmul(left, n, { out: out("back", n.dtype, [left.shape[0], b]) });
  if (right) return matmul(n, right, { out: out("back", n.dtype, [a, right.shape[1]]) });
  return n;
}
