"""Reductions: ``sum``, ``mean``, ``var``/``std`` (and ``var_mean``,
``std_mean``) and ``cumsum``, plus the dim handling shared by the whole
reduction family (``reduce_prod``, ``reduce_softmax``, ``reduce_sort``).

``dim`` is an int, a tuple of ints or None (every dim; so is an empty
tuple); negative dims count from the end. With ``keepdim=False`` the reduced
dims are dropped. Writing ȳ for the output gradient put back in keepdim
shape (``keep_grad``), N for the number of elements reduced into each output
and x̄ for the input gradient (ȳ broadcast over the reduced dims):

    y = Σ x                    ⇒  x̄ = ȳ
    y = Σ x / N                ⇒  x̄ = ȳ / N
    y = Σ (x - x̃)² / (N - c)   ⇒  x̄ = ȳ · 2 (x - x̃) / (N - c)   (x̃ the mean, c the correction)
    y = √var(x)                ⇒  x̄ = ȳ · (x - x̃) / ((N - c) y)
    y_i = Σ_{j≤i} x_j          ⇒  x̄_i = Σ_{j≥i} ȳ_j      (the reversed cumsum, ``ReverseCumsum``,
                                                         whose adjoint is ``cumsum`` again)

Forward mode (ẋ the input tangent, sums over the reduced dims): sum, mean,
cumsum and the reversed cumsum are linear (``Linear`` ops), so ẏ is the op
applied to ẋ, and

    y = var(x)  ⇒  ẏ = 2 Σ (x - x̃) ẋ / (N - c)        y = std(x)  ⇒  ẏ = Σ (x - x̃) ẋ / ((N - c) y)

The rules use the differentiable ops ``broadcast_to``, ``reshape`` and
arithmetic, so they can be differentiated again. ``mean``, ``var`` and
``std`` want a floating input (as PyTorch); ``sum`` and ``cumsum`` of bool or
int inputs give int64.
"""
import math

import numpy as np

from ..function import Linear, Op
from ..tensor import Tensor
from ._adjoint import ArgLinear
from ._util import normalize_dim
from .broadcast import broadcast_to
from .convert import to_dtype
from .shape import reshape


def check_tensor(input, op):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")


def check_float(input, op):
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"{op}(): input dtype must be a floating point dtype, got {input.dtype}")


def one_dim(d, ndim, op):
    """One dim as a non-negative int (TypeError if it is not an int)."""
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)):
        raise TypeError(f"{op}(): dim must be an int, a tuple of ints or None, got {d!r}")
    return normalize_dim(int(d), ndim, op)


def reduce_axes(ndim, dim, op):
    """``dim`` (None, an int, or a tuple/list of ints; empty means all) as a
    sorted tuple of non-negative axes; IndexError names ``op`` and the range."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (tuple, list)):
        if not dim:
            return tuple(range(ndim))
        axes = [one_dim(d, ndim, op) for d in dim]
        for a in axes:
            if axes.count(a) > 1:
                raise RuntimeError(f"{op}(): dim {a} appears multiple times in the list of dims")
        return tuple(sorted(axes)) if ndim else ()
    axis = one_dim(dim, ndim, op)
    return (axis,) if ndim else ()


def keep_shape(shape, axes):
    """``shape`` with the ``axes`` set to 1."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def keep_grad(g, shape, axes, keepdim):
    """The gradient (or output) of a reduction back in keepdim shape, so that
    it broadcasts against the input."""
    if keepdim or axes == tuple(range(len(axes))):  # leading dims broadcast by themselves
        return g
    return reshape(g, keep_shape(shape, axes))


def kept(ctx, g):
    """``keep_grad`` with the shape, axes and keepdim a reduction saved on ``ctx``."""
    return keep_grad(g, ctx.shape, ctx.axes, ctx.keepdim)


def reduced_shape(shape, axes, keepdim):
    """The output shape of a reduction of ``shape`` over ``axes``."""
    return keep_shape(shape, axes) if keepdim else tuple(n for i, n in enumerate(shape) if i not in axes)


def group_size(shape, axes):
    """The number of elements reduced into each output element."""
    return math.prod(shape[a] for a in axes)


