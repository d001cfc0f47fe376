/**
 * Hugging Face PEFT `adapter_config.json`: parsing with validation, target-module matching and
 * per-module rank/alpha (`rank_pattern`, `alpha_pattern`). Spec: `specs/adapters.md` §3. Unknown
 * fields are kept verbatim so a read → write round trip preserves them.
 *
 * @module
 */

/**
 * A parsed adapter config: the raw JSON object (all fields kept) with a known `peft_type`.
 *
 * @example
 * ```ts
 * import { parsePeftConfig, type PeftConfig } from "./peft_config.ts";
 * const c: PeftConfig = parsePeftConfig({ peft_type: "LORA", r: 8, target_modules: ["v_proj"] });
 * console.log(c.peft_type, c.r); // LORA 8
 * ```
 */
export type PeftConfig = Record<string, unknown> & { peft_type: PeftType };

/**
 * PEFT adapter types lowrank reads and writes.
 *
 * @example
 * ```ts
 * import { parsePeftConfig, type PeftType } from "./peft_config.ts";
 * const t: PeftType = parsePeftConfig({ peft_type: "RANDLORA", r: 4, target_modules: ["q"] }).peft_type;
 * console.log(t); // RANDLORA
 * ```
 */
export type PeftType = "LORA" | "RANDLORA";

const SUPPORTED: readonly string[] = ["LORA", "RANDLORA"];

/** PEFT's default names of the layer list, used by `layers_to_transform`. */
const DEFAULT_LAYER_PATTERNS = ["layers", "h", "block", "blocks", "layer"];

function bad(msg: string): never {
  throw new RangeError(`parsePeftConfig: ${msg}`);
}

/**
 * Parses and validates an `adapter_config.json` (text or object). Checks `peft_type` (LORA or
 * RANDLORA), the rank `r`, the alpha, `target_modules`, the patterns, `init_lora_weights`, and
 * rejects options whose merge rule lowrank does not implement (DoRA on `fan_in_fan_out`
 * weights).
 *
 * @example
 * ```ts
 * import { parsePeftConfig } from "./peft_config.ts";
 * const c = parsePeftConfig('{"peft_type":"LORA","r":4,"lora_alpha":8,"target_modules":["q_proj"]}');
 * console.log(c.peft_type, c.r); // LORA 4
 * ```
 */
export function parsePeftConfig(config: string | Record<string, unknown>): PeftConfig {
  let obj: unknown = config;
  if (typeof config === "string") {
    try {
      obj = JSON.parse(config);
    } catch (e) {
      bad(`adapter_config.json is not valid JSON: ${(e as Error).message}`);
    }
  }
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
    bad("adapter_config.json must be a JSON object");
  }
  const c = obj as Record<string, unknown>;
  if (typeof c.peft_type !== "string" || !SUPPORTED.includes(c.peft_type)) {
    bad(
      `unsupported peft_type ${JSON.stringify(c.peft_type)} (supported: ${SUPPORTED.join(", ")})`,
    );
  }
  if (!Number.isInteger(c.r) || (c.r as number) < 1) {
    bad(`r must be a positive integer, got ${JSON.stringify(c.r)}`);
  }
  const alphaKey = c.peft_type === "LORA" ? "lora_alpha" : "randlora_alpha";
  if (c[alphaKey] !== undefined && !Number.isFinite(c[alphaKey])) {
    bad(`${alphaKey} must be a number, got ${JSON.stringify(c[alphaKey])}`);
  }
  if (c.use_dora === true && c.fan_in_fan_out === true) {
    bad("use_dora with fan_in_fan_out (transposed Conv1D weights) is not supported");
  }
  checkInit(c.init_lora_weights);
  checkTargets("target_modules", c.target_modules);
  checkTargets("exclude_modules", c.exclude_modules);
  for (const key of ["rank_pattern", "alpha_pattern"]) {
    const p = c[key];
    if (p === undefined || p === null) continue;
    if (typeof p !== "object" || Array.isArray(p)) bad(`${key} must be an object`);
    for (const [k, v] of Object.entries(p as Record<string, unknown>)) {
      if (!Number.isFinite(v) || (key === "rank_pattern" && !Number.isInteger(v))) {
        bad(`${key}["${k}"] must be a number, got ${JSON.stringify(v)}`);
      }
    }
  }
  return c as PeftConfig;
}

/** `init_lora_weights` values whose saved factors are relative to the base W itself. */
const INIT_ON_W: readonly unknown[] = [undefined, null, true, false, "gaussian", "eva"];
/** Values whose saved factors are relative to a residual W_res (PiSSA, OLoRA, CorDA). */
const RESIDUAL_INIT = /^(?:pissa|pissa_niter_\d+|olora|corda)$/;

function checkInit(v: unknown): void {
  if (
    INIT_ON_W.includes(v) || (typeof v === "string" && (RESIDUAL_INIT.test(v) || v === "loftq"))
  ) {
    return;
  }
  bad(
    `init_lora_weights ${JSON.stringify(v)} is not supported (true, false, "gaussian", "eva", ` +
      `"pissa", "pissa_niter_K", "olora", "corda", "loftq")`,
  );
}

/**
 * How the saved factors of a PEFT LoRA relate to the base weight, from `init_lora_weights`:
 * `"base"` (default, gaussian, EVA, or a PiSSA/OLoRA adapter already converted at save time,
 * which PEFT writes with `init_lora_weights: true`): `W + s·BA`; `"residual"` (`pissa`,
 * `pissa_niter_K`, `olora`, `corda` saved without conversion): the factors belong on
 * `W_res = W − s·B₀A₀`, so merging them onto W is wrong unless the initial factors are
 * subtracted; `"loftq"`: the factors belong on LoftQ's quantized base, not on W.
 *
 * @example
 * ```ts
 * import { initKind, parsePeftConfig } from "./peft_config.ts";
 * const c = parsePeftConfig({ peft_type: "LORA", r: 4, init_lora_weights: "pissa_niter_4" });
 * console.log(initKind(c), initKind({ ...c, init_lora_weights: true })); // residual base
 * ```
 */
