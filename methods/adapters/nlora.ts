/**
 * SLoRA, NLoRA and IntTune — Nyström-initiated low-rank adaptation (Guo, Chang & Wu, EMNLP
 * Findings 2025). Spec: `specs/adapters.md` §7.
 *
 * `ΔW = s·B N A` with an `r × r` middle matrix N. SLoRA initializes `A, N` Kaiming-uniform and
 * `B = 0`; NLoRA initializes Nyström-style from `C = W[:, :r]`, `R = W[:r, :]`, `M = W[:r, :r]`:
 * `B ← C`, `A ← R` and, by default (`"nystrom_pinv_residual"`), `N ← M⁺` with the base replaced
 * by `W − s·C M⁺ R` (function preserving); `"nystrom_code"` copies `N ← M` and leaves W as is
 * (the released code). IntTune is NLoRA with `A`, `B` frozen: only N trains.
 *
 * @module
 */
import { scale } from "../../ops/autograd/ops_arith.ts";
import { matmul } from "../../ops/autograd/ops_matmul.ts";
import { sub } from "../../ops/elementwise.ts";
import { pinv } from "../../ops/linalg/pinv.ts";
import type { Rng } from "../../ops/random.ts";
import { sliceCols, sliceRows } from "../../ops/shape.ts";
import { assertFinite, assertMatrix, astype, type Tensor, zeros } from "../../ops/tensor.ts";
import { type AdapterMethod, type AdapterState, countParams, positiveInt } from "./adapter.ts";
import { loraFromFactors, loraScale, type LoraState } from "./lora.ts";

/**
 * Initialization modes.
 *
 * @example
 * ```ts
 * import type { NloraInit } from "./nlora.ts";
 * const init: NloraInit = "nystrom_pinv_residual";
 * console.log(init.startsWith("nystrom")); // true
 * ```
 */
export type NloraInit = "kaiming" | "nystrom_pinv_residual" | "nystrom_code";

/** Options shared by {@link slora}, {@link nlora} and {@link intTune}. */
export interface NloraOptions {
  /** Rank r (≤ min(out, in) for the Nyström inits). */
  r: number;
  /** Scale numerator α (default r). */
  alpha?: number;
  /** rsLoRA scaling (default false). */
  useRslora?: boolean;
  /** Nyström mode of NLoRA/IntTune (default `"nystrom_pinv_residual"`). */
  mode?: "nystrom_pinv_residual" | "nystrom_code";
  /** Relative singular-value cutoff of M⁺ (default 1e-6). */
  rcond?: number;
}

/** Trainable (or, for IntTune, partly frozen) factors. */
export interface NloraParams extends Record<string, Tensor> {
  /** A (`r × in`). */
  a: Tensor;
  /** N (`r × r`). */
  n: Tensor;
  /** B (`out × r`). */
  b: Tensor;
}

/** State of an SLoRA/NLoRA/IntTune adapter. */
export interface NloraState extends AdapterState<NloraParams> {
  /** Initialization used. */
  readonly init: NloraInit;
  /** Whether only N trains (IntTune). */
  readonly onlyN: boolean;
  /** Branch scale s. */
  readonly scale: number;
  /** The base the update is added to (the residual in `nystrom_pinv_residual` mode). */
  readonly base: Tensor;
}

function kaimingInit(w: Tensor, r: number, rng: Rng): NloraParams {
  const [out, inp] = w.shape;
  const a = zeros([r, inp], { dtype: w.dtype }), n = zeros([r, r], { dtype: w.dtype });
  for (let i = 0; i < a.size; i++) {
    a.data[i] = rng.uniformIn(-1 / Math.sqrt(inp), 1 / Math.sqrt(inp));
  }
  for (let i = 0; i < n.size; i++) n.data[i] = rng.uniformIn(-1 / Math.sqrt(r), 1 / Math.sqrt(r));
  return { a, n, b: zeros([out, r], { dtype: w.dtype }) };
}

function build(
  w: Tensor,
  opts: NloraOptions,
  rng: Rng,
  init: NloraInit,
  onlyN: boolean,
  fn: string,
): NloraState {
  const [out, inp] = assertMatrix(fn, "w", w);
  assertFinite(fn, "w", w);
  const r = positiveInt(fn, "r", opts.r);
  const s = loraScale(opts.alpha ?? r, r, opts.useRslora);
  const common = { method: fn.split(".")[0], shape: [out, inp], init, onlyN, scale: s };
  if (init === "kaiming") return { ...common, params: kaimingInit(w, r, rng), base: w };
  if (r > Math.min(out, inp)) {
    throw new RangeError(`${fn}: r = ${r} exceeds min(out, in) = ${Math.min(out, inp)}`);
  }
  const c = sliceCols(w, 0, r), rr = sliceRows(w, 0, r), m = sliceCols(sliceRows(w, 0, r), 0, r);
  const nMat = init === "nystrom_code" ? m : pinv(m, { rcond: opts.rcond ?? 1e-6 });
  const params: NloraParams = { a: rr, n: nMat, b: c };
  const st: NloraState = { ...common, params, base: w };
  if (init === "nystrom_code") return st;
  const residual = sub(astype(w, "f64"), astype(nloraDelta(st), "f64"));
  return { ...st, base: astype(residual, w.dtype) };
}

