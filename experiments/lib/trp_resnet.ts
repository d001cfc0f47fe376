/**
 * The small ResNet of the TRP experiment (issue 15; `experiments/compress_trp.ts`): a 3×3 stem,
 * then one basic block per stage (3×3 conv → BN → ReLU → 3×3 conv → BN, plus the shortcut,
 * → ReLU; He et al., CVPR 2016), the first conv of stages 2+ with stride 2 and the CIFAR
 * ResNet's parameter-free "option A" shortcut (subsample by 2, zero-pad the new channels),
 * global average pooling and a linear head. ResNet-20 of the TRP paper has three such blocks
 * per stage; `blocks` sets it.
 *
 * Every conv is reached through a hook, so a factorised layer can stand in for it, and
 * {@link resnetConvs} lists each conv with its options and output size (for MAC counts).
 *
 * @module
 */
import {
  adaptiveAvgPool2d,
  add,
  applyBatchNorm2d,
  applyLinear,
  type BatchNorm2dParams,
  type BatchNorm2dState,
  conv2d,
  type Conv2dParams,
  type Conv2dShapeOptions,
  flatten,
  initBatchNorm2d,
  initConv2d,
  initLinear,
  type LinearParams,
  relu,
  Rng,
  type Tensor,
  tensor,
} from "../../mod.ts";

/** Shape of the network. */
export interface ResnetConfig {
  /** Channels of each stage (stage 0 at full resolution, each later one at half). */
  widths: number[];
  /** Basic blocks per stage. */
  blocks: number;
  /** Input channels and side (square images). */
  inChannels: number;
  /** Input height = width. */
  size: number;
  /** Outputs of the head. */
  classes: number;
}

/** A conv of the network: its name, options, kernel shape and output side. */
export interface ConvSite {
  /** e.g. `"s1.b0.conv1"`. */
  name: string;
  /** Stride and padding. */
  opts: { stride: number; padding: number };
  /** `[N, C, kh, kw]`. */
  shape: [number, number, number, number];
  /** Output height = width. */
  out: number;
}

/** Learned parameters: convs by name (no bias: BN follows), BNs by the same name, the head. */
export interface ResnetParams {
  /** Convolutions. */
  convs: Record<string, Conv2dParams>;
  /** Batch norms after each conv. */
  bns: Record<string, BatchNorm2dParams>;
  /** Classifier. */
  head: LinearParams;
}

/** Running BN statistics by conv name. */
export type ResnetState = Record<string, BatchNorm2dState>;

/** The conv that stands in for `conv2d(x, p.weight, opts)`. */
export type ResnetConvHook = (
  name: string,
  x: Tensor,
  p: Conv2dParams,
  opts: Conv2dShapeOptions,
) => Tensor;

/**
 * Every conv of the network in forward order.
 *
 * @example
 * ```ts
 * import { resnetConvs } from "./trp_resnet.ts";
 * const c = resnetConvs({ widths: [4, 8], blocks: 1, inChannels: 1, size: 8, classes: 10 });
 * console.log(c.map((s) => `${s.name}:${s.opts.stride}:${s.out}`).join(" ")); // stem:1:8 s0.b0.conv1:1:8 s0.b0.conv2:1:8 s1.b0.conv1:2:4 s1.b0.conv2:1:4
 * ```
 */
export function resnetConvs(c: ResnetConfig): ConvSite[] {
  const sites: ConvSite[] = [{
    name: "stem",
    opts: { stride: 1, padding: 1 },
    shape: [c.widths[0], c.inChannels, 3, 3],
    out: c.size,
  }];
  let side = c.size, prev = c.widths[0];
  c.widths.forEach((w, s) => {
    for (let b = 0; b < c.blocks; b++) {
      const stride = s > 0 && b === 0 ? 2 : 1;
      side = Math.floor((side - 1) / stride) + 1;
      const pre = `s${s}.b${b}`;
      sites.push({
        name: `${pre}.conv1`,
        opts: { stride, padding: 1 },
        shape: [w, prev, 3, 3],
        out: side,
      });
      sites.push({
        name: `${pre}.conv2`,
        opts: { stride: 1, padding: 1 },
        shape: [w, w, 3, 3],
        out: side,
      });
      prev = w;
    }
  });
  return sites;
}

