"""Cumulative ops (scans) along one dim: ``cumprod``, ``cummax``/``cummin``
and ``logcumsumexp`` (``cumsum`` lives in ``reduce``).

Writing ȳ for the output gradient, x̄ for the input gradient and ẋ, ẏ for
tangents, along the scanned dim (i, j, k positions on it):

    y_i = Π_{j≤i} x_j          ⇒  x̄_k = Σ_{i≥k} ȳ_i M_ki,    ẏ_i = Σ_{k≤i} M_ki ẋ_k,
                                   M_ki = Π_{j≤i, j≠k} x_j   (i ≥ k)

When no x is 0, M_ki = y_i / x_k, so x̄ = revcumsum(ȳ y) / x and ẏ = y cumsum(ẋ / x).
With zeros that division is 0/0, so each slice is split at its first zero z
(x' is x with x_z set to 1, a constant, so Π_{j≤i, j≠z} x_j = cumprod(x')_i for i ≥ z):

    x̄_k = revcumsum(ȳ y)_k / x_k  (k < z),   revcumsum(ȳ cumprod(x'))_z  (k = z),   0  (k > z)
    ẏ_i = y_i cumsum(ẋ / x)_i      (i < z),   ẋ_z cumprod(x')_i            (i ≥ z)

Every piece is exact (no 0/0), in O(n) per slice. Its derivative is not (the masks
hide how x̄_k, k > z, varies with x_z), so when the gradient is itself differentiated
(create_graph, or a tangent on it) M is built whole: M = U ⊙ cumprod(X) along its last
axis, X_kj = x_j off the diagonal and 1 on it, U_ki = [i ≥ k]: n² per slice, made of
cumprod again, so every higher derivative is exact at zeros too.

    (v, i) = cummax(x)         ⇒  x̄ = AddAlong(ȳ at i),  v̇ = TakeAlong(ẋ at i)

(TakeAlong gathers along the dim, AddAlong sums back into place: an adjoint pair of
``Linear`` ops, so every derivative is again one of the two.)

The running maximum v_i = max_{j≤i} x_j comes from index i_i; ties go to the
*latest* position (x_i ≥ v_{i-1} moves the index, as PyTorch's CPU kernel), a NaN
propagates and keeps the index of the first NaN. ``cummin`` likewise with ≤.

    y_i = log Σ_{j≤i} exp(x_j) ⇒  x̄_k = Σ_{i≥k} ȳ_i e^{x_k − y_i} = B(ȳ, x, y)_k
                                   ẏ_i = Σ_{k≤i} ẋ_k e^{x_k − y_i} = F(ẋ, x, y)_i

F and B are ops of their own (``_ExpScanFwd``, ``_ExpScanBwd``), adjoint to each
other in their first argument, computed stably: each weight e^{x_k − y_i} ≤ 1 for
k ≤ i, and F = e^{lcse(x + log u⁺) − y} − e^{lcse(x + log u⁻) − y} never forms e^x
(u = u⁺ − u⁻; B likewise with a reversed scan). Their derivatives are F and B again:

    ∂B/∂(g, x, y) · r  ⇒  ḡ = F(r),  x̄ = r B(g),  ȳ = −g F(r)
    ∂F/∂(u, x, y) · r  ⇒  ū = B(r),  x̄ = u B(r),  ȳ = −r F(u)

so logcumsumexp is differentiable to any order. Dtypes as PyTorch: ``cumprod`` of
bool/int gives int64 (``dtype=`` casts first), ``cummax``/``cummin`` keep the dtype
(indices int64), ``logcumsumexp`` wants a floating input.
"""
from collections import namedtuple

import numpy as np

from ..function import Linear, Op
from ..grad_mode import on_arrays
from ..tensor import Tensor
from .reduce import Cumsum, ReverseCumsum, Sum, cast, check_float, check_tensor, one_dim
from .select import where
from .shape import movedim, reshape

_cummax = namedtuple("cummax", ["values", "indices"])
_cummin = namedtuple("cummin", ["values", "indices"])


# ---------------------------------------------------------------- cumprod
def _zero_masks(x, axis):
    """(before, first): [k < z] and [k = z] with z the first zero of each slice (n if none)."""
    zero = x == 0
    seen = np.cumsum(zero, axis=axis)
    return Tensor(seen == 0), Tensor(zero & (seen == 1))


def _cumprod_matrix(x, axis):
    """M with the scanned axis of ``x`` moved last and split in two, (..., k, i):
    M_ki = [i ≥ k] Π_{j≤i, j≠k} x_j, exact with zeros and in all its derivatives."""
    n = x.shape[axis]
    xl = movedim(x, axis, -1)
    eye = Tensor(np.eye(n, dtype=bool))
    X = where(eye, 1.0, reshape(xl, xl.shape[:-1] + (1, n)))  # X_kj: x_j, 1 on the diagonal
    upper = Tensor(np.triu(np.ones((n, n), x._data.dtype)))  # U_ki = [i ≥ k]
    return Cumprod.apply(X, X.ndim - 1) * upper


