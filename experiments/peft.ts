/**
 * PEFT adapter tool (not an experiment; `reproduce` skips it).
 *
 *   deno run -A experiments/peft.ts merge --base B.safetensors --adapter A.safetensors \
 *     --config C.json [--adapter A2 --config C2 …] [--weights w1,w2,…] \
 *     [--combination cat|linear|svd] --out M.safetensors [--unmerge] [--only-adapted]
 *   deno run -A experiments/peft.ts inspect --adapter A.safetensors --config C.json \
 *     [--adapter A2 --config C2 …] [--base B.safetensors] [--json FILE]
 *
 * `merge` writes the base checkpoint with the adapter folded in (PEFT `merge_and_unload`), or
 * only the changed tensors with `--only-adapted`; `--unmerge` subtracts instead. Several
 * `--adapter A --config C` pairs (paired in order) are combined per module with `--weights`
 * (default all 1) by PEFT's `add_weighted_adapter` rule `--combination` (default `cat`, the
 * exact `W + Σ wᵢ·sᵢ·BᵢAᵢ`; `linear`, `svd` as PEFT); they must be LoRA adapters without
 * DoRA or full-tensor replacements. `inspect` prints, for every adapter given, per adapted
 * module the rank, ΔW's shape, its singular-value spectrum and the trainable parameter count.
 * LoRA and RandLoRA adapters are supported; any other `peft_type`, a malformed file, a module
 * the base lacks, a shape mismatch or a weights count ≠ adapters count is one line naming the
 * file and key (exit status 1).
 *
 * @module
 */
import { checkInputFile, checkOutputFile, parseFlags } from "./lib/cli.ts";
import { readSafetensors, readSafetensorsHeader, type Tensor, writeSafetensors } from "../mod.ts";
// The adapters entry (`@lowrank/lowrank/adapters`), as a user's script would import it.
import {
  applyPeftDeltas,
  type CombinationType,
  combineLoras,
  inspectPeftAdapter,
  lora,
  type LoraState,
  loraStatesFromPeft,
  mergePeftAdapter,
  type ModuleReport,
  parsePeftConfig,
  type PeftAdapter,
  type PeftLoraAdapter,
  readPeftAdapter,
} from "../methods/adapters/mod.ts";

const USAGE = `usage:
  peft.ts merge --base B.safetensors --adapter A.safetensors --config C.json [--adapter A2 --config C2 …]
                [--weights w1,w2,…] [--combination cat|linear|svd] --out M.safetensors [--unmerge] [--only-adapted]
  peft.ts inspect --adapter A.safetensors --config C.json [--adapter A2 --config C2 …] [--base B.safetensors] [--json FILE]`;

/** The flags each command reads (besides the repeatable --adapter/--config pairs). */
const FLAGS: Record<string, readonly string[]> = {
  merge: ["base", "out", "unmerge", "only-adapted", "weights", "combination"],
  inspect: ["base", "json"],
};

/**
 * Takes the `--adapter FILE` and `--config FILE` occurrences out of `args` (they may repeat,
 * paired in order); the rest goes to the strict flag parser.
 */
function splitPairs(args: string[]): { pairs: [string, string][]; rest: string[] } {
  const adapters: string[] = [], configs: string[] = [], rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const m = /^--(adapter|config)(?:=(.*))?$/.exec(args[i]);
    if (m === null) {
      rest.push(args[i]);
      continue;
    }
    const v = m[2] ?? args[++i];
    if (v === undefined || v.startsWith("--")) {
      throw new RangeError(`--${m[1]} needs a FILE; peft.ts --help prints the usage`);
    }
    (m[1] === "adapter" ? adapters : configs).push(v);
  }
  if (adapters.length === 0) {
    throw new RangeError(`--adapter FILE is required; peft.ts --help prints the usage`);
  }
  if (configs.length !== adapters.length) {
    throw new RangeError(
      `${adapters.length} --adapter files but ${configs.length} --config files (give them in pairs)`,
    );
  }
  return { pairs: adapters.map((a, i) => [a, configs[i]]), rest };
}
const SWITCHES = ["unmerge", "only-adapted"];

/**
 * A flag the command does not read (a typo such as `--only-adapter` would otherwise write the
 * whole model) or a value after a switch is an error, not silently ignored.
 */
function checkFlags(cmd: string, flags: Record<string, string | boolean>): void {
  const known = FLAGS[cmd];
  const extra = Object.keys(flags).filter((k) => !known.includes(k));
  if (extra.length > 0) {
    throw new RangeError(
      `${
        extra.map((k) => `--${k}`).join(" ")
      }: not a flag of ${cmd}; peft.ts --help prints the usage`,
    );
  }
  for (const k of SWITCHES) {
    if (k in flags && flags[k] !== true) {
      throw new RangeError(`--${k} takes no value, got --${k} ${String(flags[k])}`);
    }
  }
}

