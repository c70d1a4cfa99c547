"""Order statistics: ``amax``/``amin``, ``max``/``min``, ``sort`` and ``topk``.

Each output value is one of the input's elements, so the gradient is routed
back to where the value came from (masks and indices are constants: their
derivative is 0 almost everywhere):

    y = amax(x)  (also x.max())  ⇒  x̄ = ȳ · m / Σ m,  m = [x = y]: tied maxima share ȳ evenly
    (v, i) = max(x, dim)         ⇒  x̄ = scatter(v̄ at i): the chosen (first) index gets all of v̄
    (v, i) = sort(x) or topk(x)  ⇒  x̄ = scatter(v̄ at i), zero where nothing was picked

(``amin``/``min`` the same.) ``scatter`` is the op ``ScatterAlong`` (np.put_along_axis into
zeros) and its adjoint is ``GatherAlong`` (np.take_along_axis), and back again, so the
rules can be differentiated to any order. The indices are int64 and never
require grad. NaN counts as the largest value (as in PyTorch: it propagates
through max, sorts last ascending and first descending).

Forward mode: each output value moves with the element it came from,

    y = amax(x)                ⇒  ẏ = Σ ẋ · m / Σ m   (tied maxima give their mean tangent)
    (v, i) = max/sort/topk(x)  ⇒  v̇ = gather(ẋ at i),  and no tangent for i

and scatter/gather, being linear (``Linear`` ops), map ẋ as they map x.
"""
from collections import namedtuple

import numpy as np

from ..function import Linear, Op
from ..tensor import Tensor
from .reduce import Sum, check_tensor, group_size, keep_grad, keep_shape, kept, one_dim, reduce_axes
from .select import maximum, minimum
from .shape import reshape

_max = namedtuple("max", ["values", "indices"])
_min = namedtuple("min", ["values", "indices"])
_sort = namedtuple("sort", ["values", "indices"])
_topk = namedtuple("topk", ["values", "indices"])


class ScatterAlong(Linear):
    """Zeros of ``shape`` holding ``src`` at the indices ``idx`` along ``axis``
    (the indices are distinct along the axis)."""

    @staticmethod
    def forward(ctx, src, idx, axis, shape):
        ctx.idx, ctx.axis, ctx.shape = idx, axis, shape
        out = np.zeros(shape, src.dtype)
        np.put_along_axis(out, idx, src, axis)
        return out

    @staticmethod
    def backward(ctx, g):
        return GatherAlong.apply(g, ctx.idx, ctx.axis), None, None, None


class GatherAlong(Linear):
    """``x`` at the indices ``idx`` along ``axis``."""

    @staticmethod
    def forward(ctx, x, idx, axis):
        ctx.idx, ctx.axis, ctx.shape = idx, axis, x.shape
        return np.take_along_axis(x, idx, axis)

    @staticmethod
    def backward(ctx, g):
        return ScatterAlong.apply(g, ctx.idx, ctx.axis, ctx.shape), None, None


class Amax(Op):
    @staticmethod
    def forward(ctx, x, axes, keepdim, largest):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        out = np.asarray((np.max if largest else np.min)(x, axis=axes, keepdims=keepdim))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        return kept(ctx, g) * _share(ctx), None, None, None

    @staticmethod
    def jvp(ctx, t, *_):
        return Sum.apply(t * _share(ctx), ctx.axes, ctx.keepdim)


def _share(ctx):
    """m / Σ m with m = [x = y]: each extreme element's share of its group's output."""
    x, out = ctx.saved_tensors
    m = (x._data == out._data.reshape(keep_shape(ctx.shape, ctx.axes))).astype(x._data.dtype)
    with np.errstate(invalid="ignore"):
        m /= np.sum(m, axis=ctx.axes, keepdims=True)
    return Tensor(m)


