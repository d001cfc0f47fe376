/**
 * GSM8K (Cobbe et al., "Training verifiers to solve math word problems", 2021) for exemplar
 * retrieval without an LLM: records, and the reasoning-structure label of a solution, the
 * sequence of arithmetic operators in its `<<…>>` calculator annotations (issue 19).
 *
 * @module
 */
import type { Exemplar } from "./dq.ts";

/**
 * Checks JSON Lines rows as GSM8K records (`{ question, answer }` strings) and returns them
 * as exemplars (`solution` = `answer`).
 *
 * @throws {TypeError} naming `source` and the line (1-based) of the first bad row.
 *
 * @example
 * ```ts
 * import { gsm8kExemplars } from "./gsm8k.ts";
 * const rows = [{ question: "1+1?", answer: "1+1=<<1+1=2>>2\n#### 2" }];
 * console.log(gsm8kExemplars(rows, "demo.jsonl")[0].solution.endsWith("#### 2")); // true
 * ```
 */
export function gsm8kExemplars(rows: readonly unknown[], source: string): Exemplar[] {
  return rows.map((r, i) => {
    const o = r as { question?: unknown; answer?: unknown };
    if (
      typeof r !== "object" || r === null || typeof o.question !== "string" ||
      typeof o.answer !== "string"
    ) {
      throw new TypeError(
        `${source}: line ${i + 1} is not a GSM8K record ({ "question": string, "answer": string })`,
      );
    }
    return { question: o.question, solution: o.answer };
  });
}

/**
 * The solution text without its `<<…>>` calculator annotations (what a model's chain of thought
 * looks like; the annotations repeat the visible calculation).
 *
 * @example
 * ```ts
 * import { stripAnnotations } from "./gsm8k.ts";
 * console.log(stripAnnotations("48/2 = <<48/2=24>>24 clips")); // "48/2 = 24 clips"
 * ```
 */
export function stripAnnotations(solution: string): string {
  return solution.replace(/<<[^>]*>>/g, "");
}

/**
 * The reasoning-structure label: the binary arithmetic operators (`+ - * /`) of each `<<…>>`
 * annotation's left-hand side, in order. A symbol that starts an operand (after another
 * operator, `(` or at the start) is a sign, not an operator: `-3*-2` is one `*`, the data's
 * `+3+3` one `+`, and its Python-style `560//10` one `/`.
 *
 * @example
 * ```ts
 * import { operatorSequence } from "./gsm8k.ts";
 * console.log(operatorSequence("<<48/2=24>> then <<48+24=72>> and <<(-3+5)*2=4>>"));
 * // ["/", "+", "+", "*"]
 * ```
 */
export function operatorSequence(solution: string): string[] {
  const ops: string[] = [];
  for (const [, body] of solution.matchAll(/<<([^>]*)>>/g)) {
    const eq = body.lastIndexOf("=");
    let operand = false; // whether an operand precedes the current character
    for (const ch of eq >= 0 ? body.slice(0, eq) : body) {
      if ("+-*/".includes(ch)) {
        if (operand) ops.push(ch);
        operand = false;
      } else if (ch === "(") {
        operand = false;
      } else if (ch !== " ") {
        operand = true;
      }
    }
  }
  return ops;
}

/**
 * Levenshtein distance between two sequences (unit insert, delete, substitute).
 *
 * @example
 * ```ts
 * import { editDistance } from "./gsm8k.ts";
 * console.log(editDistance(["*", "+"], ["*", "-", "+"])); // 1
 * ```
 */
export function editDistance<T>(a: readonly T[], b: readonly T[]): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/**
 * Structure similarity `1 − editDistance(a, b) / max(|a|, |b|)` in [0, 1] (1 for two empty
 * sequences).
 *
 * @example
 * ```ts
 * import { structureSimilarity } from "./gsm8k.ts";
 * console.log(structureSimilarity(["*", "+"], ["*", "-", "+"])); // 0.6666666666666667
 * ```
 */
export function structureSimilarity<T>(a: readonly T[], b: readonly T[]): number {
  const len = Math.max(a.length, b.length);
  return len === 0 ? 1 : 1 - editDistance(a, b) / len;
}