class Cumprod(Op):
    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        out = np.cumprod(x, axis=axis)
        if out.dtype.kind in "biu":
            out = out.astype(np.int64, copy=False)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        axis = ctx.axis
        if np.all(x._data):
            return ReverseCumsum.apply(g * y, axis) / x, None
        if not on_arrays(g, x):  # differentiated again
            gl = movedim(g, axis, -1)
            gx = (_cumprod_matrix(x, axis) * reshape(gl, gl.shape[:-1] + (1, gl.shape[-1]))).sum(-1)
            return movedim(gx, -1, axis), None
        before, first = _zero_masks(x._data, axis)
        # k < z: Σ_{i≥k} ȳ_i y_i / x_k;  k = z: Σ_{i≥z} ȳ_i Π_{j≤i, j≠z} x_j;  k > z: 0
        low = where(before, ReverseCumsum.apply(g * y, axis) / where(before, x, 1.0), 0.0)
        at_zero = ReverseCumsum.apply(g * Cumprod.apply(where(first, 1.0, x), axis), axis)
        return low + where(first, at_zero, 0.0), None

    @staticmethod
    def jvp(ctx, t, _):
        x, y = ctx.saved_tensors
        axis = ctx.axis
        if np.all(x._data):
            return y * Cumsum.apply(t / x, axis)
        before, first = _zero_masks(x._data, axis)
        # i < z: y_i Σ_{k≤i} ẋ_k / x_k;  i ≥ z: ẋ_z Π_{j≤i, j≠z} x_j
        low = where(before, y * Cumsum.apply(t / where(before, x, 1.0), axis), 0.0)
        t_zero = Sum.apply(where(first, t, 0.0), (axis,), True)
        return low + where(before, 0.0, t_zero * Cumprod.apply(where(first, 1.0, x), axis))


# ---------------------------------------------------------------- cummax / cummin
class TakeAlong(Linear):
    """``x`` at the indices ``idx`` along ``axis`` (indices may repeat)."""

    @staticmethod
    def forward(ctx, x, idx, axis):
        ctx.idx, ctx.axis = idx, axis
        return np.take_along_axis(x, idx, axis)

    @staticmethod
    def backward(ctx, g):
        return AddAlong.apply(g, ctx.idx, ctx.axis), None, None


