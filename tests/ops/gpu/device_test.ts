import assert from "node:assert/strict";
import { Gpu, gpuStatus, requestGpu } from "../../../ops/gpu/device.ts";
import { bucketSize } from "../../../ops/gpu/pool.ts";
import { tensor } from "../../../ops/tensor.ts";
import { add } from "../../../mod.ts";
import { gpu, noGpu } from "./_gpu.ts";

Deno.test("requestGpu: a software-only machine gives null unless allowFallback", {
  ignore: noGpu || !gpu?.info.isFallbackAdapter,
}, async () => {
  assert.equal(await requestGpu(), null);
  assert.equal(
    await requestGpu({ allowFallback: false, powerPreference: "high-performance" }),
    null,
  );
});

Deno.test("requestGpu: rejects a non-boolean allowFallback", async () => {
  await assert.rejects(
    () => requestGpu({ allowFallback: "yes" as unknown as boolean }),
    (e: Error) => e instanceof TypeError && /allowFallback/.test(e.message),
  );
});

Deno.test("Gpu: reports adapter info and the adapter's own limits", { ignore: noGpu }, () => {
  const g = gpu!;
  assert.equal(typeof g.info.description, "string");
  assert.equal(typeof g.info.isFallbackAdapter, "boolean");
  // WebGPU's defaults are 128 MiB / 256 MiB / 16 KiB / 256: we must have at least those.
  assert.ok(g.limits.maxStorageBufferBindingSize >= 128 * 2 ** 20);
  assert.ok(g.limits.maxBufferSize >= 256 * 2 ** 20);
  assert.ok(g.limits.maxComputeWorkgroupStorageSize >= 16384);
  assert.ok(g.limits.maxComputeInvocationsPerWorkgroup >= 256);
});

Deno.test(
  "upload/read: f32 round-trips exactly, f64 rounds to nearest f32",
  { ignore: noGpu },
  async () => {
    const g = gpu!;
    const f32 = tensor([1.5, -2, 3e-8, 7], { shape: [2, 2], dtype: "f32" });
    const gf = g.upload(f32);
    const back = await gf.read();
    gf.dispose();
    assert.deepEqual(back.shape, [2, 2]);
    assert.deepEqual(Array.from(back.data), Array.from(f32.data));
    const x = [0.1, 1 / 3, -1e10, 2 ** -130];
    const gx = g.upload(tensor(x));
    const r = await gx.read();
    gx.dispose();
    assert.equal(r.dtype, "f32");
    assert.deepEqual(Array.from(r.data), Array.from(new Float32Array(x)));
    assert.throws(
      () => g.upload(tensor([1, 1e39])),
      (e: Error) => e instanceof RangeError && /1e\+39/.test(e.message),
    );
  },
);

Deno.test("GpuTensor: dispose returns the buffer, a second dispose or use throws", {
  ignore: noGpu,
}, async () => {
  const g = gpu!;
  const before = g.stats();
  const t = g.upload(tensor([1, 2, 3]));
  assert.equal(g.stats().liveBuffers, before.liveBuffers + 1);
  t.dispose();
  assert.equal(g.stats().liveBuffers, before.liveBuffers);
  assert.throws(() => t.dispose(), RangeError);
  await assert.rejects(() => t.read(), RangeError);
});

Deno.test("pool: repeated same-size tensors reuse one buffer", { ignore: noGpu }, () => {
  const g = gpu!;
  g.upload(tensor([1, 2, 3, 4, 5])).dispose();
  const created = g.stats().created;
  for (let i = 0; i < 20; i++) g.upload(tensor([i, 2, 3, 4, 5])).dispose();
  assert.equal(g.stats().created, created);
});

Deno.test(
  "takeErrors: an invalid shader is reported, not silently ignored",
  { ignore: noGpu },
  async () => {
    const g = gpu!;
    g.takeErrors();
    g.pipeline("deliberately_invalid", "@compute @workgroup_size(1) fn main() { let x: f32 = ; }");
    await g.sync();
    await new Promise((r) => setTimeout(r, 50)); // the error event is delivered asynchronously
    const errors = g.takeErrors();
    assert.ok(errors.length >= 1, "no error reported");
    assert.deepEqual(g.takeErrors(), []);
  },
);

Deno.test("bucketSize: covers the request, wastes at most 25 %, rejects bad sizes", () => {
  for (const n of [0, 1, 256, 257, 1000, 4096, 5000, 123457, 2 ** 28]) {
    const b = bucketSize(n);
    assert.ok(b >= n && b >= 256, `${n} -> ${b}`);
    if (n > 256) assert.ok(b <= 1.25 * n + 1, `${n} -> ${b}`);
    assert.equal(b % 16, 0);
  }
  assert.throws(() => bucketSize(-1), RangeError);
});

Deno.test("empty: refuses a tensor beyond the binding limit", { ignore: noGpu }, () => {
  const g = gpu!;
  const n = g.limits.maxStorageBufferBindingSize / 4 + 1;
  assert.throws(
    () => g.empty([n]),
    (e: Error) => e instanceof RangeError && /exceeds/.test(e.message),
  );
});

