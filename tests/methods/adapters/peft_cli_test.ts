import assert from "node:assert/strict";
import { randn } from "../../../ops/random.ts";
import { readSafetensors, writeSafetensors } from "../../../ops/io/safetensors.ts";
import { add } from "../../../ops/elementwise.ts";
import { lora, loraFromFactors, type LoraState } from "../../../methods/adapters/lora.ts";
import { writePeftLora } from "../../../methods/adapters/peft.ts";
import { peftLoraFromStates } from "../../../methods/adapters/peft_export.ts";
import { combineLoras } from "../../../methods/adapters/peft_weighted.ts";
import { maxAbs, maxDiff, runPeftTool } from "./helpers.ts";

function state(seed: number, r: number, alpha: number, shape = [4, 6]): LoraState {
  return loraFromFactors(randn([r, shape[1]], { seed }), randn([shape[0], r], { seed: seed + 1 }), {
    alpha,
  });
}

async function writeAdapter(
  dir: string,
  name: string,
  states: Record<string, LoraState>,
): Promise<string[]> {
  const files = writePeftLora(peftLoraFromStates(states));
  await Deno.writeFile(`${dir}/${name}.safetensors`, files.weights);
  await Deno.writeTextFile(`${dir}/${name}.json`, files.config);
  return ["--adapter", `${dir}/${name}.safetensors`, "--config", `${dir}/${name}.json`];
}

Deno.test("peft.ts merge: several --adapter/--config pairs with --weights (cat: W + Σ wᵢsᵢBᵢAᵢ), linear, svd", async () => {
  const dir = await Deno.makeTempDir();
  const w = { "m.q.weight": randn([4, 6], { seed: 1 }), "m.v.weight": randn([4, 6], { seed: 2 }) };
  await Deno.writeFile(`${dir}/base.safetensors`, writeSafetensors(w));
  const s1 = { "m.q": state(10, 2, 4), "m.v": state(12, 2, 2) }, s2 = { "m.q": state(14, 2, 6) };
  const a1 = await writeAdapter(dir, "a1", s1), a2 = await writeAdapter(dir, "a2", s2);
  const base = ["merge", "--base", `${dir}/base.safetensors`, ...a1, ...a2];
  let res = await runPeftTool([...base, "--weights", "0.5,-2", "--out", `${dir}/cat.safetensors`]);
  assert.equal(res.code, 0, res.stderr);
  let out = readSafetensors(await Deno.readFile(`${dir}/cat.safetensors`)).tensors;
  const q = add(
    add(w["m.q.weight"], scaled(lora.delta(s1["m.q"]), 0.5)),
    scaled(lora.delta(s2["m.q"]), -2),
  );
  assert.ok(maxDiff(out.get("m.q.weight")!, q) <= 1e-14 * maxAbs(q));
  const v = add(w["m.v.weight"], scaled(lora.delta(s1["m.v"]), 0.5));
  assert.ok(maxDiff(out.get("m.v.weight")!, v) <= 1e-14 * maxAbs(v));
  for (const c of ["linear", "svd"] as const) {
    res = await runPeftTool([
      ...base,
      "--weights",
      "1,1",
      "--combination",
      c,
      "--out",
      `${dir}/${c}.safetensors`,
    ]);
    assert.equal(res.code, 0, res.stderr);
    out = readSafetensors(await Deno.readFile(`${dir}/${c}.safetensors`)).tensors;
    const want = add(w["m.q.weight"], lora.delta(combineLoras([s1["m.q"], s2["m.q"]], [1, 1], c)));
    assert.ok(maxDiff(out.get("m.q.weight")!, want) <= 1e-13 * maxAbs(want), c);
  }
});

function scaled(t: ReturnType<typeof randn>, f: number): ReturnType<typeof randn> {
  const c = t.clone();
  for (let i = 0; i < c.size; i++) c.data[i] *= f;
  return c;
}

Deno.test("peft.ts: bad input is one line naming the file and key; inspect lists every adapter", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeFile(
    `${dir}/base.safetensors`,
    writeSafetensors({ "m.q.weight": randn([4, 6], { seed: 1 }) }),
  );
  const a1 = await writeAdapter(dir, "a1", { "m.q": state(10, 2, 4) });
  const wide = await writeAdapter(dir, "wide", { "m.q": state(12, 2, 2, [4, 7]) });
  const stray = await writeAdapter(dir, "stray", { "m.k": state(14, 1, 1) });
  const merge = ["merge", "--base", `${dir}/base.safetensors`, "--out", `${dir}/o.safetensors`];
  const oneLine = (s: string): string => s.trim().split("\n")[0];
  let res = await runPeftTool([...merge, ...a1, ...wide]);
  assert.equal(res.code, 1);
  assert.match(
    oneLine(res.stderr),
    /wide\.safetensors: "m\.q\.weight" is 4x6 in the base but the adapter's ΔW is 4x7/,
  );
  res = await runPeftTool([...merge, ...a1, ...stray]);
  assert.match(oneLine(res.stderr), /stray\.safetensors: the base has no tensor "m\.k\.weight"/);
  res = await runPeftTool([...merge, ...a1, ...a1, "--weights", "1,2,3"]);
  assert.match(oneLine(res.stderr), /--weights has 3 values for 2 adapters/);
  res = await runPeftTool([...merge, ...a1, "--adapter", `${dir}/wide.safetensors`]);
  assert.match(oneLine(res.stderr), /2 --adapter files but 1 --config files/);
  res = await runPeftTool([...merge, ...a1, ...a1, "--combination", "ties"]);
  assert.match(oneLine(res.stderr), /--combination must be cat, linear or svd, got ties/);
  res = await runPeftTool(["inspect", ...a1, ...stray, "--json", `${dir}/i.json`]);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.stdout.match(/^peft_type LORA/gm)?.length, 2);
  const json = JSON.parse(await Deno.readTextFile(`${dir}/i.json`));
  assert.deepEqual(json.adapters.map((a: { file: string }) => a.file.split("/").pop()), [
    "a1.safetensors",
    "stray.safetensors",
  ]);
  assert.equal(json.adapters[1].modules[0].module, "m.k");
});

Deno.test("peft.ts --help prints the usage and exits 0; no command or an unknown one exits 1", async () => {
  for (const args of [["--help"], ["-h"], ["merge", "--help"]]) {
    const r = await runPeftTool(args);
    assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stdout, /^usage:\n {2}peft\.ts merge/);
  }
  const none = await runPeftTool([]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /^peft: a command is needed \(merge or inspect\)/);
  const typo = await runPeftTool(["merg"]);
  assert.equal(typo.code, 1);
  assert.match(typo.stderr, /^peft: unknown command "merg"/);
});
