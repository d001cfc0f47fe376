/** Runs an experiment script as a user would, for the command-line tests beside this file. */

/** Exit code and decoded output of one run. */
export interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `deno run -A experiments/<name>.ts ...args` with colours off.
 *
 * @example
 * ```ts ignore
 * const r = await runScript("ctr", ["--inspect", "--data", "file.txt"]);
 * ```
 */
export async function runScript(name: string, args: string[]): Promise<ScriptRun> {
  const script = new URL(`../../experiments/${name}.ts`, import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}
