"""Trigonometric functions, ``tanh``, and the S-shaped ``sigmoid`` and ``erf``
(with ``erfc`` = 1 - erf), elementwise (inverses in ``trig_inverse``, the
other hyperbolic functions in ``hyperbolic``). Each has an in-place method.

Integer and bool inputs give float32 results (as PyTorch); float dtypes are
kept. With y the output, the derivative rules (x̄ = ȳ · dy/dx) are

    sin:  cos x      cos:  -sin x      tan:     1 + y²
    tanh: 1 - y²     sigmoid: y(1-y)   erf:     2/√π · exp(-x²)    erfc: -2/√π · exp(-x²)

written with tensor ops, so they differentiate again to any order. Each op
is ``Elementwise``: it states dy/dx once, as ``derivative(ctx, v)`` = dy/dx · v,
and gets both backward (x̄ = dy/dx · ȳ) and forward mode (ẏ = dy/dx · ẋ) from it.
``sigmoid`` is 1/(1+e⁻ˣ): where e⁻ˣ overflows (x < -88 in float32) the
result is its limit 0, as in PyTorch, with no warning and no nan. ``erf``
and ``erfc`` are the kernels of ``kernels/erf.py`` (piecewise Chebyshev
series, float64-accurate; erfc keeps full relative accuracy in the tail,
where 1 - erf x rounds to 0); float16 goes through float32.
"""
import math

import numpy as np

from ..function import Elementwise
from ..kernels.erf import erf as erf_kernel
from ._elementwise_util import inplace_variant
from ._util import floating
from .unary import exp, tensor_arg

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


class Sin(Elementwise):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(floating(x))

    @staticmethod
    def derivative(ctx, v):
        (x,) = ctx.saved_tensors
        return v * cos(x)


class Cos(Elementwise):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cos(floating(x))

    @staticmethod
    def derivative(ctx, v):
        (x,) = ctx.saved_tensors
        return -v * sin(x)


class Tan(Elementwise):
    @staticmethod
    def forward(ctx, x):
        out = np.asarray(np.tan(floating(x)))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def derivative(ctx, v):
        (y,) = ctx.saved_tensors
        return v * (y * y + 1)


class Tanh(Elementwise):
    @staticmethod
    def forward(ctx, x):
        out = np.asarray(np.tanh(floating(x)))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def derivative(ctx, v):
        (y,) = ctx.saved_tensors
        return v * (1 - y * y)


def sigmoid_array(x):
    """1 / (1 + e⁻ˣ) of a numpy array, in four passes without temporaries.
    Where e⁻ˣ overflows to inf the result is its limit 0 (without a warning)."""
    x = floating(x)
    t = np.negative(x, out=np.empty(x.shape, x.dtype))
    with np.errstate(over="ignore"):
        np.exp(t, out=t)
    t += 1
    return np.reciprocal(t, out=t)


class Sigmoid(Elementwise):
    @staticmethod
    def forward(ctx, x):
        out = sigmoid_array(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def derivative(ctx, v):
        (y,) = ctx.saved_tensors
        return v * (y * (1 - y))


def _error_function(x, complement):
    x = floating(x)
    if x.dtype == np.float32 or x.dtype == np.float64:
        return erf_kernel(x, complement)
    return erf_kernel(x.astype(np.float32), complement).astype(x.dtype)


def erf_array(x):
    """erf of a numpy array (float32 or float64 result; other floats go through float32)."""
    return _error_function(x, False)


def erfc_array(x):
    """erfc = 1 - erf of a numpy array, accurate in the tail (dtypes as ``erf_array``)."""
    return _error_function(x, True)


class Erf(Elementwise):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return erf_array(x)

    @staticmethod
    def derivative(ctx, v):
        (x,) = ctx.saved_tensors
        return v * exp(-(x * x)) * _TWO_OVER_SQRT_PI


class Erfc(Elementwise):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return erfc_array(x)

    @staticmethod
    def derivative(ctx, v):
        (x,) = ctx.saved_tensors
        return v * exp(-(x * x)) * -_TWO_OVER_SQRT_PI


def sin(input):
    """Sine (radians)."""
    return Sin.apply(tensor_arg(input, "sin"))


def cos(input):
    """Cosine (radians)."""
    return Cos.apply(tensor_arg(input, "cos"))


def tan(input):
    """Tangent (radians)."""
    return Tan.apply(tensor_arg(input, "tan"))


def tanh(input):
    """Hyperbolic tangent."""
    return Tanh.apply(tensor_arg(input, "tanh"))


def sigmoid(input):
    """The logistic function 1 / (1 + e⁻ˣ), stable for large |x|."""
    return Sigmoid.apply(tensor_arg(input, "sigmoid"))


def erf(input):
    """The error function 2/√π ∫₀ˣ e^(-t²) dt."""
    return Erf.apply(tensor_arg(input, "erf"))


def erfc(input):
    """The complementary error function 1 - erf(x) = 2/√π ∫ₓ^∞ e^(-t²) dt."""
    return Erfc.apply(tensor_arg(input, "erfc"))


__all__ = ["sin", "cos", "tan", "tanh", "sigmoid", "erf", "erfc"]
METHODS = {name: globals()[name] for name in __all__}
METHODS.update({name + "_": inplace_variant(globals()[name]) for name in __all__})
