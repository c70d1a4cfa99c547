"""Signs, elementwise: ``sgn``, ``signbit``, ``copysign`` and ``heaviside``
(``sign`` and ``abs`` are in ``compare`` and ``unary``).

    sgn x          = sign x for real tensors (-1, 0, 1; bool kept);  derivative 0
    signbit x      = whether the sign bit is set (True for -0.0 and -inf); bool, no gradient
    copysign(a, b) = |a| with the sign (bit) of b
        ∂/∂a = ±1, the sign of copysign(a, b)/a, and 0 at a = 0 (as PyTorch);  ∂/∂b = 0
    heaviside(x, v) = 0 for x < 0, v for x = 0, 1 for x > 0  (0 for nan x, as PyTorch)
        ∂/∂x = 0,  ∂/∂v = [x = 0]

PyTorch has no derivative for ``heaviside`` (its backward raises); here it
is the piecewise-constant derivative above, which PyTorch's own
``where``-based rules would give. ``copysign`` gives the default float dtype
for integers; ``heaviside`` wants both operands tensors of one dtype and
keeps it, as PyTorch.
"""
import numpy as np

from ..function import Elementwise
from ..tensor import Tensor
from ._elementwise_util import float_part, inplace_variant, zero_like
from ._util import apply_promoted
from .compare import NonDifferentiable, sign
from .unary import tensor_arg


def sgn(input):
    """The sign of each element: -1, 0 or 1 (``sign`` for real tensors; zero gradient)."""
    return sign(tensor_arg(input, "sgn"))


class SignBit(NonDifferentiable):
    """z = whether x's sign bit is set (all False for bool): an op, so that a compiled
    replay recomputes it (eagerly it runs on the array, as the comparisons)."""

    @classmethod
    def compute(cls, x):
        if x.dtype == np.bool_:
            return np.zeros(x.shape, np.bool_)
        return np.asarray(np.signbit(x))


def signbit(input):
    """True where the sign bit is set: negative numbers, -0.0 and -inf (bool; all False for bool)."""
    return SignBit.call(tensor_arg(input, "signbit"))


class Copysign(Elementwise):
    @staticmethod
    def forward(ctx, a, b):
        out = np.asarray(np.copysign(a, b))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def derivative(ctx, va, vb):
        a, out = ctx.saved_tensors
        va, vb = float_part(va), float_part(vb)
        ga = None
        if va is not None:
            a = a._data if isinstance(a, Tensor) else np.asarray(a)
            flip = np.where(a == 0, 0, np.where(np.signbit(a) == np.signbit(out._data), 1, -1))
            ga = va * Tensor(flip.astype(va.dtype))
        return ga, None if vb is None else zero_like(vb)


def copysign(input, other):
    """|input| with the sign of ``other`` (a tensor or a number); integers give floats."""
    return apply_promoted(Copysign, tensor_arg(input, "copysign"), other, floating=True)


class Heaviside(Elementwise):
    @staticmethod
    def forward(ctx, x, values):
        ctx.save_for_backward(x)
        return np.where(x == 0, values, x > 0).astype(np.result_type(x, values), copy=False)

    @staticmethod
    def derivative(ctx, vx, vv):
        (x,) = ctx.saved_tensors
        vx, vv = float_part(vx), float_part(vv)
        return (None if vx is None else zero_like(vx),
                None if vv is None else vv * Tensor((x._data == 0).astype(vv.dtype)))


def heaviside(input, values):
    """The Heaviside step of ``input``, taking ``values`` where input = 0."""
    input, values = tensor_arg(input, "heaviside"), tensor_arg(values, "heaviside")
    if input._data.dtype != values._data.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    return Heaviside.apply(input, values)


__all__ = ["sgn", "signbit", "copysign", "heaviside"]
METHODS = {name: globals()[name] for name in __all__}
METHODS.update({name + "_": inplace_variant(globals()[name]) for name in ("sgn", "copysign", "heaviside")})
