"""Hyperbolic functions and their inverses, elementwise: ``sinh cosh asinh
acosh atanh`` (aliases ``arcsinh arccosh arctanh``; ``tanh`` is in ``trig``).

Integer and bool inputs give float32 results (as PyTorch); float dtypes are
kept. The derivative rules (x̄ = ȳ · dy/dx, ẏ = dy/dx · ẋ, each stated once
as an ``Elementwise`` derivative):

    sinh: cosh x     cosh: sinh x     asinh: 1/√(x²+1)
    acosh: 1/√(x²-1)  (inf at x = 1, nan below)     atanh: 1/(1-x²)  (inf at ±1)

as PyTorch computes them.
"""
import numpy as np

from ..function import Elementwise
from ._elementwise_util import inplace_variant
from ._util import floating
from .unary import rsqrt, tensor_arg


class Sinh(Elementwise):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sinh(floating(x))

    @staticmethod
    def derivative(ctx, v):
        (x,) = ctx.saved_tensors
        return v * cosh(x)


class Cosh(Elementwise):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cosh(floating(x))

    @staticmethod
    def derivative(ctx, v):
        (x,) = ctx.saved_tensors
        return v * sinh(x)


class Asinh(Elementwise):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arcsinh(floating(x))

    @staticmethod
    def derivative(ctx, v):
        (x,) = ctx.saved_tensors
        return v * rsqrt(x * x + 1)


class Acosh(Elementwise):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arccosh(floating(x))

    @staticmethod
    def derivative(ctx, v):
        (x,) = ctx.saved_tensors
        return v * rsqrt(x * x - 1)


class Atanh(Elementwise):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore"):  # ±inf at ±1, as PyTorch
            return np.arctanh(floating(x))

    @staticmethod
    def derivative(ctx, v):
        (x,) = ctx.saved_tensors
        return v / (1 - x * x)


def sinh(input):
    """(eˣ - e⁻ˣ)/2."""
    return Sinh.apply(tensor_arg(input, "sinh"))


def cosh(input):
    """(eˣ + e⁻ˣ)/2."""
    return Cosh.apply(tensor_arg(input, "cosh"))


def asinh(input):
    """The inverse of sinh: ln(x + √(x²+1))."""
    return Asinh.apply(tensor_arg(input, "asinh"))


def acosh(input):
    """The inverse of cosh on [1, ∞): ln(x + √(x²-1)) (nan below 1)."""
    return Acosh.apply(tensor_arg(input, "acosh"))


def atanh(input):
    """The inverse of tanh: ½ ln((1+x)/(1-x)) (±inf at ±1, nan beyond)."""
    return Atanh.apply(tensor_arg(input, "atanh"))


arcsinh, arccosh, arctanh = asinh, acosh, atanh

__all__ = ["sinh", "cosh", "asinh", "acosh", "atanh", "arcsinh", "arccosh", "arctanh"]
METHODS = {name: globals()[name] for name in __all__}
METHODS.update({name + "_": inplace_variant(globals()[name]) for name in __all__})
