"""numpy peer for benches/small_sizes.ts (issue 12 §4 table): per-call time of small products and
tiny decompositions, eigh 512 and a fresh 1024² product, warm, best of several blocks.

Run as:  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 python3 benches/numpy_small.py
(the 1024² row is then one thread too; run it without OPENBLAS_NUM_THREADS for numpy's default).
Prints `name: best_us` lines.
"""
import time

import numpy as np


def best_us(f, reps, blocks=7):
    for _ in range(reps):
        f()
    best = float("inf")
    for _ in range(blocks):
        t = time.perf_counter()
        for _ in range(reps):
            f()
        best = min(best, (time.perf_counter() - t) / reps)
    return best * 1e6


rng = np.random.default_rng(0)
for n in (16, 32, 64):
    a, b = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    print(f"matmul {n}: {best_us(lambda: a @ b, 20000 if n <= 32 else 5000):.2f}")
a8 = rng.standard_normal((8, 8))
s8 = a8 @ a8.T
print(f"qr 8: {best_us(lambda: np.linalg.qr(a8), 20000):.2f}")
print(f"svd 8: {best_us(lambda: np.linalg.svd(a8, full_matrices=False), 20000):.2f}")
print(f"eigh 8: {best_us(lambda: np.linalg.eigh(s8), 20000):.2f}")
a = rng.standard_normal((512, 512))
s = 0.5 * (a + a.T)
print(f"eigh 512: {best_us(lambda: np.linalg.eigh(s), 3, 5):.2f}")
x, y = rng.standard_normal((1024, 1024)), rng.standard_normal((1024, 1024))
print(f"matmul 1024: {best_us(lambda: x @ y, 2, 5):.2f}")
