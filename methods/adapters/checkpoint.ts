/**
 * Checkpoints for every adapter method of this module (spec `specs/adapters.md` §3: "methods
 * without a PEFT type … in the same container with our own key suffixes and a custom
 * `peft_type` string"). A checkpoint is PEFT's pair of files: `adapter_config.json` and
 * `adapter_model.safetensors`.
 *
 * Format (version 1). Config: `{ "peft_type": "LOWRANK_<METHOD>", "lowrank_method": <method>,
 * "lowrank_format": 1, "modules": { <module>: { <scalar fields of the state> } } }`, where
 * `<METHOD>` is the upper-cased method name (`LOWRANK_NOLA`, `LOWRANK_LOLDU`,
 * `LOWRANK_FLORA`, `LOWRANK_DYLORA`, `LOWRANK_TRIADAPT`, `LOWRANK_SLORA`, `LOWRANK_PISSA`,
 * `LOWRANK_MOLE_GATES`, …). Weights: `<module>.params.<name>` for the trainable tensors,
 * `<module>.<field>` for frozen tensors (integer index vectors such as LoLDU's permutation as
 * I32). What can be rebuilt is not stored: NOLA keeps only its coefficients and seeds (spec §5),
 * and the residual bases of LoLDU and PiSSA are recomputed from the original weight passed to
 * {@link loadAdapterCheckpoint} (`W − σ₀·P L_r diag(d_r) U_r`, `W − s·B₀A₀`, computed as the
 * initializers do: bit for bit for f64 states; for f32 states from the rounded factors, so
 * within a few f32 ulps of |W|). Every other
 * tensor of a state is stored as it is (NLoRA's residual too: its initial factors are not
 * kept). LoRA and RandLoRA keep PEFT's own format (`writePeftLora`, `writePeftRandLora`).
 *
 * @module
 */
import { readSafetensors, writeSafetensors } from "../../ops/io/safetensors.ts";
import { IntTensor } from "../../ops/io/int_tensor.ts";
import { astype, shapeStr, Tensor } from "../../ops/tensor.ts";
import { sub } from "../../ops/elementwise.ts";
import type { AdapterState } from "./adapter.ts";
import { loldu, type LolduState } from "./loldu.ts";
import { lora, loraFromFactors } from "./lora.ts";
import { nolaFrozen } from "./nola.ts";

/** Version written into `lowrank_format`. */
const FORMAT = 1;

/** Loaded checkpoint: the method and one state per module. */
export interface AdapterCheckpoint {
  /** Method name (`state.method`). */
  method: string;
  /** States by dotted module path. */
  states: Record<string, AdapterState>;
}

/** Per-method fields that are rebuilt on load instead of stored. */
const DERIVED: Record<string, readonly string[]> = {
  nola: ["a0", "basesA", "basesB"],
  loldu: ["base"],
  pissa: ["base"],
};

/**
 * The `peft_type` of a method's checkpoint: `LOWRANK_` and the upper-cased method name, `-`
 * as `_`.
 *
 * @example
 * ```ts
 * import { checkpointType } from "./checkpoint.ts";
 * console.log(checkpointType("nola"), checkpointType("mole-gates")); // LOWRANK_NOLA LOWRANK_MOLE_GATES
 * ```
 */
export function checkpointType(method: string): string {
  if (!/^[a-z][a-z0-9_-]*$/.test(method)) {
    throw new RangeError(`checkpointType: method name ${JSON.stringify(method)} is not [a-z0-9_-]`);
  }
  return `LOWRANK_${method.toUpperCase().replaceAll("-", "_")}`;
}

function isPlainJson(v: unknown): boolean {
  if (v === null || ["number", "string", "boolean"].includes(typeof v)) {
    return typeof v !== "number" || Number.isFinite(v);
  }
  if (Array.isArray(v)) return v.every(isPlainJson);
  if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.values(v as object).every(isPlainJson);
  }
  return false;
}

