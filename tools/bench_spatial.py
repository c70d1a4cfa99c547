"""Benchmarks of the spatial ops of issue 16 against PyTorch CPU (2 threads)
when it is installed:

    python tools/bench_spatial.py [--quick]   (also run at the end of tools/bench.py)

Workloads (float32, forward + backward through the engine, timed like
``tools/bench_kernels.py``: warm-up, runners alternating, best of repeats):

- ``interpolate`` bilinear, (32, 16, 64, 64) -> x2 (target <= 1.5x PyTorch);
- ``conv_transpose2d`` 32 -> 16 channels, 4x4 kernel, stride 2, padding 1,
  on (32, 32, 16, 16) (target <= 1.5x PyTorch).

The ``numpy kernels`` column is the same workload with
``AUTOGRAD_CORE_KERNELS=numpy`` (``kernels.set_backend``); then the
resampling kernels against their numpy twins on the workload's shapes.
"""
import argparse

import numpy as np
from bench_kernels import _ms, _with_backend, best, torch

import autograd_core as ag
from autograd_core.kernels import resample as RS
from autograd_core.ops.resample import taps

TARGETS = {"interpolate bilinear x2": 1.5, "conv_transpose2d 32->16 4x4 s2": 1.5}


def _workload(lib, name, rng):
    mk = (lambda a: ag.tensor(a, requires_grad=True)) if lib is ag else (
        lambda a: torch.tensor(a, requires_grad=True))
    const = ag.tensor if lib is ag else torch.tensor
    F = ag if lib is ag else torch.nn.functional
    if name.startswith("interpolate"):
        x = mk(rng.standard_normal((32, 16, 64, 64)).astype(np.float32))
        g = const(np.ones((32, 16, 128, 128), np.float32))
        leaves = (x,)

        def fwd():
            return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
    else:
        x = mk(rng.standard_normal((32, 32, 16, 16)).astype(np.float32))
        w = mk(rng.standard_normal((32, 16, 4, 4)).astype(np.float32) * 0.1)
        b = mk(np.zeros(16, np.float32))
        g = const(np.ones((32, 16, 32, 32), np.float32))
        leaves = (x, w, b)

        def fwd():
            return F.conv_transpose2d(x, w, b, stride=2, padding=1)

    def run():
        fwd().backward(g)
        for t in leaves:
            t.grad = None

    return run


def main(argv=None, quick=None):
    if quick is None:
        quick = argparse.ArgumentParser().parse_args(argv).__dict__.get("quick", False) if argv else False
    repeats = 3 if quick else 7
    rng = np.random.default_rng(0)
    print(f"\n{'spatial workload (float32)':<42}{'ours ms':>9}{'numpy kernels':>15}{'torch ms':>10}"
          f"{'ours/torch':>11}{'target':>16}  status")
    for name, target in TARGETS.items():
        ours = _workload(ag, name, rng)
        t = best({"ours": ours, "numpy": _with_backend("numpy", ours),
                  "torch": _workload(torch, name, rng) if torch else None}, repeats)
        th = t.get("torch")
        ratio = None if th is None else t["ours"] / th
        status = "n/a (no torch)" if ratio is None else ("pass" if ratio <= target else "FAIL")
        shown = "-" if ratio is None else f"{ratio:.2f}"
        print(f"{name + ' fwd+bwd':<42}{_ms(t['ours']):>9}{_ms(t['numpy']):>15}{_ms(th):>10}{shown:>11}"
              f"{'<= ' + str(target) + 'x torch':>16}  {status}")
    idx, wts = taps("bilinear", 64, 128, False, 2.0)
    cases = [("resample last axis (32*16*64, 64->128)", (32 * 16 * 64, 64, 1)),
             ("resample mid axis (32*16, 64->128, 128)", (32 * 16, 64, 128))]
    print(f"\n{'kernel (float32)':<42}{'numba ms':>10}{'numpy ms':>10}{'numba/numpy':>13}  used")
    for name, shape in cases:
        x3 = rng.standard_normal(shape).astype(np.float32)
        t = best({"numba": lambda x3=x3: RS.resample_numba(x3, idx, wts),
                  "numpy": lambda x3=x3: RS.resample_numpy(x3, idx, wts)}, repeats)
        used = "numba" if RS._numba_for(x3, idx, 64) else "numpy"
        print(f"{name:<42}{_ms(t['numba']):>10}{_ms(t['numpy']):>10}{t['numba'] / t['numpy']:>13.2f}  {used}")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true")
    main(quick=p.parse_args().quick)
