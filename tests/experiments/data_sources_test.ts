/**
 * What each experiment reads by default (issue 13): every script in experiments/ has a row in
 * DATA_SOURCES, the README's data table is that table, and each script, run in `--quick` and in
 * full mode, prints the `data:` line the table promises, with `../shared` beside the checkout
 * and with it hidden (`--deny-read`). Runs are killed as soon as the line appears.
 */
import assert from "node:assert/strict";
import { pool } from "./_run.ts";
import { DATA_SOURCES } from "../../experiments/lib/data_sources.ts";

const ROOT = new URL("../../", import.meta.url);
const SHARED = new URL("../shared/", ROOT);
const sharedRoot = ((): string | null => {
  try {
    return Deno.realPathSync(SHARED);
  } catch {
    return null;
  }
})();
const hasFolder = (f: string): boolean => {
  try {
    return Deno.statSync(new URL(`data/${f}`, SHARED)).isDirectory;
  } catch {
    return false;
  }
};
if (sharedRoot === null) {
  console.error(
    `data_sources_test: ${SHARED.pathname} is absent; the runs that read it are ignored`,
  );
}

/** What a run printed up to its `data:` line, or its exit when it ended first. */
interface Probe {
  line?: string;
  code?: number;
  stderr: string;
}

/**
 * Starts `deno run -A [--deny-read=../shared] experiments/<script>.ts ...args`, reads stderr
 * until a `<tag>: data: ...` line, then kills the run (or waits for its exit).
 */
async function probe(script: string, args: string[], hideShared: boolean): Promise<Probe> {
  const out = await Deno.makeTempDir();
  const deny = hideShared && sharedRoot !== null ? [`--deny-read=${sharedRoot}`] : [];
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...deny, `experiments/${script}.ts`, ...args, "--out", out],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  let stderr = "", line: string | undefined;
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  try {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      stderr += chunk;
      line = stderr.split("\n").find((l) => /^\S+: data: /.test(l));
      if (line !== undefined) {
        child.kill("SIGKILL");
        break;
      }
    }
    const status = await child.status;
    return { line, code: line === undefined ? status.code : undefined, stderr };
  } finally {
    clearTimeout(timer);
    await Deno.remove(out, { recursive: true });
  }
}

/** A script with its leading arguments (`compress` needs the method). */
const RUNS: Record<string, string[]> = { compress: ["trp"] };
/** Scripts without a `data:` line: tools. */
const NO_LINE = new Set(["peft", "reproduce"]);

const scripts = [...Deno.readDirSync(new URL("experiments/", ROOT))]
  .filter((e) => e.isFile && e.name.endsWith(".ts"))
  .map((e) => e.name.slice(0, -3))
  .sort();
Deno.test("DATA_SOURCES has one row per script in experiments/, and no other", () => {
  assert.deepEqual(Object.keys(DATA_SOURCES).sort(), scripts);
});

Deno.test("the README's data table is DATA_SOURCES, row by row", async () => {
  const readme = await Deno.readTextFile(new URL("README.md", ROOT));
  const cells = (l: string): string[] => l.split("|").slice(1, -1).map((c) => c.trim());
  const rows = readme.split("\n").filter((l) => /^\|\s*`[a-z_0-9]+`\s*\|/.test(l)).map(cells);
  const table = rows.filter((r) => r.length === 3 && r[0].slice(1, -1) in DATA_SOURCES);
  assert.deepEqual(
    table,
    Object.entries(DATA_SOURCES).map(([name, s]) => [`\`${name}\``, s.shared, s.without]),
  );
});

Deno.test("each experiment reads what DATA_SOURCES says, in --quick and full mode, with and without ../shared", async () => {
  type Case = { script: string; mode: string; hide: boolean };
  const cases: Case[] = [];
  for (const script of scripts) {
    if (NO_LINE.has(script)) continue;
    const src = DATA_SOURCES[script === "compress" ? "compress_trp" : script];
    for (const mode of ["--quick", "full"]) {
      // With ../shared present, a folder the table names must be there (else the table is wrong
      // or the data incomplete: a failure, not a silently dropped case).
      if (src.folder !== null && sharedRoot !== null) {
        assert.ok(hasFolder(src.folder), `${script}: ../shared/data/${src.folder} is missing`);
      }
      if (src.folder === null || hasFolder(src.folder)) cases.push({ script, mode, hide: false });
      if (src.folder !== null) cases.push({ script, mode, hide: true });
    }
  }
  const probes = await pool(
    cases.map((c) => () =>
      probe(c.script, [...(RUNS[c.script] ?? []), ...(c.mode === "full" ? [] : [c.mode])], c.hide)
    ),
    3,
  );
  const wrong: string[] = [];
  cases.forEach((c, i) => {
    const p = probes[i];
    const src = DATA_SOURCES[c.script === "compress" ? "compress_trp" : c.script];
    const what = `${c.script} ${c.mode}${c.hide ? " without ../shared" : ""}`;
    if (src.folder === null || (c.hide && src.missing === "generated")) {
      if (!p.line?.includes(": data: generated")) wrong.push(`${what}: ${p.line ?? p.stderr}`);
    } else if (!c.hide) {
      const reads = p.line?.includes(`/shared/data/${src.folder}`);
      if (!reads || p.line?.includes(": data: generated")) {
        wrong.push(`${what}: ${p.line ?? p.stderr}`);
      }
    } else {
      // missing === "error": exit 2 before any work, one line naming the default folder.
      const err = p.stderr.trim();
      if (p.code !== 2 || err.includes("\n") || !err.includes(`/shared/data/${src.folder}`)) {
        wrong.push(`${what}: exit ${p.code}, ${err}`);
      }
    }
  });
  assert.deepEqual(wrong, []);
});

Deno.test("eigentrajectory and eigentrajectory_select: --help states the ethucy default and the synthetic fallback", async () => {
  for (const script of ["eigentrajectory", "eigentrajectory_select"]) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `experiments/${script}.ts`, "--help"],
      cwd: ROOT,
      env: { NO_COLOR: "1" },
    }).output();
    const text = new TextDecoder().decode(out.stdout).replace(/\s+/g, " ");
    assert.equal(out.code, 0, script);
    assert.ok(
      text.includes("../shared/data/ethucy is used when it exists, else seeded synthetic scenes"),
      `${script}: ${text}`,
    );
  }
});
