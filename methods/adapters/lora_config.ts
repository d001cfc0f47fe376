/**
 * `LoraConfig`: PEFT's configuration object for wrapping a model with LoRA, with PEFT's field
 * names and defaults (peft `LoraConfig`), checked strictly: an unknown key or a wrongly typed
 * value is a TypeError naming it. Spec: `specs/adapters.md` §1 and §3.
 *
 * @module
 */
import { parsePeftConfig, type PeftConfig } from "./peft_config.ts";

/**
 * PEFT's `LoraConfig` fields that lowrank implements (snake_case as in PEFT and in
 * `adapter_config.json`).
 *
 * @example
 * ```ts
 * import type { LoraConfig } from "./lora_config.ts";
 * const c: LoraConfig = { r: 8, lora_alpha: 16, target_modules: ["q_proj", "v_proj"] };
 * console.log(c.r); // 8
 * ```
 */
export interface LoraConfig {
  /** Rank (default 8). */
  r?: number;
  /** Scale numerator α (default 8): s = α/r, or α/√r with `use_rslora`. */
  lora_alpha?: number;
  /** Names (equal or `.name` suffix), a regex (full match), or `"all-linear"`. Required. */
  target_modules: string | string[];
  /** Names or a regex of modules to leave out. */
  exclude_modules?: string | string[];
  /** Layer indices to adapt (with `layers_pattern`, default PEFT's layer list names). */
  layers_to_transform?: number | number[];
  /** Name of the layer list (`"layers"`, `"h"`, …). */
  layers_pattern?: string | string[];
  /** Per-module rank overrides (regex on a dotted suffix → r). */
  rank_pattern?: Record<string, number>;
  /** Per-module α overrides. */
  alpha_pattern?: Record<string, number>;
  /** Dropout on the adapter's input during training (default 0). */
  lora_dropout?: number;
  /** Which biases train: `"none"` (default), `"all"`, `"lora_only"` (of adapted modules). */
  bias?: "none" | "all" | "lora_only";
  /** Modules (name or `.name` suffix) whose every tensor is copied and trained in full. */
  modules_to_save?: string[];
  /** rsLoRA scale α/√r (default false). */
  use_rslora?: boolean;
  /** DoRA (default false). */
  use_dora?: boolean;
  /** `true` (default: Kaiming-uniform A, B = 0), `"gaussian"` (A ~ N(0, 1/r²)), `false`. */
  init_lora_weights?: boolean | "gaussian";
}

const KEYS: Record<keyof LoraConfig, string> = {
  r: "number",
  lora_alpha: "number",
  target_modules: "string|array",
  exclude_modules: "string|array",
  layers_to_transform: "number|array",
  layers_pattern: "string|array",
  rank_pattern: "object",
  alpha_pattern: "object",
  lora_dropout: "number",
  bias: "string",
  modules_to_save: "array",
  use_rslora: "boolean",
  use_dora: "boolean",
  init_lora_weights: "boolean|string",
};

function kind(v: unknown): string {
  return Array.isArray(v) ? "array" : typeof v;
}

/**
 * Checks a {@link LoraConfig} and returns it as a PEFT `adapter_config.json` object (`peft_type`
 * `"LORA"`, PEFT's defaults filled in: r 8, lora_alpha 8, dropout 0, bias "none").
 *
 * @example
 * ```ts
 * import { loraConfigToPeft } from "./lora_config.ts";
 * const c = loraConfigToPeft({ r: 4, target_modules: "all-linear" });
 * console.log(c.peft_type, c.r, c.lora_alpha, c.bias); // LORA 4 8 none
 * ```
 */
export function loraConfigToPeft(config: LoraConfig): PeftConfig {
  if (config === null || typeof config !== "object") {
    throw new TypeError(`LoraConfig must be an object, got ${String(config)}`);
  }
  for (const [k, v] of Object.entries(config)) {
    const want = KEYS[k as keyof LoraConfig];
    if (want === undefined) throw new TypeError(`LoraConfig: unknown option "${k}"`);
    if (v !== undefined && !want.split("|").includes(kind(v))) {
      throw new TypeError(
        `LoraConfig: ${k} must be ${want.replace("|", " or ")}, got ${JSON.stringify(v)}`,
      );
    }
  }
  if (config.target_modules === undefined) {
    throw new TypeError('LoraConfig: target_modules is required (names, a regex or "all-linear")');
  }
  const p = config.lora_dropout ?? 0;
  if (!(p >= 0 && p < 1)) {
    throw new RangeError(`LoraConfig: lora_dropout must be in [0, 1), got ${p}`);
  }
  const bias = config.bias ?? "none";
  if (!["none", "all", "lora_only"].includes(bias)) {
    throw new RangeError(`LoraConfig: bias must be "none", "all" or "lora_only", got "${bias}"`);
  }
  const init = config.init_lora_weights ?? true;
  if (typeof init === "string" && init !== "gaussian") {
    throw new RangeError(
      `LoraConfig: init_lora_weights "${init}" is not supported when wrapping (true, false, "gaussian"); ` +
        `PiSSA, NLoRA, LoLDU … are their own methods in this module`,
    );
  }
  return parsePeftConfig({
    peft_type: "LORA",
    task_type: null,
    r: 8,
    lora_alpha: 8,
    lora_dropout: 0,
    bias: "none",
    fan_in_fan_out: false,
    use_rslora: false,
    use_dora: false,
    init_lora_weights: true,
    ...config,
  });
}
