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
integer tensor (it is skipped). As in PyTorch, ∂(aᵇ)/∂a = b aᵇ⁻¹ is 0
where b = 0 (so the gradient of x ** 0 is 0, also at x = 0), and
∂(aᵇ)/∂b = aᵇ ln a as 0 where a = 0 and b >= 0 (its limit there; nan for
a < 0, -inf for a = 0 and b < 0); ln a is computed in the output's dtype (an
integer or Python-number base does not round it to float32). Both masks are
built into the operands (a ** 0, ln 1), not applied to the result, so the
rules differentiate again without a nan leaking through a masked branch.

``div(rounding_mode='trunc'|'floor')`` is in ``division``; an integer
tensor raised to a negative Python integer raises RuntimeError, as in
PyTorch, while negative integer exponent *tensors* truncate (2 ** -1 = 0).
"""
import math

import numpy as np

from ..function import Elementwise
from ..tensor import Tensor
from ._elementwise_util import float_part, not_implemented_for
from ._util import apply_promoted, binary


class Add(Elementwise):
    _on_scalars = True

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def derivative(ctx, da, db):
        return float_part(da), float_part(db)

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
        db = float_part(db)
        return float_part(da), None if db is None else db * ctx.alpha, None


class Sub(Elementwise):
    _on_scalars = True

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def derivative(ctx, da, db):
        db = float_part(db)
        return float_part(da), None if db is None else -db

    @staticmethod
    def backward(ctx, g):  # the derivative with da = db = ȳ, hand-written: a hot path
        need = ctx.needs_input_grad
        return g if need[0] else None, -g if need[1] else None


class Mul(Elementwise):
    _on_scalars = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def derivative(ctx, da, db):
        a, b = ctx.saved_tensors
        da, db = float_part(da), float_part(db)
        return None if da is None else da * b, None if db is None else db * a

    @staticmethod
    def backward(ctx, g):  # the derivative with d· = ȳ, hand-written: a hot path
        a, b = ctx.saved_tensors
        need = ctx.needs_input_grad
        return g * b if need[0] else None, g * a if need[1] else None


class Div(Elementwise):
    _on_scalars = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def derivative(ctx, da, db):
        a, b = ctx.saved_tensors
        da, db = float_part(da), float_part(db)
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
        try:
            out = np.power(a, b)
        except ValueError:  # integers to negative integer powers: numpy refuses them
            out = _int_power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def derivative(ctx, da, db):
        a, b, out = ctx.saved_tensors
        da, db = float_part(da), float_part(db)
        return (None if da is None else _exponent_rule(da, a, b),
                None if db is None else db * _out_log_base(a, b, out))


def _int_power(a, b):
    """aᵇ for integers, where a negative exponent truncates as in PyTorch:
    1 for a = 1, ±1 for a = -1, 0 otherwise (numpy refuses negative ones)."""
    neg = np.asarray(b < 0)
    out = np.power(a, np.where(neg, 0, b))
    small = np.where(a == 1, 1, np.where(a == -1, 1 - 2 * (b % 2), 0))
    return np.where(neg, small, out).astype(out.dtype, copy=False)


def _exponent_rule(da, a, b):
    """da · b aᵇ⁻¹, 0 where b = 0 (PyTorch's convention: x ** 0 has gradient 0
    everywhere). Only at a = b = 0 is that a mask (0 · 0⁻¹ would be nan): the
    exponent b - 1 is replaced by 0 there, so a ** 0 = 1; elsewhere b aᵇ⁻¹ is
    0 at b = 0 by itself, and its derivative in b (aᵇ⁻¹ there) stays right."""
    if not isinstance(b, Tensor):
        return da * Tensor(np.zeros((), da.dtype)) if b == 0 else da * b * a ** (b - 1)
    from .select import where

    return da * b * a ** where(Tensor((a._data == 0) & (b._data == 0)), 0.0, b - 1)


def _out_log_base(a, b, out):
    """d(aᵇ)/db = aᵇ ln a, taken as 0 where a = 0 and b >= 0 (PyTorch's mask;
    nan for a < 0 and -inf for a = 0, b < 0 as there), with ln a in the dtype
    of ``out`` = aᵇ (``a`` a Tensor or a number, ``b`` a Tensor)."""
    if not isinstance(a, Tensor):
        if a > 0:
            return out * math.log(a)
        mask = a == 0 and b._data >= 0
        with np.errstate(divide="ignore", invalid="ignore"):
            return out * Tensor(np.where(mask, 0.0, np.log(np.asarray(a, out.dtype))).astype(out.dtype))
    from .select import where
    from .unary import log

    if a.dtype != out.dtype:
        a = a.to(out.dtype)
    zero = (a._data == 0) & (b._data >= 0)
    with np.errstate(invalid="ignore"):  # ln a = nan for a < 0, as in PyTorch
        return out * log(where(Tensor(zero), 1.0, a))


_add, _sub, mul, true_divide = binary(Add), binary(Sub), binary(Mul), binary(Div, floating=True)
true_divide.__doc__ = "input / other, true division (ints give floats)."


def add(input, other, alpha=1):
    """input + alpha · other."""
    if alpha != 1:
        return apply_promoted(AddScaled, input, other, extra=(alpha,))
    return _add(input, other)


def sub(input, other, alpha=1):
    """input - alpha · other."""
    if alpha != 1:
        return apply_promoted(AddScaled, input, other, extra=(-alpha,))
    return _sub(input, other)


def div(input, other, *, rounding_mode=None):
    """input / other: true division (ints give floats) or, with ``rounding_mode``
    'trunc' or 'floor', the quotient rounded that way (in the operands' dtype)."""
    if rounding_mode is not None:
        from .division import div_rounded

        return div_rounded(input, other, rounding_mode)
    return true_divide(input, other)


def neg(input):
    return Neg.apply(input)


def pow(input, exponent):
    """inputᵉˣᵖᵒⁿᵉⁿᵗ; an integer tensor to a negative Python integer raises, as in
    PyTorch. bool ** bool has no kernel (NotImplementedError), for a bool tensor
    or a Python bool base alike, except a bool tensor to a Python bool: x ** True
    is x and x ** False is all True (PyTorch's shortcuts for the exponents 1 and 0)."""
    if isinstance(input, Tensor) and input._data.dtype.kind != "f":
        if isinstance(exponent, (int, np.integer)) and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        if input._data.dtype == np.bool_ and isinstance(exponent, (bool, np.bool_)):
            return Tensor(input._data.copy() if exponent else np.ones_like(input._data))
    if isinstance(exponent, Tensor) and exponent._data.dtype == np.bool_ and _is_bool(input):
        not_implemented_for("pow", np.bool_)
    return apply_promoted(Pow, input, exponent)


def _is_bool(x):
    """A bool tensor or a Python (or numpy) bool."""
    return x._data.dtype == np.bool_ if isinstance(x, Tensor) else isinstance(x, (bool, np.bool_))


def rsub(input, other):
    return apply_promoted(Sub, other, input)


def rdiv(input, other):
    return apply_promoted(Div, other, input, floating=True)


def rpow(input, other):
    return pow(other, input)


divide = div
multiply = mul
subtract = sub
negative = neg

__all__ = ["add", "sub", "mul", "div", "neg", "pow", "true_divide", "divide", "multiply",
           "subtract", "negative"]
METHODS = {
    "add": add, "sub": sub, "mul": mul, "div": div, "neg": neg, "pow": pow,
    "__add__": _add, "__radd__": _add, "__sub__": _sub, "__rsub__": rsub, "__mul__": mul,
    "__rmul__": mul, "__truediv__": true_divide, "__rtruediv__": rdiv, "__neg__": neg,
    "__pow__": pow, "__rpow__": rpow, "true_divide": true_divide, "divide": div, "multiply": mul,
    "subtract": sub, "negative": neg,
}
