/**
 * Command-line flags of the experiment scripts. {@link runCli} is the strict parser every
 * script uses: declared flags only, each at most once, values checked against their type,
 * choices and range, `--help` prints the usage (flags, defaults, JSON fields) and exits 0, and
 * any mistake exits with status 2 and one line on stderr (no stack trace). Of the older loose
 * helpers, `parseFlags` is still used by peft.ts (subcommands) and lora3d.ts (its own strict
 * checks); `commonFlags` and `numberFlag` are kept for users' scripts.
 *
 * @module
 */
export * from "./strict_cli.ts";

/** Flags common to all experiments. */
export interface CommonFlags {
  /** Seed of every random choice (default 0). */
  seed: number;
  /** Output folder for the report JSON and plots (default "out"). */
  out: string;
  /** Small sizes so that the run takes seconds (used by `deno task reproduce`). */
  quick: boolean;
  /** Where to write the machine-readable result, if asked. */
  json?: string;
}

/**
 * Parses the common flags and returns the others untouched (`--name value`, `--name=value` or
 * a bare `--flag`, which reads as `true`).
 *
 * @example
 * ```ts
 * import { commonFlags } from "./cli.ts";
 * const { flags, rest } = commonFlags(["--quick", "--seed", "3", "--d", "20"]);
 * console.log(flags.seed, flags.quick, rest.d); // 3 true "20"
 * ```
 */
export function commonFlags(
  args: string[],
): { flags: CommonFlags; rest: Record<string, string | boolean | undefined> } {
  const values = parseFlags(args);
  const rest: Record<string, string | boolean | undefined> = { ...values };
  const seedText = values.seed ?? "0";
  const seed = Number(seedText);
  if (typeof seedText !== "string" || !Number.isInteger(seed)) {
    throw new RangeError(`--seed must be an integer, got ${String(seedText)}`);
  }
  const out = values.out ?? "out";
  if (typeof out !== "string") throw new TypeError("--out needs a folder name");
  const json = values.json;
  if (json !== undefined && typeof json !== "string") {
    throw new TypeError("--json needs a file name");
  }
  for (const k of ["seed", "out", "quick", "json"]) delete rest[k];
  return { flags: { seed, out, quick: values.quick === true, json }, rest };
}

/**
 * Reads a numeric flag from `rest`, with a default; a malformed value is a RangeError.
 *
 * @example
 * ```ts
 * import { numberFlag } from "./cli.ts";
 * console.log(numberFlag({ d: "20" }, "d", 10), numberFlag({}, "m", 5)); // 20 5
 * ```
 */
export function numberFlag(
  rest: Record<string, string | boolean | undefined>,
  name: string,
  fallback: number,
): number {
  const v = rest[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== "string" || v.trim() === "" || !Number.isFinite(n)) {
    throw new RangeError(`--${name} must be a number, got ${String(v)}`);
  }
  return n;
}

/**
 * Parses `--name value`, `--name=value` and bare `--flag` (true) tokens. A token after a flag
 * is its value unless it starts with `--` (so `--alpha -1` works). Positional words are an
 * error: every experiment input is named.
 *
 * @example
 * ```ts
 * import { parseFlags } from "./cli.ts";
 * console.log(parseFlags(["--d", "20", "--quick", "--noise=outlier"]));
 * // { d: "20", quick: true, noise: "outlier" }
 * ```
 */
export function parseFlags(args: string[]): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (let i = 0; i < args.length; i++) {
    const tok = args[i];
    if (!tok.startsWith("--") || tok.length === 2) {
      throw new RangeError(
        `unexpected argument ${JSON.stringify(tok)}: flags look like --name value`,
      );
    }
    const eq = tok.indexOf("=");
    const name = eq > 0 ? tok.slice(2, eq) : tok.slice(2);
    // A repeated flag used to keep its last value silently (`--d 10 --d 12`).
    if (name in out) throw new RangeError(`--${name} is given twice`);
    if (eq > 0) {
      out[name] = tok.slice(eq + 1);
    } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
      out[name] = args[++i];
    } else {
      out[name] = true;
    }
  }
  return out;
}
