/**
 * A size-bucketed pool of GPU storage buffers, so that repeated ops reuse memory instead of
 * allocating (creating a buffer is a driver call; on a real GPU it costs far more than a small
 * kernel).
 *
 * @module
 */

/**
 * Usage flags of every pooled storage buffer: kernels read and write it, copies move it.
 *
 * @example
 * ```ts
 * import { STORAGE_USAGE } from "./pool.ts";
 * console.log((STORAGE_USAGE & GPUBufferUsage.STORAGE) !== 0); // true
 * ```
 */
// Literal flags (STORAGE 0x80 | COPY_SRC 0x04 | COPY_DST 0x08) rather than GPUBufferUsage, so
// that importing this module works in a runtime without WebGPU (the CPU ops import ops/gpu/).
export const STORAGE_USAGE: number = 0x80 | 0x04 | 0x08;

/** Counters of a {@link BufferPool}, for leak tests and memory reports. */
export interface PoolStats {
  /** Buffers handed out and not yet released (held by live GpuTensors or in-flight work). */
  liveBuffers: number;
  /** Bytes of the live buffers (bucket sizes, i.e. what the GPU really holds for them). */
  liveBytes: number;
  /** Released buffers kept for reuse. */
  pooledBuffers: number;
  /** Bytes of the pooled buffers. */
  pooledBytes: number;
  /** Buffers ever created by the pool (grows only when no pooled buffer fits). */
  created: number;
}

/**
 * The bucket size for a request of `bytes`: at least 256, then the next of the four steps
 * 1, 1.25, 1.5, 1.75 × 2^e. Four steps per octave waste at most 25 % of memory while keeping
 * few distinct sizes, so that a released buffer usually fits the next request of similar size.
 *
 * @example
 * ```ts
 * import { bucketSize } from "./pool.ts";
 * console.log(bucketSize(1), bucketSize(1000), bucketSize(1 << 20)); // 256 1024 1048576
 * ```
 */
export function bucketSize(bytes: number): number {
  if (!Number.isFinite(bytes) || bytes < 0) {
    throw new RangeError(`bucketSize: bytes must be a non-negative number, got ${bytes}`);
  }
  if (bytes <= 256) return 256;
  const e = Math.floor(Math.log2(bytes - 1));
  const base = 2 ** e, quarter = base / 4;
  const size = base + Math.ceil((bytes - base) / quarter) * quarter;
  return size;
}

/**
 * A pool of storage buffers of {@link bucketSize} sizes on one device.
 *
 * @example
 * ```ts
 * import { BufferPool } from "./pool.ts";
 * const adapter = await navigator.gpu?.requestAdapter();
 * const device = await adapter?.requestDevice();
 * if (device) {
 *   const pool = new BufferPool(device);
 *   const b = pool.acquire(100);
 *   pool.release(b);
 *   console.log(pool.acquire(200) === b, pool.stats().created); // true 1
 *   device.destroy();
 * }
 * ```
 */
export class BufferPool {
  readonly #device: GPUDevice;
  readonly #free = new Map<number, GPUBuffer[]>();
  readonly #live = new Set<GPUBuffer>();
  #liveBytes = 0;
  #pooledBuffers = 0;
  #pooledBytes = 0;
  #created = 0;

  /** A pool that creates its buffers on `device`. */
  constructor(device: GPUDevice) {
    this.#device = device;
  }

  /**
   * A buffer of at least `bytes` bytes (contents undefined: a reused buffer keeps old data). Its
   * size is the {@link bucketSize} of `bytes`, but never above `maxSize` (the device's buffer and
   * binding limits): a request that fits only without rounding gets a buffer of `bytes` rounded
   * up to 4. A request beyond `maxSize` is a RangeError.
   */
  acquire(bytes: number, maxSize: number = Infinity): GPUBuffer {
    if (bytes > maxSize) {
      throw new RangeError(`BufferPool.acquire: ${bytes} bytes exceeds maxSize ${maxSize}`);
    }
    const bucket = bucketSize(bytes);
    const size = bucket <= maxSize ? bucket : Math.max(4, Math.ceil(bytes / 4) * 4);
    const list = this.#free.get(size);
    let buf = list?.pop();
    if (buf) {
      this.#pooledBuffers--;
      this.#pooledBytes -= size;
    } else {
      buf = this.#device.createBuffer({ size, usage: STORAGE_USAGE });
      this.#created++;
    }
    this.#live.add(buf);
    this.#liveBytes += size;
    return buf;
  }

  /** Returns `buf` to the pool. Releasing a buffer this pool did not hand out is a RangeError. */
  release(buf: GPUBuffer): void {
    if (!this.#live.delete(buf)) {
      throw new RangeError("BufferPool.release: buffer is not live in this pool (double release?)");
    }
    this.#liveBytes -= buf.size;
    const list = this.#free.get(buf.size);
    if (list) list.push(buf);
    else this.#free.set(buf.size, [buf]);
    this.#pooledBuffers++;
    this.#pooledBytes += buf.size;
  }

  /** Destroys the pooled (free) buffers, e.g. to give memory back between experiments. */
  trim(): void {
    for (const list of this.#free.values()) for (const b of list) b.destroy();
    this.#free.clear();
    this.#pooledBuffers = 0;
    this.#pooledBytes = 0;
  }

  /** Current counters. */
  stats(): PoolStats {
    return {
      liveBuffers: this.#live.size,
      liveBytes: this.#liveBytes,
      pooledBuffers: this.#pooledBuffers,
      pooledBytes: this.#pooledBytes,
      created: this.#created,
    };
  }
}
