"""Order and counting statistics: ``median``/``nanmedian``, ``mode``,
``quantile``/``nanquantile``, ``aminmax``, ``count_nonzero``, ``nansum`` and
``nanmean`` (``var_mean``/``std_mean`` live in ``reduce``).

Each median, mode or quantile value is one of the input's elements (or, for
quantiles, a weighted pair of them), so the gradient goes back to where the
value came from; masks, ranks and indices are constants:

    y = median(x)                 ⇒  x̄ = ȳ m / Σm,  m = [x = y]   (tied medians share ȳ evenly,
                                                                   as PyTorch's full reduction)
    (v, i) = median(x, dim), mode ⇒  x̄ = scatter(v̄ at i),  v̇ = gather(ẋ at i)
    q-quantile, linear            ⇒  y = (1 − w) s_lo + w s_hi,   s = sort(x), r = q (N − 1),
                                     lo = ⌊r⌋, hi = ⌈r⌉, w = r − lo  (so x̄ = (1 − w) ȳ at lo's
                                     element and w ȳ at hi's; lower/higher/nearest pick one
                                     element, midpoint takes w = ½)
    nansum(x) = Σ_{x not NaN} x   ⇒  x̄ = ȳ [x not NaN]          nanmean = nansum / #not-NaN

Conventions (PyTorch's where it states one):
- the median of N values is the *lower* median, the ⌊(N − 1)/2⌋-th smallest (no averaging);
  a NaN in the slice makes it NaN (``nanmedian`` skips NaNs; all-NaN gives NaN). Along a dim the
  index is the first occurrence of the median value (PyTorch leaves ties unspecified).
- ``mode`` is the most frequent value; among equally frequent values the smallest (as PyTorch's
  CPU kernel); its index is the *last* occurrence of that value (PyTorch takes the last of the
  run after an unstable sort, so its choice among equal elements is unspecified).
- quantiles use rank r = q (N − 1) with N the number of (non-NaN for ``nanquantile``) values; a NaN
  in the slice makes ``quantile`` NaN; ``nearest`` rounds half to even (as ``torch.round``).
"""
from collections import namedtuple

import numpy as np

from ..function import Op
from ..tensor import Tensor
from .compare import NonDifferentiable, isnan, logical_not, ne
from .index import gather, masked_fill
from .reduce import Sum, cast, check_float, check_tensor, keep_shape, one_dim, reduce_axes
from .reduce import sum as _sum
from .reduce_sort import _along, _TakeAlong, amax, amin, sort
from .shape import movedim, reshape

_median = namedtuple("median", ["values", "indices"])
_nanmedian = namedtuple("nanmedian", ["values", "indices"])
_mode = namedtuple("mode", ["values", "indices"])
_aminmax = namedtuple("aminmax", ["min", "max"])

INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


# ---------------------------------------------------------------- median
def _lower_median(x, ignore_nan):
    """The lower median of all elements of ``x`` (NaN as described in the module docstring)."""
    a = x.reshape(-1)
    if a.dtype.kind == "f":
        nan = np.isnan(a)
        if nan.any():
            if not ignore_nan:
                return np.asarray(np.nan, x.dtype)
            a = a[~nan]
    if not a.size:
        if a.dtype.kind != "f":
            raise RuntimeError("median(): cannot compute the median of an empty integer tensor")
        return np.asarray(np.nan, x.dtype)
    k = (a.size - 1) // 2
    return np.asarray(np.partition(a, k)[k])


class MedianAll(Op):
    """The lower median of every element; ties share the gradient evenly."""

    @staticmethod
    def forward(ctx, x, ignore_nan):
        out = _lower_median(x, ignore_nan)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        return g * _share(ctx), None

    @staticmethod
    def jvp(ctx, t, _):
        return Sum.apply(t * _share(ctx), tuple(range(t.ndim)), False)


def _share(ctx):
    """m / Σm with m = [x = y] (or [x is NaN] when y is NaN)."""
    x, out = ctx.saved_tensors
    xd, y = x._data, out._data
    m = (np.isnan(xd) if np.isnan(y) else xd == y).astype(xd.dtype)
    total = m.sum()
    return Tensor(m / total if total else m)