/** Input files exist and output files can be written, before any work (one-line errors). */
function checkPaths(pairs: [string, string][], flags: Record<string, string | boolean>): void {
  for (const [adapter, config] of pairs) {
    checkInputFile("adapter", adapter);
    checkInputFile("config", config);
  }
  if (typeof flags.base === "string") checkInputFile("base", flags.base);
  for (const k of ["out", "json"]) {
    if (typeof flags[k] === "string") checkOutputFile(k, flags[k] as string);
  }
}

function need(flags: Record<string, string | boolean>, name: string): string {
  const v = flags[name];
  if (typeof v !== "string") {
    throw new RangeError(`--${name} FILE is required; peft.ts --help prints the usage`);
  }
  return v;
}

async function loadAdapter([adapterPath, configPath]: [string, string]): Promise<PeftAdapter> {
  let config;
  try {
    config = parsePeftConfig(await Deno.readTextFile(configPath));
  } catch (e) {
    throw new RangeError(`${configPath}: ${(e as Error).message}`);
  }
  return readPeftAdapter(config, await Deno.readFile(adapterPath), { name: adapterPath });
}

/** `--weights w1,w2,…` (default all 1), one per adapter. */
function parseWeights(flags: Record<string, string | boolean>, n: number): number[] {
  if (flags.weights === undefined) return new Array(n).fill(1);
  if (typeof flags.weights !== "string") throw new RangeError("--weights needs w1,w2,…");
  const parts = flags.weights.split(",");
  const w = parts.map((x) => (x.trim() === "" ? NaN : Number(x)));
  if (w.some((x) => !Number.isFinite(x))) {
    throw new RangeError(`--weights ${flags.weights}: not a comma-separated list of numbers`);
  }
  if (w.length !== n) throw new RangeError(`--weights has ${w.length} values for ${n} adapters`);
  return w;
}

/** Per-module combined ΔW of several LoRA adapters (PEFT's add_weighted_adapter rule). */
function combinedDeltas(
  pairs: [string, string][],
  adapters: PeftAdapter[],
  weights: number[],
  type: CombinationType,
  base: Map<string, Tensor>,
): Map<string, Tensor> {
  const perModule = new Map<string, { st: LoraState; w: number }[]>();
  adapters.forEach((ad, i) => {
    const file = pairs[i][0];
    if (ad.config.peft_type !== "LORA") {
      throw new RangeError(
        `${file}: only LoRA adapters can be combined, not ${ad.config.peft_type}`,
      );
    }
    const la = ad as PeftLoraAdapter;
    if (la.replacements.size > 0) {
      throw new RangeError(
        `${file}: "${
          [...la.replacements.keys()][0]
        }" replaces a base tensor; such adapters are not combined`,
      );
    }
    for (const [m, mod] of la.modules) {
      if (mod.magnitude !== undefined) {
        throw new RangeError(`${file}: "${m}" is a DoRA module; DoRA adapters are not combined`);
      }
      const key = `${m}.weight`, w = base.get(key);
      if (w === undefined) throw new RangeError(`${file}: the base has no tensor "${key}"`);
      const st = loraStatesFromPeft({ ...la, modules: new Map([[m, mod]]) })[m];
      if (w.ndim !== 2 || w.shape[0] !== st.shape[0] || w.shape[1] !== st.shape[1]) {
        throw new RangeError(
          `${file}: "${key}" is ${w.shape.join("x")} in the base but the adapter's ΔW is ${
            st.shape.join("x")
          }`,
        );
      }
      perModule.set(m, [...(perModule.get(m) ?? []), { st, w: weights[i] }]);
    }
  });
  const deltas = new Map<string, Tensor>();
  for (const [m, list] of perModule) {
    const c = combineLoras(list.map((x) => x.st), list.map((x) => x.w), type);
    deltas.set(`${m}.weight`, lora.delta(c));
  }
  return deltas;
}

