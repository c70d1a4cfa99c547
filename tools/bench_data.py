"""Data-loading benchmarks (issue "data"), called by ``tools/bench.py``; also
runs alone: ``python tools/bench_data.py [--quick]``.

(e) One epoch of the bundled MNIST training set (8,000 images as float32
    (N, 1, 28, 28), int64 labels) in shuffled batches of 64 through
    ``DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True)``, against
    numpy doing the same by hand (a permutation, then ``x[idx]``, ``y[idx]`` per
    batch), alternating, and PyTorch's ``DataLoader`` over its ``TensorDataset``
    timed apart (a run right after one of PyTorch's was up to 1.4x slower).
    Target: within 1.5x of numpy.
(f) One epoch of ``MNIST(bundled=True, transform=Compose([ToTensor(),
    Normalize(...)]))`` in shuffled batches of 64 (a transform per sample, then
    ``default_collate``), with ``num_workers=2`` and with ``num_workers=0``,
    worker start-up included (and with ``persistent_workers=True``, which
    starts them once). Target: ``num_workers=2`` is faster. Timed in a fresh
    Python process that has not imported PyTorch, as a user's script: with
    PyTorch loaded, every ``fork`` takes 3-8 ms instead of 0.5 (its libraries'
    mappings and fork handlers), which would charge PyTorch's cost to ours.
"""
import gc
import json
import subprocess
import sys
import time

import numpy as np

import autograd_core as ag
import data
from data.datasets import MNIST

BATCH = 64
MEAN, STD = (0.1307,), (0.3081,)


def mnist_arrays():
    ds = MNIST(bundled=True, train=True)
    x = (ds._images.astype(np.float32) / np.float32(255))[:, None]
    return x, ds._labels.astype(np.int64)


def epoch_numpy(x, y, rng):
    t0 = time.perf_counter()
    perm = rng.permutation(len(x))
    n = 0
    for i in range(0, len(x), BATCH):
        idx = perm[i:i + BATCH]
        xb, yb = x[idx], y[idx]
        n += len(yb)
    assert n == len(x) and xb.dtype == np.float32
    return (time.perf_counter() - t0,)


def epoch_loader(loader):
    t0 = time.perf_counter()
    n = 0
    for _, yb in loader:
        n += len(yb)
    assert n == len(loader.dataset)
    return (time.perf_counter() - t0,)


def bench_tensor_dataset(row, best, repeats):
    try:
        import torch
        import torch.utils._data as tud
    except ImportError:
        torch = None
    x, y = mnist_arrays()
    ag.manual_seed(0)
    loader = data.DataLoader(data.TensorDataset(x, y), batch_size=BATCH, shuffle=True)
    rng = np.random.default_rng(0)
    t = best({"ours": lambda: epoch_loader(loader), "numpy": lambda: epoch_numpy(x, y, rng)}, repeats)
    if torch:  # timed apart: a run right after PyTorch's was up to 1.4x slower (caches, allocator)
        th = tud.DataLoader(tud.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=BATCH,
                            shuffle=True)
        t.update(best({"torch": lambda: epoch_loader(th)}, repeats))
    row("(e) MNIST epoch, TensorDataset", "ms", t["ours"][0] * 1e3, t["numpy"][0] * 1e3,
        t["torch"][0] * 1e3 if torch else None, 1.5, "numpy")


def time_workers(repeats):
    """{0, 2, "persistent"}: best epoch time in ms of each loader, run in turn."""
    tf = data.transforms.Compose([data.transforms.ToTensor(), data.transforms.Normalize(MEAN, STD)])
    ds = MNIST(bundled=True, train=True, transform=tf)
    loaders = {k: data.DataLoader(ds, batch_size=BATCH, shuffle=True, num_workers=k) for k in (0, 2)}
    loaders["persistent"] = data.DataLoader(ds, batch_size=BATCH, shuffle=True, num_workers=2,
                                            persistent_workers=True)
    best = {}
    for r in range(repeats + 1):  # the first round warms up
        for k, loader in loaders.items():
            gc.collect()
            t = epoch_loader(loader)[0] * 1e3
            if r:
                best[k] = min(best.get(k, t), t)
    return best


def bench_workers(row, best, repeats):
    out = subprocess.run([sys.executable, __file__, "--workers", str(repeats)], capture_output=True,
                         text=True, check=True)
    t = json.loads(out.stdout.strip().splitlines()[-1])
    t0, t2, tp = t["0"], t["2"], t["persistent"]
    row("(f) transforms/sample, num_workers=0", "ms", t0, None, None)
    row("(f) the same, num_workers=2", "ms", t2, None, None, ok=t2 < t0)
    row("(f) the same, persistent_workers", "ms", tp, None, None, ok=tp < t0)


def run(best, row, repeats):
    bench_tensor_dataset(row, best, max(repeats, 5))
    bench_workers(row, best, repeats)


if __name__ == "__main__":
    import argparse

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer repeats")
    p.add_argument("--workers", type=int, metavar="REPEATS", help=argparse.SUPPRESS)  # (f), in a child
    args = p.parse_args()
    if args.workers:
        print(json.dumps({str(k): v for k, v in time_workers(args.workers).items()}))
        sys.exit()
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import bench

    gc.collect()
    gc.freeze()
    run(bench.best, bench.row, 3 if args.quick else 7)
    bench.show()
