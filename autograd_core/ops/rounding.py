"""Rounding to integers, elementwise: ``floor ceil trunc`` (alias ``fix``),
``round(decimals=)`` and the fractional part ``frac``.

    floor x = ⌊x⌋     ceil x = ⌈x⌉     trunc x = sign(x)·⌊|x|⌋
    round x: to the nearest integer, halves to even (0.5 → 0, 1.5 → 2, -0.5 → -0)
    round(x, decimals=d) = rint(x·10ᵈ)/10ᵈ for d > 0,  rint(x/10⁻ᵈ)·10⁻ᵈ for d < 0
    frac x  = x - trunc x   (the sign of x)

The four rounding ops are piecewise constant, so their derivative is 0 where
it exists; at the jumps (integers, or the halves for round) it does not, and
the rule is 0 there too, as in PyTorch: x̄ = 0, ẏ = 0. ``frac`` has
derivative 1 everywhere (x̄ = ȳ, ẏ = ẋ), jumps included.

Dtypes as PyTorch: float dtypes are kept; integer tensors come back unchanged
(a copy) from floor/ceil/trunc/round, while ``round(decimals≠0)`` and
``frac`` on integers, and every op here on bool, raise NotImplementedError.
"""
import numpy as np

from ..function import Elementwise
from ._elementwise_util import inplace_variant, not_implemented_for, zero_like
from ._unary import tensor_arg, unary


def _step(ufunc):
    """The forward of a piecewise-constant rounding op: an integer input is returned as it is (a copy)."""
    return lambda x: ufunc(x) if x.dtype.kind == "f" else x.copy()


Floor, floor = unary("floor", _step(np.floor), zero_like,
                     "⌊x⌋, the largest integer not above x (integer tensors unchanged; zero gradient).",
                     "y = ⌊x⌋;  dy/dx = 0", keep_integers=True, refuse="b")
Ceil, ceil = unary("ceil", _step(np.ceil), zero_like,
                   "⌈x⌉, the smallest integer not below x (integer tensors unchanged; zero gradient).",
                   "y = ⌈x⌉;  dy/dx = 0", keep_integers=True, refuse="b")
Trunc, trunc = unary("trunc", _step(np.trunc), zero_like,
                     "x rounded toward zero (integer tensors unchanged; zero gradient).",
                     "y = sign(x)·⌊|x|⌋;  dy/dx = 0", keep_integers=True, refuse="b")
Round, _round = unary("round", _step(np.rint), zero_like,  # rint: halves to even, as PyTorch
                      "x rounded to the nearest integer, halves to even (zero gradient).",
                      "y = x rounded, halves to even;  dy/dx = 0", keep_integers=True, refuse="b")
Frac, frac = unary("frac", lambda x: x - np.trunc(x), lambda v: v,
                   "x - trunc(x), the fractional part with the sign of x (gradient 1).",
                   "y = x - trunc x;  dy/dx = 1", keep_integers=True, refuse="biu")


class RoundDecimals(Elementwise):
    """y = x rounded to ``decimals`` decimal places, halves to even;  dy/dx = 0."""

    @staticmethod
    def forward(ctx, x, decimals):
        scale = x.dtype.type(10.0 ** abs(decimals))
        if decimals > 0:
            return np.rint(x * scale) / scale
        return np.rint(x / scale) * scale

    @staticmethod
    def derivative(ctx, v, _):
        return zero_like(v), None


def round(input, *, decimals=0):
    """x rounded to ``decimals`` decimal places, halves to even (zero gradient).
    Integer tensors are returned unchanged for ``decimals=0`` and refused otherwise."""
    decimals = int(decimals)
    if decimals == 0:
        return _round(input)
    input = tensor_arg(input, "round")
    not_implemented_for("round", input._data.dtype, kinds="biu")
    return RoundDecimals.apply(input, decimals)


fix = trunc

__all__ = ["floor", "ceil", "trunc", "fix", "round", "frac"]
METHODS = {name: globals()[name] for name in __all__}
METHODS.update({name + "_": inplace_variant(globals()[name]) for name in __all__})
