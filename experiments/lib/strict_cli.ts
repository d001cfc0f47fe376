/**
 * The strict command-line parser of the experiment scripts: declared flags only, each at most
 * once, values checked against their type, choices and range; `--help` prints the usage
 * (flags, defaults, JSON fields) and exits 0; a mistake exits with status 2 and one line on
 * stderr, without a stack trace.
 *
 * @module
 */

/** One flag of a command-line tool. */
export interface FlagSpec {
  /**
   * `"number"` (finite), `"integer"`, `"string"`, `"list"` (comma-separated words) or
   * `"boolean"` (a bare switch: `--quick`; it takes no value).
   */
  readonly type: "number" | "integer" | "string" | "list" | "boolean";
  /** One line for `--help`. */
  readonly help: string;
  /** Value when the flag is absent (shown by `--help`); a switch is false when absent. */
  readonly default?: number | string | readonly string[];
  /** Allowed values of a string flag, or of each word of a list. */
  readonly choices?: readonly string[];
  /** Smallest allowed number. */
  readonly min?: number;
  /** Largest allowed number. */
  readonly max?: number;
}

/** A command-line tool: its name, what it does, its flags and the JSON it writes. */
export interface CliSpec<F extends Readonly<Record<string, FlagSpec>>> {
  /** How it is run, e.g. `experiments/subgm.ts`. */
  readonly name: string;
  /** What it does (printed first by `--help`). */
  readonly summary: string;
  /** The flags, by name without the dashes. */
  readonly flags: F;
  /** The fields of the JSON that `--json FILE` writes (printed by `--help`). */
  readonly json?: string;
}

/** The parsed value of one flag spec. */
export type FlagValue<S extends FlagSpec> = S["type"] extends "boolean" ? boolean
  : S["type"] extends "number" | "integer" ? number
  : S["type"] extends "list" ? string[]
  : string;

/** Parsed values: every flag with a default (or a switch) has a value, the others may not. */
export type FlagValues<F extends Readonly<Record<string, FlagSpec>>> = {
  -readonly [K in keyof F]: F[K] extends { default: unknown } ? FlagValue<F[K]>
    : F[K]["type"] extends "boolean" ? boolean
    : FlagValue<F[K]> | undefined;
};

/** The result of {@link parseCli}. */
export interface ParsedCli<F extends Readonly<Record<string, FlagSpec>>> {
  /** Every flag's value: the one given, else its default. */
  values: FlagValues<F>;
  /** The flags given on the command line. */
  given: ReadonlySet<string>;
  /** `--help` was asked for (only that flag may be given then). */
  help: boolean;
}

/**
 * A mistake on the command line; {@link runCli} prints its message as one line and exits 2.
 *
 * @example
 * ```ts
 * import { CliError } from "./strict_cli.ts";
 * console.log(new CliError("--d must be an integer, got 1.5").message); // --d must be an integer, got 1.5
 * ```
 */
export class CliError extends Error {
  /** Builds the error with its one-line message. */
  constructor(message: string) {
    super(message);
    this.name = "CliError";
  }
}

/**
 * The flags every experiment takes (`deno task reproduce` passes `--out`, `--seed`, `--quick`).
 *
 * @example
 * ```ts
 * import { COMMON_FLAGS } from "./strict_cli.ts";
 * console.log(Object.keys(COMMON_FLAGS)); // [ "seed", "out", "quick", "json" ]
 * ```
 */
export const COMMON_FLAGS = {
  seed: { type: "integer", default: 0, help: "seed of every random choice" },
  out: { type: "string", default: "out", help: "folder for the report JSON and the SVG plots" },
  quick: { type: "boolean", help: "small sizes that run in seconds (deno task reproduce)" },
  json: { type: "string", help: "also write the machine-readable result to this file" },
} as const satisfies Record<string, FlagSpec>;

/** `--name value`, `--name=value` or a bare switch, split into name and text. */
function tokens(
  args: readonly string[],
  flags: Readonly<Record<string, FlagSpec>>,
): Map<string, string | true> {
  const out = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const tok = args[i];
    if (!tok.startsWith("--") || tok.length === 2) {
      throw new CliError(
        `unexpected argument ${JSON.stringify(tok)}: flags look like --name value`,
      );
    }
    const eq = tok.indexOf("=");
    const name = eq > 0 ? tok.slice(2, eq) : tok.slice(2);
    const spec = flags[name];
    if (spec === undefined && name !== "help") throw unknownFlag(name, flags);
    if (out.has(name)) throw new CliError(`--${name} is given twice`);
    if (name === "help" || spec.type === "boolean") {
      if (eq > 0) throw new CliError(`--${name} takes no value, got ${tok}`);
      out.set(name, true);
    } else if (eq > 0) {
      out.set(name, tok.slice(eq + 1));
    } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
      out.set(name, args[++i]);
    } else {
      throw new CliError(`--${name} needs a value (${spec.help})`);
    }
  }
  return out;
}