class AddAlong(Linear):
    """The adjoint of ``TakeAlong`` (same shape in and out): out[.., j, ..] = Σ_{i: idx_i = j} src_i
    along ``axis`` (one ``bincount`` over flat positions, much faster than ``np.add.at``)."""

    @staticmethod
    def forward(ctx, src, idx, axis):
        ctx.idx, ctx.axis = idx, axis
        if not src.size:
            return np.zeros_like(src)
        s, i = np.moveaxis(src, axis, -1), np.moveaxis(idx, axis, -1)
        n = s.shape[-1]
        rows = np.arange(s.size // n).reshape(s.shape[:-1] + (1,)) * n
        out = np.bincount((i + rows).reshape(-1), weights=s.reshape(-1), minlength=s.size)
        return np.moveaxis(out.astype(src.dtype, copy=False).reshape(s.shape), -1, axis)

    @staticmethod
    def backward(ctx, g):
        return TakeAlong.apply(g, ctx.idx, ctx.axis), None, None


class CumExtremum(Op):
    """(values, indices) of the running max (``largest``) or min along ``axis``."""

    @staticmethod
    def forward(ctx, x, axis, largest):
        ctx.axis = axis
        values = (np.maximum if largest else np.minimum).accumulate(x, axis=axis)
        moved = x == values  # x_i ≥ v_{i-1} (resp. ≤): the index moves here (ties: the latest)
        if x.dtype.kind == "f":
            nan = np.isnan(x)
            moved |= nan & (np.cumsum(nan, axis=axis) == 1)  # the first NaN, kept from then on
        pos = np.arange(x.shape[axis]).reshape((-1,) + (1,) * (x.ndim - 1 - axis))
        idx = np.maximum.accumulate(np.where(moved, pos, 0), axis=axis).astype(np.int64, copy=False)
        ctx.save_for_backward(idx)
        ctx.mark_non_differentiable(idx)
        return values, idx

    @staticmethod
    def backward(ctx, g, _):
        (idx,) = ctx.saved_tensors
        return AddAlong.apply(g, idx._data, ctx.axis), None, None

    @staticmethod
    def jvp(ctx, t, *_):
        (idx,) = ctx.saved_tensors
        return TakeAlong.apply(t, idx._data, ctx.axis), None


# ---------------------------------------------------------------- logcumsumexp
def _lcse(a, axis, reverse=False):
    """log Σ exp along ``axis``: over j ≤ i, or j ≥ i when ``reverse``."""
    if reverse:
        return np.flip(np.logaddexp.accumulate(np.flip(a, axis), axis=axis), axis)
    return np.logaddexp.accumulate(a, axis=axis)


def _exp_scan(w, x, y, axis, forward):
    """F(w, x, y) (``forward``) or B(w, x, y) on arrays, stably (see the module docstring)."""
    total = np.zeros(np.broadcast_shapes(w.shape, x.shape, y.shape), x.dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        for sign, part in ((1, np.maximum(w, 0)), (-1, np.maximum(-w, 0))):
            if not part.any():  # e.g. ȳ = 1 has no negative part
                continue
            if forward:
                s = _lcse(x + np.log(part), axis) - y
            else:
                s = x + _lcse(np.log(part) - y, axis, reverse=True)
            total += sign * np.where(np.isnan(s) | (s == -np.inf), 0, np.exp(s))
    return total


class _ExpScanFwd(Op):
    """F(u, x, y)_i = Σ_{k≤i} u_k e^{x_k − y_i}."""

    @staticmethod
    def forward(ctx, u, x, y, axis):
        ctx.axis = axis
        out = _exp_scan(u, x, y, axis, True)
        ctx.save_for_backward(u, x, y, out)
        return out

    @staticmethod
    def backward(ctx, r):
        u, x, y, out = ctx.saved_tensors
        need_u, need_x, need_y, _ = ctx.needs_input_grad
        br = _ExpScanBwd.apply(r, x, y, ctx.axis) if need_u or need_x else None
        return (br if need_u else None, u * br if need_x else None,
                -r * out if need_y else None, None)

    @staticmethod
    def jvp(ctx, tu, tx, ty, _):
        u, x, y, out = ctx.saved_tensors
        return _ExpScanFwd.apply(tu + u * tx, x, y, ctx.axis) - ty * out


class _ExpScanBwd(Op):
    """B(g, x, y)_k = Σ_{i≥k} g_i e^{x_k − y_i}."""

    @staticmethod
    def forward(ctx, g, x, y, axis):
        ctx.axis = axis
        out = _exp_scan(g, x, y, axis, False)
        ctx.save_for_backward(g, x, y, out)
        return out

    @staticmethod
    def backward(ctx, r):
        g, x, y, out = ctx.saved_tensors
        need_g, need_x, need_y, _ = ctx.needs_input_grad
        fr = _ExpScanFwd.apply(r, x, y, ctx.axis) if need_g or need_y else None
        return (fr if need_g else None, r * out if need_x else None,
                -g * fr if need_y else None, None)

    @staticmethod
    def jvp(ctx, tg, tx, ty, _):
        g, x, y, out = ctx.saved_tensors
        return _ExpScanBwd.apply(tg - g * ty, x, y, ctx.axis) + tx * out


class Logcumsumexp(Op):
    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        out = _lcse(x, axis)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        return _ExpScanBwd.apply(g, x, y, ctx.axis), None

    @staticmethod
    def jvp(ctx, t, _):
        x, y = ctx.saved_tensors
        return _ExpScanFwd.apply(t, x, y, ctx.axis)


# ---------------------------------------------------------------- the functions
def _scan(input, dim, op, run):
    """``run(x, axis)`` on ``input`` (a 0-d input as 1-d, the results back to 0-d)."""
    check_tensor(input, op)
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{op}(): dim must be an int, got {dim!r}")
    axis = one_dim(dim, input.ndim, op)
    if input.ndim:
        return run(input, axis)
    out = run(reshape(input, (1,)), 0)
    if isinstance(out, tuple):
        return tuple(reshape(o, ()) for o in out)
    return reshape(out, ())


def cumprod(input, dim, *, dtype=None):
    """Cumulative product along ``dim``: y_i = x_0 · x_1 ⋯ x_i (bool/int inputs give
    int64). The gradient is exact where some x are 0 (no division by x)."""
    check_tensor(input, "cumprod")
    return _scan(cast(input, dtype), dim, "cumprod", lambda x, axis: Cumprod.apply(x, axis))


def cummax(input, dim):
    """A namedtuple (values, indices): the running maximum along ``dim`` and where it
    came from. Ties go to the latest index (PyTorch's CPU convention); a NaN propagates
    with the index of the first NaN. The gradient goes to those indices (summed)."""
    return _cummax(*_scan(input, dim, "cummax", lambda x, axis: CumExtremum.apply(x, axis, True)))


def cummin(input, dim):
    """As ``cummax``, for the running minimum (ties: the latest index)."""
    return _cummin(*_scan(input, dim, "cummin", lambda x, axis: CumExtremum.apply(x, axis, False)))


def logcumsumexp(input, dim):
    """y_i = log Σ_{j≤i} exp(x_j) along ``dim``, computed stably (running log-add-exp);
    its derivatives never form exp(x) either. Floating inputs only, as PyTorch."""
    check_tensor(input, "logcumsumexp")
    check_float(input, "logcumsumexp")
    return _scan(input, dim, "logcumsumexp", lambda x, axis: Logcumsumexp.apply(x, axis))


__all__ = ["cumprod", "cummax", "cummin", "logcumsumexp"]
METHODS = {name: globals()[name] for name in __all__}
