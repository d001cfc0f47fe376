/**
 * The README's statements checked (issue 13). `deno test --doc README.md` (in `deno task test`)
 * type-checks and runs its TypeScript blocks but does not compare what they print with the
 * `// value` comments beside the `console.log` calls; this file does, checks the "Coming from
 * numpy / PyTorch / PEFT" table row by row, and checks that every flag of the README's command
 * lines is one its script lists in `--help`.
 */
import assert from "node:assert/strict";
import {
  adapters,
  argmax,
  at,
  crossEntropy,
  gather,
  initLlama,
  mean,
  miniBatches,
  parseNumericCsv,
  readNumericCsv,
  sliceRows,
  tensor,
} from "../mod.ts";
import { heatmapSvg, plotSvg } from "../ops/plot/mod.ts";

const ROOT = new URL("../", import.meta.url);
const README = await Deno.readTextFile(new URL("README.md", ROOT));

/** The ```ts blocks of the README. */
function tsBlocks(): string[] {
  return [...README.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

/** A `console.log` line's promised output: its trailing `// …`, or a comment line below it. */
function expected(lines: string[], i: number): string | null {
  const trailing = /console\.log\(.*\);\s*\/\/\s*(.*)$/.exec(lines[i]);
  const below = /^\s*\/\/\s*(.*)$/.exec(lines[i + 1] ?? "");
  const text = trailing?.[1] ?? below?.[1] ?? null;
  // "e.g." marks an example of output that depends on the machine (the GPU's reason).
  return text === null || text.startsWith("e.g.") ? null : text;
}

/** Typed-array tags and spacing differ between Deno's printing and the README's numpy style. */
const norm = (s: string): string =>
  s.replace(/\b[A-Za-z0-9]+Array\(\d+\) /g, "").replace(/\s/g, "");

Deno.test("README: every TypeScript block prints the values its comments state", async () => {
  const dir = await Deno.makeTempDir();
  const modUrl = new URL("mod.ts", ROOT).href;
  try {
    const blocks = tsBlocks();
    assert.ok(blocks.length >= 5, `found ${blocks.length} blocks`);
    const results = await Promise.all(blocks.map(async (block, b) => {
      const lines = block.split("\n");
      const want = new Map<number, string>();
      const src = lines.map((l, i) => {
        if (!l.includes("console.log(")) return l;
        const e = expected(lines, i);
        if (e !== null) want.set(i, e);
        return l.replaceAll("console.log(", `__log(${i}, `);
      }).join("\n").replaceAll('"./mod.ts"', JSON.stringify(modUrl));
      const file = `${dir}/block${b}.ts`;
      await Deno.writeTextFile(
        file,
        `const __log = (line: number, ...a: unknown[]): void => console.log(JSON.stringify({ line, text: a.map((v) => typeof v === "string" ? v : Deno.inspect(v, { colors: false })).join(" ") }));\n${src}\n`,
      );
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", file],
        env: { NO_COLOR: "1" },
      }).output();
      return { b, want, out };
    }));
    const wrong: string[] = [];
    let checked = 0;
    for (const { b, want, out } of results) {
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, `block ${b}: ${stderr.slice(-2000)}`);
      const printed = new TextDecoder().decode(out.stdout).trim().split("\n").filter((l) => l)
        .map((l) => JSON.parse(l) as { line: number; text: string });
      for (const [line, text] of want) {
        const got = printed.filter((p) => p.line === line).map((p) => p.text);
        checked++;
        if (got.length !== 1 || norm(got[0]) !== norm(text)) {
          wrong.push(
            `block ${b} line ${line + 1}: README says ${text}, printed ${got.join(" | ")}`,
          );
        }
      }
    }
    assert.deepEqual(wrong, []);
    assert.ok(checked >= 8, `only ${checked} printed values checked`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("README 'Coming from numpy / PyTorch / PEFT': every equivalent works as written", async () => {
  // np.loadtxt(f, delimiter=","): readNumericCsv(path).data; parseNumericCsv with its options.
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/x.csv`, "a,b\n1,2\n3,5\n");
    assert.deepEqual([...readNumericCsv(`${dir}/x.csv`).data.data], [1, 2, 3, 5]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.deepEqual([...parseNumericCsv("1;2\n3;4\n", { delimiter: ";" }).data.data], [1, 2, 3, 4]);
  assert.deepEqual(parseNumericCsv("7,8\n", { header: false }).data.shape, [1, 2]);
  // x.argmax(axis=1), x.mean(axis=0); mean(x, 0) throws instead of giving the global mean.
  const x = tensor([[1, 2], [3, 5], [0, 9]]);
  assert.deepEqual([...argmax(x, { axis: 1 }).data], [1, 1, 1]);
  assert.deepEqual([...mean(x, { axis: 0 }).data], [4 / 3, 16 / 3]);
  assert.throws(() => mean(x, 0 as unknown as { axis: number }), TypeError);
  // x[i, j], x[a:b], x[[2, 0]]
  assert.equal(at(x, 1, 1), 5);
  assert.deepEqual([...sliceRows(x, 1, 3).data], [3, 5, 0, 9]);
  assert.deepEqual([...gather(x, [2, 0]).data], [0, 9, 1, 2]);
  // print(x): shape, dtype and the values.
  const shown = Deno.inspect(x, { colors: false });
  assert.ok(shown.includes("f64 [3, 2]") && shown.includes("[0, 9]"), shown);
  // nn.CrossEntropyLoss: the mean; reduction and ignoreIndex options.
  const logits = tensor([[2, 0.5], [0.1, 1]]);
  const per = [0, 1].map((r) => {
    const z = [logits.data[2 * r], logits.data[2 * r + 1]], y = r;
    return Math.log(Math.exp(z[0]) + Math.exp(z[1])) - z[y];
  });
  assert.ok(Math.abs(crossEntropy(logits, [0, 1]).data[0] - (per[0] + per[1]) / 2) < 1e-12);
  const sum = crossEntropy(logits, [0, 1], { reduction: "sum" }).data[0];
  assert.ok(Math.abs(sum - per[0] - per[1]) < 1e-12);
  const ignored = crossEntropy(logits, [0, -100], { ignoreIndex: -100 }).data[0];
  assert.ok(Math.abs(ignored - per[0]) < 1e-12);
  // DataLoader(ds, batch_size=32, shuffle=True): every row once per epoch, seeded.
  const batches = [...miniBatches(70, { batchSize: 32, seed: 0 })];
  assert.deepEqual(batches.map((b) => b.length), [32, 32, 6]);
  assert.deepEqual(batches.flatMap((b) => [...b]).sort((a, b) => a - b), [...Array(70).keys()]);
  // get_peft_model(model, LoraConfig(r=8, target_modules="all-linear")).
  const cfg = { vocabSize: 16, hiddenSize: 8, intermediateSize: 16, numLayers: 1, numHeads: 2 };
  const model = adapters.getPeftModel(initLlama(cfg, { seed: 0 }), {
    r: 8,
    target_modules: "all-linear",
  });
  // all-linear: the 7 projections of the layer (not lm_head); r·(in + out) each.
  const lora = Object.keys(model.trainableParameters());
  assert.equal(lora.length, 14, lora.join(", "));
  // matplotlib: plotSvg (line, scatter) and heatmapSvg from the ./plot entry.
  const svg = plotSvg({
    title: "t",
    xLabel: "x",
    yLabel: "y",
    series: [{ name: "a", x: [1, 2], y: [1, 2], mode: "points" }],
  });
  assert.ok(svg.startsWith("<svg") && svg.includes("<circle"), svg.slice(0, 200));
  const cfgJson = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  assert.equal(cfgJson.exports["./plot"], "./ops/plot/mod.ts");
  assert.equal(typeof heatmapSvg, "function");
});

Deno.test("README command lines: every flag is one its script's --help lists", async () => {
  const commands = README.replace(/\\\n\s*/g, " ").split("\n")
    .map((l) => /deno run -A (experiments\/[a-z_]+\.ts)(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null);
  assert.ok(commands.length >= 8, `found ${commands.length} command lines`);
  const wrong: string[] = [];
  for (const [, script, rest] of commands) {
    const args = rest.replace(/#.*$/, "");
    const sub = /^\s*(merge|inspect|dsformer|trp|bipft)\b/.exec(args)?.[1];
    const help = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script, ...(sub && !script.endsWith("peft.ts") ? [sub] : []), "--help"],
      cwd: ROOT,
      env: { NO_COLOR: "1" },
    }).output();
    const text = new TextDecoder().decode(help.stdout);
    for (const flag of args.match(/--[a-z][a-z-]*/g) ?? []) {
      if (!new RegExp(`${flag}\\b`).test(text)) wrong.push(`${script}: ${flag}`);
    }
  }
  assert.deepEqual(wrong, []);
});

Deno.test("README: deno doc lists the exports of mod.ts and of one area; --html writes a site", async () => {
  const doc = async (...args: string[]): Promise<string> => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["doc", ...args],
      cwd: ROOT,
      env: { NO_COLOR: "1" },
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    return new TextDecoder().decode(out.stdout);
  };
  const all = await doc("mod.ts");
  for (const name of ["argmax", "crossEntropy", "miniBatches", "readNumericCsv", "svd"]) {
    assert.match(all, new RegExp(`function ${name}\\b`), name);
  }
  assert.match(await doc("ops/linalg/mod.ts"), /function qr\b/);
  const site = await Deno.makeTempDir();
  try {
    await doc("--html", `--output=${site}`, "mod.ts");
    assert.ok(Deno.statSync(`${site}/index.html`).isFile);
  } finally {
    await Deno.remove(site, { recursive: true });
  }
});

Deno.test("README SubGM snippet: the errors it quotes after more iterations are the ones measured", async () => {
  const block = tsBlocks().find((b) => b.includes("subgm(p,"));
  assert.ok(block !== undefined);
  const quoted = [...block.matchAll(/(\d\.\de-\d+) after (\d+)/g)].map((m) => [m[1], Number(m[2])]);
  assert.equal(quoted.length, 2, block);
  const { generateProblem, subgm } = await import("../mod.ts");
  const p = generateProblem({
    d: 8,
    rstar: 1,
    m: 120,
    noise: { kind: "outlier", p: 0.2 },
    seed: 1,
  });
  for (const [err, iters] of quoted) {
    const run = subgm(p, { rank: 1, alpha: 1e-3, iters: iters as number });
    assert.equal(run.errors.at(-1)!.toExponential(1), err, `after ${iters}`);
  }
});

/**
 * Every code span of the numpy / PyTorch / PEFT table's "here" column, each exercised by the
 * equivalents test above (the README row and that test must change together).
 */
const TABLE_SPANS = [
  "readNumericCsv(path).data",
  "parseNumericCsv(text)",
  "{ delimiter, header }",
  "argmax(x, { axis: 1 })",
  "mean(x, { axis: 0 })",
  "mean(x, 0)",
  "at(x, i, j)",
  "sliceRows(x, a, b)",
  "gather(x, [2, 0])",
  "console.log(x)",
  "crossEntropy(logits, y)",
  "{ reduction, ignoreIndex }",
  "for (const idx of miniBatches(n, { batchSize: 32, seed }))",
  "gather(x, idx)",
  'adapters.getPeftModel(params, { r: 8, target_modules: "all-linear" })',
  "plotSvg",
  "heatmapSvg",
  "./plot",
  "ops/plot/mod.ts",
];

Deno.test("README numpy table: its 'here' column shows exactly the calls the equivalents test checks", () => {
  // The equivalents test checks the API, not the README's words: a row that told users to write
  // `mean(x, 0)` (which throws) passed it. Here the table's own text is compared.
  const start = README.indexOf("## Coming from numpy / PyTorch / PEFT");
  assert.ok(start >= 0, "section heading");
  const lines = README.slice(start).split("\n");
  const first = lines.findIndex((l) => l.startsWith("|"));
  const end = lines.findIndex((l, i) => i > first && !l.startsWith("|"));
  const rows = lines.slice(first + 2, end); // after the header and the --- line
  assert.ok(rows.length >= 8, `found ${rows.length} rows`);
  const here = rows.map((r) => r.split("|")[2] ?? "");
  const spans = here.flatMap((cell) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]));
  assert.deepEqual([...new Set(spans)].sort(), [...TABLE_SPANS].sort());
  const meanRow = here.find((c) => c.includes("`mean(x, 0)`")) ?? "";
  assert.ok(/`mean\(x, 0\)` throws/.test(meanRow), meanRow);
});
