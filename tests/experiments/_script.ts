/** Runs an experiment script as a user would, for the command-line tests beside this file. */
import { runScript as runFile, type ScriptRun } from "./_run.ts";

export type { ScriptRun };

/**
 * `deno run -A experiments/<name>.ts ...args` with colours off (`_run.ts`'s `runScript` with
 * the script named without `.ts`).
 *
 * @example
 * ```ts ignore
 * const r = await runScript("ctr", ["--inspect", "--data", "file.txt"]);
 * ```
 */
export function runScript(name: string, args: string[]): Promise<ScriptRun> {
  return runFile(`${name}.ts`, args);
}
