/**
 * WebGPU device acquisition and the {@link Gpu} context: limits, adapter info, the buffer pool,
 * pipeline cache and command batching shared by every GPU kernel.
 *
 * @module
 */
import { assertUntraced } from "../autograd/tape.ts";
import { checkShape, shapeSize, Tensor } from "../tensor.ts";
import { GpuTensor } from "./gpu_tensor.ts";
import { BufferPool, type PoolStats } from "./pool.ts";

/** Options of {@link requestGpu}. */
export interface RequestGpuOptions {
  /** Accept a software (fallback) adapter such as llvmpipe (default false: such an adapter is
   * slower than the CPU path, so it is only used when asked for, e.g. by tests). */
  allowFallback?: boolean;
  /** Adapter preference passed to `navigator.gpu.requestAdapter`. */
  powerPreference?: GPUPowerPreference;
}

/** What the adapter says about itself. */
export interface GpuInfo {
  /** Vendor name or PCI id. */
  vendor: string;
  /** Architecture family, often empty. */
  architecture: string;
  /** Device name or id. */
  device: string;
  /** Driver description (e.g. "llvmpipe (LLVM 15.0.6, 256 bits)"). */
  description: string;
  /** True for a software adapter. */
  isFallbackAdapter: boolean;
}

/** The adapter limits the device was created with (the adapter's maxima, not the defaults). */
export interface GpuLimits {
  /** Largest storage buffer binding in bytes. */
  maxStorageBufferBindingSize: number;
  /** Largest buffer in bytes. */
  maxBufferSize: number;
  /** Workgroup memory in bytes. */
  maxComputeWorkgroupStorageSize: number;
  /** Invocations per workgroup. */
  maxComputeInvocationsPerWorkgroup: number;
  /** Workgroups per dispatch dimension. */
  maxComputeWorkgroupsPerDimension: number;
}

/** Counters of {@link Gpu.stats}. */
export interface GpuStats extends PoolStats {
  /** Dispatches encoded but not yet submitted. */
  pendingDispatches: number;
  /** Compiled pipelines in the cache. */
  pipelines: number;
}

const LIMIT_KEYS = [
  "maxStorageBufferBindingSize",
  "maxBufferSize",
  "maxComputeWorkgroupStorageSize",
  "maxComputeInvocationsPerWorkgroup",
  "maxComputeWorkgroupsPerDimension",
] as const;

/**
 * Asks WebGPU for a device with the adapter's full limits. Returns `null`, never throws, when
 * there is no WebGPU, no adapter, device creation fails, or the only adapter is a software one
 * and `allowFallback` is false (DESIGN §2: the GPU is never chosen silently over a faster CPU).
 *
 * @example
 * ```ts
 * import { requestGpu } from "./device.ts";
 * const gpu = await requestGpu({ allowFallback: true });
 * console.log(gpu === null ? "no GPU" : gpu.info.description);
 * gpu?.destroy();
 * ```
 */
export async function requestGpu(opts: RequestGpuOptions = {}): Promise<Gpu | null> {
  const allowFallback = opts.allowFallback ?? false;
  if (typeof allowFallback !== "boolean") {
    throw new TypeError(`requestGpu: allowFallback must be a boolean, got ${allowFallback}`);
  }
  const none = (reason: string, adapter: GpuInfo | null = null): null => {
    lastStatus = { available: false, reason, adapter };
    return null;
  };
  try {
    const nav = globalThis.navigator as Navigator | undefined;
    if (!nav?.gpu) return none("navigator.gpu is not available in this runtime");
    const adapter = await nav.gpu.requestAdapter({ powerPreference: opts.powerPreference });
    if (!adapter) return none("the runtime found no WebGPU adapter");
    const info = adapterInfo(adapter);
    if (info.isFallbackAdapter && !allowFallback) {
      return none(
        `only a software (fallback) adapter is present (${
          info.description || info.device ||
          info.vendor
        }); pass { allowFallback: true } to use it for tests`,
        info,
      );
    }
    const requiredLimits: Record<string, number> = {};
    for (const k of LIMIT_KEYS) requiredLimits[k] = adapter.limits[k];
    const timestamps = adapter.features.has("timestamp-query");
    const device = await adapter.requestDevice({
      requiredLimits,
      requiredFeatures: timestamps ? ["timestamp-query"] : [],
    });
    const limits = {} as GpuLimits;
    for (const k of LIMIT_KEYS) limits[k] = device.limits[k];
    lastStatus = { available: true, reason: null, adapter: info };
    return new Gpu(device, info, limits, timestamps);
  } catch (e) {
    // Still null (a missing GPU is not an error, DESIGN §3), but say why: a driver or limits
    // problem on a lent GPU must not look like "no GPU here".
    const why = `WebGPU device creation failed: ${e instanceof Error ? e.message : e}`;
    console.warn(`requestGpu: ${why}`);
    return none(why);
  }
}

