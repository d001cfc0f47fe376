/**
 * DP-LoRA — differentially private federated low-rank adaptation (Liu et al., arXiv
 * 2312.17493). Spec: `specs/adapters.md` §12. The paper's exact algorithm is not pinned; this is
 * the standard DP-FedAvg-on-LoRA recipe the spec adopts: clients run DP-SGD (per-example
 * clipping to norm C, Gaussian noise `N(0, σ²C²)/batch`) on the LoRA factors of a frozen
 * model, the server averages the factors weighted by data size, and a Rényi-DP accountant
 * (Mironov, CSF 2017; sampled Gaussian: Mironov, Talwar & Zhang 2019, integer orders) reports
 * (ε, δ).
 *
 * @module
 */
import { Rng } from "../../ops/random.ts";
import { matmul } from "../../ops/matmul.ts";
import { assertMatrix, shapeStr, type Tensor, zeros } from "../../ops/tensor.ts";
import { lora, loraFromFactors, type LoraState } from "./lora.ts";
import { rdpEpsilon } from "./dp_accountant.ts";

/**
 * Joint ℓ2 clipping: scales all tensors by `min(1, C/‖g‖₂)` (copies); returns the clipped
 * tensors and the norm before clipping.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { clipByNorm } from "./dp_lora.ts";
 * const { clipped, norm } = clipByNorm([tensor([3]), tensor([4])], 2.5);
 * console.log(norm, clipped[0].data, clipped[1].data); // 5 Float64Array [1.5] Float64Array [2]
 * ```
 */
export function clipByNorm(
  grads: readonly Tensor[],
  clip: number,
): { clipped: Tensor[]; norm: number } {
  if (!(clip > 0)) throw new RangeError(`clipByNorm: clip must be > 0, got ${clip}`);
  let ss = 0;
  for (const g of grads) for (const v of g.data) ss += v * v;
  const norm = Math.sqrt(ss);
  const f = norm > clip ? clip / norm : 1;
  return { clipped: grads.map((g) => scaleCopy(g, f)), norm };
}

function scaleCopy(t: Tensor, f: number): Tensor {
  const c = t.clone();
  if (f !== 1) { for (let i = 0; i < c.size; i++) c.data[i] *= f; }
  return c;
}

/**
 * Server aggregation by data size: `A ← Σ p_k A_k`, `B ← Σ p_k B_k` with `p_k = n_k / Σ n_j`.
 * (Averaging factors is not averaging products; see {@link productAverage}.)
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { loraFromFactors } from "./lora.ts";
 * import { fedAvgFactors } from "./dp_lora.ts";
 * const s1 = loraFromFactors(tensor([[1, 0]]), tensor([[2]]));
 * const s2 = loraFromFactors(tensor([[3, 0]]), tensor([[4]]));
 * console.log(fedAvgFactors([s1, s2], [1, 3]).params.a.data); // Float64Array [2.5, 0]
 * ```
 */
export function fedAvgFactors(clients: readonly LoraState[], sizes: readonly number[]): LoraState {
  const p = dataWeights(clients.length, sizes);
  const a = zeros([...clients[0].params.a.shape], { dtype: clients[0].params.a.dtype });
  const b = zeros([...clients[0].params.b.shape], { dtype: clients[0].params.b.dtype });
  clients.forEach((c, k) => {
    for (let i = 0; i < a.size; i++) a.data[i] += p[k] * c.params.a.data[i];
    for (let i = 0; i < b.size; i++) b.data[i] += p[k] * c.params.b.data[i];
  });
  return loraFromFactors(a, b, { alpha: clients[0].alpha, useRslora: clients[0].useRslora });
}

/**
 * The data-weighted average of the clients' ΔW products, `Σ p_k s B_k A_k`: what factor
 * averaging would need to equal for FedAvg to be exact on ΔW.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { loraFromFactors } from "./lora.ts";
 * import { productAverage } from "./dp_lora.ts";
 * const s1 = loraFromFactors(tensor([[1]]), tensor([[1]])), s2 = loraFromFactors(tensor([[3]]), tensor([[3]]));
 * console.log(productAverage([s1, s2], [1, 1]).data); // Float64Array [5]
 * ```
 */
export function productAverage(clients: readonly LoraState[], sizes: readonly number[]): Tensor {
  const p = dataWeights(clients.length, sizes);
  const out = zeros([...clients[0].shape]);
  clients.forEach((c, k) => {
    const d = lora.delta(c);
    for (let i = 0; i < out.size; i++) out.data[i] += p[k] * d.data[i];
  });
  return out;
}

/**
 * Aggregation weights `p_k = n_k / Σ n_j` (they sum to 1).
 *
 * @example
 * ```ts
 * import { dataWeights } from "./dp_lora.ts";
 * console.log(dataWeights(2, [1, 3])); // [0.25, 0.75]
 * ```
 */
