"""numpy/LAPACK peer for benches/linalg_bench.ts: the same decompositions at the same sizes.

Run as:  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 benches/numpy_linalg.py
Prints one line per case: best-of-several and median time in ms (`--json FILE`: also as JSON,
see benches/peer_json.py). numpy's `svd` is LAPACK
`dgesdd` (divide and conquer), `eigh` is `dsyevd`, `qr` is `dgeqrf` + `dorgqr`.

`--eigh-cpu` prints only eigh 512's process CPU time (run it with OPENBLAS_NUM_THREADS=1 to
compare with our one-thread row), in a fresh process and again after one large SVD: numpy's
eigh allocates its ~4 MB workspace on every call, and until a large block has been freed
glibc serves it with fresh pages from mmap, whose first-touch faults cost this VM about as much
as the decomposition (measured 52-56 ms fresh vs 26-29 ms after, same sitting).
"""
import sys
import time

import numpy as np
from peer_json import record, write


def bench(name, f, reps):
    f()  # warm up (thread pool, caches)
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    times.sort()
    record(name, times[0] * 1e3, times[len(times) // 2] * 1e3)
    print(f"numpy {name}: best {times[0] * 1e3:.2f} ms, median {times[len(times) // 2] * 1e3:.2f} ms")


def eigh_cpu(n=512, reps=10):
    a = np.random.default_rng(0).standard_normal((n, n))
    s = 0.5 * (a + a.T)

    def run(label):
        np.linalg.eigh(s)
        times = []
        for _ in range(reps):
            t = time.process_time()
            np.linalg.eigh(s)
            times.append(time.process_time() - t)
        times.sort()
        best, med = times[0] * 1e3, times[len(times) // 2] * 1e3
        print(f"numpy eigh {n}x{n} CPU, {label}: best {best:.2f} ms, median {med:.2f} ms")

    run("fresh process")
    np.linalg.svd(a)  # frees large blocks: later workspaces come from the heap
    run("after one svd")


if __name__ == "__main__" and "--eigh-cpu" in sys.argv:
    eigh_cpu()
elif __name__ == "__main__":
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
    write()
