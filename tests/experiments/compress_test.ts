/** experiments/compress.ts (issue 15): strict command line, and the dsformer/bipft JSON fields. */
import assert from "node:assert/strict";
import { charCorpusFromText } from "../../mod.ts";
import { expectUsageErrors } from "./_run.ts";
import { charLmConfig } from "../../experiments/lib/char_lm.ts";
import { runDsformer } from "../../experiments/compress_dsformer.ts";
import { runBipft } from "../../experiments/compress_bipft.ts";
import { charCorpusFor } from "../../experiments/lib/compress_cli.ts";

const TEXT = "to be or not to be, that is the question.\n".repeat(120);

async function dataDir(text: string): Promise<string> {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/input.txt`, text);
  return dir;
}

Deno.test("compress.ts: a missing or unknown method, bad flags and bad data exit 2 with one line", async () => {
  const empty = await Deno.makeTempDir();
  const blank = await dataDir("");
  await expectUsageErrors("compress.ts", [
    [[], "the first argument must be a method, one of trp|dsformer|bipft, got nothing"],
    [["lora", "--quick"], 'got "lora"'],
    [["--quick"], 'got "--quick"'],
    [["dsformer", "--sed", "1"], "--sed"],
    [["bipft", "--seed", "1", "--seed", "2"], "--seed is given twice"],
    [["dsformer", "--seed", "x"], "--seed"],
    [["dsformer", "--data", "/nonexistent-dir"], "--data /nonexistent-dir: no such folder"],
    [["bipft", "--data", empty], "no input.txt in that folder"],
    [["dsformer", "--data", blank], "readCharCorpus"],
  ]);
});

function tinyConfig(text: string): ReturnType<typeof charLmConfig> {
  const vocab = charCorpusFromText(text, { valFraction: 0.1 }).vocab.length;
  return charLmConfig(vocab, { hiddenSize: 16, numLayers: 1, numHeads: 2 });
}

Deno.test("runDsformer: the issue's JSON fields, 2× sizes, read from --data", async () => {
  const data = await dataDir(TEXT);
  const { json, report } = await runDsformer({ quick: true, seed: 0, data }, {
    config: tinyConfig(TEXT),
    context: 8,
    denseSteps: 4,
    finetuneSteps: 2,
    valWindows: 4,
  });
  const r = json as Record<string, { valLoss: number; params: number }>;
  for (const k of ["dense", "lowrank", "dsformerInit", "dsformer", "lowrankFinetuned"]) {
    assert.ok(Number.isFinite(r[k].valLoss) && r[k].params > 0, k);
  }
  assert.equal(r.dense.params, 4 * 16 * 16 + 3 * 16 * 64);
  assert.ok(r.lowrank.params <= r.dense.params / 2 && r.dsformer.params <= r.dense.params / 2);
  assert.equal(r.dsformer.params, r.dsformerInit.params);
  assert.equal((json.settings as { data: string }).data, `${data}/input.txt`);
  assert.equal(report.name, "compress_dsformer");
});

Deno.test("runBipft: the issue's JSON fields; the estimators cost bits", async () => {
  const data = await dataDir(TEXT);
  const { json, report } = await runBipft({ quick: true, seed: 0, data }, {
    config: tinyConfig(TEXT),
    context: 8,
    denseSteps: 4,
    distillSteps: 2,
    valWindows: 4,
  });
  const r = json as Record<string, { valLoss: number; bits: number }>;
  for (const k of ["fp", "binary", "bipft"]) assert.ok(Number.isFinite(r[k].valLoss), k);
  assert.ok(r.binary.bits < r.bipft.bits && r.bipft.bits < r.fp.bits);
  assert.equal(r.bipft.bits - r.binary.bits, 32 * (5 * 16 + 5));
  assert.equal(report.name, "compress_bipft");
});

Deno.test("charCorpusFor: without --data and without the shared folder, a seeded generated text", () => {
  const a = charCorpusFor(undefined, 3, "/nonexistent-shared/tinyshakespeare");
  const b = charCorpusFor(undefined, 3, "/nonexistent-shared/tinyshakespeare");
  assert.equal(a.source, "generated");
  assert.ok(a.corpus.train.length > 100_000 && a.corpus.val.length > 10_000);
  assert.deepEqual(a.corpus.val.slice(0, 50), b.corpus.val.slice(0, 50));
  const c = charCorpusFor(undefined, 4, "/nonexistent-shared/tinyshakespeare");
  assert.notDeepEqual(a.corpus.val.slice(0, 200), c.corpus.val.slice(0, 200));
});
