/**
 * Experiments read as user code (issue 13): every script in experiments/ imports only the public
 * entry points, `mod.ts` and the `deno.json` exports, plus its own `lib/` and npm/node packages.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);

/** Every experiment script (experiments/*.ts; lib/ holds their shared helpers). */
function scripts(): string[] {
  return [...Deno.readDirSync(new URL("experiments/", ROOT))]
    .filter((e) => e.isFile && e.name.endsWith(".ts"))
    .map((e) => e.name)
    .sort();
}

/** `./x/mod.ts` targets of deno.json's exports, as paths relative to the repository root. */
async function publicEntries(): Promise<Set<string>> {
  const cfg = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  return new Set(Object.values(cfg.exports as Record<string, string>).map((p) => p.slice(2)));
}

Deno.test("every experiment imports only mod.ts, deno.json exports, lib/ and packages", async () => {
  const entries = await publicEntries();
  const all = scripts();
  assert.ok(all.length >= 15, `found ${all.length} scripts`);
  for (const script of all) {
    const text = await Deno.readTextFile(new URL(`experiments/${script}`, ROOT));
    const specs = [...text.matchAll(/^(?:import|export)[^;]*?from\s+"([^"]+)"/gms)].map((m) =>
      m[1]
    );
    assert.ok(specs.length > 0, script);
    for (const spec of specs) {
      if (!spec.startsWith(".")) continue; // npm:, node:, bare package names
      if (spec.startsWith("./lib/")) continue;
      if (/^\.\/[a-z_]+\.ts$/.test(spec) && all.includes(spec.slice(2))) continue; // a sibling script
      const path = new URL(spec, new URL(`experiments/${script}`, ROOT)).pathname.slice(
        ROOT.pathname.length,
      );
      assert.ok(entries.has(path), `${script} imports ${spec}, which is not a public entry`);
    }
  }
});
