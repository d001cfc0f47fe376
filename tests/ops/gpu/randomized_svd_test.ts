import assert from "node:assert/strict";
import { cholQrGpu } from "../../../ops/gpu/cholqr.ts";
import { randomizedSvdGpu } from "../../../ops/gpu/randomized_svd.ts";
import { randomizedSvd } from "../../../ops/linalg/randomized_svd.ts";
import { qr } from "../../../ops/linalg/qr.ts";
import { svd } from "../../../ops/linalg/svd.ts";
import { matmul } from "../../../ops/matmul.ts";
import { randn } from "../../../ops/random.ts";
import { astype, eye, Tensor } from "../../../ops/tensor.ts";
import { gpu, maxScaledErr, noGpu, U32 } from "./_gpu.ts";

/** A = U·diag(σ)·Vᵀ with random orthonormal U, V and the given σ (f64). */
function withSpectrum(m: number, n: number, sigma: number[], seed: number): Tensor {
  const r = sigma.length;
  const u = qr(randn([m, r], { seed })).q, v = qr(randn([n, r], { seed: seed + 1 })).q;
  const us = new Tensor(u.data.map((x, i) => x * sigma[i % r]), [m, r]);
  return matmul(us, v, { transB: true });
}

function orthError(q: Tensor): number {
  const g = matmul(astype(q, "f64"), astype(q, "f64"), { transA: true });
  return maxScaledErr(g, eye(g.shape[0]));
}

Deno.test("cholQrGpu: orthonormal Q and Y = QR on an ill-conditioned tall matrix", {
  ignore: noGpu,
}, async () => {
  const sigma = Array.from({ length: 12 }, (_, i) => 10 ** (-i / 2)); // cond 3e5 > u32^-1/2
  const y = withSpectrum(200, 12, sigma, 3);
  const gy = gpu!.upload(y);
  const { q, r } = await cholQrGpu(gy);
  const qc = await q.read();
  assert.ok(orthError(qc) < 50 * 12 * U32, `orthogonality ${orthError(qc)}`);
  const rec = matmul(astype(qc, "f64"), r);
  assert.ok(maxScaledErr(rec, y) < 200 * U32, `reconstruction ${maxScaledErr(rec, y)}`);
  for (let i = 0; i < 12; i++) for (let j = 0; j < i; j++) assert.equal(r.data[i * 12 + j], 0);
  const wide = gpu!.upload(new Tensor(new Float32Array(6), [2, 3]));
  await assert.rejects(() => cholQrGpu(wide), RangeError);
  wide.dispose();
  gy.dispose();
  q.dispose();
});

Deno.test(
  "cholQrGpu: chunked Gram (batched GEMM + sum) on a long matrix",
  { ignore: noGpu },
  async () => {
    // 600 rows: 8 chunks of 75 rows, so the split-K Gram path runs.
    const y = randn([600, 7], { seed: 5 });
    const gy = gpu!.upload(y);
    const { q, r } = await cholQrGpu(gy);
    const qc = await q.read();
    assert.ok(orthError(qc) < 50 * 7 * U32, `orthogonality ${orthError(qc)}`);
    const rec = matmul(astype(qc, "f64"), r);
    const scale = new Tensor(new Float64Array(y.size).fill(Math.sqrt(600)), y.shape);
    assert.ok(
      maxScaledErr(rec, y, scale) < 100 * U32,
      `reconstruction ${maxScaledErr(rec, y, scale)}`,
    );
    gy.dispose();
    q.dispose();
  },
);

for (const [m, n] of [[150, 90], [70, 160]]) {
  Deno.test(`randomizedSvdGpu ${m}x${n}: top-k spectrum, orthonormal factors, flipped signs`, {
    ignore: noGpu,
  }, async () => {
    const k = 6;
    const sigma = Array.from({ length: 30 }, (_, i) => 2 ** (-i / 2));
    const a = withSpectrum(m, n, sigma, 11);
    const ga = gpu!.upload(a);
    const { u, s, vt } = await randomizedSvdGpu(gpu!, ga, k, { seed: 0 });
    const [uc, sc, vc] = [await u.read(), await s.read(), await vt.read()];
    assert.deepEqual([uc.shape, sc.shape, vc.shape], [[m, k], [k], [k, n]]);
    const exact = svd(a).s.data.subarray(0, k);
    for (let i = 0; i < k; i++) {
      assert.ok(
        Math.abs(sc.data[i] - exact[i]) <= 1e-4 * exact[0],
        `σ${i}: ${sc.data[i]} vs ${exact[i]}`,
      );
    }
    assert.ok(orthError(uc) < 1e-5 && orthError(astype(transposeT(vc), "f32")) < 1e-5);
    // ‖A − UΣVᵀ‖ ≈ σ_{k+1}: compare the Frobenius residual with the optimal one.
    const us = new Tensor(Float64Array.from(uc.data, (x, i) => x * sc.data[i % k]), [m, k]);
    const rec = matmul(us, astype(vc, "f64"));
    let res = 0;
    for (let i = 0; i < a.size; i++) res += (a.data[i] - rec.data[i]) ** 2;
    const optimal = Math.sqrt(sigma.slice(k).reduce((p, x) => p + x * x, 0));
    assert.ok(Math.sqrt(res) <= 1.01 * optimal + 1e-4, `residual ${Math.sqrt(res)} vs ${optimal}`);
    // svd_flip on the left factor of the matrix the algorithm ran on: A's U when m ≥ n, and
    // A's V (the rows of vt) when m < n, where it runs on Aᵀ.
    for (let j = 0; j < k; j++) {
      let big = 0;
      const len = m < n ? n : m;
      for (let i = 0; i < len; i++) {
        const x = m < n ? vc.data[j * n + i] : uc.data[i * k + j];
        if (Math.abs(x) > Math.abs(big)) big = x;
      }
      assert.ok(big > 0, `${m < n ? "row" : "column"} ${j} sign: largest entry ${big}`);
    }
    for (const t of [ga, u, s, vt]) t.dispose();
  });
}

