"""Benchmarks of the compute kernels (``autograd_core/kernels``) and of the
ops built on them, against PyTorch CPU and numpy.

    python tools/bench_kernels.py [--quick] [--profile]   (also run at the end of tools/bench.py)

Three tables, timed like ``tools/bench.py`` (``time.perf_counter``, a
warm-up, then the runners alternate, in turn forwards and backwards, and
each keeps its best of several repeats, with a ``gc.collect()`` before each
run):

1. Workloads (float32, forward + backward through the engine, as a user
   would run them; PyTorch with 2 threads), against their targets:
   conv2d N=32, C 16->32, 32x32, 3x3, padding 1 (<= 2.0x PyTorch);
   max_pool2d 2x2 on (32, 32, 32, 32) (<= 1.0x); batch_norm in training on
   (32, 32, 32, 32) (<= 1.0x); ``kernels.matmul`` 512x512 (<= 1.1x numpy).
   The ``numpy kernels`` column is the same workload with
   ``AUTOGRAD_CORE_KERNELS=numpy``.
2. Each numba kernel against its numpy twin on the workload's shapes, and
   which one the dispatcher uses ("faster, or not used").
3. JIT cost: ``import autograd_core`` plus a first conv2d forward and
   backward in a fresh process, with a cold numba cache (an empty
   ``NUMBA_CACHE_DIR``) and then a warm one (target: under 1.5 s).

``--profile`` splits one conv2d and one batch_norm workload into their
parts (kernels, BLAS products, the engine's gradient accumulation).
"""
import argparse
import gc
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from bench_threads import timings  # tools/ is on sys.path

import autograd_core as ag
from autograd_core import kernels
from autograd_core.kernels import avgpool as AP
from autograd_core.kernels import batchnorm as BN
from autograd_core.kernels import im2col as IM
from autograd_core.kernels import matmul as MM
from autograd_core.kernels import pool as PL

try:
    import torch

    torch.set_num_threads(2)
except ImportError:  # the benchmark runs without PyTorch
    torch = None

ROWS = []


def best(runs, repeats):
    """Warm each runner up, then run them in turn and keep each one's best
    time (s). Half of the rounds run them in the reverse order: a run right
    after PyTorch's is a few % slower (its OpenMP threads are still spinning)."""
    runs = {k: f for k, f in runs.items() if f is not None}
    return {k: min(v) for k, v in timings(runs, repeats, warmups=1).items()}


def _ms(t):
    return "-" if t is None else f"{t * 1e3:.2f}"


# -- 1. workloads ---------------------------------------------------------------------------------
def _workload(lib, name, rng):
    """Inputs and a forward + backward closure for ``lib`` (autograd_core or torch)."""
    mk = (lambda a: ag.tensor(a, requires_grad=True)) if lib is ag else (
        lambda a: torch.tensor(a, requires_grad=True))
    const = ag.tensor if lib is ag else torch.tensor
    if name == "conv2d":
        shapes = ((32, 16, 32, 32), (32, 16, 3, 3), (32,))
        x, w, b = (mk(rng.standard_normal(s).astype(np.float32)) for s in shapes)
        g = const(np.ones((32, 32, 32, 32), np.float32))
        conv = ag.conv2d if lib is ag else torch.nn.functional.conv2d
        leaves, fwd = (x, w, b), lambda: conv(x, w, b, padding=1)
    elif name == "max_pool2d":
        x = mk(rng.standard_normal((32, 32, 32, 32)).astype(np.float32))
        g = const(np.ones((32, 32, 16, 16), np.float32))
        pool = ag.max_pool2d if lib is ag else torch.nn.functional.max_pool2d
        leaves, fwd = (x,), lambda: pool(x, 2)
    else:
        x = mk(rng.standard_normal((32, 32, 32, 32)).astype(np.float32))
        w, b = mk(np.ones(32, np.float32)), mk(np.zeros(32, np.float32))
        rm, rv = const(np.zeros(32, np.float32)), const(np.ones(32, np.float32))
        g = const(np.ones((32, 32, 32, 32), np.float32))
        bn = ag.batch_norm if lib is ag else torch.nn.functional.batch_norm
        leaves, fwd = (x, w, b), lambda: bn(x, rm, rv, w, b, training=True)

    def run():
        fwd().backward(g)
        for t in leaves:
            t.grad = None

    return run


def _with_backend(name, f):
    def run():
        old = kernels.set_backend(name)
        try:
            f()
        finally:
            kernels.set_backend(old)

    return run


