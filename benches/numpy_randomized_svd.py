"""Peer baseline for benches/lowrank_bench.ts: the same randomized SVD as lowrank's
`randomizedSvd` (Halko, Martinsson & Tropp 2011; scikit-learn's defaults: 10 oversamples,
n_iter "auto" = 7 when k < 0.1*min(m, n), LU-normalized power iterations via scipy's
`lu(permute_l=True)`, QR of the sample, SVD of the small projection), written with numpy/scipy.

Usage: python3 benches/numpy_randomized_svd.py [--n 2000] [--k 32] [--repeats 5] [--seed 0]
                 [--skip-full] [--phases]
Prints one JSON line: median wall seconds (and process CPU seconds) of randomized SVD, of full
SVD (unless --skip-full: ~11 s on one thread at n = 2000), and the top-k accuracy. --phases adds
the median CPU seconds of each step (the products with A, the LU normalizations, the QR of the
sample, B = Q^T A, the small SVD, U = Q Uh), to compare step by step with lowrank's profile.
For timing, run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (and OPENBLAS_NUM_THREADS=1
for the one-thread comparison: process CPU time counts every OpenBLAS thread).
"""
import argparse
import json
import os
import time

import numpy as np
import scipy.linalg


class _NoClock:
    def lap(self, _name):
        pass


class _PhaseClock:
    """Accumulates process CPU seconds per named step."""

    def __init__(self):
        self.t = {}
        self.last = time.process_time()

    def lap(self, name):
        now = time.process_time()
        self.t[name] = self.t.get(name, 0.0) + now - self.last
        self.last = now


def randomized_svd(a, k, oversamples=10, n_iter="auto", seed=0, clock=_NoClock()):
    m, n = a.shape
    if n_iter == "auto":
        n_iter = 7 if k < 0.1 * min(m, n) else 4
    transpose = m < n
    if transpose:
        a = a.T
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((a.shape[1], min(k + oversamples, min(m, n))))
    clock.lap("omega")
    for _ in range(n_iter):
        if n_iter <= 2:
            q = a.T @ (a @ q)
            clock.lap("products")
            continue
        y = a @ q
        clock.lap("products")
        q, _ = scipy.linalg.lu(y, permute_l=True)
        clock.lap("lu")
        y = a.T @ q
        clock.lap("products")
        q, _ = scipy.linalg.lu(y, permute_l=True)
        clock.lap("lu")
    y = a @ q
    clock.lap("products")
    q, _ = np.linalg.qr(y, mode="reduced")
    clock.lap("qr")
    b = q.T @ a
    clock.lap("b")
    uh, s, vt = np.linalg.svd(b, full_matrices=False)
    clock.lap("small_svd")
    u = q @ uh[:, :k]
    s, vt = s[:k], vt[:k]
    clock.lap("u")
    if transpose:
        return vt.T, s, u.T
    return u, s, vt


def decaying(n, seed):
    """n x n test matrix with singular values 0.9^i (the bench's matrix family)."""
    rng = np.random.default_rng(seed)
    u, _ = np.linalg.qr(rng.standard_normal((n, n)))
    v, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return (u * (0.9 ** np.arange(n))) @ v.T


def spectral_norm_estimate(r, seed, iters=60):
    """‖r‖₂ by power iteration on rᵀr (a lower bound that converges; np.linalg.norm(r, 2) is a
    full SVD, ~10 s at n = 2000)."""
    x = np.random.default_rng(seed + 1).standard_normal(r.shape[1])
    est = 0.0
    for _ in range(iters):
        y = r.T @ (r @ x)
        est = float(np.sqrt(np.linalg.norm(y) / np.linalg.norm(x)))
        x = y / np.linalg.norm(y)
    return est


def median_time(f, repeats):
    """Median wall seconds and median process CPU seconds of `repeats` calls."""
    wall, cpu = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        f()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return float(np.median(wall)), float(np.median(cpu))


def median_phases(a, k, seed, repeats):
    runs = []
    for r in range(repeats):
        clock = _PhaseClock()
        randomized_svd(a, k, seed=seed + r, clock=clock)
        runs.append(clock.t)
    return {name: float(np.median([t[name] for t in runs])) for name in runs[0]}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--k", type=int, default=32)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--skip-full", action="store_true", help="do not time np.linalg.svd")
    p.add_argument("--phases", action="store_true", help="median CPU seconds per step")
    p.add_argument("--json", help="also write the printed JSON object (with numpy's version) here")
    args = p.parse_args()
    if args.json:
        open(args.json, "w").close()  # an unwritable path fails now, not after the timing
    a = decaying(args.n, args.seed)
    t_rsvd, c_rsvd = median_time(lambda: randomized_svd(a, args.k, seed=args.seed), args.repeats)
    out = {
        "n": args.n, "k": args.k,
        "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
        "randomized_svd_s": t_rsvd, "randomized_svd_cpu_s": c_rsvd,
    }
    if not args.skip_full:
        out["full_svd_s"] = median_time(lambda: np.linalg.svd(a), max(1, args.repeats // 2))[0]
    if args.phases:
        out["phases_cpu_s"] = median_phases(a, args.k, args.seed, args.repeats)
    u, s, vt = randomized_svd(a, args.k, seed=args.seed)
    s_true = 0.9 ** np.arange(args.n)  # decaying() builds exactly this spectrum
    err = spectral_norm_estimate(a - (u * s) @ vt, args.seed)
    out["top_k_rel_error"] = float(np.max(np.abs(s - s_true[: args.k]) / s_true[0]))
    out["spectral_error_over_sigma_k1"] = float(err / s_true[args.k])
    print(json.dumps(out))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({**out, "numpy": np.__version__}, f)


if __name__ == "__main__":
    main()
