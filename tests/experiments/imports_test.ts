/**
 * Experiments read as user code (issue 13): they import only the public entry points, `mod.ts`
 * and the `deno.json` exports, plus their own `lib/` and npm/node packages. The scripts listed
 * here have been moved; the others (adapters, peft, instruct, …) are their owners' to move.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);
const PUBLIC_SCRIPTS = [
  "decompositions.ts",
  "eigentrajectory.ts",
  "gemm.ts",
  "reproduce.ts",
  "subgm.ts",
];

/** `./x/mod.ts` targets of deno.json's exports, as paths relative to the repository root. */
async function publicEntries(): Promise<Set<string>> {
  const cfg = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  return new Set(Object.values(cfg.exports as Record<string, string>).map((p) => p.slice(2)));
}

Deno.test("the listed experiments import only mod.ts, deno.json exports, lib/ and packages", async () => {
  const entries = await publicEntries();
  for (const script of PUBLIC_SCRIPTS) {
    const text = await Deno.readTextFile(new URL(`experiments/${script}`, ROOT));
    const specs = [...text.matchAll(/^(?:import|export)[^;]*?from\s+"([^"]+)"/gms)].map((m) =>
      m[1]
    );
    assert.ok(specs.length > 0, script);
    for (const spec of specs) {
      if (!spec.startsWith(".")) continue; // npm:, node:, bare package names
      if (spec.startsWith("./lib/")) continue;
      const path = new URL(spec, new URL(`experiments/${script}`, ROOT)).pathname.slice(
        ROOT.pathname.length,
      );
      assert.ok(entries.has(path), `${script} imports ${spec}, which is not a public entry`);
    }
  }
});
