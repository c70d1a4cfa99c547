"""Pooling over 2-D windows: ``max_pool2d`` (optionally with the argmax
indices), ``avg_pool2d`` and ``adaptive_avg_pool2d``, on (N, C, H, W) or
unbatched (C, H, W) inputs.

Every pooling is linear in x once its windows are fixed (for max pooling:
once the argmax indices idx are), and each op's backward is its adjoint,
another op whose own backward is the first one again; so all three are
twice differentiable. All ops here but ``MaxPool2d`` (whose indices depend
on x) are ``Linear``: their tangent is the op applied to ẋ.

    max:       y[p] = x[idx[p]]              x̄ = scatter-add of ȳ at idx     ẏ[p] = ẋ[idx[p]]
               (MaxUnpoolAdd, the scatter, and PoolGather are each other's adjoints)
    avg:       y = A x  (A averages windows)  x̄ = Aᵀ ȳ  (AvgPool2dAdjoint)  ẏ = A ẋ
    adaptive:  y = R x Cᵀ per plane           x̄ = Rᵀ ȳ C                      ẏ = R ẋ Cᵀ

Row i of R (OH, H) averages the input rows ⌊i·H/OH⌋ to ⌈(i+1)·H/OH⌉ - 1,
as PyTorch's adaptive pooling, and C (OW, W) the columns alike. The window arithmetic is in
``autograd_core.kernels.pool`` and ``autograd_core.kernels.avgpool``.
"""
import numpy as np

from ..function import Linear, Op
from ..kernels import avgpool as AK
from ..kernels import pool as K
from ._adjoint import ArgLinearAdjoint, ShapedArgLinear
from .pool_args import AVG_DTYPES, MAX_DTYPES, adaptive_size, pool_arguments


def _4d(a):
    return a if a.ndim == 4 else a[None]


class MaxPool2d(Op):
    @staticmethod
    def forward(ctx, x, geom):
        ctx.x_shape = x.shape
        ctx.set_materialize_grads(False)
        out, idx = K.max_pool2d(_4d(x), *geom)
        if x.ndim == 3:
            out, idx = out[0], idx[0]
        ctx.save_for_backward(idx)  # the indices output: unpacking it checks it was not modified in place
        return out, idx

    @staticmethod
    def backward(ctx, g, _):
        (idx,) = ctx.saved_tensors
        return MaxUnpoolAdd.apply(g, idx._data, ctx.x_shape), None  # the array: a constant of the scatter

    @staticmethod
    def jvp(ctx, t, _):
        (idx,) = ctx.saved_tensors
        return PoolGather.apply(t, idx._data, ctx.x_shape), None


class MaxUnpoolAdd(Linear):
    """x̄ = zeros of x's shape with ȳ added at the argmax indices."""

    @staticmethod
    def forward(ctx, g, idx, x_shape):
        ctx.idx, ctx.x_shape = idx, x_shape
        return K.max_unpool_add(_4d(g), _4d(idx), *x_shape[-2:]).reshape(x_shape)

    @staticmethod
    def backward(ctx, h):
        return PoolGather.apply(h, ctx.idx, ctx.x_shape), None, None


class PoolGather(Linear):
    """y[p] = x[idx[p]] in each (H, W) plane: the adjoint of MaxUnpoolAdd."""

    @staticmethod
    def forward(ctx, x, idx, x_shape):
        ctx.idx, ctx.x_shape = idx, x_shape
        return K.max_pool2d_gather(_4d(x), _4d(idx)).reshape(idx.shape)

    @staticmethod
    def backward(ctx, h):
        return MaxUnpoolAdd.apply(h, ctx.idx, ctx.x_shape), None, None


def _avg_pool(x, geom):
    out = AK.avg_pool2d(_4d(x), *geom)
    return out if x.ndim == 4 else out[0]


def _avg_pool_adjoint(g, geom, x_shape):
    kh, kw, sh, sw, ph, pw, _, _, cip, div = geom
    out = AK.avg_pool2d_backward(_4d(g), *x_shape[-2:], kh, kw, sh, sw, ph, pw, cip, div)
    return out.reshape(x_shape)


class AvgPool2d(ShapedArgLinear):
    """y = A x, A averaging the windows of the geometry ``arg``."""

    _f = staticmethod(_avg_pool)


