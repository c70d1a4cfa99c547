"""Helpers shared by the elementwise math families (``rounding``,
``division``, ``signs``, ``special``, ``hyperbolic``, ``trig_inverse``,
``bitwise``, ...): in-place variants of out-of-place ops, the zero
derivative of piecewise-constant ops, saved operands and gradients as the
rules want them (``as_tensor``, ``float_part``), and PyTorch's refusals of
dtypes an op has no kernel for."""
import numpy as np

from ..tensor import Tensor

_TORCH_NAMES = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long",
                "float16": "Half", "float32": "Float", "float64": "Double"}


def inplace_variant(fn):
    """``Tensor.<name>_``: ``fn(self, *args, **kwargs)`` written into ``self``
    (``Tensor._inplace``: version bump, graph rewrite, leaf checks)."""

    def method(self, *args, **kwargs):
        n, keys = len(args), tuple(kwargs)  # keyword values go through _inplace too (it checks them for grad)
        return self._inplace(lambda s, *a: fn(s, *a[:n], **dict(zip(keys, a[n:]))), *args, *kwargs.values())

    method.__name__ = fn.__name__ + "_"
    method.__doc__ = f"In-place ``{fn.__name__}``."
    return method


def zero_like(v):
    """The derivative of a piecewise-constant op times ``v``: zeros (not v·0,
    which would carry a nan or inf of ``v``), as PyTorch's ``zeros_like(grad)``."""
    return Tensor(np.zeros(v.shape, v.dtype))


def as_tensor(x):
    """A saved operand as a Tensor (an operand given as a number is saved as it is)."""
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x))


def float_part(t):
    """A gradient or tangent, or None when it is absent or belongs to an
    integer/bool input (those carry no gradient)."""
    return t if t is not None and t._data.dtype.kind == "f" else None


def not_implemented_for(name, dtype, kinds="b"):
    """PyTorch's NotImplementedError (a RuntimeError) when the dtype an op
    computes in has a kind in ``kinds`` ('b' bool, 'iu' integers, 'f' floats):
    the op has no kernel for it."""
    dtype = np.dtype(dtype)
    if dtype.kind in kinds:
        raise NotImplementedError(f'"{name}" not implemented for {_TORCH_NAMES.get(dtype.name, dtype.name)!r}')


def check_int_divisor(b, dtype, name):
    """Integer division (or remainder) by zero raises, as in PyTorch; float division gives inf/nan."""
    if dtype.kind in "iu" and np.any(np.asarray(b) == 0):
        raise RuntimeError(f"ZeroDivisionError ({name}: integer division by zero)")
