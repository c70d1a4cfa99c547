"""Fused optimizer steps: SGD and Adam/AdamW, updating parameter and state
arrays in place.

A numpy update is a chain of in-place ufuncs, each one pass over the
parameter (Adam: about 13 passes); the numba kernels do the whole update of an
element in one pass, which LLVM vectorises. They run on one thread and are
already faster than PyTorch's 2-thread ``foreach`` step (SGD with momentum
0.8x its time, Adam 0.5x: ``tools/bench_optim.py``). ``prange`` would about
halve the time again on 2 cores, but a parallel region makes later ``fork()``
calls (DataLoader workers) unsafe with numba's OpenMP layer, and the step is a
small part of a training step.

``sgd_numpy`` and ``adam_numpy`` are the reference twins: the same float
operations in the same order, so the two agree bit for bit
(tests/optim/test_kernels.py). Scalars arrive already cast to the arrays'
dtype, as numpy casts a Python float. The dispatchers ``sgd`` and ``adam``
follow the package's switch (``AUTOGRAD_CORE_KERNELS`` / ``set_backend``);
arrays that are not C-contiguous, or not float32/float64, always take the
numpy twin. numba is imported on the first compiled call, not with this
module. The loop bodies are written out inline: a helper function called per
element stops LLVM from vectorising the loop (8x slower). The optimizers in
``optim/`` call ``sgd`` and ``adam``.
"""
import numpy as np

from . import jit, use_numba, workspace


def usable(*arrays):
    """True when the numba kernels are selected and may run on these arrays
    (C-contiguous float32/float64)."""
    return use_numba(*arrays) and all(a.flags.c_contiguous for a in arrays)


def _scratch(p, slot):
    return workspace(f"optim{slot}", p.shape, p.dtype)


def _direction(p, g, weight_decay, maximize):
    """``g <- -g`` if maximizing, then ``g <- g + weight_decay * p`` (into scratch)."""
    if maximize:
        g = np.negative(g, out=_scratch(p, 0))
    if weight_decay != 0:
        t = np.multiply(p, weight_decay, out=_scratch(p, 1))
        g = np.add(g, t, out=t)
    return g


# -- SGD ----------------------------------------------------------------------------------------------
@jit(error_model="numpy")
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


def sgd_numpy(p, g, buf, lr, weight_decay, momentum, dampening, nesterov, maximize, first):
    """SGD step: ``buf`` is the momentum buffer (None when momentum is 0);
    ``first``: the buffer is new (it takes the direction as is)."""
    d = _direction(p, g, weight_decay, maximize)
    if momentum != 0:
        if first:
            np.copyto(buf, d)
        else:
            buf *= momentum
            if dampening != 0:
                buf += np.multiply(d, 1 - dampening, out=_scratch(p, 2))
            else:
                buf += d
        if nesterov:
            t = np.multiply(buf, momentum, out=_scratch(p, 2))
            d = np.add(d, t, out=t)
        else:
            d = buf
    p += np.multiply(d, -lr, out=_scratch(p, 3))


def sgd_numba(p, g, buf, lr, weight_decay, momentum, dampening, nesterov, maximize, first):
    """The same step in one compiled pass over flat views (C-contiguous arrays)."""
    if buf is None:
        buf = p  # stands in for the missing buffer: the kernel does not touch it without momentum
    s = p.dtype.type
    _sgd(p.reshape(-1), g.reshape(-1), buf.reshape(-1), s(-lr), s(weight_decay), s(momentum),
         s(1 - dampening), nesterov, maximize, first)


# -- Adam / AdamW ---------------------------------------------------------------------------------------
# Two kernels from one loop: ``amsgrad`` is a constant of each (a closure variable, which numba folds),
# so neither loop branches on it; a loop that branches on a run-time amsgrad flag is not vectorised
# (2.2x slower, measured). Without amsgrad the kernel is given v in place of vmax and does not touch it.
def _adam_kernel(amsgrad):
    @jit(error_model="numpy")
    def adam_loops(p, g, m, v, vmax, wd, decay, c1, b2, c2, bc2_sqrt, eps, neg_step, maximize):
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
            if amsgrad:
                u = vmax[i]
                if s > u or s != s:  # np.maximum: NaN wins
                    u = s
                vmax[i] = u
                s = u
            p[i] = x + neg_step * (a / (np.sqrt(s) / bc2_sqrt + eps))

    return adam_loops


_adam, _adam_amsgrad = _adam_kernel(False), _adam_kernel(True)


def adam_numpy(p, g, m, v, vmax, weight_decay, decay, beta1, beta2, bc2_sqrt, eps, step_size, maximize):
    """Adam step: L2 ``weight_decay`` (0 for AdamW) or decoupled
    ``decay = 1 - lr * weight_decay`` (1 for Adam); ``vmax`` is None without
    amsgrad; ``step_size = lr / (1 - beta1^t)``, ``bc2_sqrt = sqrt(1 - beta2^t)``."""
    if decay != 1:
        p *= decay
    d = _direction(p, g, weight_decay, maximize)
    t = _scratch(p, 2)
    m += np.multiply(np.subtract(d, m, out=t), 1 - beta1, out=t)
    v *= beta2
    v += np.multiply(np.multiply(d, 1 - beta2, out=t), d, out=t)
    if vmax is not None:
        np.maximum(vmax, v, out=vmax)
        v = vmax
    den = np.add(np.divide(np.sqrt(v, out=t), bc2_sqrt, out=t), eps, out=t)
    p += np.multiply(np.divide(m, den, out=t), -step_size, out=t)


def adam_numba(p, g, m, v, vmax, weight_decay, decay, beta1, beta2, bc2_sqrt, eps, step_size, maximize):
    """The same step in one compiled pass over flat views (C-contiguous arrays)."""
    s = p.dtype.type
    scalars = (s(weight_decay), s(decay), s(1 - beta1), s(beta2), s(1 - beta2), s(bc2_sqrt), s(eps),
               s(-step_size), maximize)
    flat = (p.reshape(-1), g.reshape(-1), m.reshape(-1), v.reshape(-1))
    if vmax is None:
        _adam(*flat, flat[3], *scalars)
    else:
        _adam_amsgrad(*flat, vmax.reshape(-1), *scalars)


def sgd(p, g, buf, *args):
    """SGD step in place: the numba kernel when selected and usable, else the twin."""
    if usable(p, g) and (buf is None or usable(buf)):
        return sgd_numba(p, g, buf, *args)
    return sgd_numpy(p, g, buf, *args)


def adam(p, g, m, v, vmax, *args):
    """Adam/AdamW step in place: the numba kernel when selected and usable, else the twin."""
    if usable(p, g, m, v) and (vmax is None or usable(vmax)):
        return adam_numba(p, g, m, v, vmax, *args)
    return adam_numpy(p, g, m, v, vmax, *args)