function saveScalars(module: string, st: AdapterState): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const derived = DERIVED[st.method] ?? [];
  for (const [k, v] of Object.entries(st)) {
    if (k === "params" || v === undefined || derived.includes(k)) continue;
    if (v instanceof Tensor || v instanceof Int32Array) continue;
    if (!isPlainJson(v)) {
      throw new TypeError(
        `saveAdapterCheckpoint: "${module}" field "${k}" is neither a tensor nor plain JSON`,
      );
    }
    out[k] = v;
  }
  if (st.method === "nola") {
    const s = st as unknown as { a0: Tensor; basesA?: Tensor };
    out.form = s.a0.data.every((x) => x === 0) ? "paper" : "code";
    out.storeBases = s.basesA !== undefined;
  }
  return out;
}

/**
 * Writes adapter states (one method, keyed by dotted module path) as `{ config, weights }`:
 * the text of `adapter_config.json` and the bytes of `adapter_model.safetensors`. Tensors keep
 * their dtype (F64 or F32).
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { nola } from "./nola.ts";
 * import { loadAdapterCheckpoint, saveAdapterCheckpoint } from "./checkpoint.ts";
 * const st = nola.init(randn([64, 64], { seed: 0 }), { r: 4, k: 8, l: 8, module: "q" }, new Rng(0));
 * const files = saveAdapterCheckpoint({ q: st });
 * console.log(JSON.parse(files.config).peft_type, files.weights.length < 400); // LOWRANK_NOLA true
 * console.log(loadAdapterCheckpoint(files.config, files.weights).states.q.method); // nola
 * ```
 */
export function saveAdapterCheckpoint(
  states: Record<string, AdapterState>,
  metadata: Record<string, string> = {},
): { config: string; weights: Uint8Array } {
  const entries = Object.entries(states);
  if (entries.length === 0) throw new RangeError("saveAdapterCheckpoint: no states");
  const method = entries[0][1].method;
  const tensors = new Map<string, Tensor | IntTensor>();
  const modules: Record<string, Record<string, unknown>> = {};
  for (const [module, st] of entries) {
    if (st.method !== method) {
      throw new RangeError(
        `saveAdapterCheckpoint: "${module}" is ${st.method}, the first state is ${method}`,
      );
    }
    const derived = DERIVED[method] ?? [];
    for (const [name, t] of Object.entries(st.params)) tensors.set(`${module}.params.${name}`, t);
    for (const [k, v] of Object.entries(st)) {
      if (derived.includes(k)) continue;
      if (v instanceof Tensor) tensors.set(`${module}.${k}`, v);
      else if (v instanceof Int32Array) tensors.set(`${module}.${k}`, new IntTensor(v, [v.length]));
    }
    modules[module] = saveScalars(module, st);
  }
  const config = {
    peft_type: checkpointType(method),
    lowrank_method: method,
    lowrank_format: FORMAT,
    modules,
  };
  return {
    config: JSON.stringify(config, null, 2),
    weights: writeSafetensors(tensors, { format: "lowrank", ...metadata }),
  };
}

function fail(msg: string): never {
  throw new RangeError(`loadAdapterCheckpoint: ${msg}`);
}

/** Recomputes what the checkpoint left out (see the module doc). */
function rebuild(
  module: string,
  st: Record<string, unknown>,
  w: Tensor | undefined,
): AdapterState {
  const s = st as unknown as AdapterState & Record<string, unknown>;
  if (s.method === "nola") {
    const { form, storeBases, ...rest } = s;
    const p = s.params;
    const frozen = nolaFrozen(
      s.shape,
      s.r as number,
      p.alpha.size,
      p.beta.size,
      s.seeds as { a: number; b: number; a0: number },
      form as "code" | "paper",
      storeBases as boolean,
      p.alpha.dtype,
    );
    return { ...rest, ...frozen } as unknown as AdapterState;
  }
  if (s.method !== "loldu" && s.method !== "pissa") return s;
  if (w === undefined) {
    fail(`"${module}" (${s.method}) needs its original weight to rebuild the residual: pass bases`);
  }
  if (w.shape.length !== 2 || w.shape[0] !== s.shape[0] || w.shape[1] !== s.shape[1]) {
    fail(`"${module}": the weight is ${shapeStr(w.shape)}, the adapter ${shapeStr(s.shape)}`);
  }
  if (s.method === "loldu") {
    // The same arithmetic as loldu.init: W − σ₀·P L_r diag(d_r) U_r in f64, one rounding.
    const l = s as unknown as LolduState;
    const at0: LolduState = {
      ...l,
      params: { z: astype(l.d, "f64") },
      pl: astype(l.pl, "f64"),
      u: astype(l.u, "f64"),
    };
    const base = astype(sub(astype(w, "f64"), loldu.delta(at0)), w.dtype);
    return { ...s, base } as unknown as AdapterState;
  }
  // The same arithmetic as pissa.init: W − s·B₀A₀ in f64, one rounding.
  const init = loraFromFactors(astype(s.a0 as Tensor, "f64"), astype(s.b0 as Tensor, "f64"), {
    alpha: s.alpha as number,
    useRslora: s.useRslora as boolean,
  });
  const base = astype(sub(astype(w, "f64"), lora.delta(init)), w.dtype);
  return { ...s, base } as unknown as AdapterState;
}

