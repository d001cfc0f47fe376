"""numpy peer for benches/autograd_bench.ts: one hand-written training step (forward, backward,
AdamW) of a 2-layer MLP 512->1024->512 (ReLU, MSE), batch 256, in float32 and float64.

Run as:  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 benches/numpy_mlp_step.py
`--json FILE` also writes each case's best and median ms (benches/peer_json.py).
Prints best and median ms per step for each dtype.
"""
import time

import numpy as np
from peer_json import record, write

IN, HID, OUT, BATCH = 512, 1024, 512, 256


class AdamW:
    """torch.optim.AdamW: decay before the update, eps added to the bias-corrected sqrt(v)."""

    def __init__(self, params, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8, wd=0.01):
        self.lr, self.b1, self.b2, self.eps, self.wd = lr, b1, b2, eps, wd
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0

    def step(self, params, grads):
        self.t += 1
        bc1, bc2 = 1 - self.b1**self.t, 1 - self.b2**self.t
        for p, g, m, v in zip(params, grads, self.m, self.v):
            p *= 1 - self.lr * self.wd
            m *= self.b1
            m += (1 - self.b1) * g
            v *= self.b2
            v += (1 - self.b2) * g * g
            p -= (self.lr / bc1) * m / (np.sqrt(v) / np.sqrt(bc2) + self.eps)


def setup(dtype):
    rng = np.random.default_rng(0)
    b1, b2 = 1 / np.sqrt(IN), 1 / np.sqrt(HID)
    params = [rng.uniform(-b1, b1, (HID, IN)), rng.uniform(-b1, b1, HID),
              rng.uniform(-b2, b2, (OUT, HID)), rng.uniform(-b2, b2, OUT)]
    params = [p.astype(dtype) for p in params]
    x = rng.standard_normal((BATCH, IN)).astype(dtype)
    y = rng.standard_normal((BATCH, OUT)).astype(dtype)
    return params, x, y, AdamW(params)


def step(params, x, y, opt):
    w1, c1, w2, c2 = params
    h = np.maximum(x @ w1.T + c1, 0)
    out = h @ w2.T + c2
    r = out - y
    loss = float(np.mean(r * r))
    dy = (2 / r.size) * r
    dw2, dc2 = dy.T @ h, dy.sum(0)
    dh = dy @ w2
    dh[h <= 0] = 0
    dw1, dc1 = dh.T @ x, dh.sum(0)
    opt.step(params, [dw1, dc1, dw2, dc2])
    return loss


if __name__ == "__main__":
    print(f"numpy {np.__version__}")
    for dtype in (np.float32, np.float64):
        state = setup(dtype)
        for _ in range(2):
            step(*state)
        times = []
        for _ in range(15):
            t = time.perf_counter()
            step(*state)
            times.append(time.perf_counter() - t)
        times.sort()
        record(f"{np.dtype(dtype).name} mlp step", times[0] * 1e3, times[len(times) // 2] * 1e3)
        print(f"numpy {np.dtype(dtype).name} mlp step: best {times[0] * 1e3:.1f} ms, "
              f"median {times[len(times) // 2] * 1e3:.1f} ms")
    write()