class Sum(Linear):
    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        return np.sum(x, axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        return broadcast_to(kept(ctx, g), ctx.shape), None, None


class Mean(Linear):
    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        if x.size == 0:  # numpy warns; PyTorch gives nan
            return np.full(reduced_shape(x.shape, axes, keepdim), np.nan, x.dtype)
        return np.mean(x, axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        scale = 1.0 / max(group_size(ctx.shape, ctx.axes), 1)
        return broadcast_to(kept(ctx, g) * scale, ctx.shape), None, None


def _var_forward(ctx, x, axes, correction, keepdim):
    ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
    ctx.denom = max(group_size(x.shape, axes) - correction, 0)
    d = x - np.mean(x, axis=axes, keepdims=True) if x.size else x
    ss = np.sum(d * d, axis=axes, keepdims=keepdim)
    with np.errstate(divide="ignore", invalid="ignore"):  # N <= c: inf or nan, as PyTorch
        return np.asarray(ss / np.asarray(ctx.denom, x.dtype))


class Var(Op):
    @staticmethod
    def forward(ctx, x, axes, correction, keepdim):
        out = _var_forward(ctx, x, axes, correction, keepdim)
        ctx.save_for_backward(x)
        return out

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        scale = 2.0 / ctx.denom if ctx.denom else math.inf
        centred = x - Mean.apply(x, ctx.axes, True)
        return kept(ctx, g) * scale * centred, None, None, None

    @staticmethod
    def jvp(ctx, t, *_):
        (x,) = ctx.saved_tensors
        scale = 2.0 / ctx.denom if ctx.denom else math.inf
        return Sum.apply((x - Mean.apply(x, ctx.axes, True)) * t, ctx.axes, ctx.keepdim) * scale


class Std(Op):
    @staticmethod
    def forward(ctx, x, axes, correction, keepdim):
        out = np.asarray(np.sqrt(_var_forward(ctx, x, axes, correction, keepdim)))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        centred = x - Mean.apply(x, ctx.axes, True)
        return kept(ctx, g) / (kept(ctx, out) * ctx.denom) * centred, None, None, None

    @staticmethod
    def jvp(ctx, t, *_):
        x, out = ctx.saved_tensors
        dot = Sum.apply((x - Mean.apply(x, ctx.axes, True)) * t, ctx.axes, ctx.keepdim)
        return dot / (out * ctx.denom)


def _cumsum(x, axis):
    return np.cumsum(x, axis=axis) if x.ndim else x.astype(np.sum(x).dtype)


def _reverse_cumsum(x, axis):
    if not x.ndim:
        return x.copy()
    return np.flip(np.cumsum(np.flip(x, axis), axis=axis), axis)


class Cumsum(ArgLinear):
    _f = staticmethod(_cumsum)


class ReverseCumsum(ArgLinear):
    """y_i = Σ_{j≥i} x_j: the adjoint of ``cumsum``."""

    _f = staticmethod(_reverse_cumsum)


Cumsum._adjoint, ReverseCumsum._adjoint = ReverseCumsum, Cumsum


def cast(input, dtype):
    if dtype is None:
        return input
    return to_dtype(input, dtype)


def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum over ``dim`` (int, tuple or None for all); bool and int inputs give int64."""
    check_tensor(input, "sum")
    input = cast(input, dtype)
    return Sum.apply(input, reduce_axes(input.ndim, dim, "sum"), bool(keepdim))


def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean over ``dim`` (int, tuple or None for all) of a floating tensor."""
    check_tensor(input, "mean")
    input = cast(input, dtype)
    check_float(input, "mean")
    return Mean.apply(input, reduce_axes(input.ndim, dim, "mean"), bool(keepdim))


def _var_args(op, input, dim, unbiased, keepdim, correction):
    check_tensor(input, op)
    check_float(input, op)
    if isinstance(dim, bool):  # var(x, True): the legacy unbiased flag
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}(): pass either unbiased or correction, not both")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return input, reduce_axes(input.ndim, dim, op), correction, bool(keepdim)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance Σ(x - mean)² / (N - correction) over ``dim``; ``correction=1``
    (Bessel's) by default, ``unbiased=False`` means ``correction=0``."""
    return Var.apply(*_var_args("var", input, dim, unbiased, keepdim, correction))


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation: the square root of ``var`` (same arguments)."""
    return Std.apply(*_var_args("std", input, dim, unbiased, keepdim, correction))


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(var(...), mean(...))`` over the same dims."""
    args = _var_args("var_mean", input, dim, unbiased, keepdim, correction)
    return Var.apply(*args), Mean.apply(args[0], args[1], args[3])


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(std(...), mean(...))`` over the same dims."""
    args = _var_args("std_mean", input, dim, unbiased, keepdim, correction)
    return Std.apply(*args), Mean.apply(args[0], args[1], args[3])


def cumsum(input, dim, *, dtype=None):
    """Cumulative sum along ``dim``: y_i = x_0 + ... + x_i."""
    check_tensor(input, "cumsum")
    input = cast(input, dtype)
    return Cumsum.apply(input, one_dim(dim, input.ndim, "cumsum"))


__all__ = ["sum", "mean", "var", "std", "var_mean", "std_mean", "cumsum"]
METHODS = {"sum": sum, "mean": mean, "var": var, "std": std, "cumsum": cumsum}
