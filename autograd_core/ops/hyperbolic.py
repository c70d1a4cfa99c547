"""Hyperbolic functions and their inverses, elementwise: ``sinh cosh asinh
acosh atanh`` (aliases ``arcsinh arccosh arctanh``; ``tanh`` is in ``trig``).

Integer and bool inputs give float32 results (as PyTorch); float dtypes are
kept. The derivative rules (x̄ = ȳ · dy/dx, ẏ = dy/dx · ẋ, each stated once
in a ``unary`` declaration):

    sinh: cosh x     cosh: sinh x     asinh: 1/√(x²+1)
    acosh: 1/√(x²-1)  (inf at x = 1, nan below)     atanh: 1/(1-x²)  (inf at ±1)

as PyTorch computes them.
"""
import numpy as np

from ._elementwise_util import inplace_variant
from ._unary import unary
from .unary import rsqrt


def _arctanh(x):
    with np.errstate(divide="ignore"):  # ±inf at ±1, as PyTorch
        return np.arctanh(x)


Sinh, sinh = unary("sinh", np.sinh, lambda v, x: v * cosh(x), "(eˣ - e⁻ˣ)/2.", "y = sinh x;  dy/dx = cosh x")
Cosh, cosh = unary("cosh", np.cosh, lambda v, x: v * sinh(x), "(eˣ + e⁻ˣ)/2.", "y = cosh x;  dy/dx = sinh x")
Asinh, asinh = unary("asinh", np.arcsinh, lambda v, x: v * rsqrt(x * x + 1),
                     "The inverse of sinh: ln(x + √(x²+1)).", "y = asinh x;  dy/dx = 1/√(x² + 1)")
Acosh, acosh = unary("acosh", np.arccosh, lambda v, x: v * rsqrt(x * x - 1),
                     "The inverse of cosh on [1, ∞): ln(x + √(x²-1)) (nan below 1).",
                     "y = acosh x;  dy/dx = 1/√(x² - 1)  (inf at x = 1, nan below)")
Atanh, atanh = unary("atanh", _arctanh, lambda v, x: v / (1 - x * x),
                     "The inverse of tanh: ½ ln((1+x)/(1-x)) (±inf at ±1, nan beyond).",
                     "y = atanh x;  dy/dx = 1/(1 - x²)  (inf at ±1)")


arcsinh, arccosh, arctanh = asinh, acosh, atanh

__all__ = ["sinh", "cosh", "asinh", "acosh", "atanh", "arcsinh", "arccosh", "arctanh"]
METHODS = {name: globals()[name] for name in __all__}
METHODS.update({name + "_": inplace_variant(globals()[name]) for name in __all__})
