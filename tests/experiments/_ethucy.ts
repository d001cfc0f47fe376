/** A tiny generated ETH/UCY-style folder for the EigenTrajectory CLI tests. */
import { Rng } from "../../ops/random.ts";

/**
 * One recording: `peds` pedestrians present in all `frames` frames (ids 10 apart), half of them
 * walking (0.3–0.6 m a step, gently turning), half nearly standing, with 2 cm noise.
 */
function recording(rng: Rng, frames: number, peds: number): string {
  const lines: string[] = [];
  const state = Array.from({ length: peds }, (_, p) => ({
    x: 10 * rng.uniform(),
    y: 10 * rng.uniform(),
    speed: p % 2 === 0 ? 0.3 + 0.3 * rng.uniform() : 0.01 * rng.uniform(),
    heading: 2 * Math.PI * rng.uniform(),
    turn: 0.05 * rng.normal(),
  }));
  for (let f = 0; f < frames; f++) {
    state.forEach((s, p) => {
      const x = s.x + 0.02 * rng.normal(), y = s.y + 0.02 * rng.normal();
      lines.push(`${f * 10}\t${p + 1}.0\t${x.toFixed(4)}\t${y.toFixed(4)}`);
      s.heading += s.turn;
      s.x += s.speed * Math.cos(s.heading);
      s.y += s.speed * Math.sin(s.heading);
    });
  }
  return lines.join("\n") + "\n";
}

/** DIR/eth/{train,val,test}/*.txt with enough agent-windows for 20 anchors per group. */
export async function tinyEthucy(dir: string): Promise<void> {
  const rng = new Rng(7);
  const files: Record<string, number> = { train: 3, val: 1, test: 1 };
  for (const [split, n] of Object.entries(files)) {
    await Deno.mkdir(`${dir}/eth/${split}`, { recursive: true });
    for (let i = 0; i < n; i++) {
      await Deno.writeTextFile(`${dir}/eth/${split}/rec${i}.txt`, recording(rng, 40, 6));
    }
  }
}

/**
 * Runs `f` with a fresh temporary folder whose `data/` subfolder holds {@link tinyEthucy}'s
 * fold, and removes the folder afterwards, whatever `f` does.
 */
export async function withTinyEthucy(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await tinyEthucy(`${dir}/data`);
    await f(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