export function dataWeights(count: number, sizes: readonly number[]): number[] {
  if (count < 1 || sizes.length !== count) {
    throw new RangeError(`dataWeights: ${count} clients but ${sizes.length} sizes`);
  }
  if (!sizes.every((n) => Number.isFinite(n) && n > 0)) {
    throw new RangeError(`dataWeights: sizes must be positive, got [${sizes.join(", ")}]`);
  }
  const total = sizes.reduce((a, n) => a + n, 0);
  return sizes.map((n) => n / total);
}

/**
 * Bytes a client sends and receives per round for a LoRA on an `out × in` weight:
 * `2 · r (in + out) · bytes` (vs `2 · in · out · bytes` for full-weight FL).
 *
 * @example
 * ```ts
 * import { communicationBytes } from "./dp_lora.ts";
 * console.log(communicationBytes(4096, 4096, 8, 4)); // 524288
 * ```
 */
export function communicationBytes(out: number, inp: number, r: number, bytes = 4): number {
  return 2 * r * (inp + out) * bytes;
}

/** One client's regression data for {@link dpFedLora}: rows of `x` (`n × in`), `y` (`n × out`). */
export interface ClientData {
  /** Inputs. */
  x: Tensor;
  /** Targets. */
  y: Tensor;
}

/** Options of {@link dpFedLora}. */
export interface DpFedLoraOptions {
  /** LoRA rank. */
  r: number;
  /** LoRA α (default r). */
  alpha?: number;
  /** Communication rounds T. */
  rounds: number;
  /** Local DP-SGD steps per round E. */
  localSteps: number;
  /** Batch size per step. */
  batch: number;
  /** Learning rate. */
  lr: number;
  /** Per-example clipping norm C (Infinity: no clipping). */
  clip: number;
  /** Noise multiplier σ (0: no noise). */
  sigma: number;
  /** δ of the reported (ε, δ) (default 1e-5). */
  delta?: number;
  /** Seed (default 0). */
  seed?: number;
}

/** Result of {@link dpFedLora}. */
export interface DpFedLoraResult {
  /** The server's final adapter. */
  state: LoraState;
  /** Mean squared error over all clients' data after each round (index 0: before training). */
  loss: number[];
  /** Largest per-client ε at the given δ (per-example DP inside each client). */
  epsilon: number;
  /** Bytes exchanged per client per round. */
  bytesPerRound: number;
}

/**
 * Per-example gradients `[∂/∂A, ∂/∂B]` of `½‖x(W + sBA)ᵀ − y‖²` in closed form (`O(r(in + out))`
 * after the residual), as DP-SGD's per-example clipping needs.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { loraFromFactors } from "./lora.ts";
 * import { loraExampleGrads } from "./dp_lora.ts";
 * const st = loraFromFactors(tensor([[1, 0]]), tensor([[1]]));
 * const [ga, gb] = loraExampleGrads(tensor([[0, 0]]), st, new Float64Array([1, 2]), new Float64Array([0]));
 * console.log(ga.data, gb.data); // Float64Array [1, 2] Float64Array [1]
 * ```
 */
export function loraExampleGrads(
  w: Tensor,
  st: LoraState,
  x: Float64Array,
  y: Float64Array,
): [Tensor, Tensor] {
  const [out, inp] = w.shape, r = st.r, s = st.scale;
  const { a, b } = st.params;
  const ax = new Float64Array(r);
  for (let k = 0; k < r; k++) for (let j = 0; j < inp; j++) ax[k] += a.data[k * inp + j] * x[j];
  const e = new Float64Array(out);
  for (let i = 0; i < out; i++) {
    let v = -y[i];
    for (let j = 0; j < inp; j++) v += w.data[i * inp + j] * x[j];
    for (let k = 0; k < r; k++) v += s * b.data[i * r + k] * ax[k];
    e[i] = v;
  }
  const gb = zeros([out, r]), ga = zeros([r, inp]);
  const bte = new Float64Array(r);
  for (let i = 0; i < out; i++) {
    for (let k = 0; k < r; k++) {
      gb.data[i * r + k] = s * e[i] * ax[k];
      bte[k] += b.data[i * r + k] * e[i];
    }
  }
  for (let k = 0; k < r; k++) {
    for (let j = 0; j < inp; j++) ga.data[k * inp + j] = s * bte[k] * x[j];
  }
  return [ga, gb];
}

function mse(w: Tensor, st: LoraState, clients: readonly ClientData[]): number {
  let ss = 0, n = 0;
  const eff = w.clone();
  const d = lora.delta(st);
  for (let i = 0; i < eff.size; i++) eff.data[i] += d.data[i];
  for (const c of clients) {
    const pred = matmul(c.x, eff, { transB: true });
    for (let i = 0; i < pred.size; i++) ss += (pred.data[i] - c.y.data[i]) ** 2;
    n += pred.size;
  }
  return ss / n;
}

