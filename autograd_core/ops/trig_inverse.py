"""Inverse trigonometric functions, elementwise: ``asin acos atan`` and the
two-argument ``atan2`` (aliases ``arcsin arccos arctan arctan2``).

Integer and bool inputs give float32 results (as PyTorch); float dtypes are
kept. The derivative rules (x̄ = ȳ · dy/dx, ẏ = dy/dx · ẋ, each stated once,
in a ``unary`` declaration or as an ``Elementwise`` derivative):

    asin: 1/√(1-x²)     acos: -1/√(1-x²)     atan: 1/(1+x²)
    atan2(a, b):  ∂/∂a = b/(a²+b²),  ∂/∂b = -a/(a²+b²)

asin and acos are nan outside [-1, 1] and their derivatives ±inf at ±1, as
in PyTorch. At a = b = 0, where atan2 has no derivative, both partials are
0 (PyTorch's values): the denominator is replaced by 1 there, and the
numerators are 0.
"""
import numpy as np

from ..function import Elementwise
from ..tensor import Tensor
from ._elementwise_util import as_tensor, float_part, inplace_variant
from ._unary import tensor_arg, unary
from ._util import apply_promoted
from .select import where
from .unary import rsqrt

Asin, asin = unary("asin", np.arcsin, lambda v, x: v * rsqrt(1 - x * x),
                   "arcsin x in [-π/2, π/2] (nan outside [-1, 1]).", "y = asin x;  dy/dx = 1/√(1 - x²)")
Acos, acos = unary("acos", np.arccos, lambda v, x: -v * rsqrt(1 - x * x),
                   "arccos x in [0, π] (nan outside [-1, 1]).", "y = acos x;  dy/dx = -1/√(1 - x²)")
Atan, atan = unary("atan", np.arctan, lambda v, x: v / (x * x + 1),
                   "arctan x in (-π/2, π/2).", "y = atan x;  dy/dx = 1/(1 + x²)")


class Atan2(Elementwise):
    """y = atan2(a, b);  ∂y/∂a = b/(a² + b²),  ∂y/∂b = -a/(a² + b²)  (both 0 at a = b = 0)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.arctan2(a, b)

    @staticmethod
    def derivative(ctx, va, vb):
        a, b = ctx.saved_tensors
        a, b = as_tensor(a), as_tensor(b)
        r2 = a * a + b * b
        r2 = where(Tensor(r2._data == 0), 1.0, r2)  # at the origin both numerators are 0
        va, vb = float_part(va), float_part(vb)
        return None if va is None else va * b / r2, None if vb is None else -vb * a / r2


def atan2(input, other):
    """The angle of the point (other, input): arctan(input/other) in the right
    quadrant, in [-π, π]. Integer operands give the default float dtype."""
    return apply_promoted(Atan2, tensor_arg(input, "atan2"), other, floating=True)


arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2

__all__ = ["asin", "acos", "atan", "atan2", "arcsin", "arccos", "arctan", "arctan2"]
METHODS = {name: globals()[name] for name in __all__}
METHODS.update({name + "_": inplace_variant(globals()[name]) for name in __all__})
