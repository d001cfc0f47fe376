// Locates a file of ../shared/data (beside the checkout) for the real-data tests, and says
// visibly why such a test is ignored when the data folder is absent.

/** `../shared/data/`, where CI and the development machine keep the real data. */
const ROOT = new URL("../../../../shared/data/", import.meta.url).pathname;

/**
 * Path of `../shared/data/<rel>` and whether the test needing it is to be ignored: only when
 * the whole data folder is absent (reason printed). With the folder present, a missing file is
 * not a reason to skip: the test runs and fails on it (a renamed fixture must not turn a
 * real-data test into a silent "ignored").
 */
export function sharedData(rel: string): { path: string; missing: boolean } {
  const path = `${ROOT}${rel}`;
  try {
    Deno.statSync(ROOT);
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
