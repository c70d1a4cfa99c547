"""Arithmetic: ``+ - * / **`` and negation, with numpy broadcasting.

The engine sums each gradient back to its input's shape, so the rules below
are written for same-shape operands:

    d(a+b) = da + db      d(a-b) = da - db      d(ab) = b da + a db
    d(a/b) = da/b - a db/b²                     d(aᵇ) = b aᵇ⁻¹ da + aᵇ ln(a) db

Backward reads them with d· = ȳ (ā = ȳ·∂y/∂a, b̄ = ȳ·∂y/∂b); forward mode
reads them with d· = the tangents (ẏ = ∂y/∂a·ȧ + ∂y/∂b·ḃ), e.g. ẏ = ȧ + α ḃ
for a + α b and ẏ = -ȧ for -a. The tangent of an operand that is a number
is zero, and so is that of an integer tensor (it is skipped). ∂(aᵇ)/∂b =
aᵇ ln a is taken as 0 where a <= 0 (its limit at a = 0 for b > 0), and
ln a is computed in the output's dtype (an integer or Python-number base
does not round it to float32).
"""
import math

import numpy as np

from ..function import Op
from ..tensor import Tensor
from ._util import apply_promoted


class Add(Op):
    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        return g, g

    @staticmethod
    def jvp(ctx, ta, tb):
        return _sum_tangents(_float(ta), _float(tb))


class AddScaled(Op):
    """a + alpha·b (``add(a, b, alpha=...)``)."""

    @staticmethod
    def forward(ctx, a, b, alpha):
        ctx.alpha = alpha
        return a + alpha * b

    @staticmethod
    def backward(ctx, g):
        return g, g * ctx.alpha, None

    @staticmethod
    def jvp(ctx, ta, tb, _):
        tb = _float(tb)
        return _sum_tangents(_float(ta), None if tb is None else tb * ctx.alpha)


class Sub(Op):
    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, g):
        return g, -g

    @staticmethod
    def jvp(ctx, ta, tb):
        tb = _float(tb)
        return _sum_tangents(_float(ta), None if tb is None else -tb)


class Mul(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return (g * b if ctx.needs_input_grad[0] else None,
                g * a if ctx.needs_input_grad[1] else None)

    @staticmethod
    def jvp(ctx, ta, tb):
        a, b = ctx.saved_tensors
        ta, tb = _float(ta), _float(tb)
        return _sum_tangents(None if ta is None else ta * b, None if tb is None else a * tb)


class Div(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.true_divide(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = g / b if ctx.needs_input_grad[0] else None
        gb = -g * a / (b * b) if ctx.needs_input_grad[1] else None
        return ga, gb

    @staticmethod
    def jvp(ctx, ta, tb):
        a, b = ctx.saved_tensors
        ta, tb = _float(ta), _float(tb)
        return _sum_tangents(None if ta is None else ta / b,
                             None if tb is None else -tb * a / (b * b))


class Neg(Op):
    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g):
        return -g

    @staticmethod
    def jvp(ctx, t):
        return -t


class Pow(Op):
    @staticmethod
    def forward(ctx, a, b):
        out = np.power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        ga = g * b * a ** (b - 1) if ctx.needs_input_grad[0] else None
        gb = g * _out_log_base(a, out) if ctx.needs_input_grad[1] else None
        return ga, gb

    @staticmethod
    def jvp(ctx, ta, tb):
        a, b, out = ctx.saved_tensors
        ta, tb = _float(ta), _float(tb)
        return _sum_tangents(None if ta is None else ta * b * a ** (b - 1),
                             None if tb is None else tb * _out_log_base(a, out))


def _out_log_base(a, out):
    """d(aᵇ)/db = aᵇ ln a, taken as 0 where a <= 0 (its limit at a = 0 for
    b > 0), with ln a in the dtype of ``out`` = aᵇ (``a`` a Tensor or a number)."""
    if not isinstance(a, Tensor):
        if a > 0:
            return out * math.log(a)
        return Tensor(np.zeros(out.shape, out.dtype))
    from .select import where
    from .unary import log

    if a.dtype != out.dtype:
        a = a.to(out.dtype)
    pos = a > 0
    return where(pos, out * log(where(pos, a, 1.0)), 0.0)


def _float(t):
    """A tangent, or None when it is absent or belongs to an integer/bool input."""
    return t if t is not None and t._data.dtype.kind == "f" else None


def _sum_tangents(*tangents):
    """The sum of the tangents that are not None (None when all are)."""
    out = None
    for t in tangents:
        if t is not None:
            out = t if out is None else out + t
    return out


def add(input, other, alpha=1):
    """input + alpha · other."""
    if alpha != 1:
        return apply_promoted(AddScaled, input, other, extra=(alpha,))
    return apply_promoted(Add, input, other)


def sub(input, other, alpha=1):
    """input - alpha · other."""
    if alpha != 1:
        return apply_promoted(AddScaled, input, other, extra=(-alpha,))
    return apply_promoted(Sub, input, other)


def mul(input, other):
    return apply_promoted(Mul, input, other)


def div(input, other):
    return apply_promoted(Div, input, other, floating=True)  # true division: ints give floats


def neg(input):
    return Neg.apply(input)


def pow(input, exponent):
    return apply_promoted(Pow, input, exponent)


def rsub(input, other):
    return apply_promoted(Sub, other, input)


def rdiv(input, other):
    return apply_promoted(Div, other, input, floating=True)


def rpow(input, other):
    return apply_promoted(Pow, other, input)


true_divide = divide = div
multiply = mul
subtract = sub
negative = neg

__all__ = ["add", "sub", "mul", "div", "neg", "pow", "true_divide", "divide", "multiply",
           "subtract", "negative"]
METHODS = {
    "add": add, "sub": sub, "mul": mul, "div": div, "neg": neg, "pow": pow,
    "__add__": add, "__radd__": add, "__sub__": sub, "__rsub__": rsub, "__mul__": mul,
    "__rmul__": mul, "__truediv__": div, "__rtruediv__": rdiv, "__neg__": neg,
    "__pow__": pow, "__rpow__": rpow, "true_divide": div, "divide": div, "multiply": mul,
    "subtract": sub, "negative": neg,
}
