/**
 * The real-data guard (issue 13): a test is ignored only when ../shared/data is absent; with the
 * folder present, a missing file is not "ignored" (the test runs and fails on it).
 */
import assert from "node:assert/strict";
import { sharedData } from "./shared_data.ts";

const ROOT = new URL("../../../../shared/data/", import.meta.url).pathname;
let absent = false;
try {
  Deno.statSync(ROOT);
} catch (e) {
  if (!(e instanceof Deno.errors.NotFound)) throw e;
  absent = true;
  console.warn(`IGNORED: the guard's own test needs ${ROOT} (../shared/data absent)`);
}

Deno.test("sharedData: with ../shared/data present, a missing file is not a reason to ignore", {
  ignore: absent,
}, () => {
  const there = sharedData("peft/base_model.safetensors");
  assert.deepEqual(there, { path: `${ROOT}peft/base_model.safetensors`, missing: false });
  assert.ok(Deno.statSync(there.path).isFile);
  const gone = sharedData("peft/no_such_fixture.safetensors");
  assert.equal(gone.missing, false, "a misspelled or deleted fixture must fail, not be ignored");
  assert.throws(() => Deno.statSync(gone.path), Deno.errors.NotFound);
});
