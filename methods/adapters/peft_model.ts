/**
 * PEFT's daily workflow on any parameter tree of `ops/nn` (an MLP, the tiny Llama, a record of
 * `{ weight, bias }` layers): wrap by a {@link LoraConfig} (`getPeftModel`), train only the
 * adapter (`trainableParameters`, the tree an optimizer takes), evaluate with the adapted
 * weights (`weights`), keep several named adapters (`addAdapter`, `setAdapter`,
 * `disableAdapter`, `deleteAdapter`, `addWeightedAdapter`), merge (`mergeAndUnload`) and save
 * PEFT files (`save`, `loadAdapter`). Names and semantics follow peft's `PeftModel` /
 * `LoraModel`; a (linear) module is every path `P` of the tree with a 2-D leaf `P.weight`
 * (`[out, in]`) whose last name is not an embedding table's (`embed_tokens`, `embed_in`,
 * `wte`, `wpe`, `word_embeddings`, `embeddings`; override with the `isLinear` option).
 *
 * Differences from PEFT, by design of a functional tree: the base tree is never modified
 * (trained biases and `modules_to_save` copies belong to the adapter), and `weights()` is the
 * evaluation form `W + ΔW` (no dropout); `lora_dropout` acts in `linearHook` (the Llama hook,
 * unmerged branch), the training form PEFT uses.
 *
 * @module
 */
import { add, div, linear, mul, reshape } from "../../ops/autograd/ops.ts";
import { treeLeaves, type TreeLike, treeMap } from "../../ops/autograd/tree.ts";
import type { LinearHook } from "../../ops/nn/llama.ts";
import type { Rng } from "../../ops/random.ts";
import { astype, type Tensor, zeros } from "../../ops/tensor.ts";
import { doraMerged, doraRowNorms, doraWeight } from "./dora.ts";
import { lora, loraApply, loraFromFactors } from "./lora.ts";
import { withShape } from "./lora_conv.ts";
import type { LoraConfig } from "./lora_config.ts";
import {
  adapterFiles,
  adapterFromFiles,
  buildAdapter,
  type PeftAdapterRecord,
  weightedAdapter,
} from "./peft_model_parts.ts";
import type { CombinationType, CombineOptions } from "./peft_weighted.ts";

const EMBEDDING = /^(?:embed_tokens|embed_in|wte|wpe|word_embeddings|embeddings)$/;

/** Options of {@link getPeftModel}. */
export interface PeftModelOptions {
  /** Name of the output layer that `"all-linear"` leaves out (default `"lm_head"`). */
  outputLayer?: string;
  /** Which modules (paths with a 2-D `.weight`) are linear layers (default: not embeddings). */
  isLinear?: (module: string) => boolean;
}

/**
 * A model wrapped with LoRA adapters; see the module doc. Build it with {@link getPeftModel}.
 *
 * @example
 * ```ts
 * import { initMlp } from "../../ops/nn/layers.ts";
 * import { getPeftModel } from "./peft_model.ts";
 * const model = getPeftModel(initMlp([4, 8, 2]), { r: 2, target_modules: ["layers.0"] });
 * console.log(model.printTrainableParameters());
 * // trainable params: 24 || all params: 82 || trainable%: 29.2683
 * ```
 */
export class PeftModel<T extends TreeLike> {
  /** The frozen base tree (never modified). */
  readonly base: T;
  readonly #leaves: Map<string, Tensor>;
  readonly #adapters = new Map<string, PeftAdapterRecord>();
  #active: string | null = null;
  readonly #outputLayer: string;
  readonly #isLinear: (module: string) => boolean;

  /** Use {@link getPeftModel}. */
  constructor(base: T, opts: PeftModelOptions = {}) {
    this.base = base;
    this.#leaves = new Map(treeLeaves(base, "PeftModel"));
    this.#outputLayer = opts.outputLayer ?? "lm_head";
    this.#isLinear = opts.isLinear ?? ((m) => !EMBEDDING.test(m.slice(m.lastIndexOf(".") + 1)));
  }

