/**
 * Hugging Face PEFT adapter files (`adapter_config.json` + `adapter_model.safetensors`) for
 * LoRA: PEFT's key names and shapes, reading with validation, writing, and merging into a base
 * checkpoint (`merge_and_unload`). Spec: `specs/adapters.md` §1 and §3; RandLoRA files are in
 * `peft_randlora.ts`.
 *
 * Saved keys (adapter name removed, as `save_pretrained` writes them):
 * `base_model.model.<module>.lora_A.weight` `[r, in]`, `….lora_B.weight` `[out, r]`, optional
 * `….lora_B.bias` (`lora_bias`), `….lora_magnitude_vector` `[out]` (DoRA, `use_dora`), and for
 * embeddings `….lora_embedding_A` `[r, num_embeddings]`,
 * `….lora_embedding_B` `[dim, r]`. Whole-module copies (`modules_to_save`, trained biases) are
 * `base_model.model.<base key>` and replace the base tensor on merge.
 *
 * @module
 */
import { readSafetensors, writeSafetensors } from "../../ops/io/safetensors.ts";
import { matmul } from "../../ops/matmul.ts";
import { astype, shapeStr, Tensor } from "../../ops/tensor.ts";
import {
  initKind,
  isTargetModule,
  moduleScale,
  parsePeftConfig,
  type PeftConfig,
} from "./peft_config.ts";
import { convertResidualPeft } from "./peft_convert.ts";
import { doraMerged } from "./dora.ts";
import { asMatrix, isConvLora, withShape } from "./lora_conv.ts";

/**
 * The prefix PEFT puts before module paths in saved keys.
 *
 * @example
 * ```ts
 * import { PEFT_PREFIX } from "./peft.ts";
 * const key = `${PEFT_PREFIX}model.layers.0.self_attn.q_proj.lora_A.weight`;
 * console.log(key.slice(PEFT_PREFIX.length, PEFT_PREFIX.length + 14)); // model.layers.0
 * ```
 */
export const PEFT_PREFIX = "base_model.model.";

/** One LoRA-adapted module as stored in a PEFT file. */
export interface PeftLoraModule {
  /** `"linear"` (`lora_A`/`lora_B`) or `"embedding"` (`lora_embedding_A`/`_B`). */
  kind: "linear" | "embedding";
  /** `lora_A` (`[r, in]`) or `lora_embedding_A` (`[r, num_embeddings]`). */
  a: Tensor;
  /** `lora_B` (`[out, r]`) or `lora_embedding_B` (`[dim, r]`). */
  b: Tensor;
  /** `lora_B.bias` (`[out]`) when `lora_bias` is set. */
  bBias?: Tensor;
  /** DoRA magnitude `m` (`[out]`, `lora_magnitude_vector`) when `use_dora` is set. */
  magnitude?: Tensor;
}

/** A LoRA adapter in PEFT form. */
export interface PeftLoraAdapter {
  /** The config (all fields, including unknown ones, kept for writing). */
  config: PeftConfig;
  /** Adapted modules by dotted module path (`model.layers.0.self_attn.q_proj`). */
  modules: Map<string, PeftLoraModule>;
  /** Tensors that replace base tensors outright (`modules_to_save`, trained biases). */
  replacements: Map<string, Tensor>;
  /** `__metadata__` of the weights file. */
  metadata: Record<string, string>;
}

const LORA_SUFFIXES: [string, "a" | "b" | "bBias" | "magnitude", "linear" | "embedding"][] = [
  [".lora_magnitude_vector", "magnitude", "linear"],
  [".lora_A.weight", "a", "linear"],
  [".lora_B.weight", "b", "linear"],
  [".lora_B.bias", "bBias", "linear"],
  [".lora_embedding_A", "a", "embedding"],
  [".lora_embedding_B", "b", "embedding"],
];

function fail(file: string, msg: string): never {
  throw new RangeError(`readPeftLora: ${file}: ${msg}`);
}

