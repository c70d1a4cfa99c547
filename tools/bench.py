"""Benchmarks of autograd_core against a numpy reference and PyTorch CPU.

    python tools/bench.py [--quick] [--profile] [--load] [--threading-only]

Workloads (each forward + backward, timed in one run with ``time.perf_counter``:
after a warm-up, ours, numpy's and torch's runs alternate, and each keeps its
best of several repeats; the garbage collector stays on, as in a user's
script, with a ``gc.collect()`` before each run; the objects that exist after
the imports are frozen with ``gc.freeze()``, so that importing PyTorch does not
slow every full collection down):

(a) Python overhead: a chain of 1,000 ops on a 0-d float32 tensor
    (``y = y * 1.0001; y = y + 0.001; y = y - 0.0005; y = y / 1.0002`` repeated),
    printed in µs per op. Target: within 1.5x of PyTorch.
(b) Large arrays: ``h = x @ w; z = h + b; u = z * z; v = u - z * 0.5;
    y = v / (u + 1.0)`` on 1000x1000 float32 (b is a broadcast row), backward
    with a seed of ones. The numpy reference computes the same forward and the
    gradient written by hand, term by term as the chain rule gives it (no
    algebraic simplification: the engine cannot simplify either). Target:
    within 1.2x of numpy. A second row drops the matmul, so that the engine's
    own cost on large arrays is not hidden behind BLAS.
(c) Depth: the chain of (a) with 1,000,000 ops (100,000 with ``--quick``)
    must run forward and backward without ``RecursionError``; its time is
    printed, also with the garbage collector off (what cyclic GC costs).
(d) One optimizer step (SGD momentum, Adam) on 1M parameters: tools/bench_optim.py.
(g)-(i) Training steps of an MLP and of LeNet-5, and bundled-MNIST epochs: tools/bench_train.py.
(j) A 2-layer LSTM (hidden 200, sequence 35, batch 20) training step: tools/bench_models.py.
(k) A Transformer encoder training step (4 layers, d_model 64): tools/bench_transformer.py.
(l) Threading on a busy machine: conv2d fwd+bwd and a LeNet-5 step at 1 and 2 threads,
    median and best: tools/bench_threads.py.

``--load`` runs everything beside one competing CPU-bound process (started
here, stopped at the end): workload (l) then checks that the convolution's
median stays within 2x of its best at 2 threads. ``--threading-only`` runs
workload (l) alone.

``--profile`` adds a cProfile listing of workload (a) and a breakdown of the
cost of one op into its parts (numpy kernel, Tensor creation, recording,
backward). The script works without PyTorch (its columns then show "-").
"""
import argparse
import contextlib
import cProfile
import gc
import platform
import pstats
import sys
import time
import timeit

import numpy as np
from _timing import best

import autograd_core as ag
from autograd_core.tensor import Tensor

try:
    import torch
except ImportError:  # the benchmark runs without PyTorch
    torch = None

C_MUL, C_ADD, C_SUB, C_DIV = 1.0001, 0.001, 0.0005, 1.0002


