"""numpy/LAPACK peer for benches/linalg_bench.ts: the same decompositions at the same sizes.

Run as:  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 benches/numpy_linalg.py
Prints one line per case: best-of-several and median time in ms. numpy's `svd` is LAPACK
`dgesdd` (divide and conquer), `eigh` is `dsyevd`, `qr` is `dgeqrf` + `dorgqr`.
"""
import time

import numpy as np


def bench(name, f, reps):
    f()  # warm up (thread pool, caches)
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    times.sort()
    print(f"numpy {name}: best {times[0] * 1e3:.2f} ms, median {times[len(times) // 2] * 1e3:.2f} ms")


if __name__ == "__main__":
    print(f"numpy {np.__version__}")
    rng = np.random.default_rng(0)
    for n in (128, 512):
        a = rng.standard_normal((n, n))
        s = 0.5 * (a + a.T)
        reps = 30 if n <= 128 else 10
        bench(f"svd {n}x{n} (u, s, vt)", lambda: np.linalg.svd(a, full_matrices=False), reps)
        bench(f"svdvals {n}x{n}", lambda: np.linalg.svd(a, compute_uv=False), reps)
        bench(f"eigh {n}x{n}", lambda: np.linalg.eigh(s), reps)
    b = rng.standard_normal((1000, 200))
    bench("qr 1000x200 (reduced)", lambda: np.linalg.qr(b, mode="reduced"), 20)
    t = rng.standard_normal((2000, 100))
    bench("svd 2000x100", lambda: np.linalg.svd(t, full_matrices=False), 10)
