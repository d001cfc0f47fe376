"""Peer baseline for benches/lowrank_bench.ts: the same randomized SVD as lowrank's
`randomizedSvd` (Halko, Martinsson & Tropp 2011; scikit-learn's defaults: 10 oversamples,
n_iter "auto" = 7 when k < 0.1*min(m, n), LU-normalized power iterations via scipy's
`lu(permute_l=True)`, QR of the sample, SVD of the small projection), written with numpy/scipy.

Usage: python3 benches/numpy_randomized_svd.py [--n 2000] [--k 32] [--repeats 5] [--seed 0]
Prints one JSON line: median seconds of randomized SVD, of full SVD, and the top-k accuracy.
For timing, run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset.
"""
import argparse
import json
import time

import numpy as np
import scipy.linalg


def randomized_svd(a, k, oversamples=10, n_iter="auto", seed=0):
    m, n = a.shape
    if n_iter == "auto":
        n_iter = 7 if k < 0.1 * min(m, n) else 4
    transpose = m < n
    if transpose:
        a = a.T
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((a.shape[1], min(k + oversamples, min(m, n))))
    for _ in range(n_iter):
        if n_iter <= 2:
            q = a.T @ (a @ q)
            continue
        q, _ = scipy.linalg.lu(a @ q, permute_l=True)
        q, _ = scipy.linalg.lu(a.T @ q, permute_l=True)
    q, _ = np.linalg.qr(a @ q, mode="reduced")
    b = q.T @ a
    uh, s, vt = np.linalg.svd(b, full_matrices=False)
    u = q @ uh[:, :k]
    s, vt = s[:k], vt[:k]
    if transpose:
        return vt.T, s, u.T
    return u, s, vt


def decaying(n, seed):
    """n x n test matrix with singular values 0.9^i (the bench's matrix family)."""
    rng = np.random.default_rng(seed)
    u, _ = np.linalg.qr(rng.standard_normal((n, n)))
    v, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return (u * (0.9 ** np.arange(n))) @ v.T


def median_time(f, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--k", type=int, default=32)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    a = decaying(args.n, args.seed)
    t_rsvd = median_time(lambda: randomized_svd(a, args.k, seed=args.seed), args.repeats)
    t_svd = median_time(lambda: np.linalg.svd(a), max(1, args.repeats // 2))
    u, s, vt = randomized_svd(a, args.k, seed=args.seed)
    s_true = np.linalg.svd(a, compute_uv=False)
    err = np.linalg.norm(a - (u * s) @ vt, 2)
    print(json.dumps({
        "n": args.n, "k": args.k,
        "randomized_svd_s": t_rsvd, "full_svd_s": t_svd,
        "top_k_rel_error": float(np.max(np.abs(s - s_true[: args.k]) / s_true[0])),
        "spectral_error_over_sigma_k1": float(err / s_true[args.k]),
    }))


if __name__ == "__main__":
    main()