class AvgPool2dAdjoint(ArgLinearAdjoint):
    """x̄ = Aᵀ ȳ: each ȳ[p] / divisor[p] spread over window p."""

    _f = staticmethod(_avg_pool_adjoint)


AvgPool2d._adjoint, AvgPool2dAdjoint._adjoint = AvgPool2dAdjoint, AvgPool2d


def _averaging(n_out, n_in, dtype):
    """The (n_out, n_in) matrix averaging the adaptive windows of each output."""
    a = np.zeros((n_out, n_in), dtype)
    for i in range(n_out):
        s, e = (i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)
        a[i, s:e] = 1 / (e - s)
    return a


def _adaptive(x, rows, cols):
    """R x Cᵀ over the last two dims, for the (out, in) averaging matrices R, C."""
    (oh, h), (ow, w) = rows.shape, cols.shape
    if oh == ow == 1:
        return x.mean(axis=(-2, -1), keepdims=True)
    if h % oh == 0 and w % ow == 0:  # equal windows: a reshape and a mean
        return x.reshape(x.shape[:-2] + (oh, h // oh, ow, w // ow)).mean(axis=(-3, -1))
    return np.matmul(np.matmul(rows, x), cols.T)


def _adaptive_adjoint(g, rows, cols):
    """Rᵀ g C: each output spread evenly over its window."""
    (oh, h), (ow, w) = rows.shape, cols.shape
    lead = g.shape[:-2]
    if h % oh == 0 and w % ow == 0:
        kh, kw = h // oh, w // ow
        spread = np.broadcast_to((g / (kh * kw))[..., :, None, :, None], lead + (oh, kh, ow, kw))
        return spread.reshape(lead + (h, w))
    return np.matmul(np.matmul(rows.T, g), cols)


class AdaptiveAvgPool2d(Linear):
    @staticmethod
    def forward(ctx, x, size):
        rows = _averaging(size[0], x.shape[-2], x.dtype)
        cols = _averaging(size[1], x.shape[-1], x.dtype)
        ctx.size, ctx.x_shape, ctx.mats = size, x.shape, (rows, cols)
        return _adaptive(x, rows, cols)

    @staticmethod
    def backward(ctx, g):
        return AdaptiveAvgPool2dAdjoint.apply(g, ctx.mats, ctx.x_shape), None


class AdaptiveAvgPool2dAdjoint(Linear):
    """x̄ = Rᵀ ȳ C."""

    @staticmethod
    def forward(ctx, g, mats, x_shape):
        ctx.mats, ctx.x_shape = mats, x_shape
        return _adaptive_adjoint(g, *mats)

    @staticmethod
    def backward(ctx, h):
        return AdaptiveAvgPool2d.apply(h, (ctx.mats[0].shape[0], ctx.mats[1].shape[0])), None, None


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Maximum over each window; with ``return_indices`` also the flat index
    of each maximum in its (H, W) plane (ties: the first, as PyTorch).
    Floats and every integer dtype but bool, as PyTorch on CPU."""
    geom = pool_arguments("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode, MAX_DTYPES)
    out, idx = MaxPool2d.apply(input, geom)
    return (out, idx) if return_indices else out


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over each window (zero padding counted when ``count_include_pad``;
    ``divisor_override`` replaces the divisor). Floats, and int64, whose
    window sums are divided with truncation toward zero (PyTorch's CPU rule)."""
    kh, kw, sh, sw, ph, pw, _, _, oh, ow = pool_arguments("avg_pool2d", input, kernel_size, stride,
                                                          padding, 1, ceil_mode, AVG_DTYPES)
    if divisor_override is not None and (isinstance(divisor_override, bool) or divisor_override <= 0):
        raise RuntimeError(f"avg_pool2d: divisor must be not zero and positive, got {divisor_override!r}")
    geom = (kh, kw, sh, sw, ph, pw, oh, ow, bool(count_include_pad), int(divisor_override or 0))
    return AvgPool2d.apply(input, geom)


def adaptive_avg_pool2d(input, output_size):
    """Mean over the adaptive windows that split (H, W) into ``output_size``
    (an int, or a pair whose None entries keep the input size)."""
    return AdaptiveAvgPool2d.apply(input, adaptive_size("adaptive_avg_pool2d", input, output_size))


__all__ = ["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d"]
METHODS = {}