function unknownFlag(name: string, flags: Readonly<Record<string, FlagSpec>>): CliError {
  const near = Object.keys(flags).filter((k) => looksLike(k, name));
  const hint = near.length > 0 ? `; did you mean ${near.map((k) => `--${k}`).join(" or ")}?` : "";
  return new CliError(`unknown flag --${name}${hint} (--help lists the flags)`);
}

/** A likely typo: a prefix either way, the same letters reordered, or one letter replaced. */
function looksLike(known: string, typed: string): boolean {
  if (known.startsWith(typed) || typed.startsWith(known)) return true;
  if (known.length !== typed.length) return false;
  const sorted = (w: string): string => [...w].sort().join("");
  if (sorted(known) === sorted(typed)) return true;
  let diff = 0;
  for (let i = 0; i < known.length; i++) diff += known[i] === typed[i] ? 0 : 1;
  return diff === 1;
}

/** Checks and converts the text of one flag. */
function convert(name: string, spec: FlagSpec, text: string): number | string | string[] {
  const choose = (w: string): void => {
    if (spec.choices && !spec.choices.includes(w)) {
      throw new CliError(`--${name} must be one of ${spec.choices.join(", ")}, got ${w}`);
    }
  };
  if (spec.type === "string") {
    if (text === "") throw new CliError(`--${name} needs a non-empty value`);
    choose(text);
    return text;
  }
  if (spec.type === "list") {
    const words = text.split(",");
    if (words.some((w) => w === "")) throw new CliError(`--${name} has an empty item: ${text}`);
    words.forEach(choose);
    return words;
  }
  const v = Number(text);
  if (text.trim() === "" || !Number.isFinite(v)) {
    throw new CliError(`--${name} must be a number, got ${text}`);
  }
  if (spec.type === "integer" && !Number.isInteger(v)) {
    throw new CliError(`--${name} must be an integer, got ${text}`);
  }
  if (spec.min !== undefined && v < spec.min) {
    throw new CliError(`--${name} must be ≥ ${spec.min}, got ${text}`);
  }
  if (spec.max !== undefined && v > spec.max) {
    throw new CliError(`--${name} must be ≤ ${spec.max}, got ${text}`);
  }
  return v;
}

/**
 * Parses `args` against `spec` (no side effects; {@link runCli} adds `--help` and the exit).
 *
 * @throws {CliError} for an unknown, repeated or malformed flag.
 *
 * @example
 * ```ts
 * import { parseCli } from "./strict_cli.ts";
 * const spec = {
 *   name: "demo.ts",
 *   summary: "A demo.",
 *   flags: { d: { type: "integer", default: 10, min: 1, help: "dimension" } },
 * } as const;
 * console.log(parseCli(spec, ["--d", "12"]).values.d); // 12
 * ```
 */
export function parseCli<const F extends Readonly<Record<string, FlagSpec>>>(
  spec: CliSpec<F>,
  args: readonly string[],
): ParsedCli<F> {
  const toks = tokens(args, spec.flags);
  const help = toks.has("help");
  if (help && toks.size > 1) throw new CliError("--help takes no other flags");
  const values: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(spec.flags)) {
    const t = toks.get(name);
    if (f.type === "boolean") values[name] = t === true;
    else if (typeof t === "string") values[name] = convert(name, f, t);
    else values[name] = Array.isArray(f.default) ? [...f.default] : f.default;
  }
  toks.delete("help");
  return { values: values as FlagValues<F>, given: new Set(toks.keys()), help };
}

/**
 * The `--help` text: summary, every flag with its default, and the JSON fields.
 *
 * @example
 * ```ts
 * import { usage } from "./strict_cli.ts";
 * const text = usage({
 *   name: "demo.ts",
 *   summary: "A demo.",
 *   flags: { d: { type: "integer", default: 10, help: "dimension" } },
 * });
 * console.log(text.includes("--d N")); // true
 * ```
 */
export function usage<F extends Readonly<Record<string, FlagSpec>>>(spec: CliSpec<F>): string {
  const meta = { number: " X", integer: " N", string: " TEXT", list: " A,B", boolean: "" };
  const rows = Object.entries(spec.flags).map(([name, f]) => {
    const head = `  --${name}${meta[f.type]}`;
    const choices = f.choices ? ` (${f.choices.join(" | ")})` : "";
    const dflt = f.default === undefined ? "" : ` [default: ${String(f.default)}]`;
    return `${head.padEnd(24)} ${f.help}${choices}${dflt}`;
  });
  const json = spec.json ? `\n\nJSON written by --json:\n  ${spec.json}` : "";
  return `usage: deno run -A ${spec.name} [flags]\n\n${spec.summary}\n\nflags:\n${
    rows.join("\n")
  }\n${"  --help".padEnd(24)} print this text and exit${json}\n`;
}

/**
 * Parses `args` (default `Deno.args`) for a script: `--help` prints {@link usage} and exits 0;
 * a {@link CliError} prints `name: message` on stderr and exits 2.
 *
 * @example
 * ```ts
 * import { runCli } from "./strict_cli.ts";
 * const cli = runCli({
 *   name: "demo.ts",
 *   summary: "A demo.",
 *   flags: { quick: { type: "boolean", help: "small sizes" } },
 * }, ["--quick"]);
 * console.log(cli.values.quick); // true
 * ```
 */
