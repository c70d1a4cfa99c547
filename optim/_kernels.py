"""Fused numba kernels for the hot optimizers: SGD and Adam/AdamW.

A numpy update is a chain of in-place ufuncs, each one pass over the
parameter (Adam: about 13 passes); these kernels do the whole update of an
element in one pass, which LLVM vectorises. They run on one thread and are
already faster than PyTorch's 2-thread ``foreach`` step (SGD with momentum
0.8x its time, Adam 0.5x: ``tools/bench_optim.py``). ``prange`` would about
halve the time again on 2 cores, but a parallel region makes later ``fork()``
calls (DataLoader workers) unsafe with numba's OpenMP layer, and the step is a
small part of a training step.

The numpy code in ``sgd.py`` and ``adam.py`` is each kernel's reference twin:
the same float operations in the same order, so the two agree bit for bit
(tests/optim/test_kernels.py). Scalars arrive already cast to the arrays'
dtype, as numpy casts a Python float. ``AUTOGRAD_CORE_KERNELS=numpy`` selects
the twins, as for the engine's kernels; arrays that are not C-contiguous, or
not float32/float64, always take the numpy path. This module imports numba:
the optimizers import it on their first step only. The loop bodies are
written out inline: a helper function called per element stops LLVM from
vectorising the loop (8x slower).
"""
import os

import numpy as np
from numba import njit

ENABLED = os.environ.get("AUTOGRAD_CORE_KERNELS", "numba").lower() != "numpy"


def usable(*arrays):
    """True when the fused kernels may run on these arrays."""
    return ENABLED and all(a.flags.c_contiguous and a.dtype.char in "fd" for a in arrays)


# -- SGD ----------------------------------------------------------------------------------------------
@njit(cache=True, error_model="numpy")
def _sgd(p, g, buf, neg_lr, wd, momentum, damp_c, nesterov, maximize, first):
    for i in range(p.size):
        d = -g[i] if maximize else g[i]
        if wd != 0:
            d = d + wd * p[i]
        if momentum != 0:
            b = d if first else buf[i] * momentum + damp_c * d
            buf[i] = b
            d = d + momentum * b if nesterov else b
        p[i] = p[i] + neg_lr * d


def sgd(p, g, buf, lr, weight_decay, momentum, dampening, nesterov, maximize, first):
    """SGD on flat views; ``buf`` is the momentum buffer (ignored when momentum is 0)."""
    s = p.dtype.type
    _sgd(p.reshape(-1), g.reshape(-1), buf.reshape(-1), s(-lr), s(weight_decay), s(momentum),
         s(1 - dampening), nesterov, maximize, first)


# -- Adam / AdamW ---------------------------------------------------------------------------------------
# Two kernels: a loop that branches on amsgrad inside, or that carries the
# unused fifth array, is not vectorised.
@njit(cache=True, error_model="numpy")
def _adam(p, g, m, v, wd, decay, c1, b2, c2, bc2_sqrt, eps, neg_step, maximize):
    for i in range(p.size):
        d = -g[i] if maximize else g[i]
        x = p[i]
        if decay != 1:
            x = x * decay
        if wd != 0:
            d = d + wd * x
        a = m[i]
        a = a + c1 * (d - a)
        m[i] = a
        s = v[i] * b2 + c2 * d * d
        v[i] = s
        p[i] = x + neg_step * (a / (np.sqrt(s) / bc2_sqrt + eps))


@njit(cache=True, error_model="numpy")
def _adam_amsgrad(p, g, m, v, vmax, wd, decay, c1, b2, c2, bc2_sqrt, eps, neg_step, maximize):
    for i in range(p.size):
        d = -g[i] if maximize else g[i]
        x = p[i]
        if decay != 1:
            x = x * decay
        if wd != 0:
            d = d + wd * x
        a = m[i]
        a = a + c1 * (d - a)
        m[i] = a
        s = v[i] * b2 + c2 * d * d
        v[i] = s
        u = vmax[i]
        if s > u or s != s:  # np.maximum: NaN wins
            u = s
        vmax[i] = u
        p[i] = x + neg_step * (a / (np.sqrt(u) / bc2_sqrt + eps))


def adam(p, g, m, v, vmax, weight_decay, decay, beta1, beta2, bc2_sqrt, eps, step_size, maximize):
    """Adam on flat views: L2 ``weight_decay`` (0 for AdamW) or decoupled
    ``decay = 1 - lr * weight_decay`` (1 for Adam); ``vmax`` is None without amsgrad."""
    s = p.dtype.type
    scalars = (s(weight_decay), s(decay), s(1 - beta1), s(beta2), s(1 - beta2), s(bc2_sqrt), s(eps),
               s(-step_size), maximize)
    flat = (p.reshape(-1), g.reshape(-1), m.reshape(-1), v.reshape(-1))
    if vmax is None:
        _adam(*flat, *scalars)
    else:
        _adam_amsgrad(*flat, vmax.reshape(-1), *scalars)
