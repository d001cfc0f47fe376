"""numpy peer for benches/conv_bench.ts (group "conv2d"): conv2d forward by im2col + one BLAS
GEMM, x [32, 16, 32, 32], w [32, 16, 3, 3], padding 1, stride 1, NCHW in and out (the output is
made contiguous NCHW, as ours), float64 and float32.

Run as:  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 benches/numpy_conv.py
`--json FILE` also writes each case's best and median ms (benches/peer_json.py).
Prints best and median ms per call (wall and process CPU time) for each dtype, and checks the result against a direct sum.
"""
import time

import numpy as np
from peer_json import record, write
from numpy.lib.stride_tricks import sliding_window_view

N, C, H, W, O, K, PAD = 32, 16, 32, 32, 32, 3, 1


def conv2d(x, w):
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (PAD, PAD), (PAD, PAD)))
    win = sliding_window_view(xp, (kh, kw), axis=(2, 3))  # [n, c, h, w, kh, kw] view
    cols = win.transpose(0, 2, 3, 1, 4, 5).reshape(n * h * wd, c * kh * kw)  # copies
    out = cols @ w.reshape(o, -1).T  # [n*h*w, o], one GEMM
    return np.ascontiguousarray(out.reshape(n, h, wd, o).transpose(0, 3, 1, 2))


def direct(x, w):
    xp = np.pad(x, ((0, 0), (0, 0), (PAD, PAD), (PAD, PAD)))
    out = np.zeros((N, O, H, W), dtype=np.float64)
    for i in range(K):
        for j in range(K):
            out += np.einsum("nchw,oc->nohw", xp[:, :, i:i + H, j:j + W], w[:, :, i, j])
    return out


def bench(dtype, reps=30):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    w = rng.standard_normal((O, C, K, K)).astype(dtype)
    y = conv2d(x, w)
    ref = direct(x.astype(np.float64), w.astype(np.float64))
    err = np.max(np.abs(y - ref)) / np.max(np.abs(ref))
    for _ in range(3):
        conv2d(x, w)
    ts, cs = [], []
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        conv2d(x, w)
        ts.append((time.perf_counter() - t0) * 1e3)
        cs.append((time.process_time() - c0) * 1e3)
    ts.sort()
    cs.sort()
    record(f"conv2d {dtype.__name__}", ts[0], ts[len(ts) // 2])
    print(f"numpy conv2d {dtype.__name__}: best {ts[0]:.2f} ms, median {ts[len(ts) // 2]:.2f} ms; "
          f"CPU best {cs[0]:.2f} ms, median {cs[len(cs) // 2]:.2f} ms "
          f"(max rel. error vs direct {err:.1e})")


if __name__ == "__main__":
    print(f"numpy {np.__version__}, x [{N}, {C}, {H}, {W}], w [{O}, {C}, {K}, {K}], padding {PAD}")
    bench(np.float64)
    bench(np.float32)
    write()
