/**
 * Reader for the ETH/UCY benchmark files in the Social-GAN format (spec §1.1): one row per
 * pedestrian per annotated frame, `frame_id  ped_id  x  y`, tab-separated, metres.
 *
 * @module
 */

/** Parsed rows of one trajectory file, in file order. */
export interface TrajectoryRows {
  /** Name used in error messages (usually the file path). */
  readonly source: string;
  /** Frame id of each row. */
  readonly frame: Float64Array;
  /** Pedestrian id of each row. */
  readonly ped: Float64Array;
  /** x coordinate of each row (metres). */
  readonly x: Float64Array;
  /** y coordinate of each row (metres). */
  readonly y: Float64Array;
}

/**
 * Parses the text of one trajectory file. Every non-blank line must have exactly four
 * whitespace-separated finite numbers (tabs in the benchmark files), and no (frame, pedestrian)
 * pair may repeat; otherwise a `RangeError` names the source and the 1-based line.
 *
 * @example
 * ```ts
 * import { parseTrajectoryText } from "./reader.ts";
 * const rows = parseTrajectoryText("780\t1.0\t8.46\t3.59\n790\t1.0\t9.57\t3.79\n", "demo.txt");
 * console.log(rows.frame.length, rows.x[1]); // 2 9.57
 * ```
 */
export function parseTrajectoryText(text: string, source = "<text>"): TrajectoryRows {
  if (typeof text !== "string") {
    throw new TypeError(`parseTrajectoryText: text must be a string, got ${typeof text}`);
  }
  const lines = text.split(/\r?\n/);
  const frame: number[] = [], ped: number[] = [], x: number[] = [], y: number[] = [];
  const seen = new Set<string>();
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li].trim();
    if (line === "") continue;
    const fields = line.split(/\s+/);
    const where = `${source}:${li + 1}`;
    if (fields.length !== 4) {
      throw new RangeError(
        `parseTrajectoryText: ${where}: expected 4 fields (frame ped x y), got ${fields.length}: "${line}"`,
      );
    }
    const v = fields.map((f) => Number(f));
    const bad = v.findIndex((n, i) => fields[i] === "" || !Number.isFinite(n));
    if (bad >= 0) {
      throw new RangeError(
        `parseTrajectoryText: ${where}: field ${bad + 1} is not a finite number: "${fields[bad]}"`,
      );
    }
    const key = `${v[0]}/${v[1]}`;
    if (seen.has(key)) {
      throw new RangeError(
        `parseTrajectoryText: ${where}: pedestrian ${v[1]} appears twice in frame ${v[0]}`,
      );
    }
    seen.add(key);
    frame.push(v[0]);
    ped.push(v[1]);
    x.push(v[2]);
    y.push(v[3]);
  }
  return {
    source,
    frame: Float64Array.from(frame),
    ped: Float64Array.from(ped),
    x: Float64Array.from(x),
    y: Float64Array.from(y),
  };
}

/**
 * Reads and parses one trajectory file (see {@link parseTrajectoryText}).
 *
 * @example
 * ```ts
 * import { readTrajectoryFile } from "./reader.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "0\t1\t0.5\t0.25\n");
 * console.log((await readTrajectoryFile(path)).y[0]); // 0.25
 * await Deno.remove(path);
 * ```
 */
export async function readTrajectoryFile(path: string): Promise<TrajectoryRows> {
  return parseTrajectoryText(await Deno.readTextFile(path), path);
}