Deno.test("requestGpu: logs why device creation failed, then returns null", {
  ignore: noGpu,
}, async () => {
  const gpuApi = navigator.gpu as unknown as { requestAdapter: unknown };
  const fake = {
    info: {
      vendor: "v",
      architecture: "",
      device: "d",
      description: "fake",
      isFallbackAdapter: false,
    },
    limits: gpu!.limits,
    features: new Set<string>(),
    requestDevice: () => Promise.reject(new Error("out of device memory (fake)")),
  };
  const warnings: string[] = [];
  const warn = console.warn;
  gpuApi.requestAdapter = () => Promise.resolve(fake);
  console.warn = (...args: unknown[]) => warnings.push(args.join(" "));
  try {
    assert.equal(await requestGpu({ allowFallback: true }), null);
  } finally {
    delete gpuApi.requestAdapter; // back to the prototype's method
    console.warn = warn;
  }
  assert.equal(warnings.length, 1, "one warning");
  assert.match(warnings[0], /requestGpu: .*out of device memory \(fake\)/);
});

Deno.test("pipelineError: a compile failure is tied to its pipeline key", {
  ignore: noGpu,
}, async () => {
  const g = gpu!;
  g.takeErrors();
  g.pipeline("scoped_invalid", "@compute @workgroup_size(1) fn main() { let x: f32 = ; }");
  g.pipeline("scoped_valid", "@compute @workgroup_size(1) fn main() { }");
  const bad = await g.pipelineError("scoped_invalid");
  assert.ok(bad !== null && bad.startsWith("pipeline scoped_invalid: "), String(bad));
  assert.equal(await g.pipelineError("scoped_valid"), null);
  assert.ok(g.pipelineKeys().includes("scoped_valid"));
  assert.throws(() => g.pipelineError("never_compiled"), RangeError);
  // takeErrors lists it under the same key (once).
  const errors = g.takeErrors();
  assert.equal(
    errors.filter((e) => e.startsWith("pipeline scoped_invalid: ")).length,
    1,
    errors.join("; "),
  );
});

Deno.test("empty: the pool's rounded-up size respects maxBufferSize", {
  ignore: noGpu,
}, () => {
  const g = gpu!;
  // A second context on the same device with a small buffer limit (not destroyed: it would
  // destroy the shared device; trim frees its buffers).
  const small = new Gpu(g.device, g.info, { ...g.limits, maxBufferSize: 1000 });
  // 900 bytes round up to a 1024-byte bucket, over the limit: the pool must stay within it.
  const t = small.empty([225]);
  assert.ok(t.buffer.size >= 900 && t.buffer.size <= 1000, `buffer of ${t.buffer.size} bytes`);
  t.dispose();
  assert.throws(
    () => small.empty([251]),
    (e: Error) => e instanceof RangeError && /1004 bytes.*maxBufferSize 1000/.test(e.message),
  );
  const tiny = new Gpu(g.device, g.info, { ...g.limits, maxStorageBufferBindingSize: 600 });
  assert.throws(() => tiny.empty([200]), RangeError);
  small.trim();
  tiny.trim();
});

Deno.test("Gpu.scope disposes what fn created except what it returns; nests; throws clean", {
  ignore: noGpu,
}, async () => {
  const g = gpu!, live = (): number => g.stats().liveBuffers;
  const before = live();
  const one = g.scope(() => {
    const a = g.upload(tensor([1, 2])), b = g.upload(tensor([3, 4]));
    add(a, b); // an op's output inside the scope: disposed too
    return { sum: add(a, b), parts: [a] };
  });
  assert.equal(live(), before + 2); // sum and a kept; b and the first sum disposed
  assert.deepEqual(Array.from((await one.sum.read()).data), [4, 6]);
  const inner = g.scope(() => {
    const outer = g.upload(tensor([1]));
    const kept = g.scope(() => [g.upload(tensor([2])), g.upload(tensor([5]))][0]);
    assert.equal(kept.disposed, false);
    return outer;
  });
  // The inner scope's kept tensor belonged to the outer scope, which did not return it.
  assert.equal(live(), before + 3);
  assert.throws(() =>
    g.scope(() => {
      g.upload(tensor([9]));
      throw new RangeError("boom");
    }), /boom/);
  assert.equal(live(), before + 3);
  const late = await g.scope(async () => {
    const t = g.upload(tensor([7]));
    await t.read();
    g.upload(tensor([8]));
    return t;
  });
  assert.equal(live(), before + 4);
  for (const t of [one.sum, one.parts[0], inner, late]) t.dispose();
  assert.equal(live(), before);
  assert.throws(() => g.scope(1 as unknown as () => void), /fn must be a function/);
});

Deno.test("no GPU buffer leaks or WebGPU errors after this file's tests; device released", {
  ignore: noGpu,
}, () => {
  assert.equal(gpu!.stats().liveBuffers, 0);
  assert.deepEqual(gpu!.takeErrors(), [], "WebGPU validation errors");
  assert.equal(gpu!.stats().liveBytes, 0);
  // Destroying the device before exit avoids a crash in llvmpipe's teardown.
  gpu!.destroy();
});

Deno.test("gpuStatus says why requestGpu returned null", {
  // With a hardware GPU the null reasons cannot be provoked; the shared test Gpu tells which.
  ignore: gpu === null || !gpu.info.isFallbackAdapter,
}, async () => {
  assert.equal(await requestGpu(), null); // only the software adapter, no allowFallback
  const s = gpuStatus();
  assert.equal(s.available, false);
  assert.match(s.reason ?? "", /only a software \(fallback\) adapter .*allowFallback/);
  assert.equal(s.adapter?.isFallbackAdapter, true);
});
