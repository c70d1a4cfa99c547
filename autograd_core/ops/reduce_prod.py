"""Multiplicative and power reductions: ``prod`` and the vector p-norm ``norm``.

With ȳ the output gradient in keepdim shape (broadcast over the reduced
dims) and x̄ the input gradient:

    y = Π x                   ⇒  x̄_i = ȳ Π_{j≠i} x_j   (= ȳ y / x_i when no x is 0)
    y = (Σ |x|ᵖ)^(1/p)        ⇒  x̄ = ȳ sign(x) |x|ᵖ⁻¹ / yᵖ⁻¹
    y = √(Σ x²)   (p = 2)     ⇒  x̄ = ȳ x / y,  0 where y = 0 (PyTorch's subgradient)
    y = Σ |x|     (p = 1)     ⇒  x̄ = ȳ sign(x)
    y = max |x|   (p = ∞)     ⇒  x̄ = ȳ sign(x) m / Σm,  m = [|x| = y]: ties share evenly
                                  (min |x| for p = -∞; p = 0 counts non-zeros: x̄ = 0)

The product of the other elements E_i = Π_{j≠i} x_j is its own op
(``ProdOthers``: exclusive cumulative products from both ends), exact when
some x are 0. Its derivative ∂E_i/∂x_k = Π_{j∉{i,k}} x_j (k ≠ i) is E again,
applied to the n×n matrix X with X_ij = x_j off the diagonal and 1 on it, so
every order of derivative of ``prod`` is exact at zeros too. ``sign(x)`` and
the masks are constants (their derivative is 0 almost everywhere); |x| is
written x·sign(x).

Forward mode: each output is a sum over its group, so ẏ = Σ w ⊙ ẋ with w the
input gradient for ȳ = 1 (the rules above):

    y = Π x        ⇒  ẏ = Σ_i ẋ_i Π_{j≠i} x_j     (``ProdOthers`` at zeros: exact)
    E = ProdOthers ⇒  Ė_i = Σ_{k≠i} ẋ_k Π_{j∉{i,k}} x_j
    y = ‖x‖_p      ⇒  ẏ = Σ sign(x) |x|ᵖ⁻¹ ẋ / yᵖ⁻¹  (p = 2: Σ x ẋ / y; ∞: the tie-shared
                       sign(x) m / Σm; p = 0: ẏ = 0)
"""
import math

import numpy as np

from ..function import Op
from ..tensor import Tensor
from .reduce import Sum, cast, check_float, check_tensor, group_size, keep_shape, kept, reduce_axes
from .shape import permute, reshape


class Prod(Op):
    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        out = np.asarray(np.prod(x, axis=axes, keepdims=keepdim))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        if np.all(x._data):  # no zero: Π_{j≠i} x_j = y / x_i
            return kept(ctx, g) * kept(ctx, out) / x, None, None
        return kept(ctx, g) * prod_others(x, ctx.axes), None, None

    @staticmethod
    def jvp(ctx, t, *_):
        x, out = ctx.saved_tensors
        if np.all(x._data):  # as in backward: Π_{j≠i} x_j = y / x_i
            others = kept(ctx, out) / x
        else:
            others = prod_others(x, ctx.axes)
        return Sum.apply(t * others, ctx.axes, ctx.keepdim)


