/**
 * The reshapes `R` and `R⁻¹` of trained rank pruning (TRP; Xu et al., "TRP: Trained Rank
 * Pruning for Efficient Deep Neural Networks", IJCAI 2020; spec `compression_optim_attention.md`
 * §1, "Core algorithm"): a conv kernel `W [N, C, kh, kw]` as the matrix (or, for ND, the
 * matrices) whose SVD each scheme truncates.
 *
 * @module
 */
import { allocData, assertTensor, shapeStr, Tensor } from "../../ops/tensor.ts";

/** The three TRP schemes: channel-wise (NC), spatial-wise (VH), network-decoupling (ND). */
export type TrpScheme = "nc" | "vh" | "nd";

/** The schemes, in the spec's order. */
export const TRP_SCHEMES: readonly TrpScheme[] = ["nc", "vh", "nd"];

/**
 * Checks that `scheme` is one of {@link TRP_SCHEMES} (a TypeError naming `fn` and the value).
 *
 * @example
 * ```ts
 * import { checkScheme } from "./trp_reshape.ts";
 * console.log(checkScheme("demo", "vh")); // vh
 * ```
 */
export function checkScheme(fn: string, scheme: unknown): TrpScheme {
  if (!TRP_SCHEMES.includes(scheme as TrpScheme)) {
    throw new TypeError(
      `${fn}: scheme must be one of ${TRP_SCHEMES.join("|")}, got ${JSON.stringify(scheme)}`,
    );
  }
  return scheme as TrpScheme;
}

/**
 * Checks that `w` is a 4-D kernel `[N, C, kh, kw]` and returns its dimensions.
 *
 * @example
 * ```ts
 * import { zeros } from "../../ops/tensor.ts";
 * import { kernelDims } from "./trp_reshape.ts";
 * console.log(kernelDims("demo", zeros([4, 3, 3, 1]))); // [4, 3, 3, 1]
 * ```
 */
export function kernelDims(fn: string, w: Tensor): [number, number, number, number] {
  assertTensor(fn, "weight", w);
  if (w.ndim !== 4) {
    throw new RangeError(
      `${fn}: weight must be a 4-D kernel [N, C, kh, kw], got ${shapeStr(w.shape)}`,
    );
  }
  return [w.shape[0], w.shape[1], w.shape[2], w.shape[3]];
}

/** `(row, col)` of `W[n, c, h, w]` in the VH matrix `(C·kh) × (N·kw)`. */
function vhIndex(n: number, c: number, h: number, x: number, d: number[]): number {
  const [N, , kh, kw] = d;
  return (c * kh + h) * (N * kw) + n * kw + x;
}

/**
 * `R(W)`: NC gives one `N × (C·kh·kw)` matrix (`M[n, (c·kh + h)·kw + w] = W[n,c,h,w]`); VH one
 * `(C·kh) × (N·kw)` matrix (`M[c·kh + h, n·kw + w] = W[n,c,h,w]`); ND one `C × (kh·kw)` matrix
 * per output filter i (`M_i[c, h·kw + w] = W[i,c,h,w]`). Keeps the dtype.
 *
 * @example
 * ```ts
 * import { randn } from "../../ops/random.ts";
 * import { trpReshape } from "./trp_reshape.ts";
 * const w = randn([4, 3, 3, 3], { seed: 0 });
 * console.log(trpReshape(w, "nc")[0].shape, trpReshape(w, "vh")[0].shape); // [4, 27] [9, 12]
 * console.log(trpReshape(w, "nd").length, trpReshape(w, "nd")[0].shape); // 4 [3, 9]
 * ```
 */
export function trpReshape(w: Tensor, scheme: TrpScheme): Tensor[] {
  const fn = "trpReshape";
  const d = kernelDims(fn, w);
  const [N, C, kh, kw] = d;
  checkScheme(fn, scheme);
  if (scheme === "nc") return [new Tensor(w.data.slice(), [N, C * kh * kw])];
  if (scheme === "nd") {
    const per = C * kh * kw;
    return Array.from(
      { length: N },
      (_, i) => new Tensor(w.data.slice(i * per, (i + 1) * per), [C, kh * kw]),
    );
  }
  const out = new Tensor(allocData(w.dtype, w.size), [C * kh, N * kw]);
  let k = 0;
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      for (let h = 0; h < kh; h++) {
        for (let x = 0; x < kw; x++) out.data[vhIndex(n, c, h, x, d)] = w.data[k++];
      }
    }
  }
  return [out];
}

function checkMats(
  fn: string,
  mats: readonly Tensor[],
  count: number,
  rows: number,
  cols: number,
): void {
  if (!Array.isArray(mats) || mats.length !== count) {
    throw new RangeError(`${fn}: expected ${count} matrices, got ${mats?.length}`);
  }
  mats.forEach((m, i) => {
    assertTensor(fn, `mats[${i}]`, m);
    if (m.ndim !== 2 || m.shape[0] !== rows || m.shape[1] !== cols) {
      throw new RangeError(
        `${fn}: mats[${i}] must be ${rows}x${cols}, got ${shapeStr(m.shape)}`,
      );
    }
  });
}

/**
 * `R⁻¹`: the kernel of shape `[N, C, kh, kw]` whose {@link trpReshape} is `mats` (exact inverse;
 * dtype of `mats[0]`).
 *
 * @example
 * ```ts
 * import { randn } from "../../ops/random.ts";
 * import { trpReshape, trpUnreshape } from "./trp_reshape.ts";
 * const w = randn([4, 3, 3, 3], { seed: 0 });
 * const back = trpUnreshape(trpReshape(w, "vh"), w.shape, "vh");
 * console.log(back.data.every((v, i) => v === w.data[i])); // true
 * ```
 */
export function trpUnreshape(
  mats: readonly Tensor[],
  shape: readonly number[],
  scheme: TrpScheme,
): Tensor {
  const fn = "trpUnreshape";
  checkScheme(fn, scheme);
  if (!Array.isArray(shape) || shape.length !== 4) {
    throw new RangeError(`${fn}: shape must be [N, C, kh, kw], got ${JSON.stringify(shape)}`);
  }
  const d = [...shape];
  const [N, C, kh, kw] = d;
  if (scheme === "nc") checkMats(fn, mats, 1, N, C * kh * kw);
  else if (scheme === "vh") checkMats(fn, mats, 1, C * kh, N * kw);
  else checkMats(fn, mats, N, C, kh * kw);
  const out = new Tensor(allocData(mats[0].dtype, N * C * kh * kw), d);
  if (scheme === "nc") out.data.set(mats[0].data);
  else if (scheme === "nd") mats.forEach((m, i) => out.data.set(m.data, i * C * kh * kw));
  else {
    let k = 0;
    for (let n = 0; n < N; n++) {
      for (let c = 0; c < C; c++) {
        for (let h = 0; h < kh; h++) {
          for (let x = 0; x < kw; x++) out.data[k++] = mats[0].data[vhIndex(n, c, h, x, d)];
        }
      }
    }
  }
  return out;
}
