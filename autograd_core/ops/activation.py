"""Activation functions: ``relu``, ``leaky_relu``, ``elu``, ``softplus``,
``gelu`` (exact and tanh forms) and ``silu`` (``sigmoid`` and ``tanh`` are in
``trig``).

With y the output, σ the logistic function, Φ/φ the standard normal cdf/pdf:

    relu(x)        = max(x, 0)                   x̄ = ȳ·[x > 0]        (ReLU'(0) = 0)
    leaky_relu(x)  = x if x > 0 else s·x         x̄ = ȳ·(1 if x > 0 else s)
    elu(x)         = x if x > 0 else α(eˣ-1)     x̄ = ȳ if x > 0 else ȳ·α·eˣ
    softplus(x)    = log(1 + e^(βx)) / β         x̄ = ȳ·σ(βx)
                     (x itself where βx > threshold, where x̄ = ȳ)
    gelu(x)        = x·Φ(x) = x/2·(1 + erf(x/√2))          x̄ = ȳ·(Φ(x) + x·φ(x))
    gelu_tanh(x)   = x/2·(1 + tanh(u)),  u = √(2/π)(x + 0.044715x³)
                     x̄ = ȳ·(½(1 + tanh u) + ½x(1 - tanh²u)·√(2/π)(1 + 3·0.044715x²))
    silu(x)        = x·σ(x)                      x̄ = ȳ·σ(x)(1 + x(1 - σ(x)))

Each op is ``Elementwise``: it states its slope dy/dx once, as
``derivative(ctx, v, ...)`` = dy/dx · v (None for the number arguments),
and gets both backward (x̄ = dy/dx · ȳ) and forward mode (ẏ = dy/dx · ẋ)
from it.
The piecewise masks are constants (their derivative is 0); everything else
in the rules is written with tensor ops, so they differentiate again.
Forward and backward avoid ``numpy.where`` on data-dependent masks (a branch
per element, slow on random signs): they use max/min and mask products.
``relu`` keeps integer dtypes (as PyTorch); the others give float32 for
integer inputs.
"""
import math

import numpy as np

from ..function import Elementwise
from ..tensor import Tensor
from ._util import floating
from .select import clamp
from .trig import erf, erf_array, sigmoid, sigmoid_array, tanh
from .unary import exp, tensor_arg

_SQRT1_2 = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_K = math.sqrt(2.0 / math.pi)
_C = 0.044715


class ReLU(Elementwise):
    @staticmethod
    def forward(ctx, x):
        out = np.asarray(np.maximum(x, 0))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def derivative(ctx, v):
        (y,) = ctx.saved_tensors
        return v * Tensor(y._data > 0)


class LeakyReLU(Elementwise):
    @staticmethod
    def forward(ctx, x, slope):
        x = floating(x)
        ctx.save_for_backward(x)
        ctx.slope = slope
        # max(x, s·x) for s <= 1, min(x, s·x) for s > 1: no data-dependent branch
        return (np.maximum if slope <= 1 else np.minimum)(x, x * slope)

    @staticmethod
    def derivative(ctx, v, _):
        (x,) = ctx.saved_tensors
        s = ctx.slope
        return v * Tensor((x._data > 0).astype(x.dtype) * (1 - s) + s), None


class ELU(Elementwise):
    @staticmethod
    def forward(ctx, x, alpha):
        x = floating(x)
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        out = np.expm1(np.minimum(x, 0))
        out *= alpha
        out += np.maximum(x, 0)
        return out

    @staticmethod
    def derivative(ctx, v, _):
        (x,) = ctx.saved_tensors
        pos = x._data > 0
        neg = np.logical_not(pos).astype(x.dtype) * ctx.alpha
        # dy/dx = [x > 0] + α·e^min(x, 0)·[x <= 0], finite for every x
        return v * (exp(clamp(x, None, 0.0)) * Tensor(neg) + Tensor(pos)), None


class Softplus(Elementwise):
    @staticmethod
    def forward(ctx, x, beta, threshold):
        x = floating(x)
        z = x * beta if beta != 1 else x
        # log(1 + e^z) = max(z, 0) + log1p(e^-|z|), which never overflows
        out = np.abs(z, out=np.empty(z.shape, z.dtype))
        np.negative(out, out=out)
        np.exp(out, out=out)
        np.log1p(out, out=out)
        out += np.maximum(z, 0)
        if beta != 1:
            out /= beta
        above = z > threshold
        if above.any():
            np.copyto(out, x, where=above)
        ctx.save_for_backward(x)
        ctx.beta, ctx.threshold = beta, threshold
        return out

    @staticmethod
    def derivative(ctx, v, _beta, _threshold):
        (x,) = ctx.saved_tensors
        bx = x * ctx.beta if ctx.beta != 1 else x
        above = bx._data > ctx.threshold
        s = sigmoid(bx)
        if above.any():
            s = s * Tensor(np.logical_not(above)) + Tensor(above)
        return v * s, None, None


class GELU(Elementwise):
    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return x * (1 + erf_array(x * _SQRT1_2)) * 0.5

    @staticmethod
    def derivative(ctx, v):
        (x,) = ctx.saved_tensors
        cdf = (erf(x * _SQRT1_2) + 1) * 0.5
        pdf = exp(x * x * -0.5) * _INV_SQRT_2PI
        return v * (cdf + x * pdf)


class GELUTanh(Elementwise):
    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return x * (1 + np.tanh((x + x * x * x * _C) * _K)) * 0.5

    @staticmethod
    def derivative(ctx, v):
        (x,) = ctx.saved_tensors
        x2 = x * x
        t = tanh((x + x2 * x * _C) * _K)
        return v * ((t + 1) * 0.5 + x * (1 - t * t) * (x2 * (3 * _C) + 1) * (0.5 * _K))


class SiLU(Elementwise):
    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return x * sigmoid_array(x)

    @staticmethod
    def derivative(ctx, v):
        (x,) = ctx.saved_tensors
        s = sigmoid(x)
        return v * (s * (1 + x * (1 - s)))


def relu(input):
    """max(x, 0); its gradient at 0 is 0."""
    return ReLU.apply(tensor_arg(input, "relu"))


def leaky_relu(input, negative_slope=0.01):
    """x for x > 0, negative_slope · x otherwise."""
    return LeakyReLU.apply(tensor_arg(input, "leaky_relu"), float(negative_slope))


def elu(input, alpha=1.0):
    """x for x > 0, alpha · (eˣ - 1) otherwise."""
    return ELU.apply(tensor_arg(input, "elu"), float(alpha))


def softplus(input, beta=1, threshold=20):
    """log(1 + e^(beta·x)) / beta, and x where beta·x > threshold."""
    return Softplus.apply(tensor_arg(input, "softplus"), float(beta), float(threshold))


def gelu(input, approximate="none"):
    """x · Φ(x) with Φ the standard normal cdf (``approximate='none'``, via erf)
    or its tanh approximation (``approximate='tanh'``)."""
    if approximate == "none":
        return GELU.apply(tensor_arg(input, "gelu"))
    if approximate == "tanh":
        return GELUTanh.apply(tensor_arg(input, "gelu"))
    raise RuntimeError(f"gelu: approximate argument must be either 'none' or 'tanh', "
                       f"got {approximate!r}")


def silu(input):
    """x · sigmoid(x) (also called swish)."""
    return SiLU.apply(tensor_arg(input, "silu"))


__all__ = ["relu", "leaky_relu", "elu", "softplus", "gelu", "silu"]
METHODS = {"relu": relu}
