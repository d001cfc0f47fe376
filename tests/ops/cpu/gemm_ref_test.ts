import assert from "node:assert/strict";
import { makeCase } from "./gemm_ref.ts";
import { Rng } from "../../../ops/random.ts";

Deno.test("makeCase: operands keep their offsets and strides where V8 15.0 shared them", async () => {
  // With this delay, objects { data, off, ld } from operand() had their fields overwritten in
  // 7 of 10 runs of gemm_pin_test.ts; makeCase's fit check then throws.
  const v8 = "--v8-flags=--concurrent-recompilation-delay=20";
  const child = new URL("./make_case_stress.ts", import.meta.url).pathname;
  for (let run = 0; run < 4; run++) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", v8, child],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, `run ${run}: ${err.split("\n").find((l) => l.includes("Error"))}`);
  }
});

Deno.test("makeCase: strided cases fit their arrays, with padding around each operand", () => {
  const rng = new Rng(5);
  for (let i = 0; i < 20; i++) {
    const { args } = makeCase(rng, { m: 9, n: 7, k: 5, dtype: "f64", strided: true });
    assert.ok(args.lda > args.k && args.ldb > args.n && args.ldc > args.n);
    assert.ok((args.aOffset ?? 0) + 8 * args.lda + 5 <= args.a.length);
  }
});
