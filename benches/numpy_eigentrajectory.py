"""numpy peer of benches/trajectory_bench.ts: the same EigenTrajectory fit on one fold.

Windowing (spec §1.3), mirror augmentation, per-group canonical frame (§2), Gram-matrix bases
(§3, §9) and greedy k-means++ / Lloyd anchors with sklearn's tolerance rule (§4.1), written
with numpy only. Times the fit (not the file reading) and prints one line per measurement,
then the anchors-only best-of-20 ADE/FDE on the fold's test split as a check that the work is
the same as ours.

Usage: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 benches/numpy_eigentrajectory.py \
    [--data ../shared/data/ethucy] [--fold eth] [--ninit 1,10] [--repeats 3]
"""
import argparse
import os
import time

import numpy as np
from peer_json import record, write

STATIC_DIST = {"eth": 0.419, "hotel": 0.353, "univ": 0.227, "zara1": 0.338, "zara2": 0.350}


def window_file(path):
    rows = np.loadtxt(path, delimiter="\t", ndmin=2)
    frames = np.unique(rows[:, 0])
    by_frame = {f: {} for f in frames}
    for f, p, x, y in rows:
        by_frame[f][p] = (x, y)
    seqs = []
    for s in range(len(frames) - 19):
        win = [by_frame[f] for f in frames[s:s + 20]]
        peds = sorted(p for p in win[0] if all(p in w for w in win))
        if len(peds) < 2:
            continue
        for p in peds:
            seqs.append([w[p] for w in win])
    return np.round(np.asarray(seqs, dtype=np.float64) * 1e4) / 1e4  # N x 20 x 2


def load_split(data, fold, split):
    d = os.path.join(data, fold, split)
    return np.concatenate([window_file(os.path.join(d, f)) for f in sorted(os.listdir(d)) if f.endswith(".txt")])


def normalize(traj, static_dist):
    d = traj[:, 7] - traj[:, 5]
    moving = np.hypot(d[:, 0], d[:, 1]) / 2 > static_dist
    th = np.arctan2(d[:, 1], d[:, 0])
    c, s = np.cos(th), np.sin(th)
    lam = np.where(moving, 2 / np.where(moving, np.hypot(d[:, 0], d[:, 1]), 1), 1.0)
    a = traj - traj[:, 7:8]
    out = np.empty_like(a)
    out[..., 0] = lam[:, None] * (a[..., 0] * c[:, None] + a[..., 1] * s[:, None])
    out[..., 1] = lam[:, None] * (a[..., 1] * c[:, None] - a[..., 0] * s[:, None])
    return out, moving, (traj[:, 7], c, s, lam)


def basis(rows, k):
    w, v = np.linalg.eigh(rows.T @ rows)
    v = v[:, ::-1][:, :k]
    big = v[np.argmax(np.abs(v), axis=0), np.arange(k)]
    return v * np.sign(big)


def kmeans(x, k, n_init, rng, max_iter=300, tol=1e-4):
    n = len(x)
    tol = tol * x.var(axis=0).mean()
    xx = (x * x).sum(1)
    best = None
    trials = 2 + int(np.log(k))
    for _ in range(n_init):
        c = np.empty((k, x.shape[1]))
        c[0] = x[rng.integers(n)]
        d2 = ((x - c[0]) ** 2).sum(1)
        for j in range(1, k):
            cand = rng.choice(n, trials, p=d2 / d2.sum())
            dc = np.minimum(d2[None], xx[None] - 2 * x[cand] @ x.T + xx[cand][:, None])
            pick = np.argmin(dc.sum(1))
            c[j], d2 = x[cand[pick]], np.maximum(dc[pick], 0)
        for _ in range(max_iter):
            dist = xx[:, None] - 2 * x @ c.T + (c * c).sum(1)[None]
            lab = dist.argmin(1)
            new = np.array([x[lab == j].mean(0) if (lab == j).any() else c[j] for j in range(k)])
            shift = ((new - c) ** 2).sum()
            c = new
            if shift <= tol:
                break
        dist = xx[:, None] - 2 * x @ c.T + (c * c).sum(1)[None]
        inertia = np.maximum(dist.min(1), 0).sum()
        if best is None or inertia < best[1]:
            best = (c, inertia)
    return best[0]


def fit(trainval, static_dist, n_init, seed=0):
    aug = np.concatenate([trainval, trainval * np.array([1, -1])])
    norm, moving, _ = normalize(aug, static_dist)
    rng = np.random.default_rng(seed)
    groups = []
    for g in (False, True):
        sel = norm[moving == g]
        h, f = sel[:, :8].reshape(len(sel), 16), sel[:, 8:].reshape(len(sel), 24)
        ub, uf = basis(h, 6), basis(f, 6)
        groups.append((ub, uf, kmeans(f @ uf, 20, n_init, rng)))
    return groups


def anchors_only(groups, test, static_dist):
    norm, moving, (o, c, s, lam) = normalize(test, static_dist)
    ade, fde = [], []
    for i in range(len(test)):
        _, uf, a = groups[int(moving[i])]
        p = (a @ uf.T).reshape(20, 12, 2) / lam[i]
        world = np.stack([o[i, 0] + p[..., 0] * c[i] - p[..., 1] * s[i],
                          o[i, 1] + p[..., 0] * s[i] + p[..., 1] * c[i]], -1)
        e = np.hypot(*(world - test[i, 8:]).transpose(2, 0, 1))
        ade.append(e.mean(1).min())
        fde.append(e[:, -1].min())
    return np.mean(ade), np.mean(fde)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../shared/data/ethucy"))
    ap.add_argument("--fold", default="eth")
    ap.add_argument("--ninit", default="1,10")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", help="also write each case's best/median ms here (peer_json.py)")
    a = ap.parse_args()
    t0 = time.perf_counter()
    trainval = np.concatenate([load_split(a.data, a.fold, "train"), load_split(a.data, a.fold, "val")])
    test = load_split(a.data, a.fold, "test")
    print(f"numpy {np.__version__}: {a.fold} fold, {len(trainval)} train+val agent-windows "
          f"(load {time.perf_counter() - t0:.1f} s)")
    sd = STATIC_DIST[a.fold]
    t = time.perf_counter()
    aug = np.concatenate([trainval, trainval * np.array([1, -1])])
    norm, moving, _ = normalize(aug, sd)
    for g in (False, True):
        sel = norm[moving == g]
        basis(sel[:, 8:].reshape(len(sel), 24), 6)
        basis(sel[:, :8].reshape(len(sel), 16), 6)
    bases_ms = 1e3 * (time.perf_counter() - t)
    record("normalize + 4 bases", bases_ms)
    print(f"normalize + 4 bases: {bases_ms:.1f} ms")
    for n_init in [int(v) for v in a.ninit.split(",")]:
        times = []
        for _ in range(a.repeats):
            t = time.perf_counter()
            groups = fit(trainval, sd, n_init)
            times.append(time.perf_counter() - t)
        record(f"fit nInit {n_init}", 1e3 * min(times), 1e3 * float(np.median(times)))
        print(f"fit (bases + anchors, nInit {n_init}): best {min(times):.2f} s, "
              f"mean {np.mean(times):.2f} s over {a.repeats}")
    ade, fde = anchors_only(groups, test, sd)
    print(f"anchors-only best-of-20 on {a.fold} test: ADE {ade:.3f} FDE {fde:.3f}")
    write()


if __name__ == "__main__":
    main()