class _TakeAlong(Op):
    """An op returning (values, indices) with values taken from its input x
    at the indices along ``ctx.axis`` (dropped when ``ctx.reduced``); its
    ``forward`` sets ``ctx.shape``, ``ctx.axis``, ``ctx.reduced`` and saves
    the indices. Both rules follow the values back to where they came from:
    x̄ = scatter(v̄ at i) and v̇ = gather(ẋ at i)."""

    @staticmethod
    def backward(ctx, g, _):
        (idx,) = ctx.saved_tensors
        shape = keep_shape(ctx.shape, (ctx.axis,)) if ctx.reduced else idx.shape
        g = keep_grad(g, ctx.shape, (ctx.axis,), not ctx.reduced)
        gx = ScatterAlong.apply(g, idx._data.reshape(shape), ctx.axis, ctx.shape)
        return (gx,) + (None,) * (len(ctx.needs_input_grad) - 1)

    @staticmethod
    def jvp(ctx, t, *_):
        (idx,) = ctx.saved_tensors
        if not ctx.reduced:
            return GatherAlong.apply(t, idx._data, ctx.axis), None
        v = GatherAlong.apply(t, idx._data.reshape(keep_shape(ctx.shape, (ctx.axis,))), ctx.axis)
        return reshape(v, idx.shape), None


class ExtremumDim(_TakeAlong):
    """(values, indices) of the max (min) along one dim."""

    @staticmethod
    def forward(ctx, x, axis, keepdim, largest):
        ctx.shape, ctx.axis, ctx.reduced = x.shape, axis, not keepdim
        idx = (np.argmax if largest else np.argmin)(x, axis=axis, keepdims=True)
        values = np.take_along_axis(x, idx, axis)
        idx = idx.astype(np.int64, copy=False)
        if not keepdim:
            values, idx = values.squeeze(axis), idx.squeeze(axis)
        ctx.save_for_backward(idx)
        return values, idx


def _descending_key(x):
    """An array that sorts ascending in the descending order of ``x`` (NaN first)."""
    if x.dtype.kind != "f":
        return ~x  # bool: not; ints: -x - 1, which never overflows
    key = -x
    nan = np.isnan(x)
    if nan.any():
        key[nan] = -np.inf
    return key


class Sort(_TakeAlong):
    @staticmethod
    def forward(ctx, x, axis, descending, stable):
        ctx.shape, ctx.axis, ctx.reduced = x.shape, axis, False
        key = _descending_key(x) if descending else x
        idx = np.argsort(key, axis=axis, kind="stable" if stable else None).astype(np.int64, copy=False)
        ctx.save_for_backward(idx)
        return np.take_along_axis(x, idx, axis), idx


class TopK(_TakeAlong):
    @staticmethod
    def forward(ctx, x, k, axis, largest, sorted):
        ctx.shape, ctx.axis, ctx.reduced = x.shape, axis, False
        n = x.shape[axis]
        key = _descending_key(x) if largest else x
        if k == 0:
            idx = np.zeros(x.shape[:axis] + (0,) + x.shape[axis + 1:], np.int64)
        elif k < n:
            idx = np.argpartition(key, k - 1, axis=axis)[(slice(None),) * axis + (slice(0, k),)]
            if sorted:
                order = np.argsort(np.take_along_axis(key, idx, axis), axis=axis, kind="stable")
                idx = np.take_along_axis(idx, order, axis)
        else:
            idx = np.argsort(key, axis=axis, kind="stable")
        idx = idx.astype(np.int64, copy=False)
        ctx.save_for_backward(idx)
        return np.take_along_axis(x, idx, axis), idx


def _amax(input, dim, keepdim, largest, op):
    check_tensor(input, op)
    axes = reduce_axes(input.ndim, dim, op)
    if not group_size(input.shape, axes) and input.ndim:
        empty = [a for a in axes if not input.shape[a]]
        raise RuntimeError(f"{op}(): expected reduction dim {empty[0]} to have non-zero size "
                           f"(input of shape {tuple(input.shape)})")
    return Amax.apply(input, axes, bool(keepdim), largest)