/**
 * Reads a PEFT LoRA adapter: the config (text or object) and the weights file bytes. Every key
 * must be a LoRA key of a targeted module, or a replacement allowed by `modules_to_save` /
 * `bias`; shapes must agree with each other and with the module's rank from the config.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { readPeftLora, writePeftLora } from "./peft.ts";
 * import { parsePeftConfig } from "./peft_config.ts";
 * const config = parsePeftConfig({ peft_type: "LORA", r: 1, lora_alpha: 2, target_modules: ["q"] });
 * const modules = new Map([["m.q", { kind: "linear" as const, a: tensor([[1, 2]]), b: tensor([[3]]) }]]);
 * const files = writePeftLora({ config, modules, replacements: new Map(), metadata: {} });
 * console.log([...readPeftLora(files.config, files.weights).modules.keys()]); // ["m.q"]
 * ```
 */
export function readPeftLora(
  config: string | Record<string, unknown>,
  weights: Uint8Array,
  opts: { name?: string } = {},
): PeftLoraAdapter {
  const file = opts.name ?? "adapter_model.safetensors";
  const cfg = parsePeftConfig(config);
  if (cfg.peft_type !== "LORA") fail(file, `config peft_type is ${cfg.peft_type}, not LORA`);
  const { tensors, ints, metadata } = readSafetensors(weights, { name: file });
  if (ints.size > 0) fail(file, `integer tensor "${[...ints.keys()][0]}" in a LoRA adapter`);
  const modules = new Map<string, Partial<PeftLoraModule>>();
  const replacements = new Map<string, Tensor>();
  for (const [key, t] of tensors) {
    if (!key.startsWith(PEFT_PREFIX)) fail(file, `key "${key}" lacks the "${PEFT_PREFIX}" prefix`);
    const rest = key.slice(PEFT_PREFIX.length);
    const hit = LORA_SUFFIXES.find(([suffix]) => rest.endsWith(suffix));
    if (hit === undefined) {
      if (isReplacement(cfg, rest)) replacements.set(rest, t);
      else fail(file, `key "${key}" is not a LoRA tensor PEFT writes`);
      continue;
    }
    const [suffix, field, kind] = hit;
    const module = rest.slice(0, -suffix.length);
    const m = modules.get(module) ?? { kind };
    if (m.kind !== kind) fail(file, `module "${module}" mixes linear and embedding LoRA keys`);
    m[field] = t;
    modules.set(module, m);
  }
  const out = new Map<string, PeftLoraModule>();
  for (const [module, m] of modules) out.set(module, checkModule(file, cfg, module, m));
  return { config: cfg, modules: out, replacements, metadata };
}

function isReplacement(cfg: PeftConfig, baseKey: string): boolean {
  const mts = cfg.modules_to_save;
  const module = baseKey.slice(0, baseKey.lastIndexOf("."));
  if (Array.isArray(mts) && mts.some((m) => module === m || module.endsWith(`.${m}`))) {
    return true;
  }
  const bias = cfg.bias ?? "none";
  return baseKey.endsWith(".bias") && (bias === "all" || bias === "lora_only");
}

