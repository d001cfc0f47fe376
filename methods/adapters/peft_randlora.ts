/**
 * PEFT RandLoRA adapter files (`peft_type: "RANDLORA"`, spec `specs/adapters.md` §3–§4):
 * per module `base_model.model.<module>.randlora_lambda` `[r, n]` and `….randlora_gamma`
 * `[n, k]`; the shared bases `base_model.randlora_A` `[r, 1, k_max]` and
 * `base_model.randlora_B` `[D_max, n_max, r]` (and copies under each module) when
 * `save_projection` is on. Merging uses PEFT's pairing and `s = randlora_alpha / r`.
 *
 * @module
 */
import { readSafetensors, writeSafetensors } from "../../ops/io/safetensors.ts";
import { transpose } from "../../ops/shape.ts";
import { astype, shapeStr, type Tensor } from "../../ops/tensor.ts";
import { moduleScale, parsePeftConfig, type PeftConfig } from "./peft_config.ts";
import { PEFT_PREFIX } from "./peft.ts";
import { randLora, type RandLoraBases, randLoraFromParts, type RandLoraState } from "./randlora.ts";

/** One RandLoRA module: its trainable tensors. */
export interface PeftRandLoraModule {
  /** `randlora_lambda`, `[r, n]`. */
  lambda: Tensor;
  /** `randlora_gamma`, `[n, k]`. */
  gamma: Tensor;
}

/** A RandLoRA adapter in PEFT form. */
export interface PeftRandLoraAdapter {
  /** The config (all fields kept). */
  config: PeftConfig;
  /** Adapted modules by dotted path. */
  modules: Map<string, PeftRandLoraModule>;
  /** The shared frozen bases. */
  bases: RandLoraBases;
  /** Tensors that replace base tensors outright (`modules_to_save`, trained biases). */
  replacements: Map<string, Tensor>;
  /** `__metadata__` of the weights file. */
  metadata: Record<string, string>;
}

function fail(file: string, msg: string): never {
  throw new RangeError(`readPeftRandLora: ${file}: ${msg}`);
}

function sameTensor(x: Tensor, y: Tensor): boolean {
  return x.shape.length === y.shape.length && x.shape.every((d, i) => d === y.shape[i]) &&
    x.data.every((v, i) => v === y.data[i]);
}

/**
 * Reads a PEFT RandLoRA adapter (config text or object, weights bytes). The bases must be
 * stored (`save_projection`, PEFT's default): PyTorch's generator cannot be reproduced here.
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { randLora } from "./randlora.ts";
 * import { readPeftRandLora, writePeftRandLora } from "./peft_randlora.ts";
 * const st = randLora.init(randn([6, 4], { seed: 0 }), { r: 2 }, new Rng(0));
 * const files = writePeftRandLora({ "m.q": st }, { r: 2, target_modules: ["q"] });
 * console.log(readPeftRandLora(files.config, files.weights).modules.size); // 1
 * ```
 */
export function readPeftRandLora(
  config: string | Record<string, unknown>,
  weights: Uint8Array,
  opts: { name?: string } = {},
): PeftRandLoraAdapter {
  const file = opts.name ?? "adapter_model.safetensors";
  const cfg = parsePeftConfig(config);
  if (cfg.peft_type !== "RANDLORA") fail(file, `config peft_type is ${cfg.peft_type}`);
  const { tensors, metadata } = readSafetensors(weights, { name: file });
  const modules = new Map<string, Partial<PeftRandLoraModule>>();
  const copies: ["randlora_A" | "randlora_B", Tensor][] = [];
  const replacements = new Map<string, Tensor>();
  let a = tensors.get("base_model.randlora_A"), b = tensors.get("base_model.randlora_B");
  for (const [key, t] of tensors) {
    if (key === "base_model.randlora_A" || key === "base_model.randlora_B") continue;
    if (!key.startsWith(PEFT_PREFIX)) fail(file, `key "${key}" is not a RandLoRA key`);
    const rest = key.slice(PEFT_PREFIX.length);
    const dot = rest.lastIndexOf(".");
    const module = rest.slice(0, dot), leaf = rest.slice(dot + 1);
    if (leaf === "randlora_lambda" || leaf === "randlora_gamma") {
      const m = modules.get(module) ?? {};
      m[leaf === "randlora_lambda" ? "lambda" : "gamma"] = t;
      modules.set(module, m);
    } else if (leaf === "randlora_A" || leaf === "randlora_B") {
      copies.push([leaf, t]);
      if (leaf === "randlora_A") a ??= t;
      else b ??= t;
    } else if (isReplacement(cfg, rest)) {
      replacements.set(rest, t);
    } else {
      fail(file, `key "${key}" is not a RandLoRA tensor PEFT writes`);
    }
  }
  if (a === undefined || b === undefined) {
    fail(file, "the random bases randlora_A/randlora_B are not stored (save_projection=false)");
  }
  for (const [leaf, c] of copies) {
    if (!sameTensor(c, leaf === "randlora_A" ? a : b)) {
      fail(file, "a module's copy of the bases differs from base_model.randlora_A/B");
    }
  }
  if (a.ndim !== 3 || b.ndim !== 3 || a.shape[0] !== cfg.r || b.shape[2] !== cfg.r) {
    fail(file, `bases A ${shapeStr(a.shape)} / B ${shapeStr(b.shape)} do not match r = ${cfg.r}`);
  }
  const out = new Map<string, PeftRandLoraModule>();
  for (const [module, m] of modules) {
    if (m.lambda === undefined || m.gamma === undefined) {
      fail(file, `module "${module}" lacks randlora_lambda or randlora_gamma`);
    }
    out.set(module, m as PeftRandLoraModule);
  }
  return { config: cfg, modules: out, bases: { a, b }, replacements, metadata };
}

