/**
 * The distillation objective of BiPFT (Xing et al., AAAI 2024; spec
 * `compression_optim_attention.md` §4 "Pre-training objective"), for a language model: soft
 * cross-entropy of the student's logits against the teacher's distribution (standing in for
 * the NSP/MLM logit terms) plus the mean over layers of the hidden-state MSE.
 *
 * @module
 */
import type { Tensor } from "../../ops/tensor.ts";
import * as ad from "../../ops/autograd/ops.ts";

/**
 * `mean_positions(−Σ_v softmax(t)_v · log softmax(s)_v) + mean_layers MSE(h_s, h_t)`: the
 * student's logits `s` and hidden states against the teacher's (constants: the teacher is not
 * trained). Every layer's hidden state must be given for both.
 *
 * @example
 * ```ts
 * import { tensor } from "../../ops/tensor.ts";
 * import { distillLoss } from "./bipft_distill.ts";
 * const z = tensor([[0, 0]]);
 * console.log(distillLoss({ logits: z, hidden: [z] }, { logits: z, hidden: [z] }).data[0].toFixed(4)); // 0.6931
 * ```
 */
export function distillLoss(
  student: { logits: Tensor; hidden: Tensor[] },
  teacher: { logits: Tensor; hidden: Tensor[] },
): Tensor {
  if (student.hidden.length !== teacher.hidden.length) {
    throw new RangeError(
      `distillLoss: student has ${student.hidden.length} hidden states, teacher ${teacher.hidden.length}`,
    );
  }
  const v = student.logits.shape.at(-1)!;
  const target = ad.softmax(teacher.logits);
  const ce = ad.scale(ad.mean(ad.mul(target, ad.logSoftmax(student.logits))), -v);
  if (student.hidden.length === 0) return ce;
  let mse = ad.mse(student.hidden[0], teacher.hidden[0]);
  for (let i = 1; i < student.hidden.length; i++) {
    mse = ad.add(mse, ad.mse(student.hidden[i], teacher.hidden[i]));
  }
  return ad.add(ce, ad.scale(mse, 1 / student.hidden.length));
}