function nloraDelta(s: NloraState): Tensor {
  const { a, n, b } = s.params;
  return scale(matmul(matmul(b, n), a), s.scale);
}

function methodOf(
  name: string,
  init: (o: NloraOptions) => NloraInit,
  onlyN: boolean,
): AdapterMethod<NloraOptions, NloraState> {
  return {
    name,
    init: (w: Tensor, opts: NloraOptions, rng: Rng): NloraState => {
      const mode = init(opts);
      if (mode !== "kaiming" && mode !== "nystrom_pinv_residual" && mode !== "nystrom_code") {
        throw new RangeError(`${name}.init: unknown mode ${JSON.stringify(mode)}`);
      }
      return build(w, opts, rng, mode, onlyN, `${name}.init`);
    },
    delta: nloraDelta,
    trainable: (s: NloraState): Record<string, Tensor> => s.onlyN ? { n: s.params.n } : s.params,
    paramCount: (s: NloraState): number => countParams(s.onlyN ? { n: s.params.n } : s.params),
  };
}

/**
 * SLoRA (spec §7): `ΔW = s·B N A`, A and N Kaiming-uniform, B = 0 (ΔW = 0 at init).
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { slora } from "./nlora.ts";
 * const st = slora.init(randn([6, 5], { seed: 0 }), { r: 2 }, new Rng(0));
 * console.log(slora.paramCount(st)); // 26
 * ```
 */
export const slora: AdapterMethod<NloraOptions, NloraState> = methodOf(
  "slora",
  () => "kaiming",
  false,
);

/**
 * NLoRA (spec §7): Nyström init from the first r rows/columns of W.
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { nlora } from "./nlora.ts";
 * import { merge } from "./adapter.ts";
 * const w = randn([6, 5], { seed: 0 });
 * const st = nlora.init(w, { r: 2 }, new Rng(0));
 * console.log(Math.abs(merge(st.base, nlora, st).data[9] - w.data[9]) < 1e-12); // true
 * ```
 */
export const nlora: AdapterMethod<NloraOptions, NloraState> = methodOf(
  "nlora",
  (o) => o.mode ?? "nystrom_pinv_residual",
  false,
);

/**
 * IntTune (spec §7): NLoRA's init with A and B frozen; only the `r × r` matrix N trains.
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { intTune } from "./nlora.ts";
 * const st = intTune.init(randn([6, 5], { seed: 0 }), { r: 2 }, new Rng(0));
 * console.log(intTune.paramCount(st), Object.keys(intTune.trainable(st))); // 4 ["n"]
 * ```
 */
export const intTune: AdapterMethod<NloraOptions, NloraState> = methodOf(
  "inttune",
  (o) => o.mode ?? "nystrom_pinv_residual",
  true,
);

/**
 * Trainable count: `r(in + out) + r²` (SLoRA/NLoRA) or `r²` (IntTune).
 *
 * @example
 * ```ts
 * import { nloraParamCount } from "./nlora.ts";
 * console.log(nloraParamCount(4096, 4096, 128), nloraParamCount(4096, 4096, 128, true)); // 1064960 16384
 * ```
 */
export function nloraParamCount(out: number, inp: number, r: number, onlyN = false): number {
  positiveInt("nloraParamCount", "out", out);
  positiveInt("nloraParamCount", "inp", inp);
  positiveInt("nloraParamCount", "r", r);
  return onlyN ? r * r : r * (inp + out) + r * r;
}

/**
 * Exact export to a plain LoRA by folding N into A: `lora_A = N A`, `lora_B = B`, same r and s.
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { nlora, nloraToLora } from "./nlora.ts";
 * const st = nlora.init(randn([6, 5], { seed: 0 }), { r: 2, alpha: 4 }, new Rng(0));
 * console.log(nloraToLora(st).scale); // 2
 * ```
 */
export function nloraToLora(s: NloraState): LoraState {
  const r = s.params.n.shape[0];
  return loraFromFactors(matmul(s.params.n, s.params.a), s.params.b.clone(), {
    alpha: s.scale * r,
  });
}
