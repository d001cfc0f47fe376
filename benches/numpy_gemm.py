"""numpy/OpenBLAS peer for benches/gemm_bench.ts: GFLOP/s of A @ B at the same sizes.

Run as:  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 benches/numpy_gemm.py
With --small: only the small products of the "matmul small" groups (n = 16, 32, 64), timed per
call in µs (best of many short batches, as load spikes only ever add time), single-threaded:
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 python3 benches/numpy_gemm.py --small
One line per (dtype, n): best and median wall time, and GFLOP/s of the best. On a shared
machine also run it single-threaded (prefix OPENBLAS_NUM_THREADS=1): then the CPU-time column
(flops per second of process CPU time) is comparable with our single-threaded kernel's, and
much less sensitive to other load than wall time. `--json FILE` also writes every case's best and
median ms (benches/peer_json.py) for benches/results.ts.
"""
import sys
import time

import numpy as np
from peer_json import record, write


def bench(dtype, n, reps, m=None, k=None, trans_a=False, label=None):
    """Times op(A) @ B with op(A) m×k and B k×n (square n×n×n by default)."""
    m = n if m is None else m
    k = n if k is None else k
    rng = np.random.default_rng(0)
    a = rng.standard_normal((k, m) if trans_a else (m, k)).astype(dtype)
    b = rng.standard_normal((k, n)).astype(dtype)
    op_a = a.T if trans_a else a  # a view: BLAS reads it transposed, as our transA does
    op_a @ b  # warm up (thread pool, caches)
    times, cpu = [], []
    for _ in range(reps):
        t, c = time.perf_counter(), time.process_time()
        op_a @ b
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    times.sort()
    best, med = times[0], times[len(times) // 2]
    flops = 2 * m * n * k
    cpu_gf = flops * reps / max(sum(cpu), 1e-9) / 1e9
    name = label or f"n={n}"
    record(f"{np.dtype(dtype).name} {name}", best * 1e3, med * 1e3)
    print(f"numpy {np.dtype(dtype).name} {name}: best {best * 1e3:.3f} ms, "
          f"median {med * 1e3:.3f} ms, {flops / best / 1e9:.1f} GFLOP/s (wall, best), "
          f"{cpu_gf:.1f} GFLOP/s per CPU-second")


# The skinny (low-rank) shapes of benches/gemm_bench.ts: (label, m, n, k, transA).
SKINNY = [
    ("A.Omega 2000x2000.2000x42", 2000, 42, 2000, False),
    ("Q^T.A 2000x42^T.2000x2000", 42, 2000, 2000, True),
    ("4096x16.16x4096", 4096, 4096, 16, False),
    ("512x4096.4096x16", 512, 16, 4096, False),
]


def bench_small(dtype, n, per=100, batches=300):
    """µs per call of A @ B (fresh result, as our matmul): best and median batch of `per` calls."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    for _ in range(1000):
        a @ b
    per_call = []
    for _ in range(batches):
        t = time.perf_counter()
        for _ in range(per):
            a @ b
        per_call.append((time.perf_counter() - t) / per)
    per_call.sort()
    record(f"{np.dtype(dtype).name} small n={n}", per_call[0] * 1e3, per_call[len(per_call) // 2] * 1e3)
    print(f"numpy {np.dtype(dtype).name} small n={n}: best {per_call[0] * 1e6:.2f} us, "
          f"median {per_call[len(per_call) // 2] * 1e6:.2f} us per call")


if __name__ == "__main__" and "--small" in sys.argv[1:]:
    print(f"numpy {np.__version__}")
    for dtype in (np.float64, np.float32):
        for n in (16, 32, 64):
            bench_small(dtype, n)
    write()
elif __name__ == "__main__":
    print(f"numpy {np.__version__}")
    for dtype, n in [(np.float64, 128), (np.float64, 256), (np.float64, 512), (np.float64, 1024),
                     (np.float32, 512), (np.float32, 1024)]:
        bench(dtype, n, 50 if n <= 256 else 20)
    for dtype in (np.float64, np.float32):
        for label, m, n, k, trans_a in SKINNY:
            bench(dtype, n, 30, m=m, k=k, trans_a=trans_a, label=label)
    write()