function checkModule(
  file: string,
  cfg: PeftConfig,
  module: string,
  m: Partial<PeftLoraModule>,
): PeftLoraModule {
  if (m.a === undefined || m.b === undefined) {
    fail(file, `module "${module}" has only one of its two LoRA factors`);
  }
  if (!isTargetModule(cfg, module)) {
    fail(file, `module "${module}" is not matched by target_modules of the config`);
  }
  const { r } = moduleScale(cfg, module);
  const a = m.a, b = m.b;
  // Linear: [r, in] and [out, r]; Conv2d (PEFT lora.Conv2d): [r, in, kh, kw] and [out, r, 1, 1].
  const conv = a.ndim === 4 && b.ndim === 4 && b.shape[2] === 1 && b.shape[3] === 1;
  if ((!conv && (a.ndim !== 2 || b.ndim !== 2)) || a.shape[0] !== r || b.shape[1] !== r) {
    fail(
      file,
      `module "${module}": A is ${shapeStr(a.shape)} and B is ${shapeStr(b.shape)}, ` +
        `expected [${r}, in] and [out, ${r}] (or [${r}, in, kh, kw] and [out, ${r}, 1, 1]) for rank ${r}`,
    );
  }
  if (conv && m.magnitude !== undefined) fail(file, `module "${module}": DoRA on a Conv2d`);
  if (m.bBias !== undefined && (m.bBias.ndim !== 1 || m.bBias.shape[0] !== b.shape[0])) {
    fail(file, `module "${module}": lora_B.bias is ${shapeStr(m.bBias.shape)}`);
  }
  const dora = cfg.use_dora === true;
  if (m.magnitude !== undefined && !dora) {
    fail(file, `module "${module}" has lora_magnitude_vector but use_dora is not set`);
  }
  if (dora && m.magnitude === undefined) {
    fail(file, `module "${module}" lacks lora_magnitude_vector (use_dora)`);
  }
  if (
    m.magnitude !== undefined && (m.magnitude.ndim !== 1 || m.magnitude.shape[0] !== b.shape[0])
  ) {
    fail(
      file,
      `module "${module}": lora_magnitude_vector is [${m.magnitude.shape.join(", ")}], ` +
        `expected [${b.shape[0]}]`,
    );
  }
  return m as PeftLoraModule;
}

/**
 * Writes a PEFT LoRA adapter: `{ config, weights }` as the text of `adapter_config.json` and
 * the bytes of `adapter_model.safetensors` (metadata defaults to `{ format: "pt" }`).
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { writePeftLora } from "./peft.ts";
 * import { parsePeftConfig } from "./peft_config.ts";
 * const config = parsePeftConfig({ peft_type: "LORA", r: 1, target_modules: ["q"] });
 * const m = { kind: "linear" as const, a: tensor([[1, 2]]), b: tensor([[3]]) };
 * const out = writePeftLora({ config, modules: new Map([["q", m]]), replacements: new Map(), metadata: {} });
 * console.log(JSON.parse(out.config).r, out.weights.length > 8); // 1 true
 * ```
 */
export function writePeftLora(adapter: PeftLoraAdapter): { config: string; weights: Uint8Array } {
  const tensors = new Map<string, Tensor>();
  for (const [module, m] of adapter.modules) {
    const p = PEFT_PREFIX + module;
    if (m.kind === "embedding") {
      tensors.set(`${p}.lora_embedding_A`, m.a);
      tensors.set(`${p}.lora_embedding_B`, m.b);
    } else {
      tensors.set(`${p}.lora_A.weight`, m.a);
      tensors.set(`${p}.lora_B.weight`, m.b);
      if (m.bBias !== undefined) tensors.set(`${p}.lora_B.bias`, m.bBias);
      if (m.magnitude !== undefined) tensors.set(`${p}.lora_magnitude_vector`, m.magnitude);
    }
  }
  for (const [key, t] of adapter.replacements) tensors.set(PEFT_PREFIX + key, t);
  const meta = Object.keys(adapter.metadata).length > 0 ? adapter.metadata : { format: "pt" };
  return {
    config: JSON.stringify(adapter.config, null, 2),
    weights: writeSafetensors(tensors, meta),
  };
}

/**
 * ΔW of one module in the layout of the base tensor: `s·B A` (`[out, in]`), transposed when
 * `fan_in_fan_out` (GPT-2 `Conv1D`, stored `[in, out]`), `s·(B A)ᵀ` for embeddings
 * (`[num_embeddings, dim]`), and for a Conv2d `s·B₂A₂` reshaped to `[out, in, kh, kw]`
 * (`lora_conv.ts`). Computed in float64.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { peftLoraDelta } from "./peft.ts";
 * import { parsePeftConfig } from "./peft_config.ts";
 * const config = parsePeftConfig({ peft_type: "LORA", r: 1, lora_alpha: 2, target_modules: ["q"] });
 * const m = { kind: "linear" as const, a: tensor([[1, 2]]), b: tensor([[3], [1]]) };
 * console.log(peftLoraDelta(config, "q", m).data); // Float64Array [6, 12, 2, 4]
 * ```
 */