/** What the last {@link requestGpu} found: see {@link gpuStatus}. */
export interface GpuStatus {
  /** Whether it returned a Gpu. */
  available: boolean;
  /** Why it returned null (null when it returned a Gpu, or before any call). */
  reason: string | null;
  /** The adapter it found, if any. */
  adapter: GpuInfo | null;
}

let lastStatus: GpuStatus = {
  available: false,
  reason: "requestGpu has not been called",
  adapter: null,
};

/**
 * Why the last {@link requestGpu} returned null (or that it returned a Gpu): no WebGPU in the
 * runtime, no adapter, only a software adapter without `allowFallback`, or the device error.
 *
 * @example
 * ```ts
 * import { gpuStatus, requestGpu } from "./device.ts";
 * const gpu = await requestGpu();
 * const s = gpuStatus();
 * console.log(s.available === (gpu !== null)); // true
 * if (!s.available) console.log(s.reason); // e.g. "only a software (fallback) adapter is present …"
 * gpu?.destroy();
 * ```
 */
export function gpuStatus(): GpuStatus {
  return { ...lastStatus };
}

function adapterInfo(adapter: GPUAdapter): GpuInfo {
  const i = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const legacy = (adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter;
  return {
    vendor: i.vendor,
    architecture: i.architecture,
    device: i.device,
    description: i.description,
    isFallbackAdapter: Boolean(i.isFallbackAdapter ?? legacy),
  };
}

/**
 * One WebGPU device with everything the kernels share. Work is recorded into one command
 * encoder and submitted at the next sync point (`read`, `sync`, an upload after pending work),
 * so a chain of ops costs one submit.
 *
 * @example
 * ```ts
 * import { requestGpu } from "./device.ts";
 * import { tensor } from "../tensor.ts";
 * const gpu = await requestGpu({ allowFallback: true });
 * if (gpu) {
 *   gpu.upload(tensor([1, 2, 3])).dispose();
 *   console.log(gpu.stats().liveBuffers); // 0
 *   gpu.destroy();
 * }
 * ```
 */
export class Gpu {
  /** The WebGPU device. */
  readonly device: GPUDevice;
  /** Adapter description. */
  readonly info: GpuInfo;
  /** Limits the device was created with. */
  readonly limits: GpuLimits;
  /** Whether the device has the "timestamp-query" feature (GPU-side timing in benches). */
  readonly hasTimestamps: boolean;
  readonly #pool: BufferPool;
  readonly #pipelines = new Map<string, GPUComputePipeline>();
  readonly #pipelineErrors = new Map<string, Promise<string | null>>();
  #encoder: GPUCommandEncoder | null = null;
  #pending = 0;
  #uniformsFree: GPUBuffer[] = [];
  #uniformsInFlight: GPUBuffer[] = [];
  #errors: string[] = [];

  /** Wraps a created device; use {@link requestGpu} instead of calling this. */
  constructor(device: GPUDevice, info: GpuInfo, limits: GpuLimits, hasTimestamps = false) {
    this.device = device;
    this.info = info;
    this.limits = limits;
    this.hasTimestamps = hasTimestamps;
    this.#pool = new BufferPool(device);
    // WebGPU reports invalid pipelines and dispatches asynchronously, not as exceptions: keep the
    // messages (bounded) so that tests and benches can tell a wrong run from a fast one.
    device.addEventListener("uncapturederror", (e) => {
      const msg = (e as GPUUncapturedErrorEvent).error?.message ?? String(e);
      if (this.#errors.length < 20) this.#errors.push(msg);
    });
    device.lost.then((info) => {
      if (info.reason !== "destroyed") this.#errors.push(`device lost: ${info.message}`);
    });
  }

  /** Returns and clears the WebGPU validation/device errors seen so far (at most 20 kept). */
  takeErrors(): string[] {
    const e = this.#errors;
    this.#errors = [];
    return e;
  }

  /**
   * Copies a CPU tensor to the GPU. f32 data is copied exactly; f64 data is rounded to the
   * nearest f32 (ties to even, as `Float32Array` does), and a finite f64 value beyond the f32
   * range is a RangeError rather than a silent infinity.
   */
  upload(t: Tensor): GpuTensor {
    if (!(t instanceof Tensor)) throw new TypeError(`Gpu.upload: t must be a Tensor, got ${t}`);
    // GpuTensors are not traced: uploading a traced tensor would cut its gradient silently.
    assertUntraced("Gpu.upload", { t });
    const data = t.dtype === "f32" ? t.data as Float32Array : toF32("Gpu.upload", t.data);
    // queue.writeBuffer runs before encoded-but-unsubmitted work; submit that work first so a
    // pooled buffer it still reads cannot be overwritten early.
    this.flush();
    const g = this.empty(t.shape);
    if (data.length > 0) {
      this.device.queue.writeBuffer(g.buffer, 0, data as Float32Array<ArrayBuffer>);
    }
    return g;
  }

  /**
   * A GpuTensor of `shape` with undefined contents (for kernel outputs). Kernels bind the whole
   * pooled buffer, so the pool's rounded-up size must respect both `maxBufferSize` and
   * `maxStorageBufferBindingSize`: the pool caps its rounding at the smaller of the two, and a
   * tensor beyond it is a RangeError.
   */
  empty(shape: readonly number[]): GpuTensor {
    checkShape("Gpu.empty", shape);
    const bytes = shapeSize(shape) * 4;
    const { maxBufferSize, maxStorageBufferBindingSize } = this.limits;
    const cap = Math.min(maxBufferSize, maxStorageBufferBindingSize);
    if (bytes > cap) {
      throw new RangeError(
        `Gpu.empty: shape [${shape.join(", ")}] needs ${bytes} bytes, which exceeds ` +
          `maxBufferSize ${maxBufferSize} / maxStorageBufferBindingSize ${maxStorageBufferBindingSize}`,
      );
    }
    const t = new GpuTensor(this, this.#pool.acquire(bytes, cap), shape);
    this.#scopes.at(-1)?.add(t);
    return t;
  }

  /** GpuTensors created inside each open {@link scope}, innermost last. */
  #scopes: Set<GpuTensor>[] = [];

  /**
   * Runs `fn` and then disposes every GpuTensor created on this Gpu while it ran, except those
   * that its result contains (found in returned arrays and plain objects), as `tf.tidy` does:
   * intermediates need no `dispose()` calls. Scopes nest; a kept tensor belongs to the enclosing
   * scope. An async `fn` is awaited first (tensors other code creates meanwhile are counted as
   * this scope's, so do not run other GPU work concurrently with an async scope).
   *
   * @example
   * ```ts
   * import { requestGpu } from "./device.ts";
   * import { tensor } from "../tensor.ts";
   * const gpu = await requestGpu({ allowFallback: true });
   * if (gpu) {
   *   const kept = gpu.scope(() => {
   *     gpu.upload(tensor([1, 2])); // an intermediate: disposed when the scope ends
   *     return gpu.upload(tensor([3, 4]));
   *   });
   *   console.log(gpu.stats().liveBuffers, (await kept.read()).data); // 1 Float32Array [3, 4]
   *   kept.dispose();
   *   gpu.destroy();
   * }
   * ```
   */
  scope<T>(fn: () => T): T {
    if (typeof fn !== "function") throw new TypeError("Gpu.scope: fn must be a function");
    const created = new Set<GpuTensor>();
    this.#scopes.push(created);
    let result: T;
    try {
      result = fn();
    } catch (e) {
      this.#closeScope(created, undefined);
      throw e;
    }
    if (result instanceof Promise) {
      return result.then(
        (v) => (this.#closeScope(created, v), v),
        (e) => {
          this.#closeScope(created, undefined);
          throw e;
        },
      ) as T;
    }
    this.#closeScope(created, result);
    return result;
  }

  #closeScope(created: Set<GpuTensor>, result: unknown): void {
    const i = this.#scopes.lastIndexOf(created);
    if (i >= 0) this.#scopes.splice(i, 1);
    const kept = new Set<GpuTensor>();
    const walk = (v: unknown, depth: number): void => {
      if (v instanceof GpuTensor) kept.add(v);
      else if (depth > 0 && Array.isArray(v)) v.forEach((x) => walk(x, depth - 1));
      else if (depth > 0 && v !== null && typeof v === "object" && !ArrayBuffer.isView(v)) {
        for (const x of Object.values(v)) walk(x, depth - 1);
      }
    };
    walk(result, 8);
    const parent = this.#scopes.at(-1);
    for (const t of created) {
      if (kept.has(t)) parent?.add(t);
      else if (!t.disposed) t.dispose();
    }
  }

  /** Returns a buffer to the pool (GpuTensor.dispose calls this). */
  release(buf: GPUBuffer): void {
    this.#pool.release(buf);
  }

  /**
   * The compute pipeline for WGSL `code` (entry point `main`), compiled once per `key`. Creation
   * runs inside validation and internal error scopes, so a compile failure is tied to its `key`:
   * {@link Gpu.pipelineError} answers for that key, and {@link Gpu.takeErrors} lists it as
   * `pipeline <key>: <message>`.
   */
  pipeline(key: string, code: string): GPUComputePipeline {
    let p = this.#pipelines.get(key);
    if (!p) {
      this.device.pushErrorScope("internal");
      this.device.pushErrorScope("validation");
      const module = this.device.createShaderModule({ code, label: key });
      p = this.device.createComputePipeline({
        layout: "auto",
        compute: { module, entryPoint: "main" },
        label: key,
      });
      const validation = this.device.popErrorScope(), internal = this.device.popErrorScope();
      const error = Promise.all([validation, internal]).then(
        (errs) => {
          const msgs = errs.filter((e) => e !== null).map((e) => e!.message);
          if (msgs.length === 0) return null;
          const msg = `pipeline ${key}: ${msgs.join("; ")}`;
          if (this.#errors.length < 20) this.#errors.push(msg);
          return msg;
        },
        (e) => `pipeline ${key}: error scope failed: ${e}`,
      );
      this.#pipelineErrors.set(key, error);
      this.#pipelines.set(key, p);
    }
    return p;
  }

  /**
   * The compile/validation error of the pipeline cached under `key` (`null` when it compiled),
   * as `"pipeline <key>: <message>"`; a RangeError for a key never compiled.
   */
  pipelineError(key: string): Promise<string | null> {
    const e = this.#pipelineErrors.get(key);
    if (!e) throw new RangeError(`Gpu.pipelineError: no pipeline under key ${JSON.stringify(key)}`);
    return e;
  }

  /** The keys of the cached pipelines, in creation order (to find the one a call compiled). */
  pipelineKeys(): string[] {
    return [...this.#pipelines.keys()];
  }

  /**
   * Encodes one dispatch: `params` (a uniform block, 16-byte multiple) at binding 0, `buffers`
   * at bindings 1, 2, ….
   */
  dispatch(
    pipeline: GPUComputePipeline,
    params: ArrayBuffer,
    buffers: readonly GPUBuffer[],
    groups: readonly [number, number, number],
  ): void {
    if (groups[0] === 0 || groups[1] === 0 || groups[2] === 0) return;
    const max = this.limits.maxComputeWorkgroupsPerDimension;
    if (groups.some((g) => g > max)) {
      throw new RangeError(`Gpu.dispatch: workgroup grid ${groups.join("x")} exceeds ${max}`);
    }
    const uniform = this.#uniform(params);
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: uniform } }];
    buffers.forEach((b, i) => entries.push({ binding: i + 1, resource: { buffer: b } }));
    const bindGroup = this.device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries,
    });
    this.#encoder ??= this.device.createCommandEncoder();
    const pass = this.#encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(groups[0], groups[1], groups[2]);
    pass.end();
    this.#pending++;
  }

  /** The current command encoder (created if needed), for copies and timestamp queries. */
  encoder(): GPUCommandEncoder {
    this.#encoder ??= this.device.createCommandEncoder();
    return this.#encoder;
  }

  /** Submits the recorded work (does not wait). */
  flush(): void {
    if (!this.#encoder) return;
    this.device.queue.submit([this.#encoder.finish()]);
    this.#encoder = null;
    this.#pending = 0;
    // Uniforms of submitted work may be rewritten now: writeBuffer is ordered after this submit.
    this.#uniformsFree.push(...this.#uniformsInFlight);
    this.#uniformsInFlight = [];
  }

  /** Submits the recorded work and waits until the GPU has finished it. */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
  }

  /** Reads the first `count` f32 values of `buf` (submits pending work, then waits). */
  async readBuffer(buf: GPUBuffer, count: number): Promise<Float32Array> {
    const bytes = Math.max(4, Math.ceil(count * 4 / 4) * 4);
    const staging = this.device.createBuffer({
      size: bytes,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    try {
      if (count > 0) this.encoder().copyBufferToBuffer(buf, 0, staging, 0, count * 4);
      this.flush();
      await staging.mapAsync(GPUMapMode.READ);
      return new Float32Array(staging.getMappedRange(0, count * 4).slice(0));
    } finally {
      staging.destroy();
    }
  }

  /** Buffer pool counters plus pending work; `liveBuffers` is 0 when nothing leaks. */
  stats(): GpuStats {
    return {
      ...this.#pool.stats(),
      pendingDispatches: this.#pending,
      pipelines: this.#pipelines.size,
    };
  }

  /** Frees the pooled (unused) buffers. */
  trim(): void {
    this.#pool.trim();
  }

  /** Destroys the device; every GpuTensor of this Gpu becomes unusable. */
  destroy(): void {
    this.#pool.trim();
    for (const u of [...this.#uniformsFree, ...this.#uniformsInFlight]) u.destroy();
    this.device.destroy();
  }

  #uniform(params: ArrayBuffer): GPUBuffer {
    if (params.byteLength === 0 || params.byteLength % 16 !== 0 || params.byteLength > 256) {
      throw new RangeError(`Gpu.dispatch: params must be 16..256 bytes in 16-byte steps`);
    }
    const u = this.#uniformsFree.pop() ??
      this.device.createBuffer({
        size: 256,
        usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      });
    this.device.queue.writeBuffer(u, 0, params);
    this.#uniformsInFlight.push(u);
    return u;
  }
}

function toF32(fn: string, src: Float32Array | Float64Array): Float32Array {
  const out = new Float32Array(src);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i]) && Number.isFinite(src[i])) {
      throw new RangeError(`${fn}: f64 value ${src[i]} at flat index ${i} overflows f32`);
    }
  }
  return out;
}
