"""numpy/OpenBLAS peer for benches/gemm_bench.ts: GFLOP/s of A @ B at the same sizes.

Run as:  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 benches/numpy_gemm.py
Prints one line per (dtype, n): best-of-several and median time, and GFLOP/s of the best.
"""
import time

import numpy as np


def bench(dtype, n, reps):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    a @ b  # warm up (thread pool, caches)
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - t)
    times.sort()
    best, med = times[0], times[len(times) // 2]
    print(f"numpy {np.dtype(dtype).name} n={n}: best {best * 1e3:.3f} ms, "
          f"median {med * 1e3:.3f} ms, {2 * n**3 / best / 1e9:.1f} GFLOP/s")


if __name__ == "__main__":
    print(f"numpy {np.__version__}")
    for dtype, n in [(np.float64, 128), (np.float64, 256), (np.float64, 512), (np.float64, 1024),
                     (np.float32, 512), (np.float32, 1024)]:
        bench(dtype, n, 50 if n <= 256 else 20)
