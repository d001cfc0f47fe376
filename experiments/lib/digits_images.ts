/**
 * UCI digits as NCHW images for the TRP experiment (issue 15): `DIR/digits.csv` (64 pixels
 * 0..16 and a label per row), pixels scaled by 1/16, shape `[n, 1, 8, 8]`; the README's split
 * (test = rows i % 5 == 0) and a seeded validation share taken out of train only. Without a
 * data folder, a generated stand-in of the same shape (class prototypes, shifted and noisy).
 *
 * @module
 */
import { readNumericCsv, Rng, type Tensor, tensor } from "../../mod.ts";
import { CliError } from "./strict_cli.ts";
import { announceData, sharedData } from "./data_sources.ts";

/** Images with labels. */
export interface ImageSet {
  /** `[n, 1, 8, 8]`, values in [0, 1]. */
  x: Tensor;
  /** Class of each image. */
  y: Int32Array;
}

/** The three sets and where they came from. */
export interface DigitsSplit {
  /** Training images (train rows minus validation). */
  train: ImageSet;
  /** Validation images (a seeded share of the train rows). */
  val: ImageSet;
  /** Test images (rows i % 5 == 0). */
  test: ImageSet;
  /** The csv path, or "generated". */
  source: string;
}

/** A seeded stand-in: 10 smooth random prototypes, each sample shifted by ≤ 1 pixel plus noise. */
function generated(seed: number, n: number): { pixels: Float64Array; labels: Int32Array } {
  const rng = new Rng(seed);
  const protos = Array.from({ length: 10 }, () => {
    const p = new Float64Array(100); // 10×10, cropped to 8×8 after a shift
    for (let k = 0; k < 6; k++) {
      const cy = 2 + rng.int(6), cx = 2 + rng.int(6);
      for (let i = 0; i < 100; i++) {
        const d = (Math.floor(i / 10) - cy) ** 2 + ((i % 10) - cx) ** 2;
        p[i] += Math.exp(-d / 2);
      }
    }
    return p;
  });
  const pixels = new Float64Array(n * 64), labels = new Int32Array(n);
  for (let s = 0; s < n; s++) {
    // A random class per row (s % 10 would put only classes 0 and 5 in the test rows).
    const c = rng.int(10), dy = rng.int(3), dx = rng.int(3);
    labels[s] = c;
    for (let i = 0; i < 64; i++) {
      const v = protos[c][(Math.floor(i / 8) + dy) * 10 + (i % 8) + dx] + 0.3 * rng.normal();
      pixels[s * 64 + i] = Math.min(1, Math.max(0, v / 2));
    }
  }
  return { pixels, labels };
}

function read(path: string): { pixels: Float64Array; labels: Int32Array } {
  const csv = readNumericCsv(path, { header: false });
  if (csv.cols !== 65) throw new CliError(`${path}: expected 65 columns, got ${csv.cols}`);
  const pixels = new Float64Array(csv.rows * 64), labels = new Int32Array(csv.rows);
  for (let i = 0; i < csv.rows; i++) {
    for (let j = 0; j < 64; j++) pixels[i * 64 + j] = csv.data.data[i * 65 + j] / 16;
    const y = csv.data.data[i * 65 + 64];
    if (!Number.isInteger(y) || y < 0 || y > 9) {
      throw new CliError(`${path}: row ${i + 1}: label must be an integer 0..9, got ${y}`);
    }
    labels[i] = y;
  }
  return { pixels, labels };
}

/**
 * The images `idx` of `set`, in that order (a batch, or a split).
 *
 * @example
 * ```ts
 * import { tensor } from "../../mod.ts";
 * import { imageRows } from "./digits_images.ts";
 * const set = { x: tensor(new Float64Array(128).fill(1), { shape: [2, 1, 8, 8] }), y: Int32Array.of(3, 4) };
 * console.log(imageRows(set, [1]).y); // Int32Array(1) [ 4 ]
 * ```
 */
export function imageRows(set: ImageSet, idx: ArrayLike<number>): ImageSet {
  const x = new Float64Array(idx.length * 64);
  for (let i = 0; i < idx.length; i++) {
    x.set(set.x.data.subarray(idx[i] * 64, idx[i] * 64 + 64), i * 64);
  }
  return {
    x: tensor(x, { shape: [idx.length, 1, 8, 8] }),
    y: Int32Array.from(idx, (r) => set.y[r]),
  };
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * The digits split: `data/digits.csv` of `--data DIR`; without it `../shared/data/digits` when
 * present, else generated data (announced on stderr). `valFraction` of the train rows (seeded
 * shuffle) is the validation set.
 *
 * @example
 * ```ts ignore
 * import { digitsSplit } from "./digits_images.ts";
 * const { train, test } = digitsSplit(undefined, 0, 0.2);
 * console.log(train.x.shape, test.x.shape); // [1150, 1, 8, 8] [360, 1, 8, 8]
 * ```
 */
export function digitsSplit(
  data: string | undefined,
  seed: number,
  valFraction: number,
): DigitsSplit {
  const dir = data ?? sharedData("digits");
  const file = `${dir}/digits.csv`;
  let all, source = file;
  if (exists(file)) {
    all = read(file);
    announceData("trp", file);
  } else if (data !== undefined) throw new CliError(`--data ${data}: no digits.csv in that folder`);
  else {
    announceData("trp", `generated: 8×8 digit images (seed ${seed}); ${file} is absent`);
    all = generated(seed, 1797);
    source = "generated";
  }
  const n = all.labels.length;
  const test = [...Array(n).keys()].filter((i) => i % 5 === 0);
  const train = new Rng(seed).permutation(n).filter((i) => i % 5 !== 0);
  const nVal = Math.round(train.length * valFraction);
  const images = { x: tensor(all.pixels, { shape: [n, 1, 8, 8] }), y: all.labels };
  return {
    train: imageRows(images, train.slice(nVal)),
    val: imageRows(images, train.slice(0, nVal)),
    test: imageRows(images, test),
    source,
  };
}
