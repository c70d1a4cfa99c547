"""Special functions and special values, elementwise: ``erfinv``, ``xlogy``,
``logaddexp``, ``logaddexp2`` and ``nan_to_num`` (``erf``/``erfc`` are in
``trig``).

    erfinv y:          the x with erf x = y on (-1, 1);  dx/dy = √π/2 · exp(x²)   (±inf at ±1, nan beyond)
    xlogy(x, y) = x ln y, and 0 where x = 0 (unless y is nan)
        ∂/∂x = ln y (0 where x = 0 and y <= 0, PyTorch's mask),  ∂/∂y = x / y
    logaddexp(a, b)  = ln(eᵃ + eᵇ);     ∂/∂a = σ(a - b),        ∂/∂b = σ(b - a)
    logaddexp2(a, b) = log₂(2ᵃ + 2ᵇ);   ∂/∂a = σ((a - b) ln 2), ∂/∂b = σ((b - a) ln 2)
    nan_to_num(x): nan → ``nan`` (0), +inf → ``posinf`` (the dtype's max), -inf → ``neginf`` (its min);
        ∂/∂x = 1 where x is finite, else 0 (as PyTorch)

σ is the logistic sigmoid, so the logaddexp rules stay finite for any
finite a, b; at a = b = ±inf they are nan, as PyTorch's. ``erfinv`` is
computed to float64 accuracy without scipy: Winitzki's closed-form estimate
(relative error about 2e-3) refined by three Halley steps on f(x) = erf x - y
(cubic convergence: 2e-3 → 1e-8 → 1e-24), with the residual written as
(1 - |y|) - erfc x for |y| > ½ so that it keeps its relative accuracy as
y → ±1. Integer inputs give the default float dtype; ``logaddexp`` and
``logaddexp2`` refuse integers, as PyTorch does, and ``nan_to_num`` returns
an integer tensor unchanged.
"""
import math

import numpy as np

from ..function import Elementwise
from ..tensor import Tensor
from ._elementwise_util import as_tensor, float_part, inplace_variant, not_implemented_for
from ._unary import tensor_arg, unary
from ._util import apply_promoted
from .select import where
from .trig import erf_array, erfc_array, sigmoid
from .unary import exp, log

_SQRT_PI_OVER_2 = math.sqrt(math.pi) / 2
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
_LN2 = math.log(2.0)
_WINITZKI_A = 0.147


def erfinv_array(y):
    """erfinv of a float numpy array, to the accuracy of its dtype (see the module docstring)."""
    y = np.asarray(y)
    dtype = y.dtype
    t = np.abs(y.astype(np.float64))
    with np.errstate(divide="ignore", invalid="ignore"):
        ln = np.log1p(-t * t)  # ln(1 - y²)
        c = 2 / (math.pi * _WINITZKI_A) + ln / 2
        x = np.sqrt(np.sqrt(c * c - ln / _WINITZKI_A) - c)
        tail = t > 0.5
        one_minus_t = 1 - t  # exact for t in [½, 1]
        for _ in range(3):
            f = np.where(tail, one_minus_t - erfc_array(x), erf_array(x) - t)
            df = _TWO_OVER_SQRT_PI * np.exp(-x * x)
            step = f / (df + x * f)  # Halley: f / (f' - f f''/(2 f')) with f'' = -2x f'
            x = np.where(np.isfinite(step), x - step, x)
    x = np.where(t == 1, np.inf, np.where(t > 1, np.nan, x))
    return (np.copysign(x, y)).astype(dtype, copy=False)


Erfinv, erfinv = unary("erfinv", erfinv_array, lambda v, y: v * exp(y * y) * _SQRT_PI_OVER_2,
                       "The inverse error function on [-1, 1] (±inf at ±1, nan outside).",
                       "y = erfinv x, the y with erf y = x;  dy/dx = √π/2 · exp(y²)")


