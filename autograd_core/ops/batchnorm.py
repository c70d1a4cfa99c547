"""Batch normalisation: ``batch_norm`` for (N, C), (N, C, L) and (N, C, H, W)
inputs (any (N, C, ...)), normalising each channel over every other dim.

Training (batch statistics over the m values of a channel; the biased
variance normalises, as in PyTorch and the lecture notes 002 §5.1.5):

    μ = mean(x),  σ² = mean((x - μ)²),  r = 1/√(σ² + ε),  x̂ = (x - μ)·r,  y = γ·x̂ + β

and, in place, running_mean ← (1 - momentum)·running_mean + momentum·μ,
running_var ← (1 - momentum)·running_var + momentum·σ²·m/(m - 1) (the
unbiased variance). Evaluation uses the running statistics for μ and σ².

Backward (the closed form of the notes' annex, 002 §8.1; sums over the
m values of each channel):

    β̄ = Σ ȳ,   γ̄ = Σ ȳ·x̂,   x̄ = γ·r·(ȳ - mean(ȳ) - x̂·mean(ȳ·x̂))     (training)
    x̄ = γ·r·ȳ                                                          (evaluation)

and, since the normalising map has the symmetric Jacobian r·(I - 11ᵀ/m - x̂x̂ᵀ/m),
the jvp rule has the same form:

    ẏ = γ·r·(ẋ - mean(ẋ) - x̂·mean(x̂·ẋ)) + γ̇·x̂ + β̇     (training; ẏ = γ·r·ẋ + γ̇·x̂ + β̇ in evaluation)

The training backward runs the fused kernel of
``autograd_core.kernels.batchnorm``; when its result must itself be
differentiable (``create_graph=True``, or tangents flowing through the
backward pass) it is computed instead with Tensor ops from x, recomputing
μ and r, so that batch_norm is twice differentiable.
"""
import numpy as np

from ..function import Op
from ..grad_mode import on_arrays
from ..kernels import batchnorm as K
from ..tensor import Tensor


def _dims(ndim):
    return (0,) + tuple(range(2, ndim))


def _per_channel(v, ndim):
    """A (C,) tensor shaped (1, C, 1, ...) to broadcast against the input."""
    from .shape import reshape

    return reshape(v, (1, v.shape[0]) + (1,) * (ndim - 2))


def _const(a, x):
    """A float64 statistic as a constant tensor of x's dtype, shaped per channel."""
    return Tensor(a.astype(x.dtype).reshape((1, a.shape[0]) + (1,) * (x.ndim - 2)))


class BatchNorm(Op):
    @staticmethod
    def forward(ctx, x, w, b, running_mean, running_var, training, momentum, eps):
        N, C = x.shape[:2]
        x3 = x.reshape(N, C, -1)
        wa = np.ones(C, x.dtype) if w is None else w
        ba = np.zeros(C, x.dtype) if b is None else b
        if training:
            y, mean, var = K.batch_norm_train(x3, wa, ba, eps)
            m = x3.shape[0] * x3.shape[2]
            if running_mean is not None:
                running_mean *= 1 - momentum
                running_mean += (momentum * mean).astype(running_mean.dtype)
            if running_var is not None:
                running_var *= 1 - momentum
                running_var += (momentum * m / (m - 1) * var).astype(running_var.dtype)
        else:
            mean, var = running_mean.astype(np.float64), running_var.astype(np.float64)
            scale = wa / np.sqrt(var + eps)
            y = K.channel_affine(x3, scale.astype(x.dtype), (ba - mean * scale).astype(x.dtype))
        ctx.mean, ctx.invstd = mean, 1 / np.sqrt(var + eps)
        ctx.training, ctx.eps = training, eps
        ctx.save_for_backward(x, w)
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        if not ctx.training:
            return _eval_backward(ctx, g, x, w, need)
        if not on_arrays(g, x, w):
            return _differentiable_backward(ctx, g, x, w, need)
        N, C = x.shape[:2]
        wa = np.ones(C, x.dtype) if w is None else w._data
        gx, gw, gb = K.batch_norm_backward(g._data.reshape(N, C, -1), x._data.reshape(N, C, -1), ctx.mean,
                                           ctx.invstd, wa, need[0])
        return (Tensor(gx.reshape(x.shape)) if need[0] else None, Tensor(gw) if need[1] else None,
                Tensor(gb) if need[2] else None, None, None, None, None, None)

    @staticmethod
    def jvp(ctx, tx, tw, tb, *_):
        from .reduce import mean

        x, w = ctx.saved_tensors
        r = _const(ctx.invstd, x)
        xhat = (x - _const(ctx.mean, x)) * r
        dims = _dims(x.ndim)
        if ctx.training:
            t = (tx - mean(tx, dims, keepdim=True) - xhat * mean(xhat * tx, dims, keepdim=True)) * r
        else:
            t = tx * r
        out = t if w is None else t * _per_channel(w, x.ndim)
        if tw is not None:
            out = out + xhat * _per_channel(tw, x.ndim)
        if tb is not None:
            out = out + _per_channel(tb, x.ndim)
        return out


