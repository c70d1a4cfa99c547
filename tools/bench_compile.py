"""ag.compile against eager mode and PyTorch 2 CPU (eager), with equal thread counts (``--threads``, default 1).

Workloads (issue 19): MLP 784-256-128-10 SGD training step (batch 128 and 16),
MLP batch-1 inference, LeNet-5 Adam training step (batch 64). Each round runs
every variant once for ``--reps`` steps (interleaved, so load drift hits them
alike); the table shows the median time per step over rounds (CPU time of
this process by default: the machine is shared; --clock wall for elapsed), its spread
(min-max over rounds), and ratios of the medians; against PyTorch also the median and range of
the per-round ratios (each round runs both sides back to back, so slow drifts of a shared machine cancel).

With ``--peers`` (the default when one is installed: ``pip install -e .[peers]``) the numpy-based peer
engines MyGrad and HIPS autograd (tools/peers.py) run every workload too, interleaved with the other
variants, from the same initial weights and inputs; two more workloads of issue 19 are added for them (the
1,000-op scalar chain of tools/bench.py and conv2d 16->32 3x3 padding 1 on (32, 16, 32, 32), fwd+bwd),
each of our variants gets its ratio to the best peer (target <= 0.8), and the warm-up asserts that every
peer's first three results (losses, logits, dy/dx, weight gradient) equal eager mode's.

``--threads N`` sets every side to N threads: ``ag.set_num_threads`` (the kernels' pool and BLAS, so the
numpy peers too) and ``torch.set_num_threads``. MKL's GEMM (``pip install -e .[mkl]``) is used when installed;
``--no-mkl`` switches it off.

    python tools/bench_compile.py [--threads 1] [--rounds 7] [--reps 20] [--no-peers] [--no-mkl]
"""
import argparse
import functools
import statistics
import time
import warnings

import bench
import numpy as np
import peers

import autograd_core as ag
import nn
import optim
from autograd_core.kernels import mkl

try:
    import torch
    import torch.nn as tnn

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
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def whole_step(model, opt, loss_fn, x, y):
    """The model and the loss in one compiled function."""
    loss_of = ag.compile(lambda x, y: loss_fn(model(x), y))

    def step():
        opt.zero_grad()
        loss = loss_of(x, y)
        loss.backward()
        opt.step()
        return loss
    return step


def infer_step(model, x, no_grad):
    def step():
        with no_grad():
            return model(x)
    return step


def variants(name, make, shape, batch, train, adam, peer_names=()):
    rng = np.random.default_rng(0)
    xa = rng.standard_normal((batch, *shape)).astype(np.float32)
    ya = rng.integers(0, 10, batch)
    lr = 1e-3 if adam else 0.01
    out = {}
    for label in ("eager", "compile", "compile+loss") if train else ("eager", "compile"):
        ag.manual_seed(0)
        model = make(nn)
        x, y = ag.tensor(xa), ag.tensor(ya)
        if train:
            opt = optim.Adam(model.parameters(), lr) if adam else optim.SGD(model.parameters(), lr)
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
            opt = torch.optim.Adam(model.parameters(), lr) if adam else torch.optim.SGD(model.parameters(), lr)
            out["torch"] = train_step(model, opt, tnn.CrossEntropyLoss(), x, y)
        else:
            out["torch"] = infer_step(model, x, torch.no_grad)
    for peer in peer_names:  # from our initial weights, so that the first losses must agree
        ag.manual_seed(0)
        params = [p.detach().numpy().copy() for p in make(nn).parameters()]
        build = peers.STEPS[peer]
        out[peer] = build["train"](make.__name__, params, xa, ya, adam, lr) if train else build["infer"](params, xa)
    return name, out


def chain_variants(peer_names, n=1000):
    """tools/bench.py's scalar chain, forward and backward; each step returns dy/dx."""
    out = {"eager": lambda: bench.chain_framework(ag, n)[1]}
    if torch is not None:
        out["torch"] = lambda: bench.chain_framework(torch, n)[1]
    for peer in peer_names:
        out[peer] = peers.STEPS[peer]["chain"](lambda y: bench.scalar_chain(y, n))
    return f"{n}-op scalar chain fwd+bwd", out


def conv_step(lib, conv, x, w, b, g):
    x, w, b = (lib.tensor(a, requires_grad=True) for a in (x, w, b))
    g = lib.tensor(g)

    def step():
        conv(x, w, b, padding=1).backward(g)
        gw = w.grad
        x.grad = w.grad = b.grad = None
        return gw
    return step