  /**
   * Dotted paths of the adaptable modules: linear layers (2-D `P.weight`, not embeddings) and
   * 2-D convolutions (4-D `P.weight`, `[out, in, kh, kw]`; PEFT's `lora.Conv2d`, not matched by
   * `"all-linear"`).
   */
  modules(): string[] {
    return [...this.#leaves].filter(([p, t]) =>
      p.endsWith(".weight") && (t.ndim === 2 || t.ndim === 4)
    )
      .map(([p]) => p.slice(0, -".weight".length))
      .filter((m) => this.#leaves.get(`${m}.weight`)!.ndim === 4 || this.#isLinear(m));
  }

  /** The active adapter's name, or null while adapters are disabled. */
  get activeAdapter(): string | null {
    return this.#active;
  }

  /** Names of the adapters, in insertion order. */
  adapterNames(): string[] {
    return [...this.#adapters.keys()];
  }

  #get(name: string): PeftAdapterRecord {
    const a = this.#adapters.get(name);
    if (a === undefined) {
      throw new RangeError(
        `PeftModel: no adapter "${name}" (have: ${this.adapterNames().join(", ")})`,
      );
    }
    return a;
  }

  /** The modules an adapter adapts (default: the active one). */
  targetModules(name?: string): string[] {
    return [...this.#get(name ?? this.#requireActive()).loras.keys()];
  }

  #requireActive(): string {
    if (this.#active === null) throw new RangeError("PeftModel: adapters are disabled");
    return this.#active;
  }

  /**
   * Adds an adapter built from `config` (PEFT `add_adapter`); the first one becomes active.
   * A config that matches no module is an error (PEFT: "Target modules … not found").
   */
  addAdapter(name: string, config: LoraConfig, opts: { seed?: number } = {}): void {
    if (this.#adapters.has(name)) throw new RangeError(`addAdapter: adapter "${name}" exists`);
    const ad = buildAdapter(this.#leaves, this.modules(), config, this.#outputLayer, opts.seed);
    this.#adapters.set(name, ad);
    if (this.#active === null && this.#adapters.size === 1) this.#active = name;
  }

  /** Makes `name` the active adapter (PEFT `set_adapter`). */
  setAdapter(name: string): void {
    this.#get(name);
    this.#active = name;
  }

  /** Runs `fn` with adapters disabled (the base model) and restores the active one after. */
  disableAdapter<R>(fn: () => R): R {
    const keep = this.#active;
    this.#active = null;
    try {
      return fn();
    } finally {
      this.#active = keep;
    }
  }

  /** Deletes an adapter; deleting the active one leaves adapters disabled. */
  deleteAdapter(name: string): void {
    this.#get(name);
    this.#adapters.delete(name);
    if (this.#active === name) this.#active = null;
  }

  /**
   * PEFT's `add_weighted_adapter`: a new adapter `name` combining `adapters` with `weights`
   * by `combinationType` (`"svd"` default as PEFT, `"cat"`, `"linear"`, `"ties"`,
   * `"dare_linear"`, `"dare_ties"`, `"magnitude_prune"`; see `peft_weighted.ts`). Its scale is 1 (`lora_alpha = r`); DoRA adapters and adapters with
   * trained biases or `modules_to_save` are not combined (PEFT neither).
   */
  addWeightedAdapter(
    adapters: string[],
    weights: number[],
    name: string,
    combinationType: CombinationType = "svd",
    opts: CombineOptions = {},
  ): void {
    if (adapters.length !== weights.length || adapters.length === 0) {
      throw new RangeError(
        `addWeightedAdapter: ${weights.length} weights for ${adapters.length} adapters`,
      );
    }
    if (this.#adapters.has(name)) throw new RangeError(`addWeightedAdapter: "${name}" exists`);
    const ads = adapters.map((a) => this.#get(a));
    this.#adapters.set(
      name,
      weightedAdapter(ads, adapters, weights, combinationType, opts, this.#leaves),
    );
  }

  /**
   * The active adapter's trainable tensors, the tree to give an optimizer (updated in place):
   * `<module>.lora_A`, `<module>.lora_B`, `<module>.lora_magnitude_vector` (DoRA) and the
   * trained full copies by their base path. Empty while adapters are disabled.
   */
  trainableParameters(): Record<string, Tensor> {
    if (this.#active === null) return {};
    const ad = this.#get(this.#active);
    const out: Record<string, Tensor> = {};
    for (const [m, s] of ad.loras) {
      out[`${m}.lora_A`] = s.params.a;
      out[`${m}.lora_B`] = s.params.b;
      const mag = ad.magnitudes.get(m);
      if (mag) out[`${m}.lora_magnitude_vector`] = mag;
    }
    for (const [p, t] of ad.saved) out[p] = t;
    return out;
  }

  /**
   * Every parameter with PEFT's name and whether it trains (`requires_grad`): the base tree's
   * leaves (`base_model.model.<path>`, frozen; trained copies as
   * `….modules_to_save.<adapter>.…`) and each adapter's (`….lora_A.<adapter>.weight`, …); only
   * the active adapter's train.
   */
  namedParameters(): { name: string; tensor: Tensor; trainable: boolean }[] {
    const out = [...this.#leaves].map(([p, t]) => ({
      name: `base_model.model.${p}`,
      tensor: t,
      trainable: false,
    }));
    for (const [an, ad] of this.#adapters) {
      const on = an === this.#active;
      for (const [m, s] of ad.loras) {
        out.push({
          name: `base_model.model.${m}.lora_A.${an}.weight`,
          tensor: s.params.a,
          trainable: on,
        });
        out.push({
          name: `base_model.model.${m}.lora_B.${an}.weight`,
          tensor: s.params.b,
          trainable: on,
        });
        const mag = ad.magnitudes.get(m);
        if (mag) {
          out.push({
            name: `base_model.model.${m}.lora_magnitude_vector.${an}`,
            tensor: mag,
            trainable: on,
          });
        }
      }
      for (const [p, t] of ad.saved) {
        out.push({ name: `base_model.model.${p}.modules_to_save.${an}`, tensor: t, trainable: on });
      }
    }
    return out;
  }

  /** PEFT's `print_trainable_parameters` line (returned; print it yourself). */
  printTrainableParameters(): string {
    let all = 0, trainable = 0;
    for (const p of this.namedParameters()) {
      all += p.tensor.size;
      if (p.trainable) trainable += p.tensor.size;
    }
    const fmt = (n: number): string => n.toLocaleString("en-US");
    return `trainable params: ${fmt(trainable)} || all params: ${fmt(all)} || trainable%: ${
      (100 * trainable / all).toFixed(4)
    }`;
  }

  /**
   * The tree with the active adapter applied (evaluation form): `W + s·BA` (DoRA:
   * `m ⊙ (W + s·BA)/‖·‖`, norm detached) for adapted modules, trained copies in place of their
   * base tensors; the base tree itself while disabled. Differentiable in `params` (same keys
   * as {@link trainableParameters}, default the current tensors).
   */
  weights(params?: Record<string, Tensor>): T {
    if (this.#active === null) return this.base;
    const ad = this.#get(this.#active);
    const p = params ?? this.trainableParameters();
    return treeMap(this.base, (leaf, path) => {
      if (p[path] !== undefined) return p[path];
      const m = path.slice(0, -".weight".length);
      const s = path.endsWith(".weight") ? ad.loras.get(m) : undefined;
      if (s === undefined) return leaf;
      const st = { ...s, params: { a: p[`${m}.lora_A`], b: p[`${m}.lora_B`] } };
      const d = leaf.ndim === 4 ? reshape(lora.delta(st), [...leaf.shape]) : lora.delta(st);
      const mag = p[`${m}.lora_magnitude_vector`];
      return mag === undefined ? add(leaf, d) : doraWeight(leaf, d, mag);
    });
  }

  /**
   * A Llama `linear` hook (unmerged branch, the training form): `x Wᵀ + s·B A dropout(x)`
   * (DoRA: `(m/‖W + s·BA‖) ⊙ (x Wᵀ + s·B A dropout(x))`, norm detached, PEFT's DoRA forward).
   * Dropout (`lora_dropout`) acts only with `opts.rng` (training). `opts.params` (keys of
   * {@link trainableParameters}) are the tensors to differentiate, default the current ones.
   */
  linearHook(opts: { rng?: Rng; params?: Record<string, Tensor> } = {}): LinearHook {
    const ad = this.#get(this.#requireActive());
    if (ad.saved.size > 0) {
      throw new RangeError("linearHook: trained biases / modules_to_save need weights() instead");
    }
    const p = ad.config.lora_dropout as number;
    const params = opts.params ?? this.trainableParameters();
    return (module, x, w) => {
      const base = linear(x, w);
      const s0 = ad.loras.get(module);
      if (s0 === undefined) return base;
      const s = { ...s0, params: { a: params[`${module}.lora_A`], b: params[`${module}.lora_B`] } };
      let xin = x;
      if (opts.rng !== undefined && p > 0) {
        const keep = zeros([...x.shape], { dtype: x.dtype });
        for (let i = 0; i < keep.size; i++) keep.data[i] = opts.rng.uniform() < p ? 0 : 1 / (1 - p);
        xin = mul(x, keep);
      }
      const y = add(base, loraApply(s, xin));
      const mag = params[`${module}.lora_magnitude_vector`];
      if (mag === undefined) return y;
      const norms = doraRowNorms(add(w, lora.delta(s))); // detached: plain data
      const [out] = w.shape;
      return mul(y, div(reshape(mag, [1, out]), reshape(astype(norms, w.dtype), [1, out])));
    };
  }

  /**
   * The base tree with the active adapter merged (PEFT `merge_and_unload`): float64 sum, one
   * rounding to each weight's dtype; trained copies replace their base tensors.
   */
  mergeAndUnload(): T {
    const ad = this.#get(this.#requireActive());
    return treeMap(this.base, (leaf, path) => {
      const saved = ad.saved.get(path);
      if (saved) return saved.clone();
      const m = path.slice(0, -".weight".length);
      const s = path.endsWith(".weight") ? ad.loras.get(m) : undefined;
      if (s === undefined) return leaf;
      const d2 = lora.delta(
        loraFromFactors(astype(s.params.a, "f64"), astype(s.params.b, "f64"), s),
      );
      const d = leaf.ndim === 4 ? withShape(d2, leaf.shape) : d2;
      const mag = ad.magnitudes.get(m);
      const w64 = astype(leaf, "f64");
      const merged = mag ? doraMerged(w64, d, mag) : add(w64, d);
      return astype(merged, leaf.dtype);
    });
  }

  /** PEFT files (`adapter_config.json` text, `adapter_model.safetensors` bytes) of an adapter. */
  save(name?: string): { config: string; weights: Uint8Array } {
    return adapterFiles(this.#get(name ?? this.#requireActive()));
  }

  /** Loads PEFT files as adapter `name` (PEFT `load_adapter`); every module must exist here. */
  loadAdapter(config: string | Record<string, unknown>, weights: Uint8Array, name: string): void {
    if (this.#adapters.has(name)) throw new RangeError(`loadAdapter: adapter "${name}" exists`);
    const ad = adapterFromFiles(config, weights, this.#leaves);
    this.#adapters.set(name, ad);
    if (this.#active === null && this.#adapters.size === 1) this.#active = name;
  }
}

/**
 * Wraps a parameter tree with a LoRA adapter named `adapterName` (default `"default"`), as
 * PEFT's `get_peft_model(model, config)`.
 *
 * @example
 * ```ts
 * import { initMlp } from "../../ops/nn/layers.ts";
 * import { getPeftModel } from "./peft_model.ts";
 * const model = getPeftModel(initMlp([4, 8, 2]), { r: 2, target_modules: "all-linear" });
 * console.log(model.targetModules()); // ["layers.0", "layers.1"]
 * ```
 */
export function getPeftModel<T extends TreeLike>(
  base: T,
  config: LoraConfig,
  opts: PeftModelOptions & { adapterName?: string; seed?: number } = {},
): PeftModel<T> {
  const model = new PeftModel(base, { outputLayer: opts.outputLayer, isLinear: opts.isLinear });
  model.addAdapter(opts.adapterName ?? "default", config, { seed: opts.seed });
  return model;
}