def amax(input, dim=(), keepdim=False):
    """Maximum over ``dim`` (int, tuple, or all dims when None or ());
    tied maxima share the gradient evenly."""
    return _amax(input, dim, keepdim, True, "amax")


def amin(input, dim=(), keepdim=False):
    """Minimum over ``dim`` (int, tuple, or all dims when None or ());
    tied minima share the gradient evenly."""
    return _amax(input, dim, keepdim, False, "amin")


def _along(input, dim, op, run, nonempty=False):
    """Run ``run(x, axis)`` on ``input`` (a 0-d input as 1-d) and return its
    (values, indices); with ``nonempty``, an empty ``dim`` is an IndexError."""
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{op}(): dim must be an int, got {dim!r}")
    axis = one_dim(dim, input.ndim, op)
    if input.ndim == 0:
        values, idx = run(reshape(input, (1,)), 0)
        return (reshape(values, ()), reshape(idx, ())) if values.shape == (1,) else (values, idx)
    if nonempty and not input.shape[axis]:
        raise IndexError(f"{op}(): Expected reduction dim {axis} to have non-zero size "
                         f"(input of shape {tuple(input.shape)})")
    return run(input, axis)


def _extremum(input, dim, keepdim, largest, op, result):
    check_tensor(input, op)
    if isinstance(dim, Tensor):  # max(a, b): elementwise
        return (maximum if largest else minimum)(input, dim)
    if dim is None:
        if not input._data.size:
            raise RuntimeError(f"{op}(): cannot reduce the empty input of shape {tuple(input.shape)} "
                               f"without a dim; pass dim")
        return Amax.apply(input, tuple(range(input.ndim)), False, largest)

    def run(x, axis):
        if not x.shape[axis]:
            raise RuntimeError(f"{op}(): expected reduction dim {axis} to have non-zero size "
                               f"(input of shape {tuple(x.shape)})")
        return ExtremumDim.apply(x, axis, bool(keepdim), largest)

    return result(*_along(input, dim, op, run))


def max(input, dim=None, keepdim=False):
    """``max(x)``: the largest element (0-d; tied maxima share the gradient evenly);
    ``max(x, dim, keepdim=False)``: a namedtuple (values, indices) along ``dim``;
    ``max(x, other)``: the elementwise maximum of two tensors."""
    return _extremum(input, dim, keepdim, True, "max", _max)


def min(input, dim=None, keepdim=False):
    """As ``max``, for the smallest elements (``min(x, other)`` is the elementwise minimum)."""
    return _extremum(input, dim, keepdim, False, "min", _min)


def sort(input, dim=-1, descending=False, *, stable=False):
    """A namedtuple (values, indices): ``input`` sorted along ``dim`` and where each value came from."""
    check_tensor(input, "sort")
    return _sort(*_along(input, dim, "sort", lambda x, axis: Sort.apply(x, axis, bool(descending),
                                                                        bool(stable))))


def topk(input, k, dim=-1, largest=True, sorted=True):
    """A namedtuple (values, indices) of the ``k`` largest (``largest=False``: smallest)
    elements along ``dim``, in order when ``sorted``."""
    check_tensor(input, "topk")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"topk(): k must be an int, got {k!r}")

    def run(x, axis):
        if not 0 <= k <= x.shape[axis]:
            raise RuntimeError(f"topk(): selected index k={k} is out of range for dim {axis} of size "
                               f"{x.shape[axis]} (input of shape {tuple(input.shape)})")
        return TopK.apply(x, int(k), axis, bool(largest), bool(sorted))

    return _topk(*_along(input, dim, "topk", run))


__all__ = ["amax", "amin", "max", "min", "sort", "topk"]
METHODS = {name: globals()[name] for name in __all__}