def conv_variants(peer_names):
    """conv2d 16->32 3x3 padding 1 on (32, 16, 32, 32) plus bias, backward with ones (the inputs of
    tools/bench_threads.py); each step returns the weight gradient."""
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((32, 16, 32, 32)), rng.standard_normal((32, 16, 3, 3)) * 0.1,
              rng.standard_normal(32), np.ones((32, 32, 32, 32))]
    arrays = [a.astype(np.float32) for a in arrays]
    out = {"eager": conv_step(ag, ag.conv2d, *arrays)}
    if torch is not None:
        out["torch"] = conv_step(torch, torch.nn.functional.conv2d, *arrays)
    for peer in peer_names:
        out[peer] = peers.STEPS[peer]["conv"](*arrays)
    return "conv 16->32 3x3 fwd+bwd", out


def check_peers(name, first):
    """Each peer's first results (the warm-up's) equal eager mode's to ~1e-5: the workloads are the same."""
    def value(r):
        return np.asarray(r.detach().numpy() if hasattr(r, "detach") else r, np.float64)

    want = [value(r) for r in first["eager"]]
    for peer in peers.STEPS.keys() & first.keys():
        got = [value(r) for r in first[peer]]
        err = max(float(np.abs(a - b).max() / max(1.0, np.abs(b).max())) for a, b in zip(got, want))
        assert err <= 1e-5, f"{name}: {peer} differs from eager mode by {err:.2g} (relative): not the same workload"
        print(f"check {name}: {peer} ({np.asarray(first[peer][0]).dtype}) equals eager to {err:.1g}")


def measure(fns, rounds, reps, clock=time.perf_counter, check=None):
    """Per-step times of each variant over the rounds; ``check`` gets the warm-up's results first."""
    times = {k: [] for k in fns}
    first = {k: [f() for _ in range(3)] for k, f in fns.items()}  # warm up: records, verifies, compiles kernels
    if check is not None:
        check(first)
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
    ap.add_argument("--peers", action=argparse.BooleanOptionalAction, default=None,
                    help="run MyGrad and HIPS autograd too (default: those installed)")
    ap.add_argument("--threads", type=int, default=1, help="threads for every side (default 1)")
    ap.add_argument("--mkl", action=argparse.BooleanOptionalAction, default=True,
                    help="MKL's GEMM for large products when installed (default on)")
    args = ap.parse_args()
    ag.set_num_threads(args.threads)
    if torch is not None:
        torch.set_num_threads(args.threads)
    mkl.set_enabled(args.mkl)
    found = peers.installed()
    if args.peers and not found:
        ap.error("--peers: neither mygrad nor autograd (HIPS) is installed: pip install -e .[peers]")
    peer_names = list(found) if args.peers is not False else []
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    print(f"threads: {args.threads} (ag, BLAS, torch), MKL GEMM: {'on' if mkl.available() else 'off'}, "
          f"torch {torch.__version__ if torch else 'not installed'} with {torch.get_num_threads() if torch else 0}, "
          f"peers: {', '.join(f'{k} {v}' for k, v in found.items() if k in peer_names) or 'none'}")
    work = [variants("MLP train step, batch 128", mlp, (784,), 128, True, False, peer_names),
            variants("MLP train step, batch 16", mlp, (784,), 16, True, False, peer_names),
            variants("MLP inference, batch 1", mlp, (784,), 1, False, False, peer_names),
            variants("LeNet-5 Adam step, batch 64", lenet, (1, 28, 28), 64, True, True, peer_names)]
    if peer_names:
        work += [chain_variants(peer_names), conv_variants(peer_names)]
    print(f"{'workload':30s} {'variant':14s} {'median ms':>10s} {'spread ms':>16s}  ratios")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # a fallback to eager would make the numbers lie
        for name, fns in work:
            reps = max(1, args.reps // 10) if name.startswith("conv") else args.reps  # a HIPS conv step takes ~2 s
            times = measure(fns, args.rounds, reps, clock, functools.partial(check_peers, name))
            med = {k: statistics.median(v) for k, v in times.items()}
            best = min((k for k in med if k in peer_names), key=med.get, default=None)
            for k, v in times.items():
                ratios = f"vs eager {med[k] / med['eager']:.2f}x"
                if "torch" in med:
                    rr = [a / b for a, b in zip(v, times["torch"])]  # per round, interleaved: drift cancels
                    ratios += (f", vs torch {med[k] / med['torch']:.2f}x (per round {statistics.median(rr):.2f}x,"
                               f" {min(rr):.2f}-{max(rr):.2f})")
                if best and k != "torch" and k not in peer_names:
                    r = med[k] / med[best]
                    ratios += f", vs best peer ({best}) {r:.2f}x: {'met' if r <= 0.8 else 'NOT met'} (<= 0.8)"
                print(f"{name:30s} {k:14s} {med[k] * 1e3:10.3f} {min(v) * 1e3:7.3f}-{max(v) * 1e3:7.3f}  {ratios}")


if __name__ == "__main__":
    main()