# -- (a) and (c): a chain of scalar ops -------------------------------------------------------
def scalar_chain(y, n):
    for _ in range(n // 4):
        y = y * C_MUL
        y = y + C_ADD
        y = y - C_SUB
        y = y / C_DIV
    return y


def chain_framework(lib, n):
    """The chain forward and backward in ``lib`` (autograd_core or torch):
    ((forward, backward, total) seconds, dy/dx)."""
    t0 = time.perf_counter()
    x = lib.tensor(1.0, requires_grad=True)
    y = scalar_chain(x, n)
    t1 = time.perf_counter()
    y.backward()
    t2 = time.perf_counter()
    return (t1 - t0, t2 - t1, t2 - t0), float(x.grad.item())


def chain_numpy(n):
    """Forward on 0-d float32 arrays, then the hand-written gradient: dy/dx is the
    product of the local derivatives (1.0001 for the mul, 1/1.0002 for the div)."""
    t0 = time.perf_counter()
    y = scalar_chain(np.array(1.0, np.float32), n)
    t1 = time.perf_counter()
    g = np.array(1.0, np.float32)
    for _ in range(n // 4):
        g = g / C_DIV
        g = g * C_MUL
    t2 = time.perf_counter()
    assert y.dtype == np.float32
    return (t1 - t0, t2 - t1, t2 - t0), float(g)


def expected_chain_grad(n):
    return (C_MUL / C_DIV) ** (n // 4)


# -- (b): large arrays --------------------------------------------------------------------------
def large_inputs(size):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((size, size)).astype(np.float32) / np.float32(size ** 0.5)
    w = rng.standard_normal((size, size)).astype(np.float32)
    b = rng.standard_normal(size).astype(np.float32)
    return x, w, b


def large_forward(matmul, x, w, b):
    h = x if matmul is None else matmul(x, w)
    z = h + b
    u = z * z
    v = u - z * 0.5
    return v / (u + 1.0)


def large_numpy(x, w, b, gy, mm=True):
    t0 = time.perf_counter()
    z = (x @ w if mm else x) + b
    u = z * z
    v = u - z * 0.5
    d = u + 1.0
    y = v / d
    # y = v / d:  v̄ = ȳ / d,  d̄ = -ȳ v / d²;  d = u + 1:  ū = d̄;  v = u - 0.5 z:  ū += v̄, z̄ = -0.5 v̄
    gv = gy / d
    gu = -gy * v / (d * d) + gv
    gz = gu * z + gu * z - gv * 0.5  # u = z z
    gb = gz.sum(axis=0)  # z = h + b, b broadcast over rows
    if mm:  # h = x w
        gx = gz @ w.T
        gw = x.T @ gz
    else:
        gx, gw = gz, None
    t1 = time.perf_counter()
    assert y.dtype == gx.dtype == gb.dtype == np.float32
    return (t1 - t0,), (gx, gw, gb)


def large_framework(lib, x, w, b, gy, mm=True):
    """``lib`` is autograd_core or torch: the same script runs on both."""
    t0 = time.perf_counter()
    y = large_forward(lib.matmul if mm else None, x, w, b)
    y.backward(gy)
    t1 = time.perf_counter()
    grads = tuple(None if t.grad is None else np.asarray(t.grad.numpy()) for t in (x, w, b))
    x.grad = w.grad = b.grad = None
    return (t1 - t0,), grads


# -- the table ------------------------------------------------------------------------------------
ROWS = []


def row(name, unit, ours, ref, th, target=None, against=None, ok=None):
    """One line of the table; ``target`` is the allowed ratio against ``against``."""
    r_np = ours / ref if ref else None
    r_th = ours / th if th else None
    status = ""
    if ok is not None:
        status = "pass" if ok else "FAIL"
    elif target is not None:
        ratio = r_np if against == "numpy" else r_th
        status = "n/a (no torch)" if ratio is None else ("pass" if ratio <= target else "FAIL")
    tgt = f"<= {target}x {against}" if target else ""
    ROWS.append((name, unit, ours, ref, th, r_np, r_th, tgt, status))


def _num(x):
    return "-" if x is None else f"{x:.3g}"


def show():
    print(f"{'workload [unit]':<42}{'ours':>9}{'numpy':>9}{'torch':>9}{'ours/np':>9}{'ours/torch':>11}"
          f"  {'target':<16}")
    for name, unit, ours, ref, th, r_np, r_th, tgt, status in ROWS:
        r_np = "-" if r_np is None else f"{r_np:.2f}"
        r_th = "-" if r_th is None else f"{r_th:.2f}"
        print(f"{name + ' [' + unit + ']':<42}{_num(ours):>9}{_num(ref):>9}{_num(th):>9}{r_np:>9}"
              f"{r_th:>11}  {tgt:<16}{status}")


def bench_scalar(n, repeats):
    g_ours = chain_framework(ag, n)[1]
    t = best({"ours": lambda: chain_framework(ag, n)[0], "numpy": lambda: chain_numpy(n)[0],
              "torch": (lambda: chain_framework(torch, n)[0]) if torch else None}, repeats)
    ours, ref, th = t["ours"], t["numpy"], t.get("torch")
    assert abs(g_ours - expected_chain_grad(n)) < 1e-3, g_ours
    us = 1e6 / n
    for i, part in enumerate(("forward", "backward", "fwd + bwd")):
        last = i == 2
        row(f"(a) {n} scalar ops, {part}", "µs/op", ours[i] * us, ref[i] * us,
            th[i] * us if torch else None, 1.5 if last else None, "torch" if last else None)


def bench_large(size, repeats, mm=True):
    arrays = large_inputs(size)
    gy = np.ones((size, size), np.float32)
    ours = [ag.tensor(a, requires_grad=True) for a in arrays]
    g_ref = large_numpy(*arrays, gy, mm)[1]
    g_ours = large_framework(ag, *ours, ag.tensor(gy), mm)[1]
    for got, want in zip(g_ours, g_ref):
        if want is not None:
            np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-3 * np.abs(want).max())
    ts = [torch.tensor(a, requires_grad=True) for a in arrays] if torch else None
    t = best({"ours": lambda: large_framework(ag, *ours, ag.tensor(gy), mm)[0],
              "numpy": lambda: large_numpy(*arrays, gy, mm)[0],
              "torch": (lambda: large_framework(torch, *ts, torch.tensor(gy), mm)[0]) if torch else None},
             repeats)
    th = t["torch"][0] * 1e3 if torch else None
    if mm:
        row(f"(b) {size}x{size} ops + matmul, fwd + bwd", "ms", t["ours"][0] * 1e3,
            t["numpy"][0] * 1e3, th, 1.2, "numpy")
    else:
        row("(b) the same without the matmul", "ms", t["ours"][0] * 1e3, t["numpy"][0] * 1e3, th)


def bench_deep(n):
    try:
        (_, _, ours), g = chain_framework(ag, n)
        ok = abs(g - expected_chain_grad(n)) <= 1e-6 + 1e-3 * expected_chain_grad(n)
    except RecursionError:
        ours, ok = float("nan"), False
    ref = chain_numpy(n)[0][2]
    th = chain_framework(torch, n)[0][2] if torch else None
    row(f"(c) {n} scalar ops, fwd + bwd", "s", ours, ref, th, ok=ok)
    gc.collect()
    gc.disable()
    try:
        (_, _, ours_nogc), _ = chain_framework(ag, n)
    finally:
        gc.enable()
    row("(c) the same, gc disabled", "s", ours_nogc, None, None)


def breakdown(n=1000, repeats=5, number=20000):
    """Where the µs of one op of workload (a) go, per op of the chain (timeit)."""
    import operator

    from autograd_core.ops.arith import Add, Div, Mul, Sub

    ops = [(Mul, operator.mul, C_MUL), (Add, operator.add, C_ADD), (Sub, operator.sub, C_SUB),
           (Div, operator.truediv, C_DIV)]
    a = np.array(1.0, np.float32)
    g = ag.tensor(1.0)

    def t(fn, *args):
        return min(timeit.repeat(lambda: fn(*args), number=number, repeat=repeats)) / number * 1e6

    def nodes(op, f, c):
        y = f(ag.tensor(1.0, requires_grad=True), c)
        return y.grad_fn

    def rule(node):  # the backward rule alone: saved tensors and its ops (timed under no_grad)
        return node.backward(node, g)

    parts = {"numpy kernel + the op's dtype rule": [], "wrapping the output in a Tensor": [],
             "Function.apply bookkeeping": [], "recording the graph node": [],
             "operator -> function -> apply": [], "backward rule (saved tensors + its ops)": []}
    for op, f, c in ops:
        ctx = op()
        kernel = t(op.forward, ctx, a, c)
        raw = op.forward(ctx, a, c)
        wrap = t(lambda r: Tensor(r if type(r) is np.ndarray else np.asarray(r)), raw)
        plain = t(op.apply, g, c)
        x = ag.tensor(1.0, requires_grad=True)
        recorded = t(op.apply, x, c)
        parts["numpy kernel + the op's dtype rule"].append(kernel)
        parts["wrapping the output in a Tensor"].append(wrap)
        parts["Function.apply bookkeeping"].append(plain - kernel - wrap)
        parts["recording the graph node"].append(recorded - plain)
        parts["operator -> function -> apply"].append(t(f, x, c) - recorded)
        node = nodes(op, f, c)
        with ag.no_grad():
            parts["backward rule (saved tensors + its ops)"].append(t(rule, node))
    fwd, bwd, _ = best({"ours": lambda: chain_framework(ag, n)[0]}, 15)["ours"]
    fwd, bwd = fwd * 1e6 / n, bwd * 1e6 / n
    print("\nOne op of workload (a) in µs (timeit; columns Mul Add Sub Div, then the mean):")
    for name, v in parts.items():
        print(f"  {name:<42}" + "".join(f"{u:7.2f}" for u in v) + f"  {np.mean(v):7.2f}")
    engine = bwd - np.mean(parts["backward rule (saved tensors + its ops)"])
    print(f"  {'forward of the chain, measured':<42}{'':28}  {fwd:7.2f}")
    print(f"  {'backward of the chain, measured':<42}{'':28}  {bwd:7.2f}")
    print(f"  {'  of which the engine loop (the rest)':<42}{'':28}  {engine:7.2f}")
    if torch:
        x = torch.tensor(1.0, requires_grad=True)
        print(f"  {'torch: x * 1.0001, recorded':<42}{'':28}  {t(operator.mul, x, C_MUL):7.2f}")


def profile(n):
    chain_framework(ag, n)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(20):
        chain_framework(ag, n)
    prof.disable()
    print(f"\ncProfile of workload (a), 20 x {n} ops (times include profiler overhead):")
    pstats.Stats(prof, stream=sys.stdout).sort_stats("tottime").print_stats(18)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer repeats, a 100,000-op chain for (c)")
    p.add_argument("--profile", action="store_true", help="cProfile and per-op breakdown of (a)")
    p.add_argument("--load", action="store_true", help="run beside one competing CPU-bound process")
    p.add_argument("--threading-only", action="store_true", help="only workload (l), threading")
    args = p.parse_args(argv)
    import bench_threads  # workload (l); its competing process for --load

    with bench_threads.competing_process() if args.load else contextlib.nullcontext():
        run(args)


def run(args):
    import bench_threads

    if args.threading_only:
        bench_threads.show(bench_threads.measure(10 if args.quick else 25), args.load)
        return
    gc.collect()
    gc.freeze()  # the collector skips the ~150,000 objects of torch's modules (a cost of the import)
    repeats = 3 if args.quick else 7
    th = f"torch {torch.__version__} ({torch.get_num_threads()} threads)" if torch else "torch: not installed"
    print(f"python {platform.python_version()}, numpy {np.__version__}, {th}, "
          f"{platform.machine()}, best of {repeats} repeats\n")
    bench_scalar(1000, repeats * 3)
    bench_large(1000, repeats)
    bench_large(1000, repeats, mm=False)
    bench_deep(100_000 if args.quick else 1_000_000)
    import bench_optim  # tools/ is on sys.path: workload (d)

    bench_optim.run(best, row, repeats)
    import bench_data  # workloads (e) and (f): data loading

    bench_data.run(best, row, repeats)
    show()
    import bench_kernels  # the kernels' workloads (conv, pooling, batch norm, matmul) and JIT cost

    bench_kernels.main(quick=args.quick, show_profile=args.profile)
    import bench_spatial  # issue 16's spatial workloads: interpolate bilinear x2, conv_transpose2d

    bench_spatial.main(quick=args.quick)
    import bench_train  # workloads (g)-(i): training steps and epochs of an MLP and LeNet-5

    bench_train.main(quick=args.quick)
    import bench_models  # workload (j): a 2-layer LSTM training step

    bench_models.main(argv=["--profile"] if args.profile else [], quick=args.quick)
    import bench_transformer  # workload (k): a Transformer encoder training step

    bench_transformer.main(quick=args.quick, show_profile=args.profile)
    bench_threads.show(bench_threads.measure(10 if args.quick else 25), args.load)
    if args.profile:
        breakdown()
        profile(1000)


if __name__ == "__main__":
    main()
