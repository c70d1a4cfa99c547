"""Benchmark of one optimizer step, called by tools/bench.py (workload (d)).

    python tools/bench_optim.py [--quick]

(d) One ``step()`` of SGD (momentum 0.9) and of Adam over the parameters of an
    MLP 784-1024-256-10 (1,068,810 float32 parameters, gradients set), after a
    warm-up step (state made, kernels compiled). Columns: ours (the fused numba
    kernels, the default), the numpy column is the same optimizer on its numpy
    path (``AUTOGRAD_CORE_KERNELS=numpy``), and PyTorch's ``foreach`` step with
    ``torch.set_num_threads(2)``. Target: within 1.5x of PyTorch.
"""
import sys
import time

import numpy as np

import autograd_core as ag
import optim
from autograd_core import kernels

try:
    import torch
except ImportError:  # the benchmark runs without PyTorch
    torch = None

SHAPES = [(1024, 784), (1024,), (256, 1024), (256,), (10, 256), (10,)]
STEPS_PER_RUN = 5


def mlp_arrays(seed=0):
    rng = np.random.default_rng(seed)
    params = [(rng.standard_normal(s) * 0.05).astype(np.float32) for s in SHAPES]
    grads = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    return params, grads


def ours_runner(name, kw, fused):
    params, grads = mlp_arrays()
    ts = [ag.tensor(p, requires_grad=True) for p in params]
    for t, g in zip(ts, grads):
        t.grad = ag.tensor(g)
    opt = getattr(optim, name)(ts, **kw)

    def run():
        saved = kernels.set_backend("numba" if fused else "numpy")
        try:
            times = []
            for _ in range(STEPS_PER_RUN):
                t0 = time.perf_counter()
                opt.step()
                times.append(time.perf_counter() - t0)
        finally:
            kernels.set_backend(saved)
        return (min(times),)
    return run


def torch_runner(name, kw):
    params, grads = mlp_arrays()
    ts = [torch.tensor(p, requires_grad=True) for p in params]
    for t, g in zip(ts, grads):
        t.grad = torch.tensor(g)
    opt = getattr(torch.optim, name)(ts, foreach=True, **kw)

    def run():
        times = []
        for _ in range(STEPS_PER_RUN):
            t0 = time.perf_counter()
            opt.step()
            times.append(time.perf_counter() - t0)
        return (min(times),)
    return run


def run(best, row, repeats):
    """Add the rows of workload (d) to the table of tools/bench.py."""
    if torch is not None:
        torch.set_num_threads(2)
    n = sum(int(np.prod(s)) for s in SHAPES)
    for name, kw in (("SGD", dict(lr=1e-3, momentum=0.9)), ("Adam", dict(lr=1e-3))):
        t = best({"ours": ours_runner(name, kw, True), "numpy": ours_runner(name, kw, False),
                  "torch": torch_runner(name, kw) if torch else None}, repeats)
        th = t["torch"][0] * 1e3 if torch else None
        label = "SGD momentum" if name == "SGD" else name
        row(f"(d) {label} step, {n / 1e6:.2f}M params", "ms", t["ours"][0] * 1e3, t["numpy"][0] * 1e3, th,
            1.5, "torch")


def main(argv=None):
    import bench  # tools/ is on sys.path when this file runs as a script

    argv = sys.argv[1:] if argv is None else argv
    run(bench.best, bench.row, 3 if "--quick" in argv else 7)
    bench.show()


if __name__ == "__main__":
    main()
