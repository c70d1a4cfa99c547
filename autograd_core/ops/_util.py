"""Helpers shared by the op families: turning arguments into tensors and
keeping PyTorch's dtype rules (float32 default; ints promoted to float32,
never to float64, by float scalars and by ops that return floats)."""
import numpy as np

from ..tensor import DEFAULT_FLOAT, Tensor


def as_tensor(x, like=None):
    """``x`` as a Tensor; numpy arrays and Python numbers become constants."""
    if isinstance(x, Tensor):
        return x
    if like is not None and not isinstance(x, np.ndarray):
        arr = np.asarray(x)
        if arr.dtype.kind == "f" and like._data.dtype.kind == "f":
            return Tensor(arr.astype(like._data.dtype))
    return Tensor(x)


_F64 = np.dtype(np.float64)


def float_result(out, *inputs):
    """Cast a float64 result to float32 unless an input was float64: numpy
    promotes ints (and int / int) to float64, PyTorch to float32."""
    if out.dtype is _F64 and not any(getattr(a, "dtype", None) is _F64 for a in inputs):
        return out.astype(DEFAULT_FLOAT)
    return out


def floating(x):
    """An integer or bool array as float32 (for ops defined on reals only)."""
    return x if x.dtype.kind == "f" else x.astype(DEFAULT_FLOAT)


def normalize_dim(dim, ndim, op="op"):
    """A possibly negative dim (or tuple of dims) as non-negative ints."""
    if dim is None:
        return None
    if isinstance(dim, (tuple, list)):
        return tuple(normalize_dim(d, ndim, op) for d in dim)
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"{op}: dimension out of range (expected to be in range of "
                         f"[{-n}, {n - 1}], but got {dim})")
    return dim % n
