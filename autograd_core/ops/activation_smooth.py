"""Smooth activations: ``mish``, ``logsigmoid``, ``softsign``, ``tanhshrink``
(elementwise ops with their own derivative) and the compositions ``glu`` and
``softmin``.

With σ the logistic function and sp(x) = log(1 + eˣ) (softplus):

    mish(x)        = x·tanh(sp(x))        dy/dx = tanh(sp(x)) + x·σ(x)·(1 - tanh²(sp(x)))
    logsigmoid(x)  = log σ(x) = -sp(-x)   dy/dx = σ(-x)
    softsign(x)    = x / (1 + |x|)        dy/dx = 1 / (1 + |x|)²
    tanhshrink(x)  = x - tanh(x)          dy/dx = tanh²(x)
    glu(x, dim)    = a·σ(b), with a, b the two halves of x along dim
    softmin(x, dim) = softmax(-x, dim)

The derivatives are written with tensor ops, so they differentiate again
(softsign's second derivative has a kink at 0, where |x| has one).
``logsigmoid`` and ``mish`` compute sp(x) as max(x, 0) + log1p(e^-|x|), which
never overflows. Dtypes as PyTorch: ``softsign`` and ``tanhshrink`` (plain
compositions in PyTorch) give float32 for integer inputs; ``mish``,
``logsigmoid``, ``glu`` and ``softmin`` take floating tensors only.
"""
import numpy as np

from ..function import Elementwise
from ._util import floating, normalize_dim
from .activation import float_input, softplus
from .join import chunk
from .reduce_softmax import softmax
from .trig import sigmoid, tanh
from .unary import tensor_arg


def _softplus_array(x):
    """log(1 + eˣ) = max(x, 0) + log1p(e^-|x|) of a numpy array."""
    out = np.abs(x, out=np.empty(x.shape, x.dtype))
    np.negative(out, out=out)
    np.exp(out, out=out)
    np.log1p(out, out=out)
    out += np.maximum(x, 0)
    return out


class Mish(Elementwise):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        out = _softplus_array(x)
        np.tanh(out, out=out)
        out *= x
        return out

    @staticmethod
    def derivative(ctx, v):
        (x,) = ctx.saved_tensors
        t = tanh(softplus(x))
        return v * (t + x * sigmoid(x) * (1 - t * t))


class LogSigmoid(Elementwise):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        out = _softplus_array(-x)
        np.negative(out, out=out)
        return out

    @staticmethod
    def derivative(ctx, v):
        (x,) = ctx.saved_tensors
        return v * sigmoid(-x)


class Softsign(Elementwise):
    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return x / (1 + np.abs(x))

    @staticmethod
    def derivative(ctx, v):
        (x,) = ctx.saved_tensors
        d = x.abs() + 1
        return v / (d * d)


class Tanhshrink(Elementwise):
    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return x - np.tanh(x)

    @staticmethod
    def derivative(ctx, v):
        (x,) = ctx.saved_tensors
        t = tanh(x)
        return v * (t * t)


def mish(input):
    """x · tanh(softplus(x))."""
    return Mish.apply(float_input(input, "mish"))


def logsigmoid(input):
    """log(1 / (1 + e⁻ˣ)), computed without overflow."""
    return LogSigmoid.apply(float_input(input, "logsigmoid", "log_sigmoid_cpu"))


def softsign(input):
    """x / (1 + |x|)."""
    if tensor_arg(input, "softsign")._data.dtype.kind == "b":
        raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
    return Softsign.apply(input)


def tanhshrink(input):
    """x - tanh(x)."""
    if tensor_arg(input, "tanhshrink")._data.dtype.kind == "b":
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    return Tanhshrink.apply(input)


def glu(input, dim=-1):
    """Gated linear unit: a · sigmoid(b), with a and b the first and second
    halves of ``input`` along ``dim`` (whose size must be even)."""
    float_input(input, "glu")
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = normalize_dim(dim, input.ndim, "glu")
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {input.shape[d]}")
    a, b = chunk(input, 2, d)
    return a * sigmoid(b)


def softmin(input, dim, dtype=None):
    """softmax(-x) along ``dim`` (computed in ``dtype`` when given)."""
    if dtype is None:
        float_input(input, "softmin", "softmax_lastdim_kernel_impl")
    return softmax(-tensor_arg(input, "softmin"), dim, dtype=dtype)


__all__ = ["mish", "logsigmoid", "softsign", "tanhshrink", "glu", "softmin"]
METHODS = {}