class Xlogy(Elementwise):
    """y = x ln y (0 where x = 0);  ∂/∂x = ln y (0 where x = 0 and y <= 0),  ∂/∂y = x / y."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        with np.errstate(divide="ignore", invalid="ignore"):  # a number takes the dtype of the array
            out = np.asarray(x * np.log(np.asarray(y, np.result_type(x, y))))
        return np.where((np.asarray(x) == 0) & ~np.isnan(y), 0, out).astype(out.dtype, copy=False)

    @staticmethod
    def derivative(ctx, vx, vy):
        x, y = ctx.saved_tensors
        x, y = as_tensor(x), as_tensor(y)
        vx, vy = float_part(vx), float_part(vy)
        gx = gy = None
        if vx is not None:  # ln y, with ln 1 = 0 where x = 0 and y <= 0 (nothing to leak a nan)
            with np.errstate(divide="ignore", invalid="ignore"):
                gx = vx * log(where(Tensor((x._data == 0) & (y._data <= 0)), 1.0, y))
        if vy is not None:
            gy = vy * x / y
        return gx, gy


class LogAddExp(Elementwise):
    """y = ln(eᵃ + eᵇ);  ∂y/∂a = σ(a - b),  ∂y/∂b = σ(b - a)."""

    _ufunc = np.logaddexp
    _scale = 1.0

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return type(ctx)._ufunc(a, b)

    @staticmethod
    def derivative(ctx, va, vb):
        a, b = ctx.saved_tensors
        a, b = as_tensor(a), as_tensor(b)
        scale = type(ctx)._scale
        va, vb = float_part(va), float_part(vb)
        return (None if va is None else va * sigmoid((a - b) * scale),
                None if vb is None else vb * sigmoid((b - a) * scale))


class LogAddExp2(LogAddExp):
    """y = log₂(2ᵃ + 2ᵇ);  ∂y/∂a = σ((a - b) ln 2),  ∂y/∂b = σ((b - a) ln 2)."""

    _ufunc = np.logaddexp2
    _scale = _LN2


class NanToNum(Elementwise):
    """y = x where finite, else the replacement;  dy/dx = 1 where x is finite, else 0."""

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        ctx.save_for_backward(x)
        if x.dtype.kind != "f":
            return x.copy()
        return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def derivative(ctx, v, *_):
        (x,) = ctx.saved_tensors
        return (v * Tensor(np.isfinite(x._data).astype(v.dtype)),) + (None,) * 3


def xlogy(input, other):
    """input · ln(other), with 0 · ln(other) = 0 (also for other = 0) unless other is nan.
    Either operand may be a number; integers give the default float dtype."""
    if not isinstance(input, Tensor):
        tensor_arg(other, "xlogy")
    return apply_promoted(Xlogy, input, other, floating=True)


def _log_add(cls, name, input, other):
    from ..dtypes import result_type

    not_implemented_for(name, result_type(input, other), kinds="biu")
    return apply_promoted(cls, tensor_arg(input, name), tensor_arg(other, name))


def logaddexp(input, other):
    """ln(eᵃ + eᵇ), without overflow (tensors of a float dtype)."""
    return _log_add(LogAddExp, "logaddexp", input, other)


def logaddexp2(input, other):
    """log₂(2ᵃ + 2ᵇ), without overflow (tensors of a float dtype)."""
    return _log_add(LogAddExp2, "logaddexp2", input, other)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """nan, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (by
    default 0, the largest and the lowest finite value of the dtype)."""
    return NanToNum.apply(tensor_arg(input, "nan_to_num"), nan, posinf, neginf)


__all__ = ["erfinv", "xlogy", "logaddexp", "logaddexp2", "nan_to_num"]
METHODS = {name: globals()[name] for name in __all__}
METHODS.update({name + "_": inplace_variant(globals()[name]) for name in ("erfinv", "xlogy", "nan_to_num")})
