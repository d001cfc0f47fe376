import assert from "node:assert/strict";
import { checkOptions } from "../../ops/options.ts";

const SPEC = {
  full: "boolean",
  axis: "integer",
  tol: "number",
  method: ["hosvd", "hooi"],
  rng: "object",
  ranks: "array",
  onIter: "function",
  name: "string",
  powerIters: "any",
} as const;

Deno.test("checkOptions accepts undefined, {} and every declared kind (undefined values too)", () => {
  checkOptions("f", undefined, SPEC);
  checkOptions("f", {}, SPEC);
  checkOptions("f", {
    full: false,
    axis: -1,
    tol: 0.5,
    method: "hooi",
    rng: {},
    ranks: [1],
    onIter: () => {},
    name: "x",
  }, SPEC);
  checkOptions("f", { full: undefined, axis: undefined }, SPEC);
  checkOptions("f", { powerIters: "auto" }, SPEC);
  checkOptions("f", { powerIters: 3 }, SPEC);
});

Deno.test("checkOptions: unknown keys, wrong kinds and non-objects are TypeErrors naming the key", () => {
  const cases: [unknown, string][] = [
    [{ fulll: true }, 'f: unknown option "fulll" (known: full, axis, tol, method, rng, ranks'],
    [{ full: "yes" }, 'f: option full must be a boolean, got "yes"'],
    [{ full: 1 }, "f: option full must be a boolean, got 1"],
    [{ axis: 1.5 }, "f: option axis must be an integer, got 1.5"],
    [{ tol: "1e-3" }, 'f: option tol must be a number, got "1e-3"'],
    [{ method: "cp" }, 'f: option method must be one of "hosvd", "hooi", got "cp"'],
    [{ rng: null }, "f: option rng must be an object, got null"],
    [{ ranks: 3 }, "f: option ranks must be an array, got 3"],
    [{ onIter: "x" }, 'f: option onIter must be a function, got "x"'],
    [0, "f: options must be an object such as { full: … }, got 0"],
    [null, "f: options must be an object such as { full: … }, got null"],
    [[1], "f: options must be an object such as { full: … }, got an array"],
    [{ toString: 1 }, 'f: unknown option "toString"'],
  ];
  for (const [opts, message] of cases) {
    assert.throws(() => checkOptions("f", opts, SPEC), (e: Error) => {
      assert.ok(e instanceof TypeError, String(e));
      assert.ok(e.message.startsWith(message), `${JSON.stringify(opts)}: ${e.message}`);
      return true;
    });
  }
  assert.throws(() => checkOptions("g", { a: 1 }, {}), /g: unknown option "a" \(known: none\)/);
});
