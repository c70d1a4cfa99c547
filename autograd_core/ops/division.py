"""Rounded division and remainders, elementwise with broadcasting:
``div(rounding_mode='trunc'|'floor')``, ``floor_divide`` (``//``), ``fmod``
and ``remainder`` (``%``).

    div(a, b, 'trunc') = trunc(a / b)        fmod(a, b)      = a - b·trunc(a / b)  (sign of a)
    div(a, b, 'floor') = ⌊a / b⌋             remainder(a, b) = a - b·⌊a / b⌋       (sign of b)
    floor_divide(a, b) = div(a, b, 'floor')

The rounded quotients are piecewise constant: derivative 0 (x̄ = 0, ẏ = 0;
PyTorch's rule for ``div`` with a rounding mode, which ``floor_divide`` here
shares where PyTorch's raises "not implemented"). The remainders have

    ∂fmod/∂a = 1,   ∂fmod/∂b = -trunc(a / b);    ∂remainder/∂a = 1,   ∂remainder/∂b = -⌊a / b⌋

(as in PyTorch, the jumps included). Dtypes follow PyTorch's promotion
without the float promotion of true division: integers give integers
(``-7 // 2 = -4``, ``div(-7, 2, 'trunc') = -3``), an integer division by zero
raises RuntimeError, and a float one gives ±inf or nan; bool operands raise
NotImplementedError. Float floor division is Python's (computed from fmod,
so that 1 // 0.1 = 9), by numpy's ``floor_divide``.
"""
import numpy as np

from ..function import Elementwise
from ..tensor import Tensor
from ._elementwise_util import check_int_divisor, float_part, inplace_variant, not_implemented_for, zero_like
from ._util import apply_promoted
from .unary import tensor_arg


def rounded_quotient(a, b, mode):
    """a / b rounded by ``mode`` ('trunc' or 'floor') on numpy arrays of one dtype."""
    if mode == "floor":
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return np.floor_divide(a, b)
    if np.result_type(a, b).kind == "f":
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return np.trunc(np.true_divide(a, b))
    q = np.floor_divide(a, b)  # integers: floor, then one up where the exact quotient is negative
    return q + ((q * b != a) & ((np.asarray(a) < 0) != (np.asarray(b) < 0)))


class DivRounded(Elementwise):
    @staticmethod
    def forward(ctx, a, b, mode):
        return rounded_quotient(a, b, mode)

    @staticmethod
    def derivative(ctx, va, vb, _):
        va, vb = float_part(va), float_part(vb)
        return None if va is None else zero_like(va), None if vb is None else zero_like(vb), None


class _Remainder(Elementwise):
    """a - b·q(a, b) with q the quotient rounded by ``_mode``."""

    _ufunc = None
    _mode = None

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return type(ctx)._ufunc(a, b)

    @staticmethod
    def derivative(ctx, va, vb):
        va, vb = float_part(va), float_part(vb)
        if vb is None:
            return va, None
        a, b = ctx.saved_tensors
        q = rounded_quotient(a._data if isinstance(a, Tensor) else a, b._data, type(ctx)._mode)
        return va, -vb * Tensor(np.asarray(q, vb.dtype))


class Fmod(_Remainder):
    _ufunc = np.fmod
    _mode = "trunc"


class Remainder(_Remainder):
    _ufunc = np.remainder  # Python's %: the sign of the divisor
    _mode = "floor"


def _integer_op(cls, name, input, other, extra=()):
    """``cls`` applied to the promoted operands, after PyTorch's checks."""
    from ..dtypes import result_type

    dt = result_type(input, other)
    not_implemented_for(name, dt)
    check_int_divisor(other._data if isinstance(other, Tensor) else other, dt, name)
    return apply_promoted(cls, input, other, extra=extra)


def div_rounded(input, other, rounding_mode):
    """``div(input, other, rounding_mode=...)`` for 'trunc' and 'floor'."""
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                           f"found {rounding_mode!r}")
    return _integer_op(DivRounded, f"div_{rounding_mode}", input, other, extra=(rounding_mode,))


def floor_divide(input, other):
    """⌊input / other⌋ elementwise (``//``): integers stay integers; zero gradient."""
    return div_rounded(tensor_arg(input, "floor_divide"), other, "floor")


def fmod(input, other):
    """input - other·trunc(input / other): the C remainder, with the sign of ``input``."""
    return _integer_op(Fmod, "fmod", tensor_arg(input, "fmod"), other)


def remainder(input, other):
    """input - other·⌊input / other⌋: Python's ``%``, with the sign of ``other``
    (``input`` may be a number when ``other`` is a tensor)."""
    if not isinstance(input, Tensor):
        tensor_arg(other, "remainder")
    return _integer_op(Remainder, "remainder", input, other)


def _rfloordiv(self, other):
    return div_rounded(other, self, "floor")


def _rmod(self, other):
    return remainder(other, self)


__all__ = ["floor_divide", "fmod", "remainder"]
METHODS = {name: globals()[name] for name in __all__}
METHODS.update({name + "_": inplace_variant(globals()[name]) for name in __all__})
METHODS.update({"__floordiv__": floor_divide, "__rfloordiv__": _rfloordiv, "__mod__": remainder, "__rmod__": _rmod,
                "__ifloordiv__": METHODS["floor_divide_"], "__imod__": METHODS["remainder_"]})