def bench_workloads(repeats):
    rng = np.random.default_rng(0)
    for name, target in (("conv2d", 2.0), ("max_pool2d", 1.0), ("batch_norm", 1.0)):
        ours = _workload(ag, name, rng)
        t = best({"ours": ours, "numpy": _with_backend("numpy", ours),
                  "torch": _workload(torch, name, rng) if torch else None}, repeats)
        ROWS.append((f"{name} fwd+bwd", t["ours"], t["numpy"], t.get("torch"), target, "torch"))
    a = rng.standard_normal((512, 512)).astype(np.float32)
    ta = torch.tensor(a) if torch else None
    t = best({"ours": lambda: MM.matmul(a, a), "np": lambda: np.matmul(a, a),
              "torch": (lambda: torch.matmul(ta, ta)) if torch else None}, repeats * 3)
    ROWS.append(("matmul 512x512 (kernels.matmul)", t["ours"], t["np"], t.get("torch"), 1.1, "numpy"))


def show_workloads():
    print(f"{'workload (float32)':<34}{'ours ms':>9}{'numpy kernels':>15}{'torch ms':>10}"
          f"{'ours/torch':>11}{'target':>20}  status")
    for name, ours, ref, th, target, against in ROWS:
        base = th if against == "torch" else ref
        ratio = None if base is None else ours / base
        status = "n/a (no torch)" if ratio is None else ("pass" if ratio <= target else "FAIL")
        shown = "-" if th is None else f"{ours / th:.2f}"
        tgt = f"<= {target}x {against}" + (f" ({ratio:.2f})" if against == "numpy" else "")
        print(f"{name:<34}{_ms(ours):>9}{_ms(ref):>15}{_ms(th):>10}{shown:>11}{tgt:>20}  {status}")


# -- 2. numba kernels against their numpy twins ----------------------------------------------------
def kernel_cases(rng):
    """(name, numba callable, numpy callable, the dispatcher's choice) on the workloads' shapes."""
    x = rng.standard_normal((32, 16, 32, 32)).astype(np.float32)
    im = (3, 3, 1, 1, 1, 1, 1, 1, 32, 32)
    cols = IM.im2col_numpy(x, *im)
    xp = rng.standard_normal((32, 32, 32, 32)).astype(np.float32)
    mp = (2, 2, 2, 2, 0, 0, 1, 1, 16, 16)
    _, idx = PL.max_pool2d_numpy(xp, *mp)
    gp = rng.standard_normal((32, 32, 16, 16)).astype(np.float32)
    ap, apb = (2, 2, 2, 2, 0, 0, 16, 16, True, 0), (32, 32, 2, 2, 2, 2, 0, 0, True, 0)
    x3, g3 = xp.reshape(32, 32, -1), rng.standard_normal((32, 32, 1024)).astype(np.float32)
    w, b = np.ones(32, np.float32), np.zeros(32, np.float32)
    _, mean, var = BN.batch_norm_train_numpy(x3, w, b, 1e-5)
    inv = 1 / np.sqrt(var + 1e-5)
    small = [rng.standard_normal((4096, 2, 2)).astype(np.float32) for _ in range(2)]
    mid = [rng.standard_normal((1024, 8, 8)).astype(np.float32) for _ in range(2)]
    return [
        ("im2col 3x3 p1 (32,16,32,32)", lambda: IM.im2col_numba(x, *im), lambda: IM.im2col_numpy(x, *im)),
        ("col2im 3x3 p1 (32,16,32,32)", lambda: IM.col2im_numba(cols, 16, 32, 32, *im),
         lambda: IM.col2im_numpy(cols, 16, 32, 32, *im)),
        ("max_pool2d 2x2 (32,32,32,32)", lambda: PL.max_pool2d_numba(xp, *mp),
         lambda: PL.max_pool2d_numpy(xp, *mp)),
        ("max_pool2d backward", lambda: PL.max_unpool_add_numba(gp, idx, 32, 32),
         lambda: PL.max_unpool_add_numpy(gp, idx, 32, 32)),
        ("avg_pool2d 2x2 (32,32,32,32)", lambda: AP.avg_pool2d_numba(xp, *ap),
         lambda: AP.avg_pool2d_numpy(xp, *ap)),
        ("avg_pool2d backward", lambda: AP.avg_pool2d_backward_numba(gp, *apb),
         lambda: AP.avg_pool2d_backward_numpy(gp, *apb)),
        ("batch_norm train forward", lambda: BN.batch_norm_train_numba(x3, w, b, 1e-5),
         lambda: BN.batch_norm_train_numpy(x3, w, b, 1e-5)),
        ("batch_norm backward", lambda: BN.batch_norm_backward_numba(g3, x3, mean, inv, w, True),
         lambda: BN.batch_norm_backward_numpy(g3, x3, mean, inv, w, True)),
        ("batch_norm eval (channel affine)", lambda: BN.channel_affine_numba(x3, w, b),
         lambda: BN.channel_affine_numpy(x3, w, b)),
        ("matmul 4096 x (2x2)", lambda: MM.matmul_numba(*small), lambda: MM.matmul_numpy(*small)),
        ("matmul 1024 x (8x8)", lambda: MM.matmul_numba(*mid), lambda: MM.matmul_numpy(*mid)),
    ]


DISPATCH = {"matmul 1024 x (8x8)": "numpy"}  # what the dispatchers run in the numba set (default: numba)


