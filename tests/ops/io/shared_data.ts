// Locates a file of ../shared/data (beside the checkout) for the real-data tests, and says
// visibly why such a test is ignored when the file is absent.

/** Path of `../shared/data/<rel>` and whether it is missing (with the reason printed once). */
export function sharedData(rel: string): { path: string; missing: boolean } {
  const path = new URL(`../../../../shared/data/${rel}`, import.meta.url).pathname;
  try {
    Deno.statSync(path);
    return { path, missing: false };
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    console.warn(`IGNORED: real-data test needs ${path} (../shared/data absent)`);
    return { path, missing: true };
  }
}

/** Asserts that `f` throws an error of class `cls` whose message equals `message` exactly. */
export function throwsExactly(
  f: () => unknown,
  cls: typeof TypeError | typeof RangeError,
  message: string,
): void {
  let caught: unknown = null;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  if (!(caught instanceof cls)) {
    throw new Error(`expected ${cls.name}("${message}"), got ${String(caught)}`);
  }
  if (caught.message !== message) {
    throw new Error(`expected message\n  ${message}\ngot\n  ${caught.message}`);
  }
}