function isReplacement(cfg: PeftConfig, baseKey: string): boolean {
  const mts = cfg.modules_to_save;
  const module = baseKey.slice(0, baseKey.lastIndexOf("."));
  if (Array.isArray(mts) && mts.some((m) => module === m || module.endsWith(`.${m}`))) {
    return true;
  }
  const bias = cfg.bias ?? "none";
  return baseKey.endsWith(".bias") && (bias === "all" || bias === "randlora_only");
}

/**
 * ΔW of one module in the layout of its base weight (`stored`: the base tensor's shape,
 * `[out, in]`, or `[in, out]` with `fan_in_fan_out`), in float64, PEFT pairing and scale.
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { randLora } from "./randlora.ts";
 * import { peftRandLoraDelta, readPeftRandLora, writePeftRandLora } from "./peft_randlora.ts";
 * const st = randLora.init(randn([6, 4], { seed: 0 }), { r: 2 }, new Rng(0));
 * const f = writePeftRandLora({ q: st }, { r: 2, target_modules: ["q"] });
 * const ad = readPeftRandLora(f.config, f.weights);
 * console.log(peftRandLoraDelta(ad, "q", [6, 4]).shape); // [6, 4]
 * ```
 */
export function peftRandLoraDelta(
  adapter: PeftRandLoraAdapter,
  module: string,
  stored: readonly number[],
): Tensor {
  const m = adapter.modules.get(module);
  if (m === undefined) throw new RangeError(`peftRandLoraDelta: no module "${module}"`);
  const fifo = adapter.config.fan_in_fan_out === true;
  const shape: [number, number] = fifo ? [stored[1], stored[0]] : [stored[0], stored[1]];
  const { scale } = moduleScale(adapter.config, module);
  const bases = { a: astype(adapter.bases.a, "f64"), b: astype(adapter.bases.b, "f64") };
  const st = randLoraFromParts(shape, bases, astype(m.lambda, "f64"), astype(m.gamma, "f64"), {
    scale,
  });
  const d = randLora.delta(st);
  return fifo ? transpose(d) : d;
}

/**
 * Writes RandLoRA states (sharing one set of bases) as PEFT files. `config` gives the fields
 * beyond the defaults written here (`peft_type`, `r`, `randlora_alpha` chosen so that
 * `α/r` equals the states' scale, `save_projection: true`).
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { randLora } from "./randlora.ts";
 * import { writePeftRandLora } from "./peft_randlora.ts";
 * const st = randLora.init(randn([6, 4], { seed: 0 }), { r: 2, alpha: 40 }, new Rng(0));
 * const f = writePeftRandLora({ q: st }, { target_modules: ["q"] });
 * console.log(JSON.parse(f.config).randlora_alpha); // 40
 * ```
 */
export function writePeftRandLora(
  states: Record<string, RandLoraState>,
  config: Record<string, unknown> = {},
): { config: string; weights: Uint8Array } {
  const entries = Object.entries(states);
  if (entries.length === 0) throw new RangeError("writePeftRandLora: no modules");
  const r = entries[0][1].r, s = entries[0][1].scale;
  const bases = entries[0][1].sharedBases;
  const tensors = new Map<string, Tensor>([
    ["base_model.randlora_A", bases.a],
    ["base_model.randlora_B", bases.b],
  ]);
  for (const [module, st] of entries) {
    if (st.r !== r || st.scale !== s || st.sharedBases !== bases || st.pairing !== "peft") {
      throw new RangeError(
        `writePeftRandLora: "${module}" differs in rank, scale, bases or pairing from the first`,
      );
    }
    tensors.set(`${PEFT_PREFIX}${module}.randlora_lambda`, st.params.lambda);
    tensors.set(`${PEFT_PREFIX}${module}.randlora_gamma`, st.params.gamma);
    tensors.set(`${PEFT_PREFIX}${module}.randlora_A`, bases.a);
    tensors.set(`${PEFT_PREFIX}${module}.randlora_B`, bases.b);
  }
  const cfg = {
    peft_type: "RANDLORA",
    r,
    randlora_alpha: s * r,
    save_projection: true,
    target_modules: entries.map(([m]) => m),
    ...config,
  };
  parsePeftConfig(cfg);
  return {
    config: JSON.stringify(cfg, null, 2),
    weights: writeSafetensors(tensors, { format: "pt" }),
  };
}
