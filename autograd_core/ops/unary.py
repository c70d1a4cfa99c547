"""Elementwise math functions of one tensor: exponentials and logarithms,
roots, powers and ``abs`` (trigonometric functions, ``sigmoid``, ``erf`` and
``erfc`` are in ``trig``, their inverses in ``trig_inverse``, hyperbolic
functions in ``hyperbolic``). Each has an in-place method (``x.exp_()``).

Integer and bool inputs give float32 results (as PyTorch), except ``abs``
and ``square``, which keep integer dtypes (as PyTorch); float dtypes are
kept. With y the output, the derivative rules (x̄ = ȳ · dy/dx) are

    exp:   y          exp2:  y ln 2        expm1: y + 1
    log:   1/x        log2:  1/(x ln 2)    log10: 1/(x ln 10)   log1p: 1/(1+x)
    sqrt:  1/(2y)     rsqrt: -y³/2
    abs:   sign(x)  (so abs'(0) = 0)       square: 2x           reciprocal: -y²

Each op is ``Elementwise``: it states dy/dx once, as ``derivative(ctx, v)``
= dy/dx · v, and gets both backward (x̄ = dy/dx · ȳ) and forward mode
(ẏ = dy/dx · ẋ) from it.
Every rule is written with tensor ops on the saved input or output, so it
can be differentiated again (``create_graph=True``); ``sign(x)`` in the rule
of ``abs`` is a constant (its derivative is 0 almost everywhere).
Forwards that save their output return it as an ndarray (a ufunc gives a
numpy scalar for a 0-d input) so that backward finds it as the output.
"""
import math

import numpy as np

from ..function import Elementwise
from ..tensor import Tensor
from ._elementwise_util import inplace_variant
from ._util import floating

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


class Exp(Elementwise):
    @staticmethod
    def forward(ctx, x):
        out = np.asarray(np.exp(floating(x)))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def derivative(ctx, v):
        (y,) = ctx.saved_tensors
        return v * y


class Exp2(Elementwise):
    @staticmethod
    def forward(ctx, x):
        out = np.asarray(np.exp2(floating(x)))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def derivative(ctx, v):
        (y,) = ctx.saved_tensors
        return v * y * _LN2


class Expm1(Elementwise):
    @staticmethod
    def forward(ctx, x):
        out = np.asarray(np.expm1(floating(x)))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def derivative(ctx, v):
        (y,) = ctx.saved_tensors
        return v * (y + 1)


class Log(Elementwise):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log(floating(x))

    @staticmethod
    def derivative(ctx, v):
        (x,) = ctx.saved_tensors
        return v / x


class Log2(Elementwise):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log2(floating(x))

    @staticmethod
    def derivative(ctx, v):
        (x,) = ctx.saved_tensors
        return v / (x * _LN2)


class Log10(Elementwise):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log10(floating(x))

    @staticmethod
    def derivative(ctx, v):
        (x,) = ctx.saved_tensors
        return v / (x * _LN10)


class Log1p(Elementwise):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log1p(floating(x))

    @staticmethod
    def derivative(ctx, v):
        (x,) = ctx.saved_tensors
        return v / (x + 1)


class Sqrt(Elementwise):
    @staticmethod
    def forward(ctx, x):
        out = np.asarray(np.sqrt(floating(x)))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def derivative(ctx, v):
        (y,) = ctx.saved_tensors
        return v / (y * 2)


class Rsqrt(Elementwise):
    @staticmethod
    def forward(ctx, x):
        out = np.asarray(1 / np.sqrt(floating(x)))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def derivative(ctx, v):
        (y,) = ctx.saved_tensors
        return v * (y * y * y) * -0.5


class Abs(Elementwise):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def derivative(ctx, v):
        (x,) = ctx.saved_tensors
        return v * Tensor(np.sign(x._data))


class Square(Elementwise):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.square(x)

    @staticmethod
    def derivative(ctx, v):
        (x,) = ctx.saved_tensors
        return v * (x * 2)


class Reciprocal(Elementwise):
    @staticmethod
    def forward(ctx, x):
        out = np.asarray(1 / floating(x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def derivative(ctx, v):
        (y,) = ctx.saved_tensors
        return -v * (y * y)


def tensor_arg(input, op):
    """``input`` if it is a Tensor; otherwise the TypeError PyTorch raises."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    return input


def exp(input):
    """eˣ, elementwise."""
    return Exp.apply(tensor_arg(input, "exp"))


def exp2(input):
    """2ˣ, elementwise."""
    return Exp2.apply(tensor_arg(input, "exp2"))


def expm1(input):
    """eˣ - 1, accurate for small x."""
    return Expm1.apply(tensor_arg(input, "expm1"))


def log(input):
    """Natural logarithm (nan for x < 0, -inf at 0)."""
    return Log.apply(tensor_arg(input, "log"))


def log2(input):
    """Base-2 logarithm."""
    return Log2.apply(tensor_arg(input, "log2"))


def log10(input):
    """Base-10 logarithm."""
    return Log10.apply(tensor_arg(input, "log10"))


def log1p(input):
    """ln(1 + x), accurate for small x."""
    return Log1p.apply(tensor_arg(input, "log1p"))


def sqrt(input):
    """Square root."""
    return Sqrt.apply(tensor_arg(input, "sqrt"))


def rsqrt(input):
    """1 / sqrt(x)."""
    return Rsqrt.apply(tensor_arg(input, "rsqrt"))


def abs(input):
    """|x|; its gradient is sign(x), 0 at x = 0."""
    return Abs.apply(tensor_arg(input, "abs"))


def square(input):
    """x², keeping integer dtypes."""
    return Square.apply(tensor_arg(input, "square"))


def reciprocal(input):
    """1 / x."""
    return Reciprocal.apply(tensor_arg(input, "reciprocal"))


absolute = abs

__all__ = ["exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "abs", "absolute",
           "square", "reciprocal"]
METHODS = {name: globals()[name] for name in __all__}
METHODS.update({name + "_": inplace_variant(globals()[name]) for name in __all__})
METHODS["__abs__"] = abs
