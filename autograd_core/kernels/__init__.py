"""Compute kernels for the heavy ops: matmul, im2col/col2im convolution,
max/avg pooling and batch norm, forward and backward (NCHW layout), and the
fused optimizer steps of ``optim`` (SGD, Adam/AdamW).

Each kernel is written twice, side by side in its module:

- ``<name>_numpy``: the reference twin, plain vectorised numpy, meant to be
  read first;
- ``<name>_numba``: the same loops compiled by numba (``cache=True``: the
  machine code is kept in ``__pycache__`` and reloaded by later processes).

The tests assert that the two agree. The set used by the ops is chosen with
the environment variable ``AUTOGRAD_CORE_KERNELS=numpy|numba`` (default
``numba``), read at import, or at run time with ``set_backend``. Even with
``numba`` a dispatcher keeps the numpy twin (or BLAS) where that measured
faster for the shape (see ``docs/benchmarks.md``). numba itself is imported
on the first call of a compiled kernel, so ``import autograd_core`` does not
pay for it.

Modules: ``matmul``; ``im2col`` and ``conv`` (convolution as im2col + GEMM);
``pool`` (max) and ``avgpool``; ``batchnorm``; ``optim`` (SGD and
Adam/AdamW steps, called by the optimizers of the ``optim`` package); ``threads`` (splitting a
kernel's work over the cores); ``batch_split`` (a batch of small matrix products over the cores,
one BLAS thread each); ``mkl`` (Intel MKL's GEMM for the large products, when the ``mkl`` wheel is
installed: ``pip install -e ".[mkl]"``). This file holds the switch, the lazy ``jit``
decorator and ``workspace`` (reused scratch buffers).
"""
import os
import threading

import numpy as np

_CHOICES = ("numpy", "numba")
_state = {"backend": os.environ.get("AUTOGRAD_CORE_KERNELS", "numba").strip().lower() or "numba"}
if _state["backend"] not in _CHOICES:
    raise ValueError(f"AUTOGRAD_CORE_KERNELS must be 'numpy' or 'numba', got "
                     f"{os.environ['AUTOGRAD_CORE_KERNELS']!r}")


def backend():
    """The kernel set in use: ``'numba'`` or ``'numpy'``."""
    return _state["backend"]


def set_backend(name):
    """Select the kernel set (``'numba'`` or ``'numpy'``); returns the previous one."""
    if name not in _CHOICES:
        raise ValueError(f"set_backend: expected 'numpy' or 'numba', got {name!r}")
    old = _state["backend"]
    _state["backend"] = name
    return old


def use_numba(*arrays):
    """True when the numba set is selected and every array is float32 or
    float64 (the dtypes the kernels are compiled for)."""
    if _state["backend"] != "numba":
        return False
    return all(a.dtype.char in "fd" for a in arrays)


_local = threading.local()
WORKSPACE_LIMIT = 64 << 20  # larger scratch arrays are allocated afresh, not kept


def workspace(name, shape, dtype):
    """A scratch array of ``shape`` reused from call to call (one buffer per
    name, dtype and thread; it only grows, up to ``WORKSPACE_LIMIT`` bytes).
    Its contents are garbage, and the next request under the same name
    overwrites them: use it for temporaries only. Reusing memory spares the
    page faults of fresh large allocations."""
    dtype = np.dtype(dtype)
    n = 1
    for s in shape:
        n *= s
    if n * dtype.itemsize > WORKSPACE_LIMIT:
        return np.empty(shape, dtype)
    cache = _local.__dict__.setdefault("buffers", {})
    buf = cache.get((name, dtype))
    if buf is None or buf.size < n:
        buf = cache[(name, dtype)] = np.empty(n, dtype)
    return buf[:n].reshape(shape)


class jit:
    """``@jit(**options)``: numba's ``njit(cache=True, **options)``, applied
    on the first call (numba is imported then). The plain
    Python function stays available as ``.py_func``."""

    def __init__(self, **options):
        self.options = options

    def __call__(self, fn):
        return _Lazy(fn, self.options)


class _Lazy:
    __slots__ = ("py_func", "options", "compiled", "__name__", "__doc__", "__wrapped__")

    def __init__(self, fn, options):
        self.py_func = fn
        self.options = options
        self.compiled = None
        self.__name__ = fn.__name__
        self.__doc__ = fn.__doc__
        self.__wrapped__ = fn

    def __call__(self, *args):
        f = self.compiled
        if f is None:
            from numba import njit

            f = self.compiled = njit(cache=True, **self.options)(self.py_func)
        return f(*args)

    def __repr__(self):
        return f"<numba kernel {self.__name__}>"
