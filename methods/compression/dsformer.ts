/**
 * DSFormer: a weight matrix as a small dense basis times a semi-structured (N:M) sparse
 * coefficient matrix, `Ŵ = D·S` (Chand, Prabhu, Kumar, "DSFormer: Effective Compression of Text
 * Transformers by Dense-Sparse Weight Factorization", arXiv 2312.13211; spec
 * `compression_optim_attention.md` §3, whose equations are a reconstruction): the task-unaware
 * alternating initialisation and the Straight-Through Factorizer's weight, reading (A):
 * a trainable dense latent S̃ projected by Π in the forward pass, Π treated as the identity in
 * the backward pass.
 *
 * @module
 */
import { matmul } from "../../ops/matmul.ts";
import { transpose } from "../../ops/shape.ts";
import { checkOptions } from "../../ops/options.ts";
import { record } from "../../ops/autograd/tape.ts";
import { svd } from "../../ops/linalg/svd.ts";
import { solve } from "../../ops/linalg/solve.ts";
import { nmIndexBits, nmProject } from "./nm_sparse.ts";
import { astype, shapeStr, Tensor } from "../../ops/tensor.ts";

/**
 * Which side is sparse. `"columns"` (default): `W ≈ D S`, `D ∈ R^{m×k}`, `S ∈ R^{k×n}`, each
 * column of W a sparse combination of the k basis columns, N:M along k. `"rows"`: the
 * transposed convention `Wᵀ ≈ D S` (so `W ≈ Sᵀ Dᵀ`, each row of W a sparse combination of k
 * basis rows), which the paper's "per-row coefficients" wording may mean.
 */
export type DsformerConvention = "columns" | "rows";

/** The shape of a factorisation: k, N:M and the convention. */
export interface DsformerShape {
  /** Inner dimension k of `D S` (a multiple of `group`). */
  k: number;
  /** N of N:M: non-zeros kept per group (default 2). */
  keep?: number;
  /** M of N:M: the group length along k (default 4). */
  group?: number;
  /** Default `"columns"`. */
  convention?: DsformerConvention;
}

/** Options of {@link dsformerInit}. */
export interface DsformerInitOptions extends DsformerShape {
  /** Alternating rounds (S-step then D-step), default 5. */
  rounds?: number;
  /** ε of the D-step as a fraction of `trace(S Sᵀ)/k` (default 1e-8). */
  epsilon?: number;
}

/** A dense × sparse factorisation. */
export interface DsformerFactors {
  /** The dense basis D (`m×k`, or `n×k` for the `"rows"` convention). */
  d: Tensor;
  /** The sparse coefficients S = Π(S) (`k×n`, or `k×m` for `"rows"`); also the latent S̃ to train. */
  s: Tensor;
  /** `‖W − Ŵ‖_F` after the SVD start and after every S- and D-step, in order. */
  errors: { step: "svd" | "S" | "D"; error: number }[];
}

const SHAPE_KINDS = {
  k: "integer",
  keep: "integer",
  group: "integer",
  convention: ["columns", "rows"],
} as const;

function shapeOf(
  fn: string,
  o: DsformerShape,
  rows: number,
  cols: number,
): Required<DsformerShape> {
  const keep = o.keep ?? 2, group = o.group ?? 4, convention = o.convention ?? "columns";
  const k = o.k;
  if (!Number.isInteger(k) || k < 1 || k % group !== 0) {
    throw new RangeError(`${fn}: k must be a positive multiple of group M=${group}, got ${k}`);
  }
  nmIndexBits(keep, group); // validates N:M
  const m = convention === "columns" ? rows : cols;
  if (k > m) {
    throw new RangeError(`${fn}: k = ${k} exceeds the basis side m = ${m} of a ${rows}x${cols} W`);
  }
  return { k, keep, group, convention };
}

/** `‖W − D S‖_F`. */
function frobenius(w: Tensor, d: Tensor, s: Tensor): number {
  const ds = matmul(d, s);
  let acc = 0;
  for (let i = 0; i < w.size; i++) acc += (w.data[i] - ds.data[i]) ** 2;
  return Math.sqrt(acc);
}

/** `trace(gram)/k · c` added to the diagonal that keeps a Gram matrix solvable without moving its solution visibly. */
function ridge(gram: Tensor, c: number): Tensor {
  const k = gram.shape[0];
  let tr = 0;
  for (let i = 0; i < k; i++) tr += gram.data[i * k + i];
  const eps = c * (tr / k > 0 ? tr / k : 1);
  const out = gram.clone();
  for (let i = 0; i < k; i++) out.data[i * k + i] += eps;
  return out;
}