export function runCli<const F extends Readonly<Record<string, FlagSpec>>>(
  spec: CliSpec<F>,
  args: readonly string[] = Deno.args,
): ParsedCli<F> {
  try {
    const cli = parseCli(spec, args);
    if (cli.help) {
      console.log(usage(spec));
      Deno.exit(0);
    }
    return cli;
  } catch (e) {
    return exitWith(spec.name, e);
  }
}

/**
 * Ends the script after a command-line mistake found later (an ineffective flag, a missing
 * folder): a {@link CliError}, RangeError or TypeError prints `name: message` on stderr and
 * exits 2; anything else is rethrown.
 *
 * @example
 * ```ts
 * import { exitWith } from "./strict_cli.ts";
 * try {
 *   exitWith("demo.ts", new Error("not a usage error"));
 * } catch (e) {
 *   console.log((e as Error).message); // not a usage error
 * }
 * ```
 */
export function exitWith(name: string, e: unknown): never {
  if (e instanceof CliError || e instanceof RangeError || e instanceof TypeError) {
    console.error(`${name}: ${e.message}`);
    Deno.exit(2);
  }
  throw e;
}

/**
 * Throws a {@link CliError} when `flag` was given although it has no effect (`why` says when
 * it would have one).
 *
 * @example
 * ```ts
 * import { rejectIdle } from "./strict_cli.ts";
 * try {
 *   rejectIdle(new Set(["nu"]), "nu", true, "unless the noise is Gaussian");
 * } catch (e) {
 *   console.log((e as Error).message); // --nu: no effect unless the noise is Gaussian
 * }
 * ```
 */
export function rejectIdle(
  given: ReadonlySet<string>,
  flag: string,
  idle: boolean,
  why: string,
): void {
  if (idle && given.has(flag)) throw new CliError(`--${flag}: no effect ${why}`);
}

/**
 * Checks before any work that `--json FILE` (or another output file) can be written: its
 * folder is created if missing; a folder that cannot be created, or a path that is a folder,
 * is a {@link CliError} naming the flag.
 *
 * @example
 * ```ts
 * import { checkOutputFile } from "./strict_cli.ts";
 * const dir = Deno.makeTempDirSync();
 * checkOutputFile("json", `${dir}/sub/r.json`);
 * console.log(Deno.statSync(`${dir}/sub`).isDirectory); // true
 * ```
 */
export function checkOutputFile(flag: string, path: string): void {
  const slash = path.lastIndexOf("/");
  const dir = slash > 0 ? path.slice(0, slash) : slash === 0 ? "/" : ".";
  try {
    Deno.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new CliError(`--${flag} ${path}: cannot create folder ${dir} (${(e as Error).message})`);
  }
  let isDir = false;
  try {
    isDir = Deno.statSync(path).isDirectory;
  } catch {
    // absent: fine, it is written at the end
  }
  if (isDir) throw new CliError(`--${flag} ${path}: is a folder, not a file`);
}

/**
 * Checks before any work that an input folder exists; otherwise a {@link CliError} naming the
 * flag (instead of a stack trace from `readDir` later).
 *
 * @example
 * ```ts
 * import { checkInputDir } from "./strict_cli.ts";
 * try {
 *   checkInputDir("data", "/nope");
 * } catch (e) {
 *   console.log((e as Error).message); // --data /nope: no such folder
 * }
 * ```
 */
export function checkInputDir(flag: string, path: string): void {
  let ok = false;
  try {
    ok = Deno.statSync(path).isDirectory;
  } catch {
    ok = false;
  }
  if (!ok) throw new CliError(`--${flag} ${path}: no such folder`);
}

/**
 * Checks before any work that an input file exists (and is a file); otherwise a
 * {@link CliError} naming the flag.
 *
 * @example
 * ```ts
 * import { checkInputFile } from "./strict_cli.ts";
 * try {
 *   checkInputFile("data", "/nope.txt");
 * } catch (e) {
 *   console.log((e as Error).message); // --data /nope.txt: no such file
 * }
 * ```
 */
export function checkInputFile(flag: string, path: string): void {
  let ok = false;
  try {
    ok = Deno.statSync(path).isFile;
  } catch {
    ok = false;
  }
  if (!ok) throw new CliError(`--${flag} ${path}: no such file`);
}

/**
 * Runs the checks a script makes before any work (ineffective flags, input and output paths);
 * a mistake ends the script as {@link exitWith} does.
 *
 * @example
 * ```ts
 * import { checkOutputFile, upFront } from "./strict_cli.ts";
 * upFront("demo.ts", () => checkOutputFile("json", `${Deno.makeTempDirSync()}/r.json`));
 * console.log("checked"); // checked
 * ```
 */
export function upFront(name: string, check: () => void): void {
  try {
    check();
  } catch (e) {
    exitWith(name, e);
  }
}