async function merge(
  pairs: [string, string][],
  flags: Record<string, string | boolean>,
): Promise<void> {
  const basePath = need(flags, "base"), outPath = need(flags, "out");
  const adapters = await Promise.all(pairs.map(loadAdapter));
  const weights = parseWeights(flags, adapters.length);
  const combination = (flags.combination ?? "cat") as CombinationType;
  if (!["cat", "linear", "svd"].includes(combination)) {
    throw new RangeError(`--combination must be cat, linear or svd, got ${String(combination)}`);
  }
  const base = readSafetensors(await Deno.readFile(basePath), { name: basePath });
  if (base.ints.size > 0) {
    throw new RangeError(`${basePath}: integer tensors are not supported in a base checkpoint`);
  }
  const unmerge = flags.unmerge === true;
  const single = adapters.length === 1 && flags.weights === undefined &&
    flags.combination === undefined;
  const merged = single
    ? mergePeftAdapter(base.tensors, adapters[0], { unmerge })
    : applyPeftDeltas(
      "merge",
      base.tensors,
      combinedDeltas(pairs, adapters, weights, combination, base.tensors),
      new Map(),
      unmerge,
    );
  let out: Map<string, Tensor> = merged;
  if (flags["only-adapted"] === true) {
    out = new Map([...merged].filter(([k, t]) => base.tensors.get(k) !== t));
  }
  const dtype = storage(base, out);
  await Deno.writeFile(outPath, writeSafetensors(out, base.metadata, { dtype }));
  const modules = new Set(adapters.flatMap((a) => [...a.modules.keys()]));
  console.error(
    `${unmerge ? "unmerged" : "merged"} ${adapters.length} adapter(s), ${modules.size} modules ` +
      `into ${out.size} tensors → ${outPath}`,
  );
}

/**
 * Each written tensor keeps its stored dtype (a BF16 base stays BF16). Only the tensors in
 * `out` are named: the writer rejects entries for tensors it does not write, and
 * `--only-adapted` writes a subset of the base.
 */
function storage(
  f: ReturnType<typeof readSafetensors>,
  out: Map<string, Tensor>,
): Record<string, "F64" | "F32" | "F16" | "BF16"> {
  const d: Record<string, "F64" | "F32" | "F16" | "BF16"> = {};
  for (const [k, t] of f.dtypes) if (out.has(k) && t !== "I32" && t !== "I64") d[k] = t;
  return d;
}

function fmt(x: number): string {
  return x === 0 ? "0" : x.toPrecision(4);
}

async function inspect(
  pairs: [string, string][],
  flags: Record<string, string | boolean>,
): Promise<void> {
  const shapes = new Map<string, number[]>();
  if (typeof flags.base === "string") {
    const header = readSafetensorsHeader(await Deno.readFile(flags.base), { name: flags.base });
    for (const e of header.entries) {
      if (e.name.endsWith(".weight")) shapes.set(e.name.slice(0, -".weight".length), e.shape);
    }
  }
  const all = [];
  for (const pair of pairs) {
    const adapter = await loadAdapter(pair);
    all.push({ file: pair[0], ...report(adapter, inspectPeftAdapter(adapter, shapes)) });
  }
  if (typeof flags.json === "string") {
    const json = all.length === 1 ? all[0] : { adapters: all };
    await Deno.writeTextFile(flags.json, JSON.stringify(json, null, 2));
  }
}

/** Prints one adapter's table; returns its JSON summary. */
function report(
  adapter: PeftAdapter,
  reports: ModuleReport[],
): { peftType: string; totalParams: number; modules: ModuleReport[] } {
  let total = 0;
  console.log(`peft_type ${adapter.config.peft_type}, ${reports.length} modules`);
  for (const m of reports) {
    total += m.params;
    const sv = m.singularValues.slice(0, 8).map(fmt).join(" ");
    console.log(
      `${m.module}  ΔW ${
        m.shape.join("x") || "?"
      }  rank ${m.rank} (r=${m.r})  params ${m.params}  ` +
        `σ: ${sv}${m.singularValues.length > 8 ? " …" : ""}`,
    );
  }
  console.log(`total trainable parameters ${total}`);
  return { peftType: adapter.config.peft_type, totalParams: total, modules: reports };
}

/**
 * Runs the tool on `args`; returns the exit status (errors are printed, not thrown).
 *
 * @example
 * ```ts
 * import { main } from "./peft.ts";
 * console.log(await main(["help"])); // 1 (the usage is printed on stderr)
 * ```
 */
export async function main(args: string[]): Promise<number> {
  try {
    const [cmd, ...rest] = args;
    if (cmd === "--help" || cmd === "-h" || (cmd !== undefined && rest.includes("--help"))) {
      console.log(USAGE);
      return 0;
    }
    if (cmd === undefined) {
      throw new RangeError(
        `a command is needed (merge or inspect); peft.ts --help prints the usage`,
      );
    }
    if (cmd !== "merge" && cmd !== "inspect") {
      throw new RangeError(
        `unknown command ${JSON.stringify(cmd)}; peft.ts --help prints the usage`,
      );
    }
    const { pairs, rest: others } = splitPairs(rest);
    const flags = parseFlags(others);
    checkFlags(cmd, flags);
    checkPaths(pairs, flags);
    if (cmd === "merge") await merge(pairs, flags);
    else await inspect(pairs, flags);
    return 0;
  } catch (e) {
    console.error(`peft: ${(e as Error).message}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
