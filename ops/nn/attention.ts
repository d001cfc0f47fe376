/**
 * Multi-head causal self-attention with rotary position embedding (Vaswani et al. 2017; Su et
 * al. 2021), with grouped-query attention (Ainslie et al. 2023) when there are fewer key/value
 * heads than query heads. The computation follows transformers' `LlamaAttention` exactly, so
 * its weights load by name.
 *
 * @module
 */
import { Rng } from "../random.ts";
import { shapeStr, type Tensor } from "../tensor.ts";
import * as ad from "../autograd/ops.ts";
import { checkOptions } from "../options.ts";
import { applyLinear, initLinear, type LayerInitOptions, type LinearParams } from "./layers.ts";

/** The four projections of an attention block (weights `[out, in]`). */
export interface AttentionParams {
  /** Queries: `[nHeads·headDim, dim]`. */
  readonly q_proj: LinearParams;
  /** Keys: `[nKvHeads·headDim, dim]`. */
  readonly k_proj: LinearParams;
  /** Values: `[nKvHeads·headDim, dim]`. */
  readonly v_proj: LinearParams;
  /** Output: `[dim, nHeads·headDim]`. */
  readonly o_proj: LinearParams;
}

/** Shape options of an attention block. */
export interface AttentionOptions {
  /** Number of query heads. */
  nHeads: number;
  /** Number of key/value heads (default `nHeads`); must divide `nHeads`. */
  nKvHeads?: number;
  /** RoPE base (default 10000); `null` turns RoPE off. */
  ropeTheta?: number | null;
  /** Mask future positions (default true). */
  causal?: boolean;
}

/** Run-time kinds of {@link AttentionOptions} (`ropeTheta` is a number or null). */
const ATTENTION_OPTIONS = {
  nHeads: "number",
  nKvHeads: "number",
  ropeTheta: "any",
  causal: "boolean",
} as const;

function heads(fn: string, dim: number, o: AttentionOptions): [number, number, number] {
  const h = o.nHeads, kv = o.nKvHeads ?? o.nHeads;
  if (!Number.isInteger(h) || h < 1 || !Number.isInteger(kv) || kv < 1 || h % kv !== 0) {
    throw new RangeError(`${fn}: need nHeads a positive multiple of nKvHeads, got ${h}, ${kv}`);
  }
  if (dim % h !== 0) throw new RangeError(`${fn}: dim ${dim} is not divisible by nHeads ${h}`);
  return [h, kv, dim / h];
}

/**
 * Attention parameters for model width `dim`, PyTorch-style linear init, no biases unless
 * `bias: true`.
 *
 * @example
 * ```ts
 * import { initAttention } from "./attention.ts";
 * const p = initAttention(8, { nHeads: 2, nKvHeads: 1, seed: 0 });
 * console.log(p.k_proj.weight.shape); // [4, 8]
 * ```
 */
export function initAttention(
  dim: number,
  opts: AttentionOptions & LayerInitOptions & { bias?: boolean },
): AttentionParams {
  checkOptions("initAttention", opts, {
    ...ATTENTION_OPTIONS,
    seed: "number",
    rng: "object",
    dtype: "string",
    bias: "boolean",
  });
  const [h, kv, hd] = heads("initAttention", dim, opts);
  const rng = opts.rng ?? new Rng(opts.seed ?? 0);
  const o = { rng, dtype: opts.dtype, bias: opts.bias ?? false };
  return {
    q_proj: initLinear(dim, h * hd, o),
    k_proj: initLinear(dim, kv * hd, o),
    v_proj: initLinear(dim, kv * hd, o),
    o_proj: initLinear(h * hd, dim, o),
  };
}

/** `[B, T, n·hd]` → `[B, n, T, hd]`. */
function splitHeads(x: Tensor, n: number, hd: number): Tensor {
  const [b, t] = x.shape;
  return ad.transpose(ad.reshape(x, [b, t, n, hd]), [0, 2, 1, 3]);
}

/** Repeats each of the `kv` heads of `[B, kv, T, hd]` `rep` times (transformers' repeat_kv). */
function repeatKv(x: Tensor, rep: number): Tensor {
  if (rep === 1) return x;
  const kv = x.shape[1];
  const idx = Array.from({ length: kv * rep }, (_, i) => Math.floor(i / rep));
  const headsFirst = ad.transpose(x, [1, 0, 2, 3]);
  return ad.transpose(ad.gather(headsFirst, idx), [1, 0, 2, 3]);
}