/**
 * Parameters (PyTorch's default conv init) and fresh BN statistics.
 *
 * @example
 * ```ts
 * import { initResnet } from "./trp_resnet.ts";
 * const { params } = initResnet({ widths: [4, 8], blocks: 1, inChannels: 1, size: 8, classes: 10 }, 0);
 * console.log(Object.keys(params.convs).length, params.head.weight.shape); // 5 [10, 8]
 * ```
 */
export function initResnet(
  c: ResnetConfig,
  seed: number,
): { params: ResnetParams; state: ResnetState } {
  const rng = new Rng(seed);
  const convs: Record<string, Conv2dParams> = {}, bns: Record<string, BatchNorm2dParams> = {};
  const state: ResnetState = {};
  for (const s of resnetConvs(c)) {
    convs[s.name] = initConv2d(s.shape[1], s.shape[0], 3, { rng, bias: false });
    const bn = initBatchNorm2d(s.shape[0]);
    bns[s.name] = bn.params;
    state[s.name] = bn.state;
  }
  const head = initLinear(c.widths[c.widths.length - 1], c.classes, { rng });
  return { params: { convs, bns, head }, state };
}

const shortcuts = new Map<string, Tensor>();

/** Option A: `x[:, :, ::2, ::2]` with `(out − in)/2` zero channels on each side (a fixed 1×1 conv). */
function shortcutA(x: Tensor, out: number): Tensor {
  const cin = x.shape[1], key = `${cin}:${out}:${x.dtype}`;
  let w = shortcuts.get(key);
  if (w === undefined) {
    const data = new Float64Array(out * cin), off = Math.floor((out - cin) / 2);
    for (let c = 0; c < cin; c++) data[(c + off) * cin + c] = 1;
    w = tensor(data, { shape: [out, cin, 1, 1], dtype: x.dtype });
    shortcuts.set(key, w);
  }
  return conv2d(x, w, { stride: 2 });
}

/** Options of {@link applyResnet}. */
export interface ResnetApplyOptions {
  /** Batch statistics and a running update (true) or the running statistics (false). */
  training: boolean;
  /** Replaces convs by name (default: the plain conv). */
  conv?: ResnetConvHook;
}

/**
 * Logits `[N, classes]` and the BN statistics after the call. Differentiable in `params`.
 *
 * @example
 * ```ts
 * import { randn } from "../../mod.ts";
 * import { applyResnet, initResnet } from "./trp_resnet.ts";
 * const cfg = { widths: [4, 8], blocks: 1, inChannels: 1, size: 8, classes: 10 };
 * const { params, state } = initResnet(cfg, 0);
 * console.log(applyResnet(cfg, params, state, randn([3, 1, 8, 8]), { training: false }).logits.shape); // [3, 10]
 * ```
 */
export function applyResnet(
  c: ResnetConfig,
  params: ResnetParams,
  state: ResnetState,
  x: Tensor,
  o: ResnetApplyOptions,
): { logits: Tensor; state: ResnetState } {
  const hook: ResnetConvHook = o.conv ?? ((_n, h, p, opts) => conv2d(h, p.weight, opts));
  const next: ResnetState = {};
  const unit = (name: string, h: Tensor, opts: Conv2dShapeOptions): Tensor => {
    const r = applyBatchNorm2d(
      params.bns[name],
      state[name],
      hook(name, h, params.convs[name], opts),
      {
        training: o.training,
      },
    );
    next[name] = r.state;
    return r.y;
  };
  const sites = resnetConvs(c);
  let h = relu(unit("stem", x, sites[0].opts));
  for (let i = 1; i < sites.length; i += 2) {
    const a = sites[i], b = sites[i + 1];
    const y = unit(b.name, relu(unit(a.name, h, a.opts)), b.opts);
    const skip = a.opts.stride === 1 && a.shape[0] === a.shape[1] ? h : shortcutA(h, a.shape[0]);
    h = relu(add(y, skip));
  }
  return { logits: applyLinear(params.head, flatten(adaptiveAvgPool2d(h, 1))), state: next };
}