/**
 * Reads a checkpoint written by {@link saveAdapterCheckpoint}. `bases` gives the original
 * weight of each module whose residual is rebuilt (LoLDU, PiSSA). Every tensor the config's
 * modules do not explain, and every missing one, is an error naming the key.
 *
 * @example
 * ```ts
 * import { Rng, randn } from "../../ops/random.ts";
 * import { loldu } from "./loldu.ts";
 * import { loadAdapterCheckpoint, saveAdapterCheckpoint } from "./checkpoint.ts";
 * const w = randn([6, 5], { seed: 0 });
 * const f = saveAdapterCheckpoint({ q: loldu.init(w, { r: 2 }, new Rng(0)) });
 * const back = loadAdapterCheckpoint(f.config, f.weights, { bases: { q: w } });
 * console.log(back.method, back.states.q.base?.shape); // loldu [6, 5]
 * ```
 */
export function loadAdapterCheckpoint(
  config: string | Record<string, unknown>,
  weights: Uint8Array,
  opts: { bases?: Record<string, Tensor>; name?: string } = {},
): AdapterCheckpoint {
  const file = opts.name ?? "adapter_model.safetensors";
  let c: Record<string, unknown>;
  try {
    c = typeof config === "string" ? JSON.parse(config) : config;
  } catch (e) {
    fail(`adapter_config.json is not valid JSON: ${(e as Error).message}`);
  }
  const method = c.lowrank_method;
  if (typeof method !== "string" || c.peft_type !== checkpointType(method)) {
    fail(`peft_type ${JSON.stringify(c.peft_type)} / lowrank_method ${JSON.stringify(method)}`);
  }
  if (c.lowrank_format !== FORMAT) {
    fail(`lowrank_format ${JSON.stringify(c.lowrank_format)} (this reader: ${FORMAT})`);
  }
  const modules = c.modules as Record<string, Record<string, unknown>>;
  if (modules === null || typeof modules !== "object" || Object.keys(modules).length === 0) {
    fail("config has no modules");
  }
  const { tensors, ints } = readSafetensors(weights, { name: file });
  const used = new Set<string>();
  const take = <T>(map: Map<string, T>, key: string): T => {
    used.add(key);
    return map.get(key)!;
  };
  const states: Record<string, AdapterState> = {};
  for (const [module, scalars] of Object.entries(modules)) {
    const st: Record<string, unknown> = { ...scalars, params: {} };
    const params = st.params as Record<string, Tensor>;
    for (const key of [...tensors.keys(), ...ints.keys()]) {
      if (!key.startsWith(`${module}.`)) continue;
      const field = key.slice(module.length + 1);
      if (field.startsWith("params.")) params[field.slice(7)] = take(tensors, key);
      else if (!field.includes(".")) {
        st[field] = tensors.has(key) ? take(tensors, key) : new Int32Array(
          take(ints, key).data as Int32Array,
        );
      }
    }
    if (Object.keys(params).length === 0) fail(`${file}: module "${module}" has no parameters`);
    states[module] = rebuild(module, st, opts.bases?.[module]);
  }
  for (const key of [...tensors.keys(), ...ints.keys()]) {
    if (!used.has(key)) fail(`${file}: tensor "${key}" belongs to no module of the config`);
  }
  return { method, states };
}