export function initKind(config: PeftConfig): "base" | "residual" | "loftq" {
  const v = config.init_lora_weights;
  if (v === "loftq") return "loftq";
  return typeof v === "string" && RESIDUAL_INIT.test(v) ? "residual" : "base";
}

function checkTargets(key: string, t: unknown): void {
  if (t === undefined || t === null || typeof t === "string") return;
  if (!Array.isArray(t) || !t.every((x) => typeof x === "string")) {
    bad(`${key} must be a string (regex) or a list of names, got ${JSON.stringify(t)}`);
  }
}

/**
 * PEFT's rule for one target spec: regex full match for a string, name/suffix for a list;
 * `"all-linear"` (any case, as PEFT lower-cases it) is every module but the output layer.
 */
function matchesSpec(spec: unknown, module: string, outputLayer: string): boolean {
  if (spec === undefined || spec === null) return false;
  if (typeof spec === "string") {
    if (spec.toLowerCase() === "all-linear") return module !== outputLayer;
    return new RegExp(`^(?:${spec})$`).test(module);
  }
  return (spec as string[]).some((t) => module === t || module.endsWith(`.${t}`));
}

/**
 * Whether PEFT would adapt the module `module` (dotted path in the base model) under `config`:
 * `target_modules` (regex full match, or equal name / `.name` suffix for a list), minus
 * `exclude_modules`, restricted to `layers_to_transform`. `"all-linear"` matches every
 * (linear) module except the output layer, as PEFT leaves out `get_output_embeddings()`:
 * `opts.outputLayer` names it (default `"lm_head"`; GPT-NeoX calls it `"embed_out"`).
 *
 * @example
 * ```ts
 * import { isTargetModule, parsePeftConfig } from "./peft_config.ts";
 * const c = parsePeftConfig({ peft_type: "LORA", r: 4, target_modules: ["q_proj"] });
 * console.log(isTargetModule(c, "model.layers.0.self_attn.q_proj")); // true
 * console.log(isTargetModule(c, "model.layers.0.self_attn.k_proj")); // false
 * ```
 */
export function isTargetModule(
  config: PeftConfig,
  module: string,
  opts: { outputLayer?: string } = {},
): boolean {
  const out = opts.outputLayer ?? "lm_head";
  if (!matchesSpec(config.target_modules, module, out)) return false;
  if (matchesSpec(config.exclude_modules, module, out)) return false;
  const layers = config.layers_to_transform;
  if (layers === undefined || layers === null) return true;
  const wanted = Array.isArray(layers) ? layers : [layers];
  const pat = config.layers_pattern;
  const patterns = pat === undefined || pat === null
    ? DEFAULT_LAYER_PATTERNS
    : (Array.isArray(pat) ? pat : [pat]) as string[];
  for (const p of patterns) {
    const m = new RegExp(`^(?:.*\\.)?${p}\\.(\\d+)\\.`).exec(module);
    if (m) return wanted.includes(Number(m[1]));
  }
  return false;
}

/**
 * The first key of `patterns` (a `rank_pattern`/`alpha_pattern` map) that matches a
 * dot-separated suffix of `module` as a regex (`q_proj` and `layers.0.self_attn.q_proj` both
 * match `model.layers.0.self_attn.q_proj`), or undefined.
 *
 * @example
 * ```ts
 * import { patternKey } from "./peft_config.ts";
 * console.log(patternKey({ "layers\\.1\\..*q_proj": 8 }, "model.layers.1.self_attn.q_proj"));
 * // layers\.1\..*q_proj
 * ```
 */
export function patternKey(
  patterns: Record<string, unknown> | null | undefined,
  module: string,
): string | undefined {
  if (patterns === null || patterns === undefined) return undefined;
  for (const key of Object.keys(patterns)) {
    if (new RegExp(`^(?:.*\\.)?(?:${key})$`).test(module)) return key;
  }
  return undefined;
}

/**
 * Rank, alpha and branch scale of one module: `r_m`, `α_m` from the patterns when one matches,
 * else `r` and `lora_alpha` (`randlora_alpha` for RandLoRA); `s = α_m/r_m` (`α_m/√r_m` with
 * `use_rslora`).
 *
 * @example
 * ```ts
 * import { moduleScale, parsePeftConfig } from "./peft_config.ts";
 * const c = parsePeftConfig({ peft_type: "LORA", r: 4, lora_alpha: 8, rank_pattern: { v_proj: 2 } });
 * console.log(moduleScale(c, "a.q_proj"), moduleScale(c, "a.v_proj"));
 * // { r: 4, alpha: 8, scale: 2 } { r: 2, alpha: 8, scale: 4 }
 * ```
 */
export function moduleScale(
  config: PeftConfig,
  module: string,
): { r: number; alpha: number; scale: number } {
  const rp = config.rank_pattern as Record<string, number> | undefined | null;
  const ap = config.alpha_pattern as Record<string, number> | undefined | null;
  const rk = patternKey(rp, module), ak = patternKey(ap, module);
  const r = rk === undefined ? config.r as number : rp![rk];
  const defaultAlpha = config.peft_type === "LORA"
    ? (config.lora_alpha ?? 8)
    : (config.randlora_alpha ?? 640);
  const alpha = ak === undefined ? defaultAlpha as number : ap![ak];
  const scale = config.use_rslora === true ? alpha / Math.sqrt(r) : alpha / r;
  return { r, alpha, scale };
}
