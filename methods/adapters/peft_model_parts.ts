/**
 * The adapters held by a `PeftModel` (`peft_model.ts`): building one from a `LoraConfig` over
 * the modules of a parameter tree, the weighted combination of several (PEFT's
 * `add_weighted_adapter`), and PEFT files in and out. Plain functions over an
 * {@link PeftAdapterRecord}; the class keeps which adapter is active.
 *
 * @module
 */
import { Rng } from "../../ops/random.ts";
import { astype, type Tensor } from "../../ops/tensor.ts";
import { doraRowNorms } from "./dora.ts";
import { lora, loraFromFactors, type LoraState } from "./lora.ts";
import { type LoraConfig, loraConfigToPeft } from "./lora_config.ts";
import { isTargetModule, moduleScale, type PeftConfig } from "./peft_config.ts";
import { type PeftLoraModule, readPeftLora, writePeftLora } from "./peft.ts";
import { asMatrix, isConvLora, withShape } from "./lora_conv.ts";
import { type CombinationType, combineLoras, type CombineOptions } from "./peft_weighted.ts";

/**
 * One named adapter of a model: its PEFT config, the LoRA state per module, DoRA magnitudes
 * and trained copies of base tensors (biases, `modules_to_save`) by tree path.
 *
 * @example
 * ```ts
 * import { initMlp } from "../../ops/nn/layers.ts";
 * import { treeLeaves } from "../../ops/autograd/tree.ts";
 * import { buildAdapter, type PeftAdapterRecord } from "./peft_model_parts.ts";
 * const leaves = new Map(treeLeaves(initMlp([3, 4, 2])));
 * const ad: PeftAdapterRecord = buildAdapter(leaves, ["layers.0", "layers.1"], { r: 1, target_modules: ["layers.1"] });
 * console.log([...ad.loras.keys()]); // ["layers.1"]
 * ```
 */
export interface PeftAdapterRecord {
  /** The adapter's `adapter_config.json` content. */
  config: PeftConfig;
  /** LoRA state per adapted module. */
  loras: Map<string, LoraState>;
  /** DoRA magnitude per module (`use_dora`). */
  magnitudes: Map<string, Tensor>;
  /** Trained copies of base tensors by tree path. */
  saved: Map<string, Tensor>;
  /** Kernel shape `[out, in, kh, kw]` of each adapted Conv2d module (absent: all linear). */
  kernels?: Map<string, number[]>;
}

function matchesModule(names: unknown, module: string): boolean {
  return Array.isArray(names) && names.some((m) => module === m || module.endsWith(`.${m}`));
}

