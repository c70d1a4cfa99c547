"""Helpers shared by the op families: turning arguments into tensors and
keeping PyTorch's dtype rules. ``promote`` casts an op's operands to their
common dtype, ``dtypes.result_type`` (PyTorch's promotion, Python numbers
weak); the op wrappers call it before ``apply``. ``floating`` gives ops
defined on reals a float input (the default float dtype for ints)."""
import numpy as np

from ..dtypes import get_default_dtype, result_type
from ..tensor import Tensor
from .convert import to_dtype


def as_tensor(x, like=None):
    """``x`` as a Tensor; numpy arrays and Python numbers become constants."""
    if isinstance(x, Tensor):
        return x
    if like is not None and not isinstance(x, np.ndarray):
        arr = np.asarray(x)
        if arr.dtype.kind == "f" and like._data.dtype.kind == "f":
            return Tensor(arr.astype(like._data.dtype))
    return Tensor(x)


def promote(*operands, floating=False):
    """The operands of an elementwise op in their common dtype, ``result_type``
    (PyTorch's promotion; with ``floating``, an integer or bool result becomes
    the default float dtype, as for true division). Tensors are cast with a
    differentiable ``to_dtype``, arrays with ``astype``; numbers stay numbers
    (numpy keeps an in-range number from changing the dtype of an array it meets,
    1.26 as 2.x, except a zero-dim one under 1.x: ``apply_promoted`` casts such a result)."""
    return _promote(operands, floating)[1]


def _promote(operands, floating):
    """(the common dtype, the operands cast to it); None operands are absent optional ones."""
    if len(operands) == 2 and type(operands[0]) is Tensor:
        dt = operands[0]._data.dtype
        if _numpy_agrees(dt, operands[1], floating):
            return dt, operands
    dt = result_type(*(x for x in operands if x is not None))
    if floating and dt.kind != "f":
        dt = get_default_dtype()
    return dt, tuple(_cast(x, dt) for x in operands)


def _numpy_agrees(dt, other, floating):
    """Whether a tensor of dtype ``dt`` meets ``other`` in dtype ``dt`` (PyTorch's
    result, also numpy's, so nothing is cast): ``other`` a tensor of the same
    dtype, a float with a float tensor or an int with a non-bool one; with
    ``floating`` (true division) only for a float tensor."""
    kind = dt.kind
    tb = type(other)
    return (kind == "f" or not floating) and (tb is Tensor and other._data.dtype is dt
                                              or tb is float and kind == "f" or tb is int and kind != "b")


def apply_promoted(op, *operands, floating=False, lead=(), extra=()):
    """``op.apply(*lead, *operands, *extra)`` with ``operands`` promoted
    (``promote``), and a result in their common dtype: numpy 1.x computes a
    zero-dim array with a number in the number's own dtype (int64, float64),
    and that result is cast back (a no-op under numpy 2)."""
    dt, operands = _promote(operands, floating)
    out = op.apply(*lead, *operands, *extra)
    return out if out._data.dtype is dt or out._data.dtype == dt else to_dtype(out, dt)


def binary(op, floating=False):
    """The function ``(input, other) -> op.apply(input, other)`` with the
    operands promoted as by ``apply_promoted(op, input, other, floating=...)``.

    It serves every ``+ - * /``, so the cases where numpy's own result dtype is
    already PyTorch's (``_numpy_agrees``) go straight to ``apply``; the rest
    take ``apply_promoted``."""
    apply = op.apply

    def binary_op(input, other):
        if type(input) is Tensor:  # _numpy_agrees(dt, other, floating), inlined: the hottest path
            dt = input._data.dtype
            kind = dt.kind
            tb = type(other)
            if (kind == "f" or not floating) and (tb is Tensor and other._data.dtype is dt
                                                  or tb is float and kind == "f" or tb is int and kind != "b"):
                out = apply(input, other)
                return out if out._data.dtype is dt else to_dtype(out, dt)  # numpy 1.x: a 0-d result
        return apply_promoted(op, input, other, floating=floating)

    binary_op.__name__ = binary_op.__qualname__ = op.__name__.lower()
    return binary_op


def promote_tensors(*operands):
    """The operands as tensors of their common dtype (``result_type``): tensors
    cast as by ``promote``, numbers and arrays made constant tensors of it."""
    dt = result_type(*operands)
    return tuple(_cast(x, dt) if isinstance(x, Tensor) else Tensor(np.asarray(x, dt)) for x in operands)


def _cast(x, dt):
    if isinstance(x, Tensor):
        return x if x._data.dtype == dt else to_dtype(x, dt)
    if isinstance(x, (np.ndarray, list, tuple)):
        return np.asarray(x).astype(dt, copy=False)
    return x


def floating(x):
    """An integer or bool array in the default float dtype (for ops defined on reals only)."""
    return x if x.dtype.kind == "f" else x.astype(get_default_dtype())


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