class ProdOthers(Op):
    """E_i = Π_{j≠i} x_j along the last dim."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        out = np.ones_like(x)
        if x.shape[-1] > 1:
            np.cumprod(x[..., :-1], axis=-1, out=out[..., 1:])  # Π_{j<i} x_j
            out[..., :-1] *= np.cumprod(x[..., :0:-1], axis=-1)[..., ::-1]  # Π_{j>i} x_j
        return out

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        # x̄_k = Σ_{i≠k} ḡ_i Π_{j∉{i,k}} x_j
        return Sum.apply(reshape(g, g.shape + (1,)) * _pairs(x), (x.ndim - 1,), False)

    @staticmethod
    def jvp(ctx, t):
        (x,) = ctx.saved_tensors
        # Ė_i = Σ_{k≠i} Π_{j∉{i,k}} x_j ẋ_k
        return Sum.apply(_pairs(x) * reshape(t, t.shape[:-1] + (1, t.shape[-1])), (x.ndim,), False)


def _pairs(x):
    """P[..., i, k] = Π_{j∉{i,k}} x_j for k ≠ i and 0 for k = i (x along the last dim)."""
    n = x.shape[-1]
    eye = np.eye(n, dtype=x.dtype)
    off = Tensor(1 - eye)
    rows = reshape(x, x.shape[:-1] + (1, n)) * off + Tensor(eye)  # rows[i, j] = x_j, 1 at j = i
    return ProdOthers.apply(rows) * off  # ProdOthers(rows)[i, k] = Π_{j∉{i,k}} x_j for k ≠ i


def prod_others(x, axes):
    """At each element of ``x``, the product of the other elements of its
    group (the elements reduced together over ``axes``)."""
    nd = x.ndim
    rest = [a for a in range(nd) if a not in axes]
    perm = tuple(rest + list(axes))
    moved = perm != tuple(range(nd))
    xt = permute(x, perm) if moved else x
    e = ProdOthers.apply(reshape(xt, xt.shape[:len(rest)] + (group_size(x.shape, axes),)))
    e = reshape(e, xt.shape)
    return permute(e, tuple(int(i) for i in np.argsort(perm))) if moved else e


class Norm(Op):
    @staticmethod
    def forward(ctx, x, p, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim, ctx.p = x.shape, axes, keepdim, p
        kw = {"axis": axes, "keepdims": keepdim}
        if p == 2:
            out = np.sqrt(np.sum(np.square(x), **kw))
        elif p == 1:
            out = np.sum(np.abs(x), **kw)
        elif p == math.inf:
            out = np.max(np.abs(x), **kw)
        elif p == -math.inf:
            out = np.min(np.abs(x), **kw)
        elif p == 0:
            out = np.sum(x != 0, dtype=x.dtype, **kw)
        else:
            out = np.sum(np.abs(x) ** p, **kw) ** (1.0 / p)
        out = np.asarray(out)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        return _norm_grad(ctx, x, out, kept(ctx, g)), None, None, None

    @staticmethod
    def jvp(ctx, t, *_):
        x, out = ctx.saved_tensors
        if ctx.p == 0:
            return Tensor(np.zeros_like(out._data))
        ones = Tensor(np.ones(keep_shape(ctx.shape, ctx.axes), x._data.dtype))
        return Sum.apply(_norm_grad(ctx, x, out, ones) * t, ctx.axes, ctx.keepdim)


def _norm_grad(ctx, x, out, gk):
    """x̄ of ``Norm`` for the output gradient ``gk`` in keepdim shape."""
    p, xd, dt = ctx.p, x._data, x._data.dtype
    if p == 0:
        return Tensor(np.zeros_like(xd))
    sign = np.sign(xd)
    if p == 1:
        return gk * Tensor(sign)
    ok = kept(ctx, out)
    if p in (math.inf, -math.inf):
        m = (np.abs(xd) == ok._data).astype(dt)
        with np.errstate(invalid="ignore"):
            m /= np.sum(m, axis=ctx.axes, keepdims=True)
        return gk * Tensor(sign * m)
    zero = ok._data == 0
    if zero.any():  # ȳ / yᵖ⁻¹ taken as 0 where y = 0
        gk = gk * Tensor((~zero).astype(dt))
        ok = ok + Tensor(zero.astype(dt))
    if p == 2:
        return x * (gk / ok)
    s = Tensor(sign)
    ax = x * s
    if p < 1 and not np.all(xd):  # |x|ᵖ⁻¹ is infinite at 0 (times sign 0): use 0
        ax = ax + Tensor((xd == 0).astype(dt))
    return s * ax ** (p - 1.0) * (gk / ok ** (p - 1.0))


def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Product over ``dim`` (int, tuple or None for all); its gradient is
    exact when the input holds zeros."""
    check_tensor(input, "prod")
    input = cast(input, dtype)
    return Prod.apply(input, reduce_axes(input.ndim, dim, "prod"), bool(keepdim))


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """Vector p-norm (Σ|x|ᵖ)^(1/p) over ``dim`` (all dims when None): ``p`` is
    'fro' (= 2), any float, ``inf`` (max |x|) or ``-inf`` (min |x|)."""
    check_tensor(input, "norm")
    input = cast(input, dtype)
    check_float(input, "norm")
    if isinstance(p, str):
        if p != "fro":
            raise ValueError(f"norm(): p must be 'fro' or a number (matrix norms such as {p!r} "
                             f"are not supported)")
        p = 2
    elif isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise TypeError(f"norm(): p must be 'fro' or a number, got {p!r}")
    p = float(p)
    axes = reduce_axes(input.ndim, dim, "norm")
    if math.isinf(p) and not group_size(input.shape, axes):
        raise RuntimeError(f"norm(): the {p} norm over an empty dim of the input of shape "
                           f"{tuple(input.shape)} is not defined (expected a non-zero size)")
    return Norm.apply(input, p, axes, bool(keepdim))


__all__ = ["prod", "norm"]
METHODS = {"prod": prod, "norm": norm}
