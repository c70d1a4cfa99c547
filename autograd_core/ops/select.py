"""Elementwise selection: ``where``, ``clamp``/``clip`` (and ``clamp_min``,
``clamp_max``), ``maximum`` and ``minimum``, with numpy broadcasting.

Each output element is one of the inputs' elements, so each gradient is the
output gradient routed by a mask (a constant: the masks are piecewise
constant, their derivative is 0), written as PyTorch does:

    y = where(c, a, b)      ⇒  ā = where(c, ȳ, 0),   b̄ = where(c, 0, ȳ)
    y = clamp(x, lo, hi)    ⇒  x̄ = ȳ·[lo ≤ x ≤ hi]   (inclusive bounds)
                               lō = ȳ·[x < lo and lo < hi]
                               hī = ȳ·[x > hi or hi < lo]  (hi wins when lo > hi)
    y = maximum(a, b)       ⇒  ā = ȳ·m,  b̄ = ȳ·(1-m) with m = 1 if a > b, ½ if a = b, 0 if a < b
    y = minimum(a, b)       ⇒  the same with a < b

(at a tie the gradient is split half and half; a nan gets the whole gradient
on both sides, as in PyTorch). The engine sums each gradient back to its
input's shape. Forward mode routes the tangents by the same masks (each op
is ``Elementwise``: its ``derivative`` routes one value per input by its
mask, ȳ in backward and the input tangents in forward mode, summed):

    where:    ẏ = where(c, ȧ, ḃ)
    clamp:    ẏ = ẋ·[lo ≤ x ≤ hi] + lȯ·[x < lo and lo < hi] + hi̇·[x > hi or hi < lo]
    maximum:  ẏ = ȧ·m + ḃ·m'   (m' the mask of b against a: ẏ = (ȧ + ḃ)/2 at a tie)

A number (or an integer tensor) has no tangent: it counts as zero.
"""
import numpy as np

from ..function import Elementwise
from ..tensor import Tensor
from ._util import apply_promoted, promote_tensors
from .unary import tensor_arg


def _shape(a):
    return tuple(np.shape(a))


def _broadcast(fn, op, names, *arrays):
    """``fn(*arrays)``; numpy's broadcasting ValueError becomes PyTorch's RuntimeError naming each argument."""
    try:
        return fn(*arrays)
    except ValueError:
        a, b, c = (f"{name} {_shape(x)}" for name, x in zip(names, arrays))
        raise RuntimeError(f"{op}: the shapes of {a}, {b} and {c} cannot be broadcast together") from None


def _float(t):
    """A gradient or tangent, or None when it is absent or belongs to an integer/bool input."""
    return t if t is not None and t._data.dtype.kind == "f" else None


class Where(Elementwise):
    @staticmethod
    def forward(ctx, cond, a, b):
        out = _broadcast(np.where, "where", ("condition", "input", "other"), cond, a, b)
        ctx.save_for_backward(cond)
        return out

    @staticmethod
    def derivative(ctx, _, va, vb):
        (c,) = ctx.saved_tensors
        va, vb = _float(va), _float(vb)
        return (None,
                None if va is None else where(c, va, 0.0),
                None if vb is None else where(c, 0.0, vb))


def where(condition, input, other):
    """Elements of ``input`` where ``condition`` is true, of ``other`` elsewhere
    (``condition`` a bool tensor or array; ``input``/``other`` tensors or numbers)."""
    if not isinstance(condition, Tensor):
        condition = Tensor(np.asarray(condition))
    if condition._data.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {condition._data.dtype}")
    return apply_promoted(Where, input, other, lead=(condition,))


def _tensor_where(self, condition, y):
    """``x.where(condition, y)`` is ``where(condition, x, y)``."""
    return where(condition, self, y)


class Clamp(Elementwise):
    @staticmethod
    def forward(ctx, x, lo, hi):
        out = _broadcast(np.clip, "clamp", ("input", "min", "max"), x, lo, hi)
        ctx.save_for_backward(x, lo, hi)
        return out

    @staticmethod
    def _mask(ctx, i):
        """Where the output is input ``i`` (0: x, 1: min, 2: max), as a bool Tensor."""
        x, lo, hi = ctx.saved_tensors
        x = x._data
        lo = lo._data if isinstance(lo, Tensor) else lo
        hi = hi._data if isinstance(hi, Tensor) else hi
        if i == 0:
            if lo is None:
                mask = x <= hi
            elif hi is None:
                mask = x >= lo
            else:
                mask = (x >= lo) & (x <= hi)
        elif i == 1:
            mask = x < lo
            if hi is not None:
                mask = mask & (lo < hi)
        else:
            mask = x > hi
            if lo is not None:
                mask = mask | (hi < lo)
        return Tensor(mask)

    @staticmethod
    def derivative(ctx, *v):
        return tuple(None if _float(vi) is None else vi * Clamp._mask(ctx, i) for i, vi in enumerate(v))


def clamp(input, min=None, max=None):
    """Clamp ``input`` into [min, max] (numbers or tensors; either may be None).
    The gradient passes where min ≤ x ≤ max; if min > max every element is max."""
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    return apply_promoted(Clamp, tensor_arg(input, "clamp"), min, max)


def clamp_min(input, min):
    """``clamp(input, min=min)``."""
    return clamp(input, min, None)


def clamp_max(input, max):
    """``clamp(input, max=max)``."""
    return clamp(input, None, max)


clip = clamp


def _tie_mask(a, b, dtype, lose):
    """1 where a wins, ½ at a tie, 0 where a loses (``lose(a, b)`` is true)."""
    m = np.asarray(np.logical_not(lose(a, b)), dtype=dtype)
    m[np.equal(a, b)] = 0.5
    return m


class _Extremum(Elementwise):
    _ufunc = None
    _lose = None
    _name = ""

    @staticmethod
    def forward(ctx, a, b):
        cls = type(ctx)
        try:
            out = cls._ufunc(a, b)
        except ValueError:
            raise RuntimeError(f"{cls._name}: the shapes {_shape(a)} and {_shape(b)} cannot be "
                               f"broadcast together") from None
        ctx.save_for_backward(a, b)
        return out

    @staticmethod
    def derivative(ctx, va, vb):
        lose = type(ctx)._lose
        a, b = ctx.saved_tensors
        a, b = a._data, b._data
        va, vb = _float(va), _float(vb)
        return (None if va is None else va * Tensor(_tie_mask(a, b, va.dtype, lose)),
                None if vb is None else vb * Tensor(_tie_mask(b, a, vb.dtype, lose)))


class Maximum(_Extremum):
    _ufunc = np.maximum
    _lose = np.less
    _name = "maximum"


class Minimum(_Extremum):
    _ufunc = np.minimum
    _lose = np.greater
    _name = "minimum"


def maximum(input, other):
    """Elementwise maximum (nan if either is nan); a tie splits the gradient in half."""
    return Maximum.apply(*promote_tensors(input, other))


def minimum(input, other):
    """Elementwise minimum (nan if either is nan); a tie splits the gradient in half."""
    return Minimum.apply(*promote_tensors(input, other))


__all__ = ["where", "clamp", "clip", "clamp_min", "clamp_max", "maximum", "minimum"]
METHODS = {"where": _tensor_where, "clamp": clamp, "clip": clip, "clamp_min": clamp_min,
           "clamp_max": clamp_max, "maximum": maximum, "minimum": minimum}