/**
 * The task-unaware initial factorisation of spec §3: `D = U_k` from the SVD of W and
 * `S̃ = U_kᵀ W`, then `rounds` of alternating minimisation of `‖W − D S‖²_F`: the S-step
 * `S = Π((DᵀD)⁻¹DᵀW)` (least squares per column, then projection; a 1e-12 relative ridge keeps
 * DᵀD solvable) and the D-step `D = W Sᵀ (S Sᵀ + εI)⁻¹`, `ε = epsilon·trace(S Sᵀ)/k`.
 * For `"rows"` the same runs on Wᵀ. Computed in f64, returned in W's dtype.
 *
 * @throws {RangeError} for a k that is not a positive multiple of M, a bad N:M, `k > m`,
 * rounds not an integer ≥ 0, or a non-finite W.
 *
 * @example
 * ```ts
 * import { randn } from "../../ops/random.ts";
 * import { dsformerInit } from "./dsformer.ts";
 * const f = dsformerInit(randn([8, 12], { seed: 0 }), { k: 4, keep: 2, group: 4 });
 * console.log(f.d.shape, f.s.shape); // [8, 4] [4, 12]
 * ```
 */
export function dsformerInit(w: Tensor, opts: DsformerInitOptions): DsformerFactors {
  checkOptions("dsformerInit", opts, { ...SHAPE_KINDS, rounds: "integer", epsilon: "number" });
  if (!(w instanceof Tensor) || w.ndim !== 2) {
    throw new TypeError(
      `dsformerInit: w must be a matrix Tensor, got ${
        w instanceof Tensor ? shapeStr(w.shape) : typeof w
      }`,
    );
  }
  const { k, keep, group, convention } = shapeOf("dsformerInit", opts, w.shape[0], w.shape[1]);
  const rounds = opts.rounds ?? 5, epsilon = opts.epsilon ?? 1e-8;
  if (!Number.isInteger(rounds) || rounds < 0) {
    throw new RangeError(`dsformerInit: rounds must be an integer ≥ 0, got ${rounds}`);
  }
  if (!(epsilon >= 0)) throw new RangeError(`dsformerInit: epsilon must be ≥ 0, got ${epsilon}`);
  const w64 = w.dtype === "f64" ? w : astype(w, "f64");
  const target = convention === "columns" ? w64 : transpose(w64);
  const m = target.shape[0];
  const { u } = svd(target);
  const p = u.shape[1];
  // D = U_k; where k exceeds rank-side p, the extra basis columns start at unit vectors.
  const d0 = new Tensor(new Float64Array(m * k), [m, k]);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < k; j++) d0.data[i * k + j] = j < p ? u.data[i * p + j] : (i === j ? 1 : 0);
  }
  let d = d0;
  let s = nmProject(matmul(d, target, { transA: true }), keep, group);
  const errors: DsformerFactors["errors"] = [{ step: "svd", error: frobenius(target, d, s) }];
  for (let r = 0; r < rounds; r++) {
    const gram = ridge(matmul(d, d, { transA: true }), 1e-12);
    s = nmProject(solve(gram, matmul(d, target, { transA: true })), keep, group);
    errors.push({ step: "S", error: frobenius(target, d, s) });
    const sst = ridge(matmul(s, s, { transB: true }), epsilon);
    // D = W Sᵀ (S Sᵀ + εI)⁻¹, as the solve of the symmetric system (S Sᵀ + εI) Dᵀ = S Wᵀ.
    d = transpose(solve(sst, matmul(s, target, { transB: true })));
    errors.push({ step: "D", error: frobenius(target, d, s) });
  }
  const dt = w.dtype;
  return { d: astype(d, dt), s: astype(s, dt), errors };
}

/** `D Π(S̃)`, transposed for `"rows"`: the forward value of {@link dsformerWeight}. */
function product(d: Tensor, sp: Tensor, convention: DsformerConvention): Tensor {
  const ds = matmul(d, sp);
  return convention === "columns" ? ds : transpose(ds);
}