def bench_kernels(repeats):
    rng = np.random.default_rng(1)
    print(f"\n{'kernel (float32)':<36}{'numba ms':>10}{'numpy ms':>10}{'numba/numpy':>13}  used")
    for name, nb, npy in kernel_cases(rng):
        t = best({"numba": nb, "numpy": npy}, repeats)
        used = DISPATCH.get(name, "numba")
        faster = "numba" if t["numba"] <= t["numpy"] else "numpy"
        note = "" if used == faster else "  (differs from this run's faster one)"
        print(f"{name:<36}{_ms(t['numba']):>10}{_ms(t['numpy']):>10}{t['numba'] / t['numpy']:>13.2f}"
              f"  {used}{note}")


# -- 3. JIT cost ----------------------------------------------------------------------------------
_FIRST_CONV = """
import time
t0 = time.perf_counter()
import autograd_core as ag
t1 = time.perf_counter()
x = ag.randn(2, 3, 8, 8, requires_grad=True)
w = ag.randn(4, 3, 3, 3, requires_grad=True)
ag.conv2d(x, w, padding=1).sum().backward()
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def jit_cost():
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache, "AUTOGRAD_CORE_KERNELS": "numba"}
        print(f"\n{'JIT cost, fresh process':<44}{'import s':>10}{'first conv fwd+bwd s':>22}{'total s':>9}")
        for label in ("cold numba cache", "warm numba cache"):
            out = subprocess.run([sys.executable, "-c", _FIRST_CONV], env=env, capture_output=True, text=True)
            imp, first = (float(v) for v in out.stdout.split())
            status = "  pass (< 1.5 s)" if imp + first < 1.5 else "  FAIL"
            status = "" if label.startswith("cold") else status
            print(f"{label:<44}{imp:>10.3f}{first:>22.3f}{imp + first:>9.3f}{status}")


# -- --profile ------------------------------------------------------------------------------------
def _timed(module, name, acc, label=None):
    """Wrap ``module.name`` so that its calls add their time to ``acc[label]``."""
    f = getattr(module, name)

    def wrapper(*args, **kw):
        t0 = time.perf_counter()
        try:
            return f(*args, **kw)
        finally:
            acc[label or name] = acc.get(label or name, 0.0) + time.perf_counter() - t0

    setattr(module, name, wrapper)
    return module, name, f


def profile(repeats):
    """The parts of one conv2d and one batch_norm workload (best run), in ms."""
    import autograd_core.engine as engine
    from autograd_core.kernels import conv as CV

    acc = {}
    patches = [_timed(CV, n, acc) for n in ("conv2d_forward", "conv2d_input_grad", "conv2d_weight_grad",
                                            "conv2d_bias_grad", "im2col", "col2im")]
    patches += [_timed(BN, n, acc) for n in ("batch_norm_train", "batch_norm_backward")]
    patches.append(_timed(engine, "_accumulate", acc, "engine: copy into .grad"))
    try:
        rng = np.random.default_rng(0)
        for name in ("conv2d", "batch_norm"):
            run = _workload(ag, name, rng)
            run()
            best_total, parts = float("inf"), {}
            for _ in range(repeats):
                acc.clear()
                gc.collect()
                t0 = time.perf_counter()
                run()
                total = time.perf_counter() - t0
                if total < best_total:
                    best_total, parts = total, dict(acc)
            print(f"\nprofile of {name} fwd+bwd (best of {repeats}): {best_total * 1e3:.2f} ms")
            if name == "conv2d":
                products = sum(parts.get(k, 0) for k in ("conv2d_forward", "conv2d_input_grad",
                                                         "conv2d_weight_grad"))
                parts["BLAS matmul (products - im2col - col2im)"] = (
                    products - parts.get("im2col", 0) - parts.get("col2im", 0))
            top = ("conv2d_forward", "conv2d_input_grad", "conv2d_weight_grad", "conv2d_bias_grad",
                   "batch_norm_train", "batch_norm_backward", "engine: copy into .grad")
            parts["the rest (ops, engine, allocation)"] = best_total - sum(
                v for k, v in parts.items() if k in top)
            for k, v in parts.items():
                print(f"  {k:<44}{v * 1e3:8.2f}")
    finally:
        for module, name, f in patches:
            setattr(module, name, f)


def main(argv=None, quick=None, show_profile=False):
    if quick is None:
        p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
        p.add_argument("--quick", action="store_true", help="fewer repeats")
        p.add_argument("--profile", action="store_true", help="parts of the conv and batch norm runs")
        args = p.parse_args(argv)
        quick, show_profile = args.quick, args.profile
    repeats = 5 if quick else 15
    print(f"\nkernels: {kernels.backend()}; torch: "
          f"{f'{torch.__version__} ({torch.get_num_threads()} threads)' if torch else 'not installed'}\n")
    bench_workloads(repeats)
    show_workloads()
    bench_kernels(repeats)
    jit_cost()
    if show_profile:
        profile(repeats)


if __name__ == "__main__":
    main()