class MedianDim(_TakeAlong):
    """(values, indices) of the lower median along one dim."""

    @staticmethod
    def forward(ctx, x, axis, keepdim, ignore_nan):
        ctx.shape, ctx.axis, ctx.reduced = x.shape, axis, not keepdim
        n = x.shape[axis]
        s = np.sort(x, axis=axis)  # NaN last
        if x.dtype.kind == "f":
            nans = np.isnan(x).sum(axis=axis, keepdims=True)
            if ignore_nan:
                k = np.maximum(n - nans - 1, 0) // 2
            else:
                k = np.where(nans > 0, n - 1, (n - 1) // 2)
        else:
            k = np.full(keep_shape(x.shape, (axis,)), (n - 1) // 2)
        values = np.take_along_axis(s, k, axis)
        hit = np.isnan(x) & np.isnan(values) if x.dtype.kind == "f" else False
        idx = np.argmax((x == values) | hit, axis=axis, keepdims=True).astype(np.int64)  # the first
        if not keepdim:
            values, idx = values.squeeze(axis), idx.squeeze(axis)
        ctx.save_for_backward(idx)
        return values, idx


class ModeDim(_TakeAlong):
    """(values, indices) of the most frequent value along one dim."""

    @staticmethod
    def forward(ctx, x, axis, keepdim):
        ctx.shape, ctx.axis, ctx.reduced = x.shape, axis, not keepdim
        a = np.moveaxis(x, axis, -1)
        n = a.shape[-1]
        s = np.sort(a, axis=-1)
        pos = np.arange(n)
        differs = s[..., 1:] != s[..., :-1]
        first = np.concatenate([np.ones(s.shape[:-1] + (1,), bool), differs], -1)  # a run starts
        last = np.concatenate([differs, np.ones(s.shape[:-1] + (1,), bool)], -1)  # a run ends
        start = np.maximum.accumulate(np.where(first, pos, 0), axis=-1)
        length = np.where(last, pos - start + 1, 0)
        best = np.argmax(length, axis=-1)[..., None]  # the longest run; the smallest value on ties
        v = np.take_along_axis(s, best, -1)
        idx = n - 1 - np.argmax((a == v)[..., ::-1], axis=-1, keepdims=True)  # the last occurrence
        values = np.moveaxis(v, -1, axis)
        idx = np.moveaxis(idx.astype(np.int64), -1, axis)
        if not keepdim:
            values, idx = values.squeeze(axis), idx.squeeze(axis)
        ctx.save_for_backward(idx)
        return values, idx


def _median_impl(input, dim, keepdim, ignore_nan, op, result):
    check_tensor(input, op)
    if input._data.dtype.kind == "b":
        raise RuntimeError(f"{op}(): not implemented for 'Bool' inputs")
    if dim is None:
        return MedianAll.apply(input, ignore_nan)
    return result(*_along(input, dim, op, lambda x, axis: MedianDim.apply(x, axis, bool(keepdim), ignore_nan),
                          nonempty=True))


def median(input, dim=None, keepdim=False):
    """``median(x)``: the lower median of all elements (0-d; NaN if any is NaN; tied values share
    the gradient evenly); ``median(x, dim, keepdim=False)``: a namedtuple (values, indices) along
    ``dim``, the index being the first occurrence of the median value."""
    return _median_impl(input, dim, keepdim, False, "median", _median)


def nanmedian(input, dim=None, keepdim=False):
    """As ``median``, ignoring NaNs (a slice of NaNs only gives NaN)."""
    return _median_impl(input, dim, keepdim, True, "nanmedian", _nanmedian)


def mode(input, dim=-1, keepdim=False):
    """A namedtuple (values, indices): the most frequent value along ``dim`` (the smallest among
    equally frequent ones) and the index of its last occurrence; the gradient goes there."""
    check_tensor(input, "mode")
    return _mode(*_along(input, dim, "mode", lambda x, axis: ModeDim.apply(x, axis, bool(keepdim)), nonempty=True))


# ---------------------------------------------------------------- quantile
def _q_array(q, input, op):
    """``q`` as a 1-D array in the input's dtype and whether it was a scalar."""
    dt = input._data.dtype
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError(f"{op}() q must be a scalar or 1D tensor, got shape {tuple(q.shape)}")
        if q._data.dtype != dt:
            raise RuntimeError(f"{op}() q tensor must be same dtype as the input tensor "
                               f"(got {q.dtype} and {input.dtype})")
        qa, scalar = q._data.reshape(-1), q.ndim == 0
    elif isinstance(q, (float, int, np.floating, np.integer)) and not isinstance(q, bool):
        qa, scalar = np.asarray([q], dt), True
    else:
        raise TypeError(f"{op}(): q must be a float or a Tensor, got {type(q).__name__}")
    if ((qa < 0) | (qa > 1) | np.isnan(qa)).any():
        raise RuntimeError(f"{op}() q values must be in the range [0, 1]")
    return qa, scalar


class QuantileRanks(NonDifferentiable):
    """(lo, hi, w) stacked along a new first dim, each (..., Q): for the sorted values s
    (NaN last) of each slice and the quantiles q, the ranks below and above q·(n-1) (or
    q·(count of non-NaN - 1) with ``ignore_nan``; n - 1, a NaN, when NaN counts and there
    is one) as the interpolation picks them, and the weight w of the upper one (0.5 for
    midpoint; 0 when no interpolation). An op, as the NaN count comes from the values."""

    @classmethod
    def compute(cls, sd, qa, ignore_nan, interpolation):
        n = sd.shape[-1]
        nans = np.isnan(sd).sum(-1, keepdims=True)
        dt = sd.dtype
        if ignore_nan:
            ranks = qa * np.maximum(n - nans - 1, 0).astype(dt)
        else:
            ranks = np.where(nans > 0, dt.type(n - 1), qa * dt.type(n - 1))
        lo, hi = np.floor(ranks), np.ceil(ranks)
        if interpolation == "nearest":
            lo = hi = np.round(ranks)  # half to even
        elif interpolation == "lower":
            hi = lo
        elif interpolation == "higher":
            lo = hi
        if interpolation == "midpoint":
            w = np.full_like(ranks, 0.5)
        else:
            w = ranks - lo if interpolation == "linear" else np.zeros_like(ranks)
        return np.stack([lo, hi, w.astype(dt)])


def _quantile(input, q, dim, keepdim, interpolation, op, ignore_nan):
    check_tensor(input, op)
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"{op}() input tensor must be either float or double dtype, got {input.dtype}")
    qa, scalar = _q_array(q, input, op)
    if interpolation not in INTERPOLATIONS:
        raise RuntimeError(f"{op}() interpolation must be one of {', '.join(INTERPOLATIONS)}. "
                           f"Got {interpolation!r}")
    if not input._data.size:
        raise RuntimeError(f"{op}() input tensor must be non-empty")
    if dim is None:
        x = reshape(input, (-1,))
        out_shape = (1,) * input.ndim if keepdim else ()
    else:
        if isinstance(dim, (tuple, list)):
            raise TypeError(f"{op}(): dim must be an int or None, got {dim!r}")
        axis = one_dim(dim, input.ndim, op)
        x = movedim(input, axis, -1) if input.ndim else reshape(input, (1,))
        out_shape = tuple(keep_shape(input.shape, (axis,)) if keepdim else x.shape[:-1])
    s = sort(x, -1).values  # NaN last
    r = QuantileRanks.call(s, qa, ignore_nan, interpolation)  # an op: a compiled replay recomputes it

    def at(k):
        return gather(s, -1, r[k].to(np.int64))

    out = at(0)
    if interpolation in ("linear", "midpoint"):
        out = out + r[2] * (at(1) - out)
    out = movedim(out, -1, 0)  # (Q, ...)
    return reshape(out, out_shape if scalar else (len(qa),) + out_shape)


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The q-th quantiles (q a float or a 1-D tensor in [0, 1]; a tensor puts its dim first) over
    ``dim`` (all elements when None), at rank q (N − 1) of the sorted values, interpolated by
    ``interpolation``: 'linear' (default), 'lower', 'higher', 'midpoint' or 'nearest'."""
    return _quantile(input, q, dim, keepdim, interpolation, "quantile", False)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """As ``quantile``, ignoring NaNs (N counts the non-NaN values; all NaN gives NaN)."""
    return _quantile(input, q, dim, keepdim, interpolation, "nanquantile", True)


# ---------------------------------------------------------------- min/max, counts, NaN-skipping sums
def aminmax(input, *, dim=None, keepdim=False):
    """A namedtuple (min, max) over ``dim`` (an int, or every element when None); tied extremes
    share the gradient evenly (as ``amin``/``amax``)."""
    check_tensor(input, "aminmax")
    if dim is not None and (isinstance(dim, bool) or not isinstance(dim, (int, np.integer))):
        raise TypeError(f"aminmax(): dim must be an int or None, got {dim!r}")
    axes = reduce_axes(input.ndim, dim, "aminmax")
    if not input._data.size or any(not input.shape[a] for a in axes):
        raise RuntimeError(f"aminmax(): cannot compute aminmax over an empty dimension as the "
                           f"operation has no identity (input of shape {tuple(input.shape)})")
    d = () if dim is None else dim
    return _aminmax(amin(input, d, keepdim), amax(input, d, keepdim))


def count_nonzero(input, dim=None):
    """The number of non-zero elements over ``dim`` (an int, a tuple, or all when None); int64."""
    check_tensor(input, "count_nonzero")
    reduce_axes(input.ndim, dim, "count_nonzero")  # checks dim
    return _sum(ne(input, 0), dim, False)  # ops (bool sums are int64): a compiled replay recomputes them


def _skip_nan(input):
    """``input`` with NaNs replaced by 0 (their gradient is 0)."""
    if input._data.dtype.kind != "f":
        return input
    return masked_fill(input, isnan(input), 0)


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """Σ of the non-NaN elements over ``dim``; bool and int inputs give int64 (as ``sum``)."""
    check_tensor(input, "nansum")
    return _sum(_skip_nan(cast(input, dtype)), dim, keepdim)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """The mean of the non-NaN elements over ``dim`` (NaN where all are NaN); floating inputs."""
    check_tensor(input, "nanmean")
    input = cast(input, dtype)
    check_float(input, "nanmean")
    reduce_axes(input.ndim, dim, "nanmean")  # checks dim
    count = _sum(logical_not(isnan(input)), dim, keepdim).to(input.dtype)  # ops: recomputed on replay
    with np.errstate(invalid="ignore", divide="ignore"):
        return _sum(_skip_nan(input), dim, keepdim) / count


__all__ = ["median", "nanmedian", "mode", "quantile", "nanquantile", "aminmax", "count_nonzero",
           "nansum", "nanmean"]
METHODS = {name: globals()[name] for name in __all__}
