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
from .unary import tensor_arg


class _Step(Elementwise):
    """A piecewise-constant rounding op: an integer input is returned as it is."""

    _ufunc = None

    @staticmethod
    def forward(ctx, x):
        return type(ctx)._ufunc(x) if x.dtype.kind == "f" else x.copy()

    @staticmethod
    def derivative(ctx, v):
        return zero_like(v)


class Floor(_Step):
    _ufunc = np.floor


class Ceil(_Step):
    _ufunc = np.ceil


class Trunc(_Step):
    _ufunc = np.trunc


class Round(_Step):
    _ufunc = np.rint  # halves to even, as PyTorch


class RoundDecimals(Elementwise):
    @staticmethod
    def forward(ctx, x, decimals):
        scale = x.dtype.type(10.0 ** abs(decimals))
        if decimals > 0:
            return np.rint(x * scale) / scale
        return np.rint(x / scale) * scale

    @staticmethod
    def derivative(ctx, v, _):
        return zero_like(v), None


class Frac(Elementwise):
    @staticmethod
    def forward(ctx, x):
        return x - np.trunc(x)

    @staticmethod
    def derivative(ctx, v):
        return v


def _rounded(cls, input, name):
    input = tensor_arg(input, name)
    not_implemented_for(name, input._data.dtype)
    return cls.apply(input)


def floor(input):
    """⌊x⌋, the largest integer not above x (integer tensors unchanged; zero gradient)."""
    return _rounded(Floor, input, "floor")


def ceil(input):
    """⌈x⌉, the smallest integer not below x (integer tensors unchanged; zero gradient)."""
    return _rounded(Ceil, input, "ceil")


def trunc(input):
    """x rounded toward zero (integer tensors unchanged; zero gradient)."""
    return _rounded(Trunc, input, "trunc")


def round(input, *, decimals=0):
    """x rounded to ``decimals`` decimal places, halves to even (zero gradient).
    Integer tensors are returned unchanged for ``decimals=0`` and refused otherwise."""
    decimals = int(decimals)
    if decimals == 0:
        return _rounded(Round, input, "round")
    input = tensor_arg(input, "round")
    not_implemented_for("round", input._data.dtype, kinds="biu")
    return RoundDecimals.apply(input, decimals)


def frac(input):
    """x - trunc(x), the fractional part with the sign of x (gradient 1)."""
    input = tensor_arg(input, "frac")
    not_implemented_for("frac", input._data.dtype, kinds="biu")
    return Frac.apply(input)


fix = trunc

__all__ = ["floor", "ceil", "trunc", "fix", "round", "frac"]
METHODS = {name: globals()[name] for name in __all__}
METHODS.update({name + "_": inplace_variant(globals()[name]) for name in __all__})
