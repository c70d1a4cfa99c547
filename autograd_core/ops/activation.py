"""Activation functions: ``relu``, ``leaky_relu``, the exponential-linear
family ``elu``, ``celu``, ``selu``, and ``softplus``, ``gelu`` (exact and tanh
forms), ``silu`` (``sigmoid`` and ``tanh`` are in ``trig``; the piecewise-linear
ones in ``activation_piecewise``, the other smooth ones in ``activation_smooth``).

With y the output, σ the logistic function, Φ/φ the standard normal cdf/pdf:

    relu(x)        = max(x, 0)                   x̄ = ȳ·[x > 0]        (ReLU'(0) = 0)
    leaky_relu(x)  = x if x > 0 else s·x         x̄ = ȳ·(1 if x > 0 else s)
    elu(x)         = x if x > 0 else α(eˣ-1)     x̄ = ȳ if x > 0 else ȳ·α·eˣ
    celu(x)        = x if x > 0 else α(e^(x/α)-1)          x̄ = ȳ if x > 0 else ȳ·e^(x/α)
    selu(x)        = λ·elu(x) with α = 1.6732632423543772, λ = 1.0507009873554805
    softplus(x)    = log(1 + e^(βx)) / β         x̄ = ȳ·σ(βx)
                     (x itself where βx > threshold, where x̄ = ȳ)
    gelu(x)        = x·Φ(x) = x/2·erfc(-x/√2)              x̄ = ȳ·(Φ(x) + x·φ(x))
                     (erfc rather than 1 + erf: no cancellation for x < 0)
    gelu_tanh(x)   = x/2·(1 + tanh(u)),  u = √(2/π)(x + 0.044715x³)
                     x̄ = ȳ·(½(1 + tanh u) + ½x(1 - tanh²u)·√(2/π)(1 + 3·0.044715x²))
    silu(x)        = x·σ(x)                      x̄ = ȳ·σ(x)(1 + x(1 - σ(x)))

At the kink x = 0 the derivative is the left one, as in PyTorch: 0 for relu,
s for leaky_relu, α for elu, 1 for celu, λα for selu.

Each op is ``Elementwise``: it states its slope dy/dx once, as
``derivative(ctx, v, ...)`` = dy/dx · v (None for the number arguments),
and gets both backward (x̄ = dy/dx · ȳ) and forward mode (ẏ = dy/dx · ẋ)
from it.
The piecewise masks are constants (their derivative is 0); everything else
in the rules is written with tensor ops, so they differentiate again. One
exception for speed: gelu keeps Φ(x) from forward (its erfc is the costly
part) and a first-order backward computes the slope on arrays; when the
slope is itself differentiated (create_graph, a tangent on x) it is built
from tensor ops.
Forward and backward avoid ``numpy.where`` on data-dependent masks (a branch
per element, slow on random signs): they use max/min and mask products.
Dtypes as PyTorch: ``relu`` keeps integer dtypes (bool raises RuntimeError);
the others take floating tensors only and raise PyTorch's NotImplementedError
for integer and bool ones. ``relu_``, ``celu_`` and ``selu_`` work in place.
"""
import math

import numpy as np

from ..function import Elementwise, Op
from ..grad_mode import on_arrays
from ..tensor import Tensor
from .select import clamp
from .trig import erfc, erfc_array, sigmoid, sigmoid_array, tanh
from .unary import exp, tensor_arg

_SQRT1_2 = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_K = math.sqrt(2.0 / math.pi)
_C = 0.044715
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_TORCH_DTYPE_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                      "bool": "Bool"}


def float_input(input, op, kernel=None):
    """``input`` when it is a floating-point Tensor. Otherwise PyTorch's
    errors: TypeError for a non-Tensor, NotImplementedError naming the CPU
    kernel (``"elu_cpu" not implemented for 'Long'``) for integer and bool."""
    tensor_arg(input, op)
    dt = input._data.dtype
    if dt.kind != "f":
        name = _TORCH_DTYPE_NAMES.get(dt.name, dt.name)
        raise NotImplementedError(f"\"{kernel or op + '_cpu'}\" not implemented for '{name}'")
    return input


class ReLU(Elementwise):
    @staticmethod
    def forward(ctx, x):
        out = np.asarray(np.maximum(x, 0))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def derivative(ctx, v):
        (y,) = ctx.saved_tensors
        return ThresholdBackward.apply(v, y)


class ThresholdBackward(Op):
    """ReLU's rule as one op (PyTorch's ``threshold_backward`` at 0):
    z = v·[y > 0], with y ReLU's saved output. It is linear in v and
    constant in y (the mask's derivative is 0), so its own rule is itself:
    v̄ = z̄·[y > 0], ż = v̇·[y > 0]. Being an op (not a mask made on
    ``._data``), it lets ``ag.compile`` replay ReLU's rule as array code."""

    @staticmethod
    def forward(ctx, v, y):
        ctx.save_for_backward(y)
        return v * (y > 0)

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return ThresholdBackward.apply(g, y), None

    @staticmethod
    def jvp(ctx, tv, _):
        (y,) = ctx.saved_tensors
        return None if tv is None else ThresholdBackward.apply(tv, y)


