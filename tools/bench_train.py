"""Benchmark of whole training steps and epochs against PyTorch CPU (workloads (g)-(i)).

    python tools/bench_train.py [--quick]        (also run at the end of tools/bench.py)

(g) One training step of an MLP 784-256-128-10 with ReLU on a batch of 128
    MNIST-sized images: ``zero_grad``, forward, cross-entropy, backward,
    ``SGD(lr=0.01, momentum=0.9).step()``. Target: within 1.5x of PyTorch.
    The numpy column is the same step written by hand in numpy (forward,
    the gradients term by term, the momentum update): what the engine's
    bookkeeping costs on top of the arithmetic.
(h) One training step of LeNet-5 (``ag_cli.models.lenet``: conv 5x5 pad 2
    -> 6, max-pool, conv 5x5 -> 16, max-pool, 120-84-10) on a batch of 64,
    with ``Adam(lr=1e-3)``. Target: within 2.0x of PyTorch.
(i) One epoch over the 8,000 bundled MNIST training images for both models
    (with their batch sizes), data loading included: ours with
    ``data.DataLoader(TensorDataset, shuffle=True)``, PyTorch with its
    fastest path (a random permutation, each batch one tensor index).

Timing as in tools/bench.py: ``time.perf_counter``, a warm-up, then the
runners alternate and each keeps its best; a step is timed alone (the best
of several consecutive steps, so one scheduler hiccup on a shared machine
does not count), an epoch whole. PyTorch runs with ``torch.set_num_threads(2)``.
"""
import sys
import time

import numpy as np
from _timing import best, fastest_of, show_table

import autograd_core as ag
import data
import nn
import optim

try:
    import torch

    torch.set_num_threads(2)
except ImportError:  # the benchmark runs without PyTorch
    torch = None

ROWS = []
W = 52  # width of the first column
STEPS = 10  # consecutive steps per timed run


def batch(n, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, n)


# -- the models, in both frameworks ------------------------------------------------------------------
def mlp_ours():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                         nn.Linear(128, 10))


def lenet_ours():
    from ag_cli.models import lenet

    return lenet()


def mlp_torch():
    t = torch.nn
    return t.Sequential(t.Flatten(), t.Linear(784, 256), t.ReLU(), t.Linear(256, 128), t.ReLU(),
                        t.Linear(128, 10))


def lenet_torch():
    t = torch.nn
    return t.Sequential(t.Conv2d(1, 6, 5, padding=2), t.ReLU(), t.MaxPool2d(2), t.Conv2d(6, 16, 5),
                        t.ReLU(), t.MaxPool2d(2), t.Flatten(), t.Linear(400, 120), t.ReLU(),
                        t.Linear(120, 84), t.ReLU(), t.Linear(84, 10))


def step_runner(lib, make_model, make_opt, x, y):
    """A runner timing STEPS training steps; returns the fastest one (s)."""
    model = make_model()
    opt = make_opt(lib, model)
    loss_fn = (nn.CrossEntropyLoss if lib is ag else torch.nn.CrossEntropyLoss)()
    x, y = (ag.tensor(x), ag.tensor(y)) if lib is ag else (torch.tensor(x), torch.tensor(y))

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    return fastest_of(step, STEPS)


def sgd(lib, model):
    return (optim if lib is ag else torch.optim).SGD(model.parameters(), lr=0.01, momentum=0.9)


def adam(lib, model):
    return (optim if lib is ag else torch.optim).Adam(model.parameters(), lr=1e-3)


