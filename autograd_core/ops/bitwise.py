"""Bit shifts ``bitwise_left_shift``/``bitwise_right_shift`` (``<< >>``) and
the in-place bitwise methods (``&= |= ^= <<= >>=``, ``bitwise_and_`` ...);
``bitwise_and/or/xor/not`` and ``& | ^ ~`` themselves are in ``compare``.

On integer and bool tensors (bool operands are promoted by PyTorch's rules:
``bool << 1`` is int64), with PyTorch's results where C leaves a shift
undefined: a shift by a negative amount or by at least the width of the
dtype gives 0 to the left, and the sign fill (0 or -1) to the right; within
the width, a left shift wraps (3 << 63 is the lowest int64). Floats raise
NotImplementedError (a RuntimeError), as in PyTorch. No gradient: the results
are integers.
"""
import numpy as np

from ..dtypes import result_type
from ..observers import call_observers
from ..tensor import Tensor
from ._elementwise_util import inplace_variant, not_implemented_for
from ._util import promote
from .compare import NonDifferentiable, bitwise_and, bitwise_not, bitwise_or, bitwise_xor


def _data(x):
    return x._data if isinstance(x, Tensor) else x


class Shift(NonDifferentiable):
    """z = a << s (``left``) or a >> s in the dtype ``dt``, with the results above outside
    [0, bits): an op, so that a compiled replay recomputes it (eagerly it runs on the arrays,
    as the comparisons)."""

    @classmethod
    def compute(cls, a, s, dt, left):
        a, s = (np.asarray(x, dt) for x in promote(a, s))
        bits = dt.itemsize * 8
        inside = (s >= 0) & (s < bits)
        safe = np.where(inside, s, 0)
        if left:
            out = np.where(inside, np.left_shift(a, safe), 0)
        else:
            out = np.where(inside, np.right_shift(a, safe), np.where(a < 0, -1, 0))
        return np.asarray(out.astype(dt, copy=False))


def _shift(name, left, input, other):
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{name}(): expected a Tensor operand, got {type(input).__name__} and "
                        f"{type(other).__name__}")
    dt = result_type(input, other)
    not_implemented_for(name, dt, kinds="fb")
    if call_observers:  # a recording listens: it sees the op and its tensor operands
        return Shift.apply(input, other, dt, left)
    return Tensor(Shift.compute(_data(input), _data(other), dt, left))


def bitwise_left_shift(input, other):
    """input · 2^other for integers (``<<``), wrapping; 0 for shifts outside [0, bits)."""
    return _shift("bitwise_left_shift", True, input, other)


def bitwise_right_shift(input, other):
    """⌊input / 2^other⌋ for integers (``>>``); the sign fill for shifts outside [0, bits)."""
    return _shift("bitwise_right_shift", False, input, other)


def _reflected(fn):
    def method(self, other):
        if not isinstance(other, (int, bool, np.integer, np.bool_, np.ndarray)):
            return NotImplemented
        return fn(other, self)

    method.__name__ = "__r" + fn.__name__ + "__"
    return method


_INPLACE = {name: inplace_variant(fn) for name, fn in (
    ("bitwise_and", bitwise_and), ("bitwise_or", bitwise_or), ("bitwise_xor", bitwise_xor),
    ("bitwise_not", bitwise_not), ("bitwise_left_shift", bitwise_left_shift),
    ("bitwise_right_shift", bitwise_right_shift))}

__all__ = ["bitwise_left_shift", "bitwise_right_shift"]
METHODS = {name: globals()[name] for name in __all__}
METHODS.update({name + "_": fn for name, fn in _INPLACE.items()})
METHODS.update({
    "__lshift__": bitwise_left_shift, "__rshift__": bitwise_right_shift,
    "__rlshift__": _reflected(bitwise_left_shift), "__rrshift__": _reflected(bitwise_right_shift),
    "__iand__": _INPLACE["bitwise_and"], "__ior__": _INPLACE["bitwise_or"], "__ixor__": _INPLACE["bitwise_xor"],
    "__ilshift__": _INPLACE["bitwise_left_shift"], "__irshift__": _INPLACE["bitwise_right_shift"],
})
