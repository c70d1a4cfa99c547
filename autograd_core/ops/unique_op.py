"""Distinct values and counts: ``unique``, ``unique_consecutive`` and ``bincount`` (the module is
``unique_op``: a family module may not share the name of a function it exports).

None of them is differentiable (as in PyTorch): their outputs are new
constants that never require grad, whatever the input.

    unique(x)               the distinct elements u, sorted; x = u[inverse], counts_j = #{i: x_i = u_j}
    unique(x, dim=d)        the distinct slices along d, sorted lexicographically
    unique_consecutive(x)   each run of equal consecutive elements (slices along d) kept once
    bincount(x, w)          out_k = Σ_{i: x_i = k} w_i  (w = 1 without weights),  len = max(max x + 1, minlength)

Their results' shapes depend on the input's values, so each reports a read of
its values into Python (``observers.value_read``, as ``item()`` does): a
compiled function that calls one runs eagerly (PyTorch's graph break), never
replaying a result recorded from other values.

Without ``dim`` the input is flattened and ``inverse`` has the input's shape;
with ``dim`` it has one entry per slice. Indices and counts are int64. Each NaN
counts as distinct (as PyTorch's CPU kernel).
"""
import numpy as np

from ..observers import read_observers, value_read
from ..tensor import Tensor
from .reduce import check_tensor, one_dim


def _read(what, *tensors):
    """Report a read of the tensors' values (the result's shape depends on them)."""
    if read_observers:
        for t in tensors:
            if isinstance(t, Tensor):
                value_read(t, what)


def _results(values, inverse, counts, return_inverse, return_counts):
    out = [Tensor(values)]
    if return_inverse:
        out.append(Tensor(inverse.astype(np.int64, copy=False)))
    if return_counts:
        out.append(Tensor(counts.astype(np.int64, copy=False)))
    return out[0] if len(out) == 1 else tuple(out)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct elements of ``input`` (slices along ``dim`` when given), sorted (also when
    ``sorted=False``, which allows any order), with, on request, the inverse indices (``input``
    rebuilt as ``values[inverse]``) and the count of each value, as ``(values, inverse, counts)``
    holding only what was asked for."""
    check_tensor(input, "unique")
    x = input._data
    _read("unique", input)
    if dim is None:
        values, inverse, counts = np.unique(x.reshape(-1), return_inverse=True, return_counts=True,
                                            equal_nan=False)
        return _results(values, inverse.reshape(x.shape), counts, return_inverse, return_counts)
    if x.ndim == 0:
        raise IndexError("unique(): dimension specified as 0 but tensor has no dimensions")
    axis = one_dim(dim, x.ndim, "unique")
    if x.shape[axis] == 0:
        empty = np.zeros(0, np.int64)
        return _results(x.copy(), empty, empty, return_inverse, return_counts)
    values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True, axis=axis)
    return _results(values, inverse.reshape(-1), counts, return_inverse, return_counts)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """``input`` with each run of equal consecutive elements (slices along ``dim``) kept once,
    with, on request, the inverse indices and the length of each run (as ``unique``)."""
    check_tensor(input, "unique_consecutive")
    x = input._data
    _read("unique_consecutive", input)
    if dim is None:
        rows = x.reshape(-1, 1)
        inv_shape = x.shape
    else:
        if x.ndim == 0:
            raise IndexError("unique_consecutive(): dimension specified as 0 but tensor has no dimensions")
        axis = one_dim(dim, x.ndim, "unique_consecutive")
        moved = np.moveaxis(x, axis, 0)
        rows = moved.reshape(moved.shape[0], -1)
        inv_shape = (x.shape[axis],)
    n = rows.shape[0]
    starts = np.ones(n, bool)
    if n > 1:
        starts[1:] = (rows[1:] != rows[:-1]).any(axis=1) if rows.shape[1] else False
    first = np.flatnonzero(starts)
    inverse = np.cumsum(starts) - 1
    counts = np.diff(np.append(first, n))
    if dim is None:
        values = rows[first, 0]
    else:
        values = np.moveaxis(moved[first], 0, axis)
    return _results(values, inverse.reshape(inv_shape), counts, return_inverse, return_counts)


def bincount(input, weights=None, minlength=0):
    """out[k] = the number of times k occurs in ``input`` (1-D, non-negative integers), or the sum
    of ``weights`` where it occurs; length max(input) + 1, at least ``minlength``. int64 counts;
    weighted sums are float32 for float32 weights and float64 otherwise (as PyTorch)."""
    check_tensor(input, "bincount")
    x = input._data
    _read("bincount", input, weights)
    if isinstance(minlength, bool) or not isinstance(minlength, (int, np.integer)):
        raise TypeError(f"bincount(): minlength must be an int, got {minlength!r}")
    if minlength < 0:
        raise RuntimeError(f"bincount(): minlength should be >= 0, got {minlength}")
    if x.ndim != 1 or x.dtype.kind not in "iu":
        raise RuntimeError(f"bincount only supports 1-d non-negative integral inputs (got a "
                           f"{x.ndim}-d {input.dtype} tensor)")
    if x.size and x.min() < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs (got negative values)")
    if weights is None:
        return Tensor(np.bincount(x, minlength=int(minlength)).astype(np.int64, copy=False))
    w = weights._data if isinstance(weights, Tensor) else np.asarray(weights)
    if w.shape != x.shape:
        raise RuntimeError(f"bincount(): weights should be 1-d and have the same length as input "
                           f"(got shapes {tuple(w.shape)} and {tuple(x.shape)})")
    dt = np.float32 if w.dtype == np.float32 else np.float64
    return Tensor(np.bincount(x, weights=w.astype(np.float64), minlength=int(minlength)).astype(dt))


__all__ = ["unique", "unique_consecutive", "bincount"]
METHODS = {name: globals()[name] for name in __all__}
