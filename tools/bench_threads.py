"""Threading of the convolution on a busy machine (issue 18.7; workload (l)).

    python tools/bench_threads.py [--quick] [--load]   (also run by tools/bench.py)

Two workloads, float32: conv2d 16->32 3x3 padding 1 on (32, 16, 32, 32),
forward + backward with a gradient of ones; one LeNet-5 Adam training step
on a batch of 64 (as tools/bench_train.py). Each runs with 1 and 2 threads
(``ag.set_num_threads``, which also sets numpy's BLAS through threadpoolctl;
``torch.set_num_threads`` for PyTorch), ours and PyTorch's runs alternating
(in reverse order every other round), and the table gives the median and
the best run and their ratio: a threading strategy that collapses when a
core is taken shows as a median far above the best. A third row for the
convolution at 2 threads runs the previous strategy (the samples in order
on one thread, each product on 2-thread BLAS) for comparison.

``--load`` starts one competing CPU-bound process (a Python busy loop) for
the duration and stops it; the target is then a median within 2x of the
best for ours at 2 threads.
"""
import argparse
import contextlib
import gc
import subprocess
import sys
import time

import numpy as np

import autograd_core as ag
from autograd_core.kernels import batch_split

try:
    import torch
except ImportError:  # the benchmark runs without PyTorch
    torch = None


@contextlib.contextmanager
def competing_process():
    """One CPU-bound process running beside the benchmark, stopped on exit."""
    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.2)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def conv_run(lib):
    rng = np.random.default_rng(0)
    arrays = (rng.standard_normal((32, 16, 32, 32)), rng.standard_normal((32, 16, 3, 3)) * 0.1,
              rng.standard_normal(32))
    mk = ag.tensor if lib is ag else torch.tensor
    x, w, b = (mk(a.astype(np.float32), requires_grad=True) for a in arrays)
    g = mk(np.ones((32, 32, 32, 32), np.float32))
    conv = ag.conv2d if lib is ag else torch.nn.functional.conv2d

    def run():
        conv(x, w, b, padding=1).backward(g)
        x.grad = w.grad = b.grad = None

    return run


def lenet_run(lib):
    import bench_train  # tools/ is on sys.path

    xb, yb = bench_train.batch(64)
    if lib is ag:
        import nn
        import optim

        model, X, Y = bench_train.lenet_ours(), ag.tensor(xb), ag.tensor(yb)
        opt, loss = optim.Adam(model.parameters(), lr=1e-3), nn.CrossEntropyLoss()
    else:
        model, X, Y = bench_train.lenet_torch(), torch.tensor(xb), torch.tensor(yb)
        opt, loss = torch.optim.Adam(model.parameters(), lr=1e-3), torch.nn.CrossEntropyLoss()

    def run():
        opt.zero_grad()
        loss(model(X), Y).backward()
        opt.step()

    return run


@contextlib.contextmanager
def previous_strategy():
    """The samples in order on the calling thread, BLAS with its own threads inside each product."""
    old = batch_split.PARALLEL_MIN
    batch_split.PARALLEL_MIN = float("inf")
    try:
        yield
    finally:
        batch_split.PARALLEL_MIN = old


def timings(runs, rounds, warmups=2):
    """Each runner's times (s) over ``rounds`` rounds after ``warmups`` calls of
    each; every other round runs them in the reverse order."""
    for f in runs.values():
        for _ in range(warmups):
            f()
    times = {k: [] for k in runs}
    order = list(runs.items())
    for r in range(rounds):
        for k, f in (order if r % 2 else order[::-1]):
            gc.collect()
            t0 = time.perf_counter()
            f()
            times[k].append(time.perf_counter() - t0)
    return times


def measure(rounds):
    """Rows (workload, threads, who, median s, best s)."""
    rows = []
    for name, make in (("conv2d 16->32 3x3 (32,16,32,32) fwd+bwd", conv_run),
                       ("LeNet-5 Adam step, batch 64", lenet_run)):
        ours, theirs = make(ag), make(torch) if torch else None
        for n in (1, 2):
            ag.set_num_threads(n)
            if torch:
                torch.set_num_threads(n)
            t = timings({"ours": ours, "torch": theirs} if torch else {"ours": ours}, rounds)
            for who, v in t.items():
                rows.append((name, n, who, float(np.median(v)), min(v)))
            if n == 2 and make is conv_run:
                with previous_strategy():
                    v = timings({"ours": ours}, rounds)["ours"]
                rows.append((name, n, "ours, 2-thread BLAS per product (previous)", float(np.median(v)), min(v)))
    ag.set_num_threads(2)
    return rows


def show(rows, load):
    print(f"\n(l) threading{' with one competing CPU-bound process (--load)' if load else ''}: median and best "
          f"of alternating runs, ms")
    print(f"{'workload':<42}{'threads':>8}  {'who':<44}{'median':>9}{'best':>9}{'median/best':>13}")
    for name, n, who, med, low in rows:
        status = ""
        if load and n == 2 and who == "ours" and name.startswith("conv2d"):
            status = "  pass (<= 2x)" if med <= 2 * low else "  FAIL (> 2x)"
        print(f"{name:<42}{n:>8}  {who:<44}{med * 1e3:>9.2f}{low * 1e3:>9.2f}{med / low:>13.2f}{status}")


def main(argv=None, quick=False, load=False):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer rounds")
    p.add_argument("--load", action="store_true", help="run beside one competing CPU-bound process")
    args = p.parse_args([] if argv is None else argv)
    quick, load = quick or args.quick, load or args.load
    rounds = 10 if quick else 25
    with competing_process() if load else contextlib.nullcontext():
        rows = measure(rounds)
    show(rows, load)


if __name__ == "__main__":
    main(sys.argv[1:])
