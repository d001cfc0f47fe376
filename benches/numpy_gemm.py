"""numpy/OpenBLAS peer for benches/gemm_bench.ts: GFLOP/s of A @ B at the same sizes.

Run as:  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 benches/numpy_gemm.py
One line per (dtype, n): best and median wall time, and GFLOP/s of the best. On a shared
machine also run it single-threaded (prefix OPENBLAS_NUM_THREADS=1): then the CPU-time column
(flops per second of process CPU time) is comparable with our single-threaded kernel's, and
much less sensitive to other load than wall time.
"""
import time

import numpy as np


def bench(dtype, n, reps):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    a @ b  # warm up (thread pool, caches)
    times, cpu = [], []
    for _ in range(reps):
        t, c = time.perf_counter(), time.process_time()
        a @ b
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    times.sort()
    best, med = times[0], times[len(times) // 2]
    cpu_gf = 2 * n**3 * reps / max(sum(cpu), 1e-9) / 1e9
    print(f"numpy {np.dtype(dtype).name} n={n}: best {best * 1e3:.3f} ms, "
          f"median {med * 1e3:.3f} ms, {2 * n**3 / best / 1e9:.1f} GFLOP/s (wall, best), "
          f"{cpu_gf:.1f} GFLOP/s per CPU-second")


if __name__ == "__main__":
    print(f"numpy {np.__version__}")
    for dtype, n in [(np.float64, 128), (np.float64, 256), (np.float64, 512), (np.float64, 1024),
                     (np.float32, 512), (np.float32, 1024)]:
        bench(dtype, n, 50 if n <= 256 else 20)
