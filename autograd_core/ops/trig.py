"""Trigonometric functions, ``tanh``, and the S-shaped ``sigmoid`` and ``erf``
(with ``erfc`` = 1 - erf), elementwise (inverses in ``trig_inverse``, the
other hyperbolic functions in ``hyperbolic``). Each has an in-place method.

Integer and bool inputs give float32 results (as PyTorch); float dtypes are
kept. With y the output, the derivative rules (x̄ = ȳ · dy/dx) are

    sin:  cos x      cos:  -sin x      tan:     1 + y²
    tanh: 1 - y²     sigmoid: y(1-y)   erf:     2/√π · exp(-x²)    erfc: -2/√π · exp(-x²)

written with tensor ops, so they differentiate again to any order. Each op
is one ``unary`` declaration (``_unary``): it states dy/dx · v once and gets
both backward (x̄ = dy/dx · ȳ) and forward mode (ẏ = dy/dx · ẋ) from it.
``sigmoid`` is 1/(1+e⁻ˣ): where e⁻ˣ overflows (x < -88 in float32) the
result is its limit 0, as in PyTorch, with no warning and no nan. ``erf``
and ``erfc`` are the kernels of ``kernels/erf.py`` (piecewise Chebyshev
series, float64-accurate; erfc keeps full relative accuracy in the tail,
where 1 - erf x rounds to 0); float16 goes through float32.
"""
import math

import numpy as np

from ..kernels.erf import erf as erf_kernel
from ._elementwise_util import inplace_variant
from ._unary import unary
from .unary import exp

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


Sin, sin = unary("sin", np.sin, lambda v, x: v * cos(x), "Sine (radians).", "y = sin x;  dy/dx = cos x")
Cos, cos = unary("cos", np.cos, lambda v, x: -v * sin(x), "Cosine (radians).", "y = cos x;  dy/dx = -sin x")
Tan, tan = unary("tan", np.tan, lambda v, y: v * (y * y + 1), "Tangent (radians).", "y = tan x;  dy/dx = 1 + y²")
Tanh, tanh = unary("tanh", np.tanh, lambda v, y: v * (1 - y * y), "Hyperbolic tangent.",
                   "y = tanh x;  dy/dx = 1 - y²")


def sigmoid_array(x):
    """1 / (1 + e⁻ˣ) of a float numpy array, in four passes without temporaries.
    Where e⁻ˣ overflows to inf the result is its limit 0 (without a warning)."""
    t = np.negative(x, out=np.empty(x.shape, x.dtype))
    with np.errstate(over="ignore"):
        np.exp(t, out=t)
    t += 1
    return np.reciprocal(t, out=t)


Sigmoid, sigmoid = unary("sigmoid", sigmoid_array, lambda v, y: v * (y * (1 - y)),
                         "The logistic function 1 / (1 + e⁻ˣ), stable for large |x|.",
                         "y = σ(x) = 1/(1 + e⁻ˣ);  dy/dx = y(1 - y)")


def _error_function(x, complement):
    if x.dtype == np.float32 or x.dtype == np.float64:
        return erf_kernel(x, complement)
    return erf_kernel(x.astype(np.float32), complement).astype(x.dtype)


def erf_array(x):
    """erf of a float numpy array (float32 and float64 computed as they are, float16 through float32)."""
    return _error_function(x, False)


def erfc_array(x):
    """erfc = 1 - erf of a float numpy array, accurate in the tail (dtypes as ``erf_array``)."""
    return _error_function(x, True)


Erf, erf = unary("erf", erf_array, lambda v, x: v * exp(-(x * x)) * _TWO_OVER_SQRT_PI,
                 "The error function 2/√π ∫₀ˣ e^(-t²) dt.", "y = erf x;  dy/dx = 2/√π · exp(-x²)")
Erfc, erfc = unary("erfc", erfc_array, lambda v, x: v * exp(-(x * x)) * -_TWO_OVER_SQRT_PI,
                   "The complementary error function 1 - erf(x) = 2/√π ∫ₓ^∞ e^(-t²) dt.",
                   "y = erfc x = 1 - erf x;  dy/dx = -2/√π · exp(-x²)")


__all__ = ["sin", "cos", "tan", "tanh", "sigmoid", "erf", "erfc"]
METHODS = {name: globals()[name] for name in __all__}
METHODS.update({name + "_": inplace_variant(globals()[name]) for name in __all__})