function isUnder(modules: unknown, path: string): boolean {
  const parts = path.split(".");
  for (let i = parts.length - 1; i > 0; i--) {
    if (matchesModule(modules, parts.slice(0, i).join("."))) return true;
  }
  return false;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function initLora(w: Tensor, r: number, alpha: number, cfg: PeftConfig, rng: Rng): LoraState {
  const init = cfg.init_lora_weights;
  const st = lora.init(w, {
    r,
    alpha,
    useRslora: cfg.use_rslora === true,
    init: init === "gaussian" ? "gaussian" : "kaiming",
  }, rng);
  if (init !== false) return st;
  // PEFT's init_lora_weights=False: B keeps nn.Linear's default init too, U(−1/√r, 1/√r).
  const b = st.params.b;
  for (let i = 0; i < b.size; i++) b.data[i] = rng.uniformIn(-1 / Math.sqrt(r), 1 / Math.sqrt(r));
  return st;
}

/**
 * A fresh adapter for `config` over the linear `modules` of a tree (`leaves` by path): LoRA
 * per targeted module (PEFT's init), DoRA magnitudes `‖W‖` per row, copies of the biases
 * (`bias`) and `modules_to_save` tensors. No matching module is an error.
 *
 * @example
 * ```ts
 * import { initMlp } from "../../ops/nn/layers.ts";
 * import { treeLeaves } from "../../ops/autograd/tree.ts";
 * import { buildAdapter } from "./peft_model_parts.ts";
 * const leaves = new Map(treeLeaves(initMlp([3, 4, 2])));
 * const ad = buildAdapter(leaves, ["layers.0", "layers.1"], { r: 1, target_modules: "all-linear", bias: "all" });
 * console.log([...ad.saved.keys()]); // ["layers.0.bias", "layers.1.bias"]
 * ```
 */
export function buildAdapter(
  leaves: ReadonlyMap<string, Tensor>,
  modules: readonly string[],
  config: LoraConfig,
  outputLayer = "lm_head",
  seed = 0,
): PeftAdapterRecord {
  const cfg = loraConfigToPeft(config);
  const rng = new Rng(seed);
  const ad: PeftAdapterRecord = {
    config: cfg,
    loras: new Map(),
    magnitudes: new Map(),
    saved: new Map(),
  };
  const allLinear = typeof cfg.target_modules === "string" &&
    cfg.target_modules.toLowerCase() === "all-linear";
  for (const m of modules) {
    if (!isTargetModule(cfg, m, { outputLayer })) continue;
    const w = leaves.get(`${m}.weight`)!;
    if (w.ndim === 4 && allLinear) continue; // PEFT's all-linear: Linear / Conv1D only
    if (w.ndim === 4 && cfg.use_dora === true) {
      throw new RangeError(`addAdapter: "${m}" is a Conv2d; DoRA on convolutions is not supported`);
    }
    const { r, alpha } = moduleScale(cfg, m);
    // A convolution adapts its flattened kernel [out, in·kh·kw] (PEFT's lora.Conv2d).
    ad.loras.set(m, initLora(w.ndim === 4 ? asMatrix(w) : w, r, alpha, cfg, rng));
    if (w.ndim === 4) (ad.kernels ??= new Map()).set(m, [...w.shape]);
    if (cfg.use_dora === true) ad.magnitudes.set(m, astype(doraRowNorms(w), w.dtype));
  }
  if (ad.loras.size === 0) {
    throw new RangeError(
      `addAdapter: target_modules ${JSON.stringify(cfg.target_modules)} match no module ` +
        `(modules: ${modules.join(", ")})`,
    );
  }
  for (const [path, t] of leaves) {
    const module = path.slice(0, path.lastIndexOf("."));
    const bias = path.endsWith(".bias") &&
      (cfg.bias === "all" || (cfg.bias === "lora_only" && ad.loras.has(module)));
    if (bias || isUnder(cfg.modules_to_save, path)) ad.saved.set(path, t.clone());
  }
  return ad;
}

/**
 * PEFT's `add_weighted_adapter` over adapter records (`names` for the messages): per module,
 * {@link combineLoras} of the adapters that adapt it; scale 1 (`lora_alpha = r`, per-module
 * ranks in `rank_pattern`). DoRA adapters and adapters with trained full tensors are refused.
 *
 * @example
 * ```ts
 * import { initMlp } from "../../ops/nn/layers.ts";
 * import { treeLeaves } from "../../ops/autograd/tree.ts";
 * import { buildAdapter, weightedAdapter } from "./peft_model_parts.ts";
 * const leaves = new Map(treeLeaves(initMlp([3, 4, 2])));
 * const a = buildAdapter(leaves, ["layers.0"], { r: 1, target_modules: ["layers.0"] });
 * const b = buildAdapter(leaves, ["layers.0"], { r: 2, target_modules: ["layers.0"] }, "lm_head", 1);
 * console.log(weightedAdapter([a, b], ["a", "b"], [1, 1], "cat", {}, leaves).config.r); // 3
 * ```
 */
export function weightedAdapter(
  ads: readonly PeftAdapterRecord[],
  names: readonly string[],
  weights: readonly number[],
  type: CombinationType,
  opts: CombineOptions,
  leaves: ReadonlyMap<string, Tensor>,
): PeftAdapterRecord {
  ads.forEach((a, i) => {
    if (a.magnitudes.size > 0 || a.saved.size > 0) {
      throw new RangeError(
        `addWeightedAdapter: "${names[i]}" has DoRA magnitudes or trained full tensors`,
      );
    }
  });
  const modules = [...new Set(ads.flatMap((a) => [...a.loras.keys()]))];
  const loras = new Map<string, LoraState>();
  for (const m of modules) {
    const idx = ads.flatMap((a, i) => (a.loras.has(m) ? [i] : []));
    const st = combineLoras(
      idx.map((i) => ads[i].loras.get(m)!),
      idx.map((i) => weights[i]),
      type,
      opts,
    );
    const w = leaves.get(`${m}.weight`)!;
    const a = astype(st.params.a, w.dtype), b = astype(st.params.b, w.dtype);
    loras.set(m, loraFromFactors(a, b, { alpha: st.alpha }));
  }
  const rs = [...loras.values()].map((s) => s.r);
  const rankPattern: Record<string, number> = {};
  for (const [m, s] of loras) if (s.r !== rs[0]) rankPattern[escape(m)] = s.r;
  const config = {
    ...ads[0].config,
    r: rs[0],
    lora_alpha: rs[0],
    use_rslora: false,
    rank_pattern: rankPattern,
    alpha_pattern: { ...rankPattern },
    target_modules: modules,
  } as PeftConfig;
  const kernels = new Map(ads.flatMap((x) => [...(x.kernels ?? new Map<string, number[]>())]));
  return { config, loras, magnitudes: new Map(), saved: new Map(), kernels };
}

/**
 * PEFT files of an adapter record: `adapter_config.json` text and safetensors bytes.
 *
 * @example
 * ```ts
 * import { initMlp } from "../../ops/nn/layers.ts";
 * import { treeLeaves } from "../../ops/autograd/tree.ts";
 * import { adapterFiles, buildAdapter } from "./peft_model_parts.ts";
 * const leaves = new Map(treeLeaves(initMlp([3, 4, 2])));
 * const f = adapterFiles(buildAdapter(leaves, ["layers.0"], { r: 1, target_modules: ["layers.0"] }));
 * console.log(JSON.parse(f.config).peft_type); // LORA
 * ```
 */
export function adapterFiles(ad: PeftAdapterRecord): { config: string; weights: Uint8Array } {
  const modules = new Map<string, PeftLoraModule>();
  for (const [m, s] of ad.loras) {
    const k = ad.kernels?.get(m);
    modules.set(m, {
      kind: "linear",
      a: k ? withShape(s.params.a, [s.r, ...k.slice(1)]) : s.params.a,
      b: k ? withShape(s.params.b, [k[0], s.r, 1, 1]) : s.params.b,
      magnitude: ad.magnitudes.get(m),
    });
  }
  return writePeftLora({ config: ad.config, modules, replacements: ad.saved, metadata: {} });
}

/**
 * An adapter record from PEFT files, checked against the tree's tensors (`leaves`): every
 * module must be a linear module of the same shape, every replacement a tensor of the tree.
 *
 * @example
 * ```ts
 * import { initMlp } from "../../ops/nn/layers.ts";
 * import { treeLeaves } from "../../ops/autograd/tree.ts";
 * import { adapterFiles, adapterFromFiles, buildAdapter } from "./peft_model_parts.ts";
 * const leaves = new Map(treeLeaves(initMlp([3, 4, 2])));
 * const f = adapterFiles(buildAdapter(leaves, ["layers.0"], { r: 1, target_modules: ["layers.0"] }));
 * console.log([...adapterFromFiles(f.config, f.weights, leaves).loras.keys()]); // ["layers.0"]
 * ```
 */
export function adapterFromFiles(
  config: string | Record<string, unknown>,
  weights: Uint8Array,
  leaves: ReadonlyMap<string, Tensor>,
): PeftAdapterRecord {
  const file = readPeftLora(config, weights);
  const ad: PeftAdapterRecord = {
    config: file.config,
    loras: new Map(),
    magnitudes: new Map(),
    saved: new Map(),
  };
  for (const [m, mod] of file.modules) {
    const w = leaves.get(`${m}.weight`);
    if (w === undefined || mod.kind !== "linear") {
      throw new RangeError(`loadAdapter: the model has no linear module "${m}"`);
    }
    const { alpha } = moduleScale(file.config, m);
    const conv = isConvLora(mod.a, mod.b);
    if (conv !== (w.ndim === 4)) {
      throw new RangeError(
        `loadAdapter: "${m}" is ${conv ? "a Conv2d" : "linear"} in the file but not in the model`,
      );
    }
    if (conv) (ad.kernels ??= new Map()).set(m, [...w.shape]);
    const st = loraFromFactors(asMatrix(astype(mod.a, w.dtype)), asMatrix(astype(mod.b, w.dtype)), {
      alpha,
      useRslora: file.config.use_rslora === true,
    });
    if (st.shape[0] !== w.shape[0] || st.shape[1] !== w.size / w.shape[0]) {
      throw new RangeError(`loadAdapter: "${m}" is ${st.shape} in the file, ${w.shape} here`);
    }
    ad.loras.set(m, st);
    if (mod.magnitude) ad.magnitudes.set(m, astype(mod.magnitude, w.dtype));
  }
  for (const [p, t] of file.replacements) {
    const base = leaves.get(p);
    if (base === undefined) throw new RangeError(`loadAdapter: the model has no tensor "${p}"`);
    ad.saved.set(p, astype(t, base.dtype));
  }
  return ad;
}
