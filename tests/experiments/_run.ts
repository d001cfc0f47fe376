/** Runs an experiment script in a child process, as a user would (shared by the CLI tests). */

/** Exit code and output of one run. */
export interface ScriptRun {
  /** Exit status. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** `deno run -A experiments/<script> ...args` in `cwd` (default: this process's). */
export async function runScript(script: string, args: string[], cwd?: string): Promise<ScriptRun> {
  const path = new URL(`../../experiments/${script}`, import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", path, ...args],
    stdout: "piped",
    stderr: "piped",
    cwd,
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Asserts exit status 2 and one stderr line containing `message` for each case (in parallel). */
export async function expectUsageErrors(
  script: string,
  cases: readonly (readonly [string[], string])[],
): Promise<void> {
  const results = await Promise.all(cases.map(([args]) => runScript(script, args)));
  results.forEach((r, i) => {
    const [args, message] = cases[i];
    const line = r.stderr.trim();
    if (r.code !== 2 || line.includes("\n") || !line.includes(message)) {
      throw new Error(
        `${script} ${
          args.join(" ")
        }: want exit 2 and one line with "${message}", got exit ${r.code}:\n${r.stderr}`,
      );
    }
  });
}

/** Runs `tasks` with at most `n` at a time (the machine has two cores); results in order. */
export async function pool<T>(tasks: (() => Promise<T>)[], n: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: n }, worker));
  return results;
}
