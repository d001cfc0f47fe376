"""numpy peer for benches/subgm_bench.ts: one SubGM iteration at the same sizes.

Run as:  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 benches/numpy_subgm.py
`--json FILE` also writes each case's best and median ms (benches/peer_json.py).
The iteration is the natural numpy one over the same packed-symmetric, measurement-major
storage: M = U Uᵀ, pack M (off-diagonals doubled), r = A @ m_packed − y (one GEMV pass),
g = sign(r), S = g @ A (second GEMV pass), unpack S, D = (2/m) S U, U −= η D.
With float32 storage numpy's GEMVs compute in float32 (sgemv); ours computes in float64, as the
spec requires (§9: "compute in Float64 arithmetic, accumulate in Float64"). The row "float32
storage, float64 arithmetic" is numpy doing that same iteration: it widens the design once per
iteration (numpy has no mixed-precision GEMV) and runs both passes in float64.
Prints best and median wall milliseconds per iteration and CPU milliseconds per iteration
(process CPU time / iterations: what the load on a shared machine disturbs least). Set
OPENBLAS_NUM_THREADS=1 for the single-thread figure.
"""
import time

import numpy as np
from peer_json import record, write


def bench(d, m, dtype, reps, widen=False):
    rng = np.random.default_rng(1)
    iu = np.triu_indices(d)
    plen = len(iu[0])
    a = rng.standard_normal((m, plen)) * np.where(iu[0] == iu[1], 1.0, np.sqrt(0.5))
    a = a.astype(dtype)
    y = rng.standard_normal(m).astype(dtype)
    u = 0.1 * rng.standard_normal((d, d))
    off = np.where(iu[0] == iu[1], 1.0, 2.0)

    def step(u):
        mm = u @ u.T
        if widen:
            a64 = a.astype(np.float64)
            xp = mm[iu] * off
            r = a64 @ xp - y.astype(np.float64)
            sp = np.sign(r) @ a64
        else:
            xp = (mm[iu] * off).astype(dtype)
            r = a @ xp - y
            g = np.sign(r).astype(dtype)
            sp = g @ a
        s = np.zeros((d, d))
        s[iu] = sp
        s = s + np.triu(s, 1).T
        return u - 1e-3 * (2.0 / m) * (s @ u)

    step(u)
    times = []
    cpu0 = time.process_time()
    for _ in range(reps):
        t = time.perf_counter()
        step(u)
        times.append(time.perf_counter() - t)
    cpu = (time.process_time() - cpu0) / reps
    times.sort()
    kind = np.dtype(dtype).name + (" storage, float64 arithmetic" if widen else "")
    record(f"{kind} packed d={d} m={m}", times[0] * 1e3, times[len(times) // 2] * 1e3)
    print(f"numpy {kind} packed d={d} m={m}: best {times[0] * 1e3:.2f} ms, "
          f"median {times[len(times) // 2] * 1e3:.2f} ms, CPU {cpu * 1e3:.2f} ms/iter")


if __name__ == "__main__":
    print(f"numpy {np.__version__}")
    for d, m in [(50, 3000), (100, 5000)]:
        for dtype in (np.float64, np.float32):
            bench(d, m, dtype, 30 if d == 50 else 15)
        bench(d, m, np.float32, 30 if d == 50 else 15, widen=True)
    write()