export function peftLoraDelta(config: PeftConfig, module: string, m: PeftLoraModule): Tensor {
  const { scale } = moduleScale(config, module);
  const conv = isConvLora(m.a, m.b);
  const a = asMatrix(astype(m.a, "f64")), b = asMatrix(astype(m.b, "f64"));
  const transposed = m.kind === "embedding" || config.fan_in_fan_out === true;
  // (B A)ᵀ = Aᵀ Bᵀ: one GEMM with transposed operands gives the stored layout directly.
  const d = transposed ? matmul(a, b, { transA: true, transB: true }) : matmul(b, a);
  for (let i = 0; i < d.size; i++) d.data[i] *= scale;
  return conv ? withShape(d, [m.b.shape[0], ...m.a.shape.slice(1)]) : d;
}

/**
 * Merges (or, with `unmerge`, removes) a PEFT LoRA adapter into a base checkpoint, like PEFT's
 * `merge_and_unload`: for each module, `W ← W ± ΔW` on `<module>.weight` (and the bias with
 * `lora_bias`), computed in float64 and rounded once to the base dtype; replacement tensors
 * overwrite their base tensor. Returns a new map with every base tensor (unchanged ones shared).
 * An adapter saved on a residual base (`init_lora_weights` pissa / pissa_niter_K / olora /
 * corda, unconverted) is first converted with `opts.initial`, the adapter as initialized
 * ({@link convertResidualPeft}); without it, and for `loftq` (whose factors belong on the
 * quantized base), merging onto W would be wrong and is a RangeError.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { mergePeftLora } from "./peft.ts";
 * import { parsePeftConfig } from "./peft_config.ts";
 * const config = parsePeftConfig({ peft_type: "LORA", r: 1, lora_alpha: 1, target_modules: ["q"] });
 * const m = { kind: "linear" as const, a: tensor([[1, 0]]), b: tensor([[1], [0]]) };
 * const adapter = { config, modules: new Map([["q", m]]), replacements: new Map(), metadata: {} };
 * const merged = mergePeftLora(new Map([["q.weight", tensor([[1, 1], [1, 1]])]]), adapter);
 * console.log(merged.get("q.weight")?.data); // Float64Array [2, 1, 1, 1]
 * ```
 */
export function mergePeftLora(
  base: Map<string, Tensor>,
  adapter: PeftLoraAdapter,
  opts: { unmerge?: boolean; initial?: PeftLoraAdapter } = {},
): Map<string, Tensor> {
  adapter = onOriginalBase(adapter, opts.initial);
  const deltas = new Map<string, Tensor>();
  for (const [module, m] of adapter.modules) {
    const d = peftLoraDelta(adapter.config, module, m);
    deltas.set(`${module}.weight`, m.magnitude ? doraDelta(base, module, d, m.magnitude, opts) : d);
    if (m.bBias !== undefined) {
      const d = astype(m.bBias, "f64");
      const { scale } = moduleScale(adapter.config, module);
      for (let i = 0; i < d.size; i++) d.data[i] *= scale;
      deltas.set(`${module}.bias`, d);
    }
  }
  return applyPeftDeltas("mergePeftLora", base, deltas, adapter.replacements, opts.unmerge);
}

/**
 * DoRA's change of the weight, `m ⊙ (W + ΔW)/‖W + ΔW‖ − W` (float64). Unmerging would need the
 * pre-merge row norms, which the merged weight no longer gives: a RangeError.
 */
