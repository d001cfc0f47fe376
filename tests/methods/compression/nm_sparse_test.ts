import assert from "node:assert/strict";
import { randn } from "../../../ops/random.ts";
import { matmul } from "../../../ops/matmul.ts";
import { tensor } from "../../../ops/tensor.ts";
import { nmIndexBits, nmMatmulT, nmPack, nmProject } from "../../../methods/compression/mod.ts";

/** Non-zeros of every group of m along axis of a rows × cols array. */
function groupCounts(
  d: ArrayLike<number>,
  rows: number,
  cols: number,
  m: number,
  axis: 0 | 1,
): number[] {
  const out: number[] = [];
  if (axis === 0) {
    for (let g = 0; g < rows; g += m) {
      for (let j = 0; j < cols; j++) {
        let c = 0;
        for (let o = 0; o < m; o++) if (d[(g + o) * cols + j] !== 0) c++;
        out.push(c);
      }
    }
  } else {
    for (let i = 0; i < rows; i++) {
      for (let g = 0; g < cols; g += m) {
        let c = 0;
        for (let o = 0; o < m; o++) if (d[i * cols + g + o] !== 0) c++;
        out.push(c);
      }
    }
  }
  return out;
}

Deno.test("nmProject: exactly N non-zeros per group of M on either axis; idempotent (§3 property 1)", () => {
  for (const [n, m] of [[1, 4], [2, 4], [3, 8], [4, 4]]) {
    for (const axis of [0, 1] as const) {
      const s = randn([16, 16], { seed: n * 10 + m + axis });
      const p = nmProject(s, n, m, { axis });
      assert.ok(
        groupCounts(p.data, 16, 16, m, axis).every((c) => c === n),
        `${n}:${m} axis ${axis}`,
      );
      assert.deepEqual(Array.from(nmProject(p, n, m, { axis }).data), Array.from(p.data));
      // Kept entries are unchanged copies of s.
      for (let i = 0; i < s.size; i++) assert.ok(p.data[i] === 0 || p.data[i] === s.data[i]);
    }
  }
});

Deno.test("nmProject: keeps the N largest magnitudes of each group; the lower index wins a tie", () => {
  const s = randn([8, 5], { seed: 3 });
  const p = nmProject(s, 2, 4);
  for (let g = 0; g < 8; g += 4) {
    for (let j = 0; j < 5; j++) {
      const col = [0, 1, 2, 3].map((o) => s.data[(g + o) * 5 + j]);
      const kept = [0, 1, 2, 3].filter((o) => p.data[(g + o) * 5 + j] !== 0);
      const minKept = Math.min(...kept.map((o) => Math.abs(col[o])));
      const maxDropped = Math.max(
        ...[0, 1, 2, 3].filter((o) => !kept.includes(o)).map((o) => Math.abs(col[o])),
      );
      assert.ok(minKept >= maxDropped);
    }
  }
  // Ties: |−1| = |1| = |1|, and the first two win; the axis changes which entries form a group.
  assert.deepEqual(Array.from(nmProject(tensor([[1, -1, 1, 0.5]]), 2, 4, { axis: 1 }).data), [
    1,
    -1,
    0,
    0,
  ]);
  const q = tensor([[1, 2], [3, 4]]);
  assert.deepEqual(Array.from(nmProject(q, 1, 2).data), [0, 0, 3, 4]);
  assert.deepEqual(Array.from(nmProject(q, 1, 2, { axis: 1 }).data), [0, 2, 0, 4]);
});

Deno.test("nmProject: bad N:M, axis, shapes, non-finite input and unknown options are errors", () => {
  const s = randn([8, 4], { seed: 0 });
  assert.throws(() => nmProject(s, 3, 2), /N must be an integer in 1..M=2, got 3/);
  assert.throws(() => nmProject(s, 2, 3), /length 8, not a multiple of M=3/);
  assert.throws(() => nmProject(s, 2, 8, { axis: 1 }), /length 4, not a multiple of M=8/);
  assert.throws(() => nmProject(s, 1, 2, { axis: 2 as 0 }), /axis must be 0 or 1, got 2/);
  assert.throws(() => nmProject(s, 1, 2, { axsi: 0 } as never), TypeError);
  assert.throws(() => nmProject(tensor([[NaN], [1]]), 1, 2), /non-finite entry NaN/);
});

Deno.test("nmIndexBits: log2 C(M, N)", () => {
  assert.equal(nmIndexBits(2, 4), Math.log2(6));
  assert.equal(nmIndexBits(1, 4), 2);
  assert.equal(nmIndexBits(4, 8), Math.log2(70));
  assert.equal(nmIndexBits(4, 4), 0);
});

Deno.test("nmMatmulT: x·Sᵀ from the packed form equals the dense product; packing refuses a dense group", () => {
  const s = nmProject(randn([16, 12], { seed: 4 }), 2, 4);
  const x = randn([5, 12], { seed: 5 });
  const packed = nmPack(s, 2, 4);
  assert.equal(packed.values.length, 12 * 4 * 2);
  const got = nmMatmulT(x, packed), want = matmul(x, s, { transB: true });
  for (let i = 0; i < want.size; i++) assert.ok(Math.abs(got.data[i] - want.data[i]) <= 1e-12);
  assert.throws(() => nmPack(randn([4, 2], { seed: 6 }), 2, 4), /more than N=2 non-zeros/);
  assert.throws(() => nmMatmulT(randn([5, 11], { seed: 7 }), packed), /x must be \[B, 12\]/);
});