def _eval_backward(ctx, g, x, w, need):
    """x̄ = γ·r·ȳ, γ̄ = Σ ȳ·x̂, β̄ = Σ ȳ with the running statistics (constants)."""
    from .reduce import sum

    r = _const(ctx.invstd, x)
    dims = _dims(x.ndim)
    gx = gw = gb = None
    if need[0]:
        gx = g * r if w is None else g * (_per_channel(w, x.ndim) * r)
    if need[1]:
        gw = sum(g * ((x - _const(ctx.mean, x)) * r), dims)
    if need[2]:
        gb = sum(g, dims)
    return gx, gw, gb, None, None, None, None, None


def _differentiable_backward(ctx, g, x, w, need):
    """The training backward with Tensor ops, the statistics recomputed from x."""
    from .reduce import mean, sum
    from .unary import rsqrt

    dims = _dims(x.ndim)
    xc = x - mean(x, dims, keepdim=True)
    r = rsqrt(mean(xc * xc, dims, keepdim=True) + ctx.eps)
    xhat = xc * r
    gx = gw = gb = None
    if need[0]:
        k = r if w is None else _per_channel(w, x.ndim) * r
        gx = k * (g - mean(g, dims, keepdim=True) - xhat * mean(g * xhat, dims, keepdim=True))
    if need[1]:
        gw = sum(g * xhat, dims)
    if need[2]:
        gb = sum(g, dims)
    return gx, gw, gb, None, None, None, None, None


def _check_vector(name, v, C):
    if v is None:
        return
    if not isinstance(v, Tensor):
        raise TypeError(f"batch_norm(): argument '{name}' must be Tensor or None, not {type(v).__name__}")
    if v.numel() != C:
        raise RuntimeError(f"batch_norm: {name} should contain {C} elements not {v.numel()}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-5):
    """Normalise each channel (dim 1) of ``input`` (N, C, ...) with batch
    statistics (``training``, which also updates the running statistics in
    place) or with ``running_mean``/``running_var``, then scale by ``weight``
    and shift by ``bias``."""
    if not isinstance(input, Tensor):
        raise TypeError(f"batch_norm(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.ndim < 2:
        raise RuntimeError(f"batch_norm: expected an input of at least 2 dims (N, C, ...), got size "
                           f"{list(input.shape)}")
    if input.dtype.kind != "f":
        raise RuntimeError(f"batch_norm: expected a floating point input, got {input.dtype}")
    C = input.shape[1]
    for name, v in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        _check_vector(name, v, C)
    if training and input.numel() // C <= 1:
        raise ValueError(f"batch_norm: Expected more than 1 value per channel when training, got input "
                         f"size {list(input.shape)}")
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError("batch_norm: running_mean and running_var must be defined in evaluation mode")
    rm = None if running_mean is None else running_mean._data.reshape(C)  # views: updated in place
    rv = None if running_var is None else running_var._data.reshape(C)
    w = weight if weight is None or weight.ndim == 1 else weight.reshape(C)
    b = bias if bias is None or bias.ndim == 1 else bias.reshape(C)
    out = BatchNorm.apply(input, w, b, rm, rv, bool(training), float(momentum), float(eps))
    if training:
        for t in (running_mean, running_var):
            if t is not None:
                t._vc[0] += 1
    return out


__all__ = ["batch_norm"]
METHODS = {}