/**
 * The attention core on projected inputs: `q` is `[B, T, nHeads·hd]`, `k` and `v` are
 * `[B, T, nKvHeads·hd]`. Applies RoPE to queries and keys, `softmax(QKᵀ/√hd + mask)·V` per
 * head, and merges the heads into `[B, T, nHeads·hd]` (before the output projection).
 * Differentiable. Split out so that callers can compute the projections themselves (adapters).
 *
 * @example
 * ```ts
 * import { randn } from "../random.ts";
 * import { attentionCore } from "./attention.ts";
 * const q = randn([1, 3, 4], { seed: 0 }), kv = randn([1, 3, 2], { seed: 1 });
 * console.log(attentionCore(q, kv, kv, { nHeads: 2, nKvHeads: 1 }).shape); // [1, 3, 4]
 * ```
 */
export function attentionCore(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions): Tensor {
  checkOptions("attentionCore", opts, ATTENTION_OPTIONS);
  if (
    opts.ropeTheta !== undefined && opts.ropeTheta !== null && typeof opts.ropeTheta !== "number"
  ) {
    throw new TypeError(
      `attentionCore: option ropeTheta must be a number or null, got ${opts.ropeTheta}`,
    );
  }
  for (const [name, t] of [["q", q], ["k", k], ["v", v]] as const) {
    if (t.ndim !== 3) {
      throw new RangeError(
        `attentionCore: ${name} must be [B, T, features], got ${shapeStr(t.shape)}`,
      );
    }
  }
  const [b, t] = q.shape;
  const [h, kv, hd] = heads("attentionCore", q.shape[2], opts);
  if (k.shape[2] !== kv * hd || v.shape[2] !== kv * hd || k.shape[1] !== t || v.shape[1] !== t) {
    throw new RangeError(
      `attentionCore: k ${shapeStr(k.shape)} and v ${shapeStr(v.shape)} do not match q ${
        shapeStr(q.shape)
      } with ${kv} kv heads`,
    );
  }
  const theta = opts.ropeTheta === undefined ? 10000 : opts.ropeTheta;
  let qh = splitHeads(q, h, hd), kh = splitHeads(k, kv, hd);
  const vh = repeatKv(splitHeads(v, kv, hd), h / kv);
  if (theta !== null) {
    qh = ad.rope(qh, { theta });
    kh = ad.rope(kh, { theta });
  }
  kh = repeatKv(kh, h / kv);
  // Scale and causal mask fused into the softmax: no [B, h, T, T] passes of their own.
  const scores = ad.matmul(qh, kh, { transB: true });
  const probs = ad.softmax(scores, { scale: 1 / Math.sqrt(hd), causal: opts.causal ?? true });
  const ctx = ad.matmul(probs, vh); // [B, h, T, hd]
  return ad.reshape(ad.transpose(ctx, [0, 2, 1, 3]), [b, t, h * hd]);
}

/**
 * Self-attention of `x` (`[T, dim]` or `[B, T, dim]`): project, apply RoPE to queries and
 * keys, `softmax(QKᵀ/√d + mask)·V` per head, merge heads, project out. Differentiable.
 *
 * @example
 * ```ts
 * import { randn } from "../random.ts";
 * import { applyAttention, initAttention } from "./attention.ts";
 * const p = initAttention(8, { nHeads: 2, seed: 0 });
 * console.log(applyAttention(p, randn([5, 8], { seed: 1 }), { nHeads: 2 }).shape); // [5, 8]
 * ```
 */
export function applyAttention(p: AttentionParams, x: Tensor, opts: AttentionOptions): Tensor {
  if (x.ndim !== 2 && x.ndim !== 3) {
    throw new RangeError(
      `applyAttention: x must be [T, dim] or [B, T, dim], got ${shapeStr(x.shape)}`,
    );
  }
  const x3 = x.ndim === 2 ? ad.reshape(x, [1, ...x.shape]) : x;
  const merged = attentionCore(
    applyLinear(p.q_proj, x3),
    applyLinear(p.k_proj, x3),
    applyLinear(p.v_proj, x3),
    opts,
  );
  const out = applyLinear(p.o_proj, merged);
  return x.ndim === 2 ? ad.reshape(out, [x.shape[0], out.shape[2]]) : out;
}