/**
 * The STF weight `Ŵ = D Π(S̃)` (spec §3, reading A), differentiable in `d` and the dense
 * latent `sLatent`: the gradient of D is `G_Ŵ Sᵀ` with `S = Π(S̃)`, and the gradient of S̃ is
 * the straight-through `Dᵀ G_Ŵ` at every position, masked ones included (Π acts as the
 * identity), so the sparsity pattern can change during training. For `"rows"`, `Ŵ = (D S)ᵀ`.
 *
 * @example
 * ```ts
 * import { eye, tensor } from "../../ops/tensor.ts";
 * import { dsformerWeight } from "./dsformer.ts";
 * const w = dsformerWeight(eye(2), tensor([[1, 2], [3, 4]]), { k: 2, keep: 1, group: 2 });
 * console.log(w.data); // Float64Array [0, 0, 3, 4]
 * ```
 */
export function dsformerWeight(d: Tensor, sLatent: Tensor, shape: DsformerShape): Tensor {
  checkOptions("dsformerWeight", shape, SHAPE_KINDS);
  if (
    !(d instanceof Tensor) || !(sLatent instanceof Tensor) || d.ndim !== 2 || sLatent.ndim !== 2
  ) {
    throw new TypeError("dsformerWeight: d and sLatent must be matrix Tensors");
  }
  const rows = shape.convention === "rows" ? sLatent.shape[1] : d.shape[0];
  const cols = shape.convention === "rows" ? d.shape[0] : sLatent.shape[1];
  const { k, keep, group, convention } = shapeOf("dsformerWeight", shape, rows, cols);
  if (d.shape[1] !== k || sLatent.shape[0] !== k) {
    throw new RangeError(
      `dsformerWeight: need d [.., ${k}] and sLatent [${k}, ..], got ${shapeStr(d.shape)} and ${
        shapeStr(sLatent.shape)
      }`,
    );
  }
  const sp = nmProject(sLatent, keep, group);
  const out = product(d, sp, convention);
  return record("dsformerWeight", out, [d, sLatent], (g, need) => {
    const gw = convention === "columns" ? g : transpose(g);
    return [
      need[0] ? matmul(gw, sp, { transB: true }) : null,
      need[1] ? matmul(d, gw, { transA: true }) : null,
    ];
  });
}

/** Parameter count of a factorisation (spec §3 "Params"). */
export interface DsformerSize {
  /** Dense values of D: `m·k`. */
  dense: number;
  /** Kept values of S: `N·(k/M)·n`. */
  sparse: number;
  /** Index storage: `(k/M)·n` groups × `log2 C(M, N)` bits. */
  indexBits: number;
  /** `dense + sparse + indexBits / valueBits`: the size in stored values (default 32-bit). */
  total: number;
}

/**
 * The size of the factorisation of a `rows × cols` W with `shape` (spec §3 "Params":
 * `m·k + nnz(S)`, plus `log2 C(M, N)` index bits per group), with index bits converted to
 * values at `valueBits` bits per value (default 32, f32 weights).
 *
 * @example
 * ```ts
 * import { dsformerSize } from "./dsformer.ts";
 * const s = dsformerSize(64, 64, { k: 16, keep: 2, group: 4 });
 * console.log(s.dense, s.sparse, s.indexBits.toFixed(1)); // 1024 512 661.8
 * ```
 */
export function dsformerSize(
  rows: number,
  cols: number,
  shape: DsformerShape,
  valueBits = 32,
): DsformerSize {
  checkOptions("dsformerSize", shape, SHAPE_KINDS);
  const { k, keep, group, convention } = shapeOf("dsformerSize", shape, rows, cols);
  const [m, n] = convention === "columns" ? [rows, cols] : [cols, rows];
  const groups = (k / group) * n;
  const dense = m * k, sparse = keep * groups, indexBits = groups * nmIndexBits(keep, group);
  return { dense, sparse, indexBits, total: dense + sparse + indexBits / valueBits };
}

/**
 * The largest k (a multiple of M, at most the basis side) whose {@link dsformerSize} total is
 * at most `budget` values; 0 if even k = M does not fit.
 *
 * @example
 * ```ts
 * import { dsformerKForBudget } from "./dsformer.ts";
 * console.log(dsformerKForBudget(64, 64, 64 * 64 / 2, { keep: 2, group: 4 })); // 20
 * ```
 */
export function dsformerKForBudget(
  rows: number,
  cols: number,
  budget: number,
  shape: Omit<DsformerShape, "k"> = {},
  valueBits = 32,
): number {
  const group = shape.group ?? 4;
  const side = (shape.convention ?? "columns") === "columns" ? rows : cols;
  let best = 0;
  for (let k = group; k <= side; k += group) {
    if (dsformerSize(rows, cols, { ...shape, k }, valueBits).total <= budget) best = k;
  }
  return best;
}
