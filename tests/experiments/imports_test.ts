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

/**
 * Every module specifier in `text`: static `import`/`export … from "x"`, side-effect
 * `import "x"` and literal dynamic `import("x")` (a computed dynamic import is not visible here).
 */
function specifiers(text: string): string[] {
  const patterns = [
    /^(?:import|export)[^;]*?from\s+"([^"]+)"/gms,
    /^import\s+"([^"]+)"/gm,
    /\bimport\(\s*"([^"]+)"\s*\)/g,
  ];
  return patterns.flatMap((re) => [...text.matchAll(re)].map((m) => m[1]));
}

/** `spec` imported from `file` (relative to the root), as a path relative to the root. */
function resolved(spec: string, file: string): string {
  return new URL(spec, new URL(file, ROOT)).pathname.slice(ROOT.pathname.length);
}

Deno.test("every experiment imports only mod.ts, deno.json exports, lib/ and packages", async () => {
  const entries = await publicEntries();
  const all = scripts();
  assert.ok(all.length >= 15, `found ${all.length} scripts`);
  for (const script of all) {
    const text = await Deno.readTextFile(new URL(`experiments/${script}`, ROOT));
    const specs = specifiers(text);
    assert.ok(specs.length > 0, script);
    for (const spec of specs) {
      if (!spec.startsWith(".")) continue; // npm:, node:, bare package names
      if (spec.startsWith("./lib/")) continue;
      if (/^\.\/[a-z_]+\.ts$/.test(spec) && all.includes(spec.slice(2))) continue; // a sibling script
      const path = resolved(spec, `experiments/${script}`);
      assert.ok(entries.has(path), `${script} imports ${spec}, which is not a public entry`);
    }
  }
});

Deno.test("experiments/lib/ helpers import only public entries, each other and packages", async () => {
  // A helper importing ops/… directly would let a script reach internals through lib/.
  const entries = await publicEntries();
  const lib = [...Deno.readDirSync(new URL("experiments/lib/", ROOT))]
    .filter((e) => e.isFile && e.name.endsWith(".ts"))
    .map((e) => e.name)
    .sort();
  assert.ok(lib.length >= 10, `found ${lib.length} lib files`);
  for (const file of lib) {
    const text = await Deno.readTextFile(new URL(`experiments/lib/${file}`, ROOT));
    for (const spec of specifiers(text)) {
      if (!spec.startsWith(".")) continue;
      const path = resolved(spec, `experiments/lib/${file}`);
      if (path.startsWith("experiments/lib/")) continue;
      assert.ok(entries.has(path), `lib/${file} imports ${spec}, which is not a public entry`);
    }
  }
});

Deno.test("specifiers sees static, side-effect and literal dynamic imports", () => {
  const text = 'import { a } from "./a.ts";\nimport "./b.ts";\nexport * from "./c.ts";\n' +
    'const d = await import("./d.ts");\n * import { e } from "./e.ts"; (a doc example)\n';
  assert.deepEqual(specifiers(text).sort(), ["./a.ts", "./b.ts", "./c.ts", "./d.ts"]);
});