function transposeT(t: Tensor): Tensor {
  const [r, c] = t.shape, out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = t.data[i * c + j];
  return new Tensor(out, [c, r]);
}

Deno.test("cholQrGpu: zero, tiny, huge and non-finite Y (no NaN; Y = QR after rescaling)", {
  ignore: noGpu,
}, async () => {
  const zero = gpu!.upload(new Tensor(new Float32Array(40 * 4), [40, 4]));
  const z = await cholQrGpu(zero);
  const zq = await z.q.read();
  assert.ok(orthError(zq) < 4 * U32, `orthogonality ${orthError(zq)}`);
  assert.deepEqual(Array.from(z.r.data), new Array(16).fill(0));
  zero.dispose();
  z.q.dispose();
  // f32 Grams of these underflow to 0 / overflow to Infinity without the rescaling
  for (const c of [1e-25, 1e25]) {
    const y = randn([40, 4], { seed: 9 });
    const ys = new Tensor(Float32Array.from(y.data, (x) => x * c), y.shape);
    const gy = gpu!.upload(ys);
    const { q, r } = await cholQrGpu(gy);
    const qc = await q.read();
    assert.ok(orthError(qc) < 50 * 4 * U32, `${c}: orthogonality ${orthError(qc)}`);
    const rec = matmul(astype(qc, "f64"), r);
    const scale = new Tensor(new Float64Array(y.size).fill(c * Math.sqrt(40)), y.shape);
    const err = maxScaledErr(rec, astype(ys, "f64"), scale);
    assert.ok(err < 100 * U32, `${c}: reconstruction ${err}`);
    gy.dispose();
    q.dispose();
  }
  const bad = gpu!.upload(new Tensor(Float32Array.from([1, NaN, 2, 3, 4, 5]), [3, 2]));
  await assert.rejects(() => cholQrGpu(bad), /cholQrGpu: y has a non-finite entry/);
  bad.dispose();
});

Deno.test("randomizedSvdGpu of a zero matrix: s = 0 and orthonormal factors, no NaN", {
  ignore: noGpu,
}, async () => {
  for (const [m, n] of [[30, 12], [12, 30]]) {
    const ga = gpu!.upload(new Tensor(new Float32Array(m * n), [m, n]));
    const { u, s, vt } = await randomizedSvdGpu(gpu!, ga, 3, { seed: 0 });
    const [uc, sc, vc] = [await u.read(), await s.read(), await vt.read()];
    assert.deepEqual(Array.from(sc.data), [0, 0, 0]);
    assert.ok(orthError(uc) < 4 * U32, `${m}x${n}: u orthogonality ${orthError(uc)}`);
    const vOrth = orthError(astype(transposeT(vc), "f32"));
    assert.ok(vOrth < 4 * U32, `${m}x${n}: v orthogonality ${vOrth}`);
    for (const t of [ga, u, s, vt]) t.dispose();
  }
});

Deno.test("randomizedSvdGpu: bad k and options are RangeErrors", { ignore: noGpu }, async () => {
  const ga = gpu!.upload(randn([8, 5], { seed: 1 }));
  await assert.rejects(() => randomizedSvdGpu(gpu!, ga, 6), RangeError);
  await assert.rejects(() => randomizedSvdGpu(gpu!, ga, 2, { oversamples: -1 }), RangeError);
  await assert.rejects(() => randomizedSvdGpu(gpu!, ga, 2, { powerIters: 1.5 }), RangeError);
  ga.dispose();
});

Deno.test("randomizedSvd given a GpuTensor runs randomizedSvdGpu; CPU-only options reject", {
  ignore: noGpu,
}, async () => {
  const ga = gpu!.upload(withSpectrum(40, 24, [9, 5, 2, 1, 0.5], 7));
  const viaFront = await randomizedSvd(ga, 3, { seed: 4, powerIters: 3 });
  const direct = await randomizedSvdGpu(gpu!, ga, 3, { seed: 4, powerIters: 3 });
  for (const key of ["u", "s", "vt"] as const) {
    assert.ok(viaFront[key] instanceof Object && "gpu" in viaFront[key], `${key} is a GpuTensor`);
    assert.deepEqual((await viaFront[key].read()).data, (await direct[key].read()).data, key);
  }
  // Against the CPU version: the same top-3 singular values to f32 accuracy.
  const cpu = randomizedSvd(await ga.read(), 3, { seed: 4, powerIters: 3 });
  const sGpu = (await viaFront.s.read()).data;
  for (let i = 0; i < 3; i++) {
    assert.ok(Math.abs(sGpu[i] - cpu.s.data[i]) <= 1e-4 * cpu.s.data[0], `s[${i}]`);
  }
  await assert.rejects(() => randomizedSvd(ga, 3, { normalizer: "lu" } as never), {
    name: "TypeError",
    message: /randomizedSvd: option normalizer has no GPU version/,
  });
  for (const t of [ga, viaFront.u, viaFront.s, viaFront.vt, direct.u, direct.s, direct.vt]) {
    t.dispose();
  }
});

Deno.test("no GPU buffer leaks or WebGPU errors after this file's tests; device released", {
  ignore: noGpu,
}, () => {
  assert.equal(gpu!.stats().liveBuffers, 0);
  assert.deepEqual(gpu!.takeErrors(), [], "WebGPU validation errors");
  // Destroying the device before exit avoids a crash in llvmpipe's teardown.
  gpu!.destroy();
});
