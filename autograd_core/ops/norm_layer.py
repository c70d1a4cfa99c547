"""Layer normalisation: ``layer_norm`` over the last dims ``normalized_shape``
of the input (PyTorch's ``torch.layer_norm``), with the elementwise affine
map fused in. With S the normalised dims and m their number of values:

    μ = mean_S(x),  σ² = mean_S((x - μ)²),  r = 1/√(σ² + ε),  x̂ = (x - μ)·r,  y = γ·x̂ + β

Backward (sums over the leading dims; ĝ = γ·ȳ):

    β̄ = Σ ȳ,   γ̄ = Σ ȳ·x̂,   x̄ = r·(ĝ - mean_S(ĝ) - x̂·mean_S(ĝ·x̂))

and, the normalising map having the symmetric Jacobian r·(I - 11ᵀ/m - x̂x̂ᵀ/m),

    ẏ = γ·r·(ẋ - mean_S(ẋ) - x̂·mean_S(x̂·ẋ)) + γ̇·x̂ + β̇

The forward and the backward run the fused kernels of
``autograd_core.kernels.layernorm`` on the (rows, m) view; when the backward
must itself be differentiable (``create_graph=True``, or tangents flowing
through it) it is computed with Tensor ops from x, recomputing μ and r, so
layer_norm is twice differentiable.
"""
import numbers

import numpy as np

from ..function import Op
from ..grad_mode import on_arrays
from ..kernels import layernorm as K
from ..tensor import Tensor


def _stat(a, x, k):
    """A float64 row statistic as a constant of x's dtype, broadcasting against x."""
    return Tensor(a.astype(x.dtype).reshape(x.shape[:x.ndim - k] + (1,) * k))


class LayerNorm(Op):
    @staticmethod
    def forward(ctx, x, w, b, k, eps):
        m = int(np.prod(x.shape[x.ndim - k:]))
        wa = np.ones(m, x.dtype) if w is None else w.reshape(m)
        ba = np.zeros(m, x.dtype) if b is None else b.reshape(m)
        y, ctx.mean, ctx.rstd = K.layer_norm(x.reshape(-1, m), wa, ba, eps)
        ctx.k, ctx.m, ctx.eps = k, m, eps
        ctx.save_for_backward(x, w)
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        if not on_arrays(g, x, w):
            return _differentiable_backward(ctx, g, x, w, need)
        m, shape = ctx.m, x.shape[x.ndim - ctx.k:]
        wa = np.ones(m, x.dtype) if w is None else w._data.reshape(m)
        gx, gw, gb = K.layer_norm_backward(g._data.reshape(-1, m), x._data.reshape(-1, m), ctx.mean, ctx.rstd,
                                           wa, need[0])
        return (Tensor(gx.reshape(x.shape)) if need[0] else None, Tensor(gw.reshape(shape)) if need[1] else None,
                Tensor(gb.reshape(shape)) if need[2] else None, None, None)

    @staticmethod
    def jvp(ctx, tx, tw, tb, *_):
        from .reduce import mean

        x, w = ctx.saved_tensors
        dims = tuple(range(x.ndim - ctx.k, x.ndim))
        r = _stat(ctx.rstd, x, ctx.k)
        xhat = (x - _stat(ctx.mean, x, ctx.k)) * r
        t = (tx - mean(tx, dims, keepdim=True) - xhat * mean(xhat * tx, dims, keepdim=True)) * r
        out = t if w is None else t * w
        if tw is not None:
            out = out + xhat * tw
        if tb is not None:
            out = out + tb
        return out


def _differentiable_backward(ctx, g, x, w, need):
    """The backward with Tensor ops, the statistics recomputed from x."""
    from .reduce import mean, sum
    from .unary import rsqrt

    dims = tuple(range(x.ndim - ctx.k, x.ndim))
    lead = tuple(range(x.ndim - ctx.k))
    xc = x - mean(x, dims, keepdim=True)
    r = rsqrt(mean(xc * xc, dims, keepdim=True) + ctx.eps)
    xhat = xc * r
    gx = gw = gb = None
    if need[0]:
        gh = g if w is None else g * w
        gx = r * (gh - mean(gh, dims, keepdim=True) - xhat * mean(gh * xhat, dims, keepdim=True))
    if need[1]:
        gw = sum(g * xhat, lead)
    if need[2]:
        gb = sum(g, lead)
    return gx, gw, gb, None, None


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """(x - E[x]) / sqrt(Var[x] + eps) · weight + bias over the last
    ``len(normalized_shape)`` dims (biased variance)."""
    shape = (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) else tuple(normalized_shape)
    k = len(shape)
    if input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise RuntimeError(f"layer_norm: expected input with shape [*, {', '.join(map(str, shape))}], "
                           f"but got input of size {list(input.shape)}")
    if input.dtype.kind != "f":
        raise RuntimeError(f"layer_norm: expected a floating point input, got {input.dtype}")
    for name, v in (("weight", weight), ("bias", bias)):
        if v is not None and tuple(v.shape) != shape:
            raise RuntimeError(f"layer_norm: expected {name} of shape {list(shape)}, got {list(v.shape)}")
    return LayerNorm.apply(input, weight, bias, k, float(eps))


__all__ = ["layer_norm"]
METHODS = {}