function localTraining(
  w: Tensor,
  start: LoraState,
  c: ClientData,
  o: DpFedLoraOptions,
  rng: Rng,
): LoraState {
  let st = start;
  const [n, inp] = c.x.shape, out = c.y.shape[1];
  for (let step = 0; step < o.localSteps; step++) {
    const idx = rng.choice(n, o.batch);
    const ga = zeros([...st.params.a.shape]), gb = zeros([...st.params.b.shape]);
    for (const i of idx) {
      const x = Float64Array.from(c.x.data.subarray(i * inp, i * inp + inp));
      const y = Float64Array.from(c.y.data.subarray(i * out, i * out + out));
      const g = loraExampleGrads(w, st, x, y);
      const { clipped } = Number.isFinite(o.clip) ? clipByNorm(g, o.clip) : { clipped: g };
      for (let j = 0; j < ga.size; j++) ga.data[j] += clipped[0].data[j];
      for (let j = 0; j < gb.size; j++) gb.data[j] += clipped[1].data[j];
    }
    const noise = o.sigma * (Number.isFinite(o.clip) ? o.clip : 0);
    const step_ = (p: Tensor, g: Tensor): Tensor => {
      const q = p.clone();
      for (let j = 0; j < q.size; j++) {
        const z = noise > 0 ? rng.normal(0, noise) : 0;
        q.data[j] -= o.lr * (g.data[j] + z) / o.batch;
      }
      return q;
    };
    st = { ...st, params: { a: step_(st.params.a, ga), b: step_(st.params.b, gb) } };
  }
  return st;
}

/**
 * Federated DP-LoRA simulation on a linear regression layer `y = x (W + sBA)ᵀ` (spec §12):
 * every round each client starts from the server adapter, runs `localSteps` DP-SGD steps
 * (batches drawn without replacement, q = batch/n_k — the usual approximation of Poisson
 * sampling), and the server averages the factors by data size. Noise needs a finite `clip`.
 *
 * @example
 * ```ts
 * import { randn } from "../../ops/random.ts";
 * import { matmul } from "../../ops/matmul.ts";
 * import { dpFedLora } from "./dp_lora.ts";
 * const w = randn([3, 4], { seed: 0 });
 * const x = randn([20, 4], { seed: 1 }), y = matmul(x, randn([3, 4], { seed: 2 }), { transB: true });
 * const res = dpFedLora(w, [{ x, y }], { r: 2, rounds: 2, localSteps: 2, batch: 5, lr: 0.1, clip: 1, sigma: 1 });
 * console.log(res.loss.length, res.epsilon > 0); // 3 true
 * ```
 */
export function dpFedLora(
  w: Tensor,
  clients: readonly ClientData[],
  o: DpFedLoraOptions,
): DpFedLoraResult {
  const [out, inp] = assertMatrix("dpFedLora", "w", w);
  if (clients.length === 0) throw new RangeError("dpFedLora: no clients");
  for (const [k, c] of clients.entries()) {
    if (c.x.shape[1] !== inp || c.y.shape[1] !== out || c.x.shape[0] !== c.y.shape[0]) {
      throw new RangeError(
        `dpFedLora: client ${k} has x ${shapeStr(c.x.shape)} and y ${
          shapeStr(c.y.shape)
        } for W ${out}x${inp}`,
      );
    }
    if (o.batch > c.x.shape[0]) {
      throw new RangeError(`dpFedLora: batch ${o.batch} > client ${k}'s ${c.x.shape[0]} rows`);
    }
  }
  if (o.sigma > 0 && !Number.isFinite(o.clip)) {
    throw new RangeError("dpFedLora: noise needs a finite clip norm (the sensitivity)");
  }
  const rng = new Rng(o.seed ?? 0);
  let server = lora.init(w, { r: o.r, alpha: o.alpha }, rng);
  const loss = [mse(w, server, clients)];
  const sizes = clients.map((c) => c.x.shape[0]);
  for (let t = 0; t < o.rounds; t++) {
    const locals = clients.map((c) => localTraining(w, server, c, o, rng));
    server = fedAvgFactors(locals, sizes);
    loss.push(mse(w, server, clients));
  }
  let epsilon = 0;
  if (o.sigma > 0) {
    for (const n of sizes) {
      const q = o.batch / n;
      const e = rdpEpsilon({
        q,
        sigma: o.sigma,
        steps: o.rounds * o.localSteps,
        delta: o.delta ?? 1e-5,
      });
      epsilon = Math.max(epsilon, e.epsilon);
    }
  } else {
    epsilon = Infinity;
  }
  return { state: server, loss, epsilon, bytesPerRound: communicationBytes(out, inp, o.r) };
}
