/**
 * PEFT adapter tool (not an experiment; `reproduce` skips it).
 *
 *   deno run -A experiments/peft.ts merge --base B.safetensors --adapter A.safetensors \
 *     --config C.json --out M.safetensors [--unmerge] [--only-adapted]
 *   deno run -A experiments/peft.ts inspect --adapter A.safetensors --config C.json \
 *     [--base B.safetensors] [--json FILE]
 *
 * `merge` writes the base checkpoint with the adapter folded in (PEFT `merge_and_unload`), or
 * only the changed tensors with `--only-adapted`; `--unmerge` subtracts instead. `inspect`
 * prints, per adapted module, the rank, ΔW's shape, its singular-value spectrum and the
 * trainable parameter count. LoRA and RandLoRA adapters are supported; any other `peft_type`
 * or a malformed file is a clear error (exit status 1).
 *
 * @module
 */
import { parseFlags } from "./lib/cli.ts";
import { readSafetensors, readSafetensorsHeader, writeSafetensors } from "../ops/io/safetensors.ts";
import type { Tensor } from "../ops/tensor.ts";
import { parsePeftConfig } from "../methods/adapters/peft_config.ts";
import {
  mergePeftAdapter,
  type PeftAdapter,
  readPeftAdapter,
} from "../methods/adapters/peft_adapter.ts";
import { inspectPeftAdapter, type ModuleReport } from "../methods/adapters/peft_inspect.ts";

const USAGE = `usage:
  peft.ts merge --base B.safetensors --adapter A.safetensors --config C.json --out M.safetensors [--unmerge] [--only-adapted]
  peft.ts inspect --adapter A.safetensors --config C.json [--base B.safetensors] [--json FILE]`;

/** The flags each command reads, and which of them are on/off switches. */
const FLAGS: Record<string, readonly string[]> = {
  merge: ["base", "adapter", "config", "out", "unmerge", "only-adapted"],
  inspect: ["adapter", "config", "base", "json"],
};
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
      `${extra.map((k) => `--${k}`).join(" ")}: not a flag of ${cmd}\n${USAGE}`,
    );
  }
  for (const k of SWITCHES) {
    if (k in flags && flags[k] !== true) {
      throw new RangeError(`--${k} takes no value, got --${k} ${String(flags[k])}`);
    }
  }
}

function need(flags: Record<string, string | boolean>, name: string): string {
  const v = flags[name];
  if (typeof v !== "string") throw new RangeError(`--${name} FILE is required\n${USAGE}`);
  return v;
}

async function loadAdapter(flags: Record<string, string | boolean>): Promise<PeftAdapter> {
  const adapterPath = need(flags, "adapter"), configPath = need(flags, "config");
  const config = parsePeftConfig(await Deno.readTextFile(configPath));
  return readPeftAdapter(config, await Deno.readFile(adapterPath), { name: adapterPath });
}

async function merge(flags: Record<string, string | boolean>): Promise<void> {
  const basePath = need(flags, "base"), outPath = need(flags, "out");
  const adapter = await loadAdapter(flags);
  const base = readSafetensors(await Deno.readFile(basePath), { name: basePath });
  if (base.ints.size > 0) {
    throw new RangeError(`${basePath}: integer tensors are not supported in a base checkpoint`);
  }
  const merged = mergePeftAdapter(base.tensors, adapter, { unmerge: flags.unmerge === true });
  let out: Map<string, Tensor> = merged;
  if (flags["only-adapted"] === true) {
    out = new Map([...merged].filter(([k, t]) => base.tensors.get(k) !== t));
  }
  const dtype = storage(base, out);
  await Deno.writeFile(outPath, writeSafetensors(out, base.metadata, { dtype }));
  console.error(
    `${flags.unmerge ? "unmerged" : "merged"} ${adapter.modules.size} modules into ${out.size} ` +
      `tensors → ${outPath}`,
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

async function inspect(flags: Record<string, string | boolean>): Promise<void> {
  const adapter = await loadAdapter(flags);
  const shapes = new Map<string, number[]>();
  if (typeof flags.base === "string") {
    const header = readSafetensorsHeader(await Deno.readFile(flags.base), { name: flags.base });
    for (const e of header.entries) {
      if (e.name.endsWith(".weight")) shapes.set(e.name.slice(0, -".weight".length), e.shape);
    }
  }
  const reports: ModuleReport[] = inspectPeftAdapter(adapter, shapes);
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
  if (typeof flags.json === "string") {
    const json = { peftType: adapter.config.peft_type, totalParams: total, modules: reports };
    await Deno.writeTextFile(flags.json, JSON.stringify(json, null, 2));
  }
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
    if (cmd !== "merge" && cmd !== "inspect") {
      throw new RangeError(`unknown command ${JSON.stringify(cmd)}\n${USAGE}`);
    }
    const flags = parseFlags(rest);
    checkFlags(cmd, flags);
    if (cmd === "merge") await merge(flags);
    else await inspect(flags);
    return 0;
  } catch (e) {
    console.error(`peft: ${(e as Error).message}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
