/** The strict flag parser of experiments/lib/cli.ts (issue 13). */
import assert from "node:assert/strict";
import {
  checkInputDir,
  checkOutputFile,
  CliError,
  COMMON_FLAGS,
  parseCli,
  parseFlags,
  rejectIdle,
  usage,
} from "../../experiments/lib/cli.ts";

const SPEC = {
  name: "demo.ts",
  summary: "A demo tool.",
  flags: {
    ...COMMON_FLAGS,
    d: { type: "integer", default: 10, min: 1, help: "dimension" },
    alpha: { type: "number", default: 1e-8, help: "init scale" },
    noise: { type: "string", choices: ["outlier", "gaussian"], help: "noise model" },
    folds: { type: "list", default: ["eth", "hotel"], choices: ["eth", "hotel", "univ"], help: "" },
    speed: { type: "boolean", help: "add the speed feature" },
    budget: { type: "number", default: 200, min: 0, max: 1e6, help: "seconds" },
  },
  json: '{ "finalError": number }',
} as const;

const fails = (args: string[], message: string): void => {
  assert.throws(() => parseCli(SPEC, args), (e: Error) => {
    assert.ok(e instanceof CliError, `${args.join(" ")}: ${e}`);
    assert.ok(e.message.includes(message), `${args.join(" ")}: "${e.message}"`);
    assert.ok(!e.message.includes("\n"), "one line");
    return true;
  });
};

Deno.test("parseCli: defaults, every value type, --name=value and negative numbers", () => {
  const a = parseCli(SPEC, []);
  assert.deepEqual(
    { ...a.values },
    {
      seed: 0,
      out: "out",
      quick: false,
      json: undefined,
      d: 10,
      alpha: 1e-8,
      noise: undefined,
      folds: ["eth", "hotel"],
      speed: false,
      budget: 200,
    },
  );
  assert.equal(a.given.size, 0);
  const b = parseCli(SPEC, ["--d=12", "--alpha", "-1e-3", "--noise", "gaussian", "--speed"]);
  assert.equal(b.values.d, 12);
  assert.equal(b.values.alpha, -1e-3);
  assert.equal(b.values.noise, "gaussian");
  assert.equal(b.values.speed, true);
  assert.deepEqual([...b.given].sort(), ["alpha", "d", "noise", "speed"]);
  assert.deepEqual(parseCli(SPEC, ["--folds", "univ"]).values.folds, ["univ"]);
  assert.equal(parseCli(SPEC, ["--help"]).help, true);
});

Deno.test("parseCli: unknown, repeated, malformed, out-of-range and valued switches are one-line errors", () => {
  fails(["--fold", "eth"], "unknown flag --fold; did you mean --folds?");
  fails(["--qiuck"], "unknown flag --qiuck; did you mean --quick?");
  fails(["--d", "10", "--d", "12"], "--d is given twice");
  fails(["--d=10", "--d", "12"], "--d is given twice");
  fails(["--speed", "maybe"], 'unexpected argument "maybe"');
  fails(["--speed=yes"], "--speed takes no value");
  fails(["--budget", "-5"], "--budget must be ≥ 0, got -5");
  fails(["--budget", "2e6"], "--budget must be ≤ 1000000");
  fails(["--d", "1.5"], "--d must be an integer, got 1.5");
  fails(["--d", "ten"], "--d must be a number, got ten");
  fails(["--alpha", ""], "--alpha must be a number");
  fails(["--noise", "bogus"], "--noise must be one of outlier, gaussian, got bogus");
  fails(["--folds", "eth,htel"], "--folds must be one of eth, hotel, univ, got htel");
  fails(["--folds", "eth,"], "--folds has an empty item");
  fails(["--d"], "--d needs a value");
  fails(["--out", "--quick"], "--out needs a value");
  fails(["extra"], 'unexpected argument "extra"');
  fails(["--help", "--d", "3"], "--help takes no other flags");
});

Deno.test("usage lists every flag with its default and choices, and the JSON fields", () => {
  const text = usage(SPEC);
  for (const name of Object.keys(SPEC.flags)) assert.ok(text.includes(`--${name}`), name);
  assert.ok(text.includes("[default: 200]") && text.includes("(outlier | gaussian)"));
  assert.ok(text.includes('{ "finalError": number }') && text.includes("--help"));
});

Deno.test("rejectIdle, checkOutputFile and checkInputDir", async () => {
  assert.throws(() => rejectIdle(new Set(["nu"]), "nu", true, "with --p 0"), /--nu: no effect/);
  rejectIdle(new Set(["nu"]), "nu", false, "with --p 0");
  rejectIdle(new Set(), "nu", true, "with --p 0");
  const dir = await Deno.makeTempDir();
  try {
    checkOutputFile("json", `${dir}/a/b/r.json`);
    assert.ok(Deno.statSync(`${dir}/a/b`).isDirectory);
    assert.throws(() => checkOutputFile("json", `${dir}/a`), /--json .*: is a folder/);
    await Deno.writeTextFile(`${dir}/file`, "");
    assert.throws(() => checkOutputFile("json", `${dir}/file/x.json`), /cannot create folder/);
    checkInputDir("data", dir);
    assert.throws(() => checkInputDir("data", `${dir}/nope`), /--data .*nope: no such folder/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the loose parseFlags rejects a repeated flag too", () => {
  assert.throws(() => parseFlags(["--d", "10", "--d", "12"]), /--d is given twice/);
  assert.deepEqual(parseFlags(["--d", "10"]), { d: "10" });
});