class LeakyReLU(Elementwise):
    @staticmethod
    def forward(ctx, x, slope):
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
    """y = λ·x for x > 0, λ·α·(e^(c·x) - 1) otherwise; dy/dx = λ for x > 0,
    λ·α·c·e^(c·x) for x <= 0 (elu: λ = c = 1; celu: λ = 1, c = 1/α; selu:
    PyTorch's α and λ, c = 1). The arguments are (α, λ, c)."""

    @staticmethod
    def forward(ctx, x, alpha, scale, input_scale):
        ctx.save_for_backward(x)
        ctx.params = alpha, scale, input_scale
        out = np.minimum(x, 0, out=np.empty(x.shape, x.dtype))
        if input_scale != 1:
            out *= input_scale
        np.expm1(out, out=out)
        out *= alpha * scale
        pos = np.maximum(x, 0)
        if scale != 1:
            pos *= scale
        out += pos
        return out

    @staticmethod
    def derivative(ctx, v, *_):
        (x,) = ctx.saved_tensors
        alpha, scale, c = ctx.params
        pos = (x._data > 0).astype(x.dtype)
        neg = 1 - pos
        neg *= alpha * scale * c
        if scale != 1:
            pos *= scale
        # dy/dx = λ[x > 0] + λαc·e^(c·min(x, 0))·[x <= 0], finite for every x
        z = clamp(x, None, 0.0)
        return v * (exp(z * c if c != 1 else z) * Tensor(neg) + Tensor(pos)), None, None, None


class Softplus(Elementwise):
    @staticmethod
    def forward(ctx, x, beta, threshold):
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
    """Forward keeps Φ(x) (an erfc, the costly part); a first-order backward
    uses it, a differentiated one (create_graph, forward-over-reverse)
    recomputes it as an op of x."""

    @staticmethod
    def forward(ctx, x):
        cdf = np.asarray(erfc_array(x * -_SQRT1_2))  # an array also for 0-dim x
        cdf *= 0.5
        ctx.save_for_backward(x, cdf)
        return x * cdf

    @staticmethod
    def derivative(ctx, v):
        x, cdf = ctx.saved_tensors
        if on_arrays(x):  # Φ(x) + x·φ(x) in place
            a = x._data
            slope = np.multiply(a, a, out=np.empty(a.shape, a.dtype))
            slope *= -0.5
            np.exp(slope, out=slope)
            slope *= a * _INV_SQRT_2PI
            slope += cdf._data
            return v * Tensor(slope)
        cdf = erfc(x * -_SQRT1_2) * 0.5
        pdf = exp(x * x * -0.5) * _INV_SQRT_2PI
        return v * (cdf + x * pdf)


class GELUTanh(Elementwise):
    @staticmethod
    def forward(ctx, x):
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
        ctx.save_for_backward(x)
        return x * sigmoid_array(x)

    @staticmethod
    def derivative(ctx, v):
        (x,) = ctx.saved_tensors
        s = sigmoid(x)
        return v * (s * (1 + x * (1 - s)))


def relu(input):
    """max(x, 0); its gradient at 0 is 0. Integer dtypes are kept."""
    if tensor_arg(input, "relu")._data.dtype.kind == "b":
        raise RuntimeError("Boolean inputs not supported for relu")
    return ReLU.apply(input)


def leaky_relu(input, negative_slope=0.01):
    """x for x > 0, negative_slope · x otherwise."""
    return LeakyReLU.apply(float_input(input, "leaky_relu"), float(negative_slope))


def elu(input, alpha=1.0):
    """x for x > 0, alpha · (eˣ - 1) otherwise."""
    return ELU.apply(float_input(input, "elu"), float(alpha), 1.0, 1.0)


def celu(input, alpha=1.0):
    """max(0, x) + min(0, alpha · (e^(x/alpha) - 1)); alpha may not be 0."""
    float_input(input, "celu", "elu_cpu")
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return ELU.apply(input, float(alpha), 1.0, 1.0 / alpha)


def selu(input):
    """scale · (max(0, x) + min(0, alpha · (eˣ - 1))) with PyTorch's
    alpha = 1.6732632423543772 and scale = 1.0507009873554805."""
    return ELU.apply(float_input(input, "selu", "elu_cpu"), SELU_ALPHA, SELU_SCALE, 1.0)


def softplus(input, beta=1, threshold=20):
    """log(1 + e^(beta·x)) / beta, and x where beta·x > threshold."""
    return Softplus.apply(float_input(input, "softplus"), float(beta), float(threshold))


def gelu(input, approximate="none"):
    """x · Φ(x) with Φ the standard normal cdf (``approximate='none'``, via erf)
    or its tanh approximation (``approximate='tanh'``)."""
    float_input(input, "gelu", "GeluKernelImpl")
    if approximate == "none":
        return GELU.apply(input)
    if approximate == "tanh":
        return GELUTanh.apply(input)
    raise RuntimeError(f"gelu: approximate argument must be either 'none' or 'tanh', "
                       f"got {approximate!r}")


def silu(input):
    """x · sigmoid(x) (also called swish)."""
    return SiLU.apply(float_input(input, "silu"))


def relu_(input):
    """``relu`` written into ``input`` (``Tensor._inplace``: version bump, leaf check), which is returned."""
    return tensor_arg(input, "relu_")._inplace(relu)


def celu_(input, alpha=1.0):
    """``celu`` written into ``input``."""
    return tensor_arg(input, "celu_")._inplace(celu, alpha)


def selu_(input):
    """``selu`` written into ``input``."""
    return tensor_arg(input, "selu_")._inplace(selu)

__all__ = ["relu", "leaky_relu", "elu", "celu", "selu", "softplus", "gelu", "silu", "relu_", "celu_", "selu_"]
METHODS = {"relu": relu, "relu_": relu_}
