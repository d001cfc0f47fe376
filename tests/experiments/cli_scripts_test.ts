/**
 * Every script in experiments/ as a command-line tool (issue 13), table-driven: `--help` prints
 * the usage and exits 0; a typo'd flag, `--data /nope` and a `--json` file that cannot be
 * written exit non-zero with one line on stderr (no stack trace) before any work, so no `data:`
 * line (see data_sources_test.ts) or progress is printed first.
 */
import assert from "node:assert/strict";
import { pool } from "./_run.ts";

const ROOT = new URL("../../", import.meta.url);

/** How to reach each script's flags: leading words (a command or method) and its flags. */
interface Row {
  /** Words before the flags (`compress trp`, `peft inspect ...`). */
  pre?: string[];
  /** `--help` after `pre` (peft takes it as its first word). */
  helpPre?: string[];
  /** It has `--data`; the error names the flag. */
  data: boolean;
  /** Words that select a mode where `--json` is read (subgm's suite takes no --json). */
  jsonPre?: string[];
  /** Exit status of a usage error (peft reports every error with 1). */
  code?: number;
}

const TABLE: Record<string, Row> = {
  adapters: { data: false },
  attention: { data: true },
  compress: { pre: ["trp"], helpPre: [], data: true },
  compress_bipft: { data: true },
  compress_dsformer: { data: true },
  compress_trp: { data: true },
  ctr: { data: true },
  decompositions: { data: false },
  dqlore: { data: true },
  eigentrajectory: { data: true },
  eigentrajectory_select: { data: true },
  galore: { data: true },
  gemm: { data: false },
  instruct: { data: false },
  lora3d: { data: false },
  otd: { data: false },
  peft: {
    pre: ["inspect", "--adapter", "README.md", "--config", "README.md"],
    helpPre: [],
    data: false,
    code: 1,
  },
  reproduce: { data: false, jsonPre: [] },
  subgm: { data: false, jsonPre: ["--d", "10"] },
};

const scripts = [...Deno.readDirSync(new URL("experiments/", ROOT))]
  .filter((e) => e.isFile && e.name.endsWith(".ts"))
  .map((e) => e.name.slice(0, -3))
  .sort();

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(script: string, args: string[]): Promise<Run> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `experiments/${script}.ts`, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    // A check that is not up front would start the run: stop it instead of waiting for it.
    signal: AbortSignal.timeout(60_000),
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("the CLI table has one row per script in experiments/", () => {
  assert.deepEqual(Object.keys(TABLE).filter((k) => scripts.includes(k)).sort(), scripts);
});

Deno.test("every script: --help exits 0; a typo, --data /nope and an unwritable --json are one-line errors up front", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    // A regular file as a folder: no user (root included) can create tmp/file/x.json.
    await Deno.writeTextFile(`${tmp}/file`, "");
    const bad = `${tmp}/file/x.json`;
    type Case = { script: string; args: string[]; want: string | null; code: number };
    const cases: Case[] = [];
    for (const script of scripts) {
      const row = TABLE[script];
      if (row === undefined) continue; // the first test names it
      const pre = row.pre ?? [], code = row.code ?? 2, out = ["--out", `${tmp}/out-${script}`];
      const outIf = script === "peft" ? [] : out;
      cases.push({ script, args: [...(row.helpPre ?? pre), "--help"], want: null, code: 0 });
      cases.push({ script, args: [...pre, "--qiuck"], want: "--qiuck", code });
      if (row.data) {
        cases.push({ script, args: [...pre, "--data", "/nope", ...outIf], want: "/nope", code });
      }
      const jsonPre = row.jsonPre ?? [];
      if (script !== "reproduce") {
        cases.push({
          script,
          args: [...pre, ...jsonPre, "--json", bad, ...(jsonPre.length ? [] : outIf)],
          want: `--json ${bad}`,
          code,
        });
      } else {
        cases.push({ script, args: ["--out", `${tmp}/file/o`], want: "--out", code });
      }
    }
    const runs = await pool(cases.map((c) => () => run(c.script, c.args)), 3);
    const wrong: string[] = [];
    cases.forEach((c, i) => {
      const r = runs[i], err = r.stderr.trim();
      const what = `${c.script} ${c.args.join(" ")}`;
      if (c.want === null) {
        if (r.code !== 0 || !/usage/.test(r.stdout)) wrong.push(`${what}: exit ${r.code}`);
      } else if (
        r.code !== c.code || err.includes("\n") || !err.includes(c.want) || err.includes(" at ")
      ) {
        wrong.push(`${what}: exit ${r.code}: ${err}`);
      }
    });
    assert.deepEqual(wrong, []);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
