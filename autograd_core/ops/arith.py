"""Arithmetic: ``+ - * / **`` and negation, with numpy broadcasting.

The engine sums each gradient back to its input's shape, so the rules below
are written for same-shape operands:

    d(a+b) = da + db      d(a-b) = da - db      d(ab) = b da + a db
    d(a/b) = da/b - a db/b²                     d(aᵇ) = b aᵇ⁻¹ da + aᵇ ln(a) db

Each op is ``Elementwise`` and states these once, as ``derivative(ctx, da,
db)`` returning the terms (∂y/∂a·da, ∂y/∂b·db), None for an operand that
needs none. Backward reads them with d· = ȳ (ā = ȳ·∂y/∂a, b̄ = ȳ·∂y/∂b; no
term is computed for an operand that needs no gradient, such as the 2.0 of
``x * 2.0``); forward mode reads them with d· = the tangents and sums the
terms (ẏ = ∂y/∂a·ȧ + ∂y/∂b·ḃ), e.g. ẏ = ȧ + α ḃ for a + α b and ẏ = -ȧ for
-a. The tangent of an operand that is a number is zero, and so is that of an
integer tensor (it is skipped). ∂(aᵇ)/∂b =
aᵇ ln a is taken as 0 where a <= 0 (its limit at a = 0 for b > 0), and
ln a is computed in the output's dtype (an integer or Python-number base
does not round it to float32).
"""
import math

import numpy as np

from ..function import Elementwise
from ..tensor import Tensor
from ._util import apply_promoted


class Add(Elementwise):
    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def derivative(ctx, da, db):
        return _float(da), _float(db)

    @staticmethod
    def backward(ctx, g):  # the derivative with da = db = ȳ, hand-written: a hot path
        return g, g


class AddScaled(Elementwise):
    """a + alpha·b (``add(a, b, alpha=...)``)."""

    @staticmethod
    def forward(ctx, a, b, alpha):
        ctx.alpha = alpha
        return a + alpha * b

    @staticmethod
    def derivative(ctx, da, db, _):
        db = _float(db)
        return _float(da), None if db is None else db * ctx.alpha, None


class Sub(Elementwise):
    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def derivative(ctx, da, db):
        db = _float(db)
        return _float(da), None if db is None else -db


class Mul(Elementwise):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def derivative(ctx, da, db):
        a, b = ctx.saved_tensors
        da, db = _float(da), _float(db)
        return None if da is None else da * b, None if db is None else db * a

    @staticmethod
    def backward(ctx, g):  # the derivative with d· = ȳ, hand-written: a hot path
        a, b = ctx.saved_tensors
        need = ctx.needs_input_grad
        return g * b if need[0] else None, g * a if need[1] else None


class Div(Elementwise):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.true_divide(a, b)

    @staticmethod
    def derivative(ctx, da, db):
        a, b = ctx.saved_tensors
        da, db = _float(da), _float(db)
        return None if da is None else da / b, None if db is None else -db * a / (b * b)

    @staticmethod
    def backward(ctx, g):  # the derivative with d· = ȳ, hand-written: a hot path
        a, b = ctx.saved_tensors
        need = ctx.needs_input_grad
        return g / b if need[0] else None, -g * a / (b * b) if need[1] else None


class Neg(Elementwise):
    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def derivative(ctx, da):
        return -da


class Pow(Elementwise):
    @staticmethod
    def forward(ctx, a, b):
        out = np.power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def derivative(ctx, da, db):
        a, b, out = ctx.saved_tensors
        da, db = _float(da), _float(db)
        return (None if da is None else da * b * a ** (b - 1),
                None if db is None else db * _out_log_base(a, out))


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
    """A gradient or tangent, or None when it is absent or belongs to an
    integer/bool input (forward mode gives those a zero tangent)."""
    return t if t is not None and t._data.dtype.kind == "f" else None


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
