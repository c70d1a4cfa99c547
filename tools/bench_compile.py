"""ag.compile against eager mode and PyTorch 2 CPU (eager), one thread each.

Workloads (issue 19): MLP 784-256-128-10 SGD training step (batch 128 and 16),
MLP batch-1 inference, LeNet-5 Adam training step (batch 64). Each round runs
every variant once for ``--reps`` steps (interleaved, so load drift hits them
alike); the table shows the median time per step over rounds (CPU time of
this process by default: the machine is shared; --clock wall for elapsed), its spread
(min-max over rounds), and ratios of the medians.

    OPENBLAS_NUM_THREADS=1 python tools/bench_compile.py [--rounds 7] [--reps 20]
"""
import argparse
import os
import statistics
import time
import warnings

import numpy as np

import autograd_core as ag
import nn
import optim

try:
    import torch
    import torch.nn as tnn

    torch.set_num_threads(1)
except ImportError:  # the table then has no PyTorch column
    torch = None


def mlp(lib):
    return lib.Sequential(lib.Linear(784, 256), lib.ReLU(), lib.Linear(256, 128), lib.ReLU(), lib.Linear(128, 10))


def lenet(lib):
    return lib.Sequential(lib.Conv2d(1, 6, 5, padding=2), lib.ReLU(), lib.MaxPool2d(2), lib.Conv2d(6, 16, 5),
                          lib.ReLU(), lib.MaxPool2d(2), lib.Flatten(), lib.Linear(400, 120), lib.ReLU(),
                          lib.Linear(120, 84), lib.ReLU(), lib.Linear(84, 10))


def train_step(model, opt, loss_fn, x, y):
    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    return step


def whole_step(model, opt, loss_fn, x, y):
    """The model and the loss in one compiled function."""
    loss_of = ag.compile(lambda x, y: loss_fn(model(x), y))

    def step():
        opt.zero_grad()
        loss_of(x, y).backward()
        opt.step()
    return step


def infer_step(model, x, no_grad):
    def step():
        with no_grad():
            model(x)
    return step


def variants(name, make, shape, batch, train, adam):
    rng = np.random.default_rng(0)
    xa = rng.standard_normal((batch, *shape)).astype(np.float32)
    ya = rng.integers(0, 10, batch)
    out = {}
    for label in ("eager", "compile", "compile+loss") if train else ("eager", "compile"):
        ag.manual_seed(0)
        model = make(nn)
        x, y = ag.tensor(xa), ag.tensor(ya)
        if train:
            opt = optim.Adam(model.parameters(), 1e-3) if adam else optim.SGD(model.parameters(), 0.01)
            loss_fn = nn.CrossEntropyLoss()
            if label == "compile+loss":  # the loss inside the compiled function: the whole forward replays
                out[label] = whole_step(model, opt, loss_fn, x, y)
            else:
                out[label] = train_step(ag.compile(model) if label == "compile" else model, opt, loss_fn, x, y)
        else:
            out[label] = infer_step(ag.compile(model) if label == "compile" else model, x, ag.no_grad)
    if torch is not None:
        torch.manual_seed(0)
        model = make(tnn)
        x, y = torch.from_numpy(xa), torch.from_numpy(ya)
        if train:
            opt = torch.optim.Adam(model.parameters(), 1e-3) if adam else torch.optim.SGD(model.parameters(), 0.01)
            out["torch"] = train_step(model, opt, tnn.CrossEntropyLoss(), x, y)
        else:
            out["torch"] = infer_step(model, x, torch.no_grad)
    return name, out


def measure(fns, rounds, reps, clock=time.perf_counter):
    times = {k: [] for k in fns}
    for f in fns.values():  # warm up: records, verifies, compiles kernels
        for _ in range(3):
            f()
    for _ in range(rounds):
        for k, f in fns.items():
            t0 = clock()
            for _ in range(reps):
                f()
            times[k].append((clock() - t0) / reps)
    return times


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                    help="cpu: this process's CPU time (robust on a shared machine; default), wall: elapsed time")
    args = ap.parse_args()
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    print(f"threads: OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}, "
          f"torch {torch.__version__ if torch else 'not installed'} with {torch.get_num_threads() if torch else 0}")
    work = [variants("MLP train step, batch 128", mlp, (784,), 128, True, False),
            variants("MLP train step, batch 16", mlp, (784,), 16, True, False),
            variants("MLP inference, batch 1", mlp, (784,), 1, False, False),
            variants("LeNet-5 Adam step, batch 64", lenet, (1, 28, 28), 64, True, True)]
    print(f"{'workload':30s} {'variant':12s} {'median ms':>10s} {'spread ms':>16s}  ratios")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # a fallback to eager would make the numbers lie
        for name, fns in work:
            times = measure(fns, args.rounds, args.reps, clock)
            med = {k: statistics.median(v) for k, v in times.items()}
            for k, v in times.items():
                ratios = f"vs eager {med[k] / med['eager']:.2f}x"
                if "torch" in med:
                    ratios += f", vs torch {med[k] / med['torch']:.2f}x"
                print(f"{name:30s} {k:12s} {med[k] * 1e3:10.3f} {min(v) * 1e3:7.3f}-{max(v) * 1e3:7.3f}  {ratios}")


if __name__ == "__main__":
    main()