function doraDelta(
  base: Map<string, Tensor>,
  module: string,
  d: Tensor,
  magnitude: Tensor,
  opts: { unmerge?: boolean },
): Tensor {
  const key = `${module}.weight`;
  if (opts.unmerge) {
    throw new RangeError(`mergePeftLora: "${key}": a DoRA merge cannot be undone from W alone`);
  }
  const w = base.get(key);
  if (w === undefined) throw new RangeError(`mergePeftLora: base has no tensor "${key}"`);
  if (w.ndim !== 2 || w.shape[0] !== d.shape[0] || w.shape[1] !== d.shape[1]) {
    throw new RangeError(
      `mergePeftLora: "${key}" is ${shapeStr(w.shape)} in the base but the adapter's ΔW is ${
        shapeStr(d.shape)
      }`,
    );
  }
  const merged = doraMerged(w, d, magnitude);
  for (let i = 0; i < merged.size; i++) merged.data[i] -= w.data[i];
  return merged;
}

/** The adapter as a LoRA on the original W (converted from a residual init), or a RangeError. */
function onOriginalBase(adapter: PeftLoraAdapter, initial?: PeftLoraAdapter): PeftLoraAdapter {
  const kind = initKind(adapter.config);
  const init = JSON.stringify(adapter.config.init_lora_weights);
  if (kind === "loftq") {
    throw new RangeError(
      `mergePeftLora: init_lora_weights ${init}: the factors belong on LoftQ's quantized base ` +
        `weights, not on the original W`,
    );
  }
  if (kind === "base") {
    if (initial !== undefined) {
      throw new RangeError(
        `mergePeftLora: an initial adapter was given but init_lora_weights is ${init}`,
      );
    }
    return adapter;
  }
  if (initial === undefined) {
    throw new RangeError(
      `mergePeftLora: init_lora_weights ${init}: the factors belong on the residual W − s·B₀A₀; ` +
        `pass the adapter as initialized (opts.initial) to convert, or save it with PEFT's ` +
        `path_initial_model_for_weight_conversion`,
    );
  }
  return convertResidualPeft(adapter, initial);
}

/**
 * `W ± ΔW` for every `key → ΔW` of `deltas` (float64 sum, one rounding to the base dtype) and
 * outright replacement for `replacements` (not undone by `unmerge`: the original is not in the
 * adapter). Shapes must match exactly; base tensors not named are shared, not copied.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { applyPeftDeltas } from "./peft.ts";
 * const out = applyPeftDeltas("demo", new Map([["w", tensor([1, 2])]]), new Map([["w", tensor([1, 1])]]), new Map());
 * console.log(out.get("w")?.data); // Float64Array [2, 3]
 * ```
 */
export function applyPeftDeltas(
  fn: string,
  base: Map<string, Tensor>,
  deltas: Map<string, Tensor>,
  replacements: Map<string, Tensor>,
  unmerge = false,
): Map<string, Tensor> {
  const out = new Map(base);
  const get = (key: string, t: Tensor, what: string): Tensor => {
    const w = base.get(key);
    if (w === undefined) throw new RangeError(`${fn}: base has no tensor "${key}"`);
    if (w.shape.length !== t.shape.length || w.shape.some((x, i) => x !== t.shape[i])) {
      throw new RangeError(
        `${fn}: "${key}" is ${shapeStr(w.shape)} in the base but the adapter's ${what} is ${
          shapeStr(t.shape)
        }`,
      );
    }
    return w;
  };
  for (const [key, d] of deltas) out.set(key, addScaled(get(key, d, "ΔW"), d, unmerge ? -1 : 1));
  for (const [key, t] of replacements) {
    const w = get(key, t, "replacement");
    if (!unmerge) out.set(key, astype(t, w.dtype));
  }
  return out;
}

/** `w + sign·d` in float64, rounded once to `w`'s dtype. */
function addScaled(w: Tensor, d: Tensor, sign: number): Tensor {
  const data = w.dtype === "f32" ? new Float32Array(w.size) : new Float64Array(w.size);
  for (let i = 0; i < w.size; i++) data[i] = w.data[i] + sign * d.data[i];
  return new Tensor(data, w.shape);
}
