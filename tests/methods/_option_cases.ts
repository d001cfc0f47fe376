/** The table check shared by the per-area option tests (issue 13). */
import assert from "node:assert/strict";

/**
 * One public function: its name, a call with the given options, valid options, and optionally
 * a key with a wrongly typed value for it.
 */
export type OptionCase = [string, (o: object) => unknown, object, string?, unknown?];

/**
 * For each case: the valid call works (so the errors below come from the option check), a
 * misspelled key is a TypeError `name: unknown option "bogusOption" …`, and a wrongly typed
 * value (when given) is a TypeError `name: option key must be …`.
 */
export function checkOptionCases(cases: readonly OptionCase[]): void {
  for (const [name, call, valid, key, bad] of cases) {
    call(valid);
    assert.throws(() => call({ ...valid, bogusOption: 1 }), (e: Error) => {
      assert.ok(e instanceof TypeError, `${name}: ${e}`);
      assert.ok(e.message.startsWith(`${name}: unknown option "bogusOption"`), e.message);
      return true;
    });
    if (key === undefined) continue;
    assert.throws(() => call({ ...valid, [key]: bad }), (e: Error) => {
      assert.ok(e instanceof TypeError, `${name}: ${e}`);
      assert.ok(e.message.startsWith(`${name}: option ${key} must be`), e.message);
      return true;
    });
  }
}
