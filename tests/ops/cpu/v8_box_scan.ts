/**
 * Scans a `deno test` (or `deno run`) of any files for the precondition of the V8 15.0 (Deno
 * 2.9.6) field-sharing bug that `v8_field_alias_repro.ts` reproduces: a deoptimization that
 * rebuilds an escape-analysed object literal whose number fields are HeapNumber constants of the
 * optimized code (`captured object` ... `(literal N) <HeapNumber ...>` in `--trace-deopt-verbose`).
 * The deoptimizer puts that one box into every object it rebuilds there, and the interpreter then
 * stores each object's value into the shared box, so all those objects read the last value.
 *
 * In a corrupted run of the repro (2026-12-06 16:44 UTC) both rebuilt objects got the same two
 * boxes (`0x...b889`, `0x...b899`), which afterwards read the last object's off/ld (4.0, 259.0):
 * this scan lists that site four times (two objects, two fields). A site found here is what to
 * audit; no site means no object was rebuilt that way in that run (it depends on the timing of
 * the concurrent compiler, so run it more than once, under load or with the delay flag).
 *
 * Run: `deno run --allow-run tests/ops/cpu/v8_box_scan.ts [--run] [--v8 FLAGS] FILES...`
 * (`deno test -A` of FILES, or `deno run -A` of one file with `--run`; `--v8` adds V8 flags to
 * `--concurrent-recompilation-delay=20,--trace-deopt-verbose`). Prints the test summary and one
 * line per site with its count; exit status 1 when a site was found.
 */

/** One deoptimization site that rebuilt an object with a HeapNumber constant in a field. */
export interface BoxSite {
  /** The optimized function. */
  fn: string;
  /** `MAGLEV` or `TURBOFAN_JS`. */
  code: string;
  /** V8's deoptimization reason. */
  reason: string;
  /** Source position V8 names (`file:line:col` of the emitted JavaScript). */
  at: string;
}

/**
 * Sites in `--trace-deopt-verbose` output where a captured object's field is a HeapNumber
 * constant (one entry per such field, so two fields of one object give two entries).
 *
 * @example
 * ```ts
 * import { boxSites } from "./v8_box_scan.ts";
 * const trace = [
 *   "[bailout (kind: deopt-eager, reason: Insufficient type feedback for generic named access): " +
 *   "begin. deoptimizing 0x1 <JSFunction operand (sfi = 0x2)>, 0x3 <Code MAGLEV>, opt id 10",
 *   "            ;;; deoptimize at <file:///r/tests/x.ts:51:5>",
 *   "     14: captured object #0 (length = 6)",
 *   "           0x4 ; (literal  6) 0x4 <HeapNumber -nan (0xfff7fffffff7ffff)>",
 *   "     15: (optimized out)",
 * ];
 * console.log(boxSites(trace).map((s) => `${s.fn} ${s.code} ${s.at}`)); // [ "operand MAGLEV file:///r/tests/x.ts:51:5" ]
 * ```
 */
export function boxSites(lines: Iterable<string>): BoxSite[] {
  const scan = boxScanner();
  for (const line of lines) scan.feed(line);
  return scan.sites;
}

/** The line-by-line state of {@link boxSites}, for output read as a stream. */
function boxScanner(): { feed(line: string): void; sites: BoxSite[] } {
  const sites: BoxSite[] = [];
  let site: BoxSite | null = null, captured = false;
  const feed = (line: string): void => {
    const head = line.match(
      /^\[bailout \(kind: [^,]*, reason: (.*)\): begin\. deoptimizing .*?<JSFunction (\S+) .*?<Code (\w+)>/,
    );
    if (head) {
      site = { fn: head[2], code: head[3], reason: head[1], at: "" };
      captured = false;
    } else if (site && line.includes(";;; deoptimize at <")) {
      site.at = line.slice(line.indexOf("<") + 1, line.lastIndexOf(">"));
    } else if (/^\s+\d+: captured object/.test(line)) {
      captured = true;
    } else if (/^\s+\d+: /.test(line)) {
      captured = false; // the next frame slot: the captured object's fields ended
    } else if (site && captured && /\(literal +\d+\) .*<HeapNumber /.test(line)) {
      sites.push({ ...site });
    }
  };
  return { feed, sites };
}

async function* linesOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop()!;
    yield* parts;
  }
  if (rest) yield rest;
}

async function main(args: string[]): Promise<number> {
  const run = args[0] === "--run";
  if (run) args = args.slice(1);
  let v8 = "--concurrent-recompilation-delay=20,--trace-deopt-verbose";
  if (args[0] === "--v8") {
    if (!args[1]) throw new RangeError(`--v8: needs flags, got ${args[1]}`);
    v8 += `,${args[1]}`;
    args = args.slice(2);
  }
  if (args.length === 0) throw new RangeError("v8_box_scan: name the files to run");
  const child = new Deno.Command(Deno.execPath(), {
    args: [run ? "run" : "test", "-A", `--v8-flags=${v8}`, ...args],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const summary: string[] = [], scan = boxScanner();
  for await (const line of linesOf(child.stdout)) {
    if (/(\| \d+ passed|FAILED)/.test(line)) summary.push(line);
    scan.feed(line);
  }
  return await finish(child, summary, scan.sites);
}

async function finish(
  child: Deno.ChildProcess,
  summary: string[],
  sites: BoxSite[],
): Promise<number> {
  const status = await child.status;
  for (const s of summary) console.log(s);
  const counts = new Map<string, number>();
  for (const s of sites) {
    const key = `${s.fn} | ${s.code} | ${s.reason} | ${s.at}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  for (const [k, n] of counts) console.log(`${String(n).padStart(4)}  ${k}`);
  console.log(`${sites.length} constant HeapNumber fields in rebuilt objects; exit ${status.code}`);
  return sites.length > 0 || status.code !== 0 ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