def numpy_mlp_runner(x, y):
    """The MLP step by hand: forward, gradients term by term, SGD with momentum."""
    rng = np.random.default_rng(0)
    shapes = [(256, 784), (128, 256), (10, 128)]
    W = [(rng.uniform(-1, 1, s) / np.sqrt(s[1])).astype(np.float32) for s in shapes]
    B = [np.zeros(s[0], np.float32) for s in shapes]
    params = W + B
    bufs = [np.zeros_like(p) for p in params]
    x2, n = x.reshape(len(x), -1), len(x)
    rows = np.arange(n)

    def step():
        h1 = x2 @ W[0].T + B[0]
        a1 = np.maximum(h1, 0)
        h2 = a1 @ W[1].T + B[1]
        a2 = np.maximum(h2, 0)
        z = a2 @ W[2].T + B[2]
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        p = e / e.sum(axis=1, keepdims=True)
        g = p  # d loss / d z = (softmax - onehot) / n
        g[rows, y] -= 1
        g /= n
        ga2 = (g @ W[2]) * (h2 > 0)
        ga1 = (ga2 @ W[1]) * (h1 > 0)
        grads = [g.T @ a2, ga2.T @ a1, ga1.T @ x2]
        grads = [grads[2], grads[1], grads[0], ga1.sum(0), ga2.sum(0), g.sum(0)]
        for prm, gr, b in zip(params, grads, bufs):
            b *= 0.9
            b += gr
            prm -= 0.01 * b

    return fastest_of(step, STEPS)


# -- (i) epochs ---------------------------------------------------------------------------------------
def bundled():
    from data.datasets.mnist import load_bundled

    images, labels = load_bundled(True)
    x = ((images.astype(np.float32) / 255 - 0.1307) / 0.3081)[:, None]
    return x, labels.astype(np.int64)


def epoch_ours(make_model, make_opt, x, y, bs):
    model, loader = make_model(), data.DataLoader(data.TensorDataset(x, y), batch_size=bs, shuffle=True)
    opt, loss_fn = make_opt(ag, model), nn.CrossEntropyLoss()

    def run():
        t0 = time.perf_counter()
        for xb, yb in loader:
            opt.zero_grad()
            loss_fn(model(xb), yb).backward()
            opt.step()
        return time.perf_counter() - t0
    return run


def epoch_torch(make_model, make_opt, x, y, bs):
    model, tx, ty = make_model(), torch.tensor(x), torch.tensor(y)
    opt, loss_fn = make_opt(torch, model), torch.nn.CrossEntropyLoss()

    def run():
        t0 = time.perf_counter()
        perm = torch.randperm(len(tx))
        for i in range(0, len(tx), bs):
            idx = perm[i:i + bs]
            opt.zero_grad()
            loss_fn(model(tx[idx]), ty[idx]).backward()
            opt.step()
        return time.perf_counter() - t0
    return run


def row(name, unit, ours, ref, th, target=None):
    ROWS.append((name, unit, ours, ref, th, target))


def main(argv=None, quick=None):
    if quick is None:
        quick = "--quick" in (sys.argv[1:] if argv is None else argv)
    repeats, epochs = (3, 1) if quick else (7, 3)
    ROWS.clear()
    x, y = batch(128)
    t = best({"ours": step_runner(ag, mlp_ours, sgd, x, y), "numpy": numpy_mlp_runner(x, y),
              "torch": step_runner(torch, mlp_torch, sgd, x, y) if torch else None}, repeats)
    row("(g) MLP 784-256-128-10 step, batch 128, SGD", "ms", t["ours"] * 1e3, t["numpy"] * 1e3,
        t["torch"] * 1e3 if torch else None, 1.5)
    x, y = batch(64)
    t = best({"ours": step_runner(ag, lenet_ours, adam, x, y),
              "torch": step_runner(torch, lenet_torch, adam, x, y) if torch else None}, repeats)
    row("(h) LeNet-5 step, batch 64, Adam", "ms", t["ours"] * 1e3, None,
        t["torch"] * 1e3 if torch else None, 2.0)
    x, y = bundled()
    for label, mo, mt, opt, bs in (("MLP, batch 128, SGD", mlp_ours, mlp_torch, sgd, 128),
                                   ("LeNet-5, batch 64, Adam", lenet_ours, lenet_torch, adam, 64)):
        t = best({"ours": epoch_ours(mo, opt, x, y, bs),
                  "torch": epoch_torch(mt, opt, x, y, bs) if torch else None}, epochs)
        row(f"(i) epoch of bundled MNIST, {label}", "s", t["ours"], None, t.get("torch"))
    th = f"torch {torch.__version__} ({torch.get_num_threads()} threads)" if torch else "torch: not installed"
    print(f"\ntraining steps and epochs: numpy {np.__version__}, {th}, best of {repeats} runs of {STEPS} "
          f"steps, of {epochs} epochs\n")
    show_table(ROWS, W)


if __name__ == "__main__":
    main()
