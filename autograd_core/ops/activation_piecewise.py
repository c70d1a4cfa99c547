"""Piecewise activations: ``hardtanh``, ``relu6``, ``hardsigmoid``,
``hardswish``, ``threshold``, ``hardshrink``, ``softshrink``, ``prelu`` and
``rrelu`` (with the in-place ``threshold_`` and ``rrelu_``).

With λ (``lambd``) the shrink width, [a, b] the hardtanh bounds:

    hardtanh(x)    = min(max(x, a), b)           dy/dx = [a < x < b]
    relu6(x)       = hardtanh(x, 0, 6)
    hardsigmoid(x) = min(max(x + 3, 0), 6) / 6   dy/dx = [-3 < x < 3] / 6
    hardswish(x)   = x · hardsigmoid(x)          dy/dx = 0 (x <= -3), (2x + 3)/6 (-3 < x < 3), 1 (x >= 3)
    threshold(x)   = x if x > t else value       dy/dx = [x > t]
    hardshrink(x)  = x if |x| > λ else 0         dy/dx = [|x| > λ]
    softshrink(x)  = x - λ·sign(x) if |x| > λ else 0       dy/dx = [|x| > λ]
    prelu(x, w)    = x if x > 0 else w·x         ∂y/∂x = 1 or w,  ∂y/∂w = 0 or x
    rrelu(x)       = x if x > 0 else r·x,  r ~ U(lower, upper) per element in
                     training, r = (lower + upper)/2 in evaluation

Subgradients at the kinks are PyTorch's: the derivative at a breakpoint is
that of the *outer* (flat) piece, so hardtanh and relu6 pass 0 at their
bounds, hardsigmoid 0 at ±3, hardswish 0 at -3 and 1 at 3, threshold 0 at
x = t, the shrinks 0 at ±λ; prelu and rrelu use the negative slope at 0.

The ops whose slope is a constant pattern (every one but hardswish and
prelu) save their input, as PyTorch does, and build that pattern from it
at backward; the derivative is the pattern times v, so the second
derivative is 0. hardswish keeps x for the middle
piece (second derivative 1/3 there). ``prelu`` has two inputs; its weight
(one slope, or one per channel, dim 1) is reshaped to broadcast, and the
engine sums w̄ back to the weight's shape. ``rrelu`` in training is x times
a constant noise tensor (one ``mul``).

Dtypes as PyTorch: ``hardtanh``, ``relu6`` and ``threshold`` keep integer
dtypes (their numbers truncated to it), the others raise NotImplementedError
for integer inputs; bool raises.
"""
import numpy as np

from ..function import Elementwise
from ..random import numpy_generator
from ..tensor import Tensor
from .activation import float_input, leaky_relu
from .arith import mul
from .unary import tensor_arg


class _Masked(Elementwise):
    """An op whose slope is a pattern of constants, ``slope(x, *args)``
    (0 off the active pieces), computed from the saved input at backward:
    x̄ = slope·ȳ and ẏ = slope·ẋ; the second derivative is 0."""

    @staticmethod
    def derivative(ctx, v, *args):
        (x,) = ctx.saved_tensors
        m = Tensor(np.asarray(ctx.slope(x._data, *ctx.args)).astype(x.dtype, copy=False))
        return (v * m, *(None for _ in args)) if args else v * m


class Hardtanh(_Masked):
    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.args = lo, hi
        return np.minimum(np.maximum(x, lo), hi)

    @staticmethod
    def slope(x, lo, hi):
        return (x > lo) & (x < hi)


class Hardsigmoid(_Masked):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        ctx.args = ()
        out = np.add(x, 3, out=np.empty(x.shape, x.dtype))
        np.clip(out, 0, 6, out=out)
        out /= 6
        return out

    @staticmethod
    def slope(x):
        m = ((x > -3) & (x < 3)).astype(x.dtype)
        m /= 6
        return m


class Threshold(_Masked):
    @staticmethod
    def forward(ctx, x, threshold, value):
        ctx.save_for_backward(x)
        ctx.args = (threshold,)
        above = Threshold.slope(x, threshold)
        # max(x, t)·[x > t] + value·[x <= t]: exact, finite where masked out, NaN kept (as PyTorch)
        if not np.isfinite(value):  # inf·0 would be NaN in the product form
            return np.where(x <= threshold, np.asarray(value, x.dtype), x)
        out = np.maximum(x, threshold, out=np.empty(x.shape, x.dtype))
        out *= above
        if value != 0:
            below = np.logical_not(above).astype(x.dtype)
            below *= value
            out += below
        elif out.dtype.kind == "f":
            out += 0  # -0.0 (from t·0 with t < 0) becomes 0.0
        return out

    @staticmethod
    def slope(x, threshold):
        return x > threshold


class Hardshrink(_Masked):
    @staticmethod
    def forward(ctx, x, lambd):
        ctx.save_for_backward(x)
        ctx.args = (lambd,)
        out = x * Hardshrink.slope(x, lambd)  # x·[|x| > λ]; NaN is kept (as PyTorch)
        out += 0  # -0.0 becomes 0.0
        return out

    @staticmethod
    def slope(x, lambd):
        return np.abs(x) > lambd


class Softshrink(Hardshrink):
    @staticmethod
    def forward(ctx, x, lambd):
        ctx.save_for_backward(x)
        ctx.args = (lambd,)
        return x - np.clip(x, -lambd, lambd)


class Hardswish(Elementwise):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        out = np.add(x, 3, out=np.empty(x.shape, x.dtype))
        np.clip(out, 0, 6, out=out)
        out *= x
        out /= 6
        return out

    @staticmethod
    def derivative(ctx, v):
        (x,) = ctx.saved_tensors
        a = x._data
        mid = ((a > -3) & (a < 3)).astype(a.dtype)
        # dy/dx = x/3 + 1/2 on (-3, 3), 1 on [3, ∞), 0 on (-∞, -3]
        const = mid * 0.5 + (a >= 3)
        return v * (x * Tensor(mid * (1 / 3)) + Tensor(const))


class PReLU(Elementwise):
    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        out = np.minimum(x, 0, out=np.empty(x.shape, x.dtype))  # max(x, 0) + w·min(x, 0): exact
        out *= w
        out += np.maximum(x, 0)
        return out

    @staticmethod
    def derivative(ctx, vx, vw):
        x, w = ctx.saved_tensors
        neg = Tensor((x._data <= 0).astype(x.dtype))
        gx = None if vx is None else vx * (w * neg + (1 - neg))
        gw = None if vw is None else vw * (x * neg)
        return gx, gw


def _as_int(value, dtype):
    """A bound for an integer tensor: truncated towards zero, as PyTorch converts it."""
    return value if dtype.kind == "f" else int(value)


def hardtanh(input, min_val=-1.0, max_val=1.0, _op="hardtanh"):
    """min(max(x, min_val), max_val); the gradient is 0 at and beyond the bounds."""
    dt = tensor_arg(input, _op)._data.dtype
    if dt.kind == "b":
        raise RuntimeError("Bool inputs not supported for hardtanh")
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return Hardtanh.apply(input, _as_int(min_val, dt), _as_int(max_val, dt))


def relu6(input):
    """min(max(x, 0), 6): ``hardtanh(x, 0, 6)``."""
    return hardtanh(input, 0.0, 6.0, "relu6")


def hardsigmoid(input):
    """min(max(x + 3, 0), 6) / 6."""
    return Hardsigmoid.apply(float_input(input, "hardsigmoid"))


def hardswish(input):
    """x · min(max(x + 3, 0), 6) / 6."""
    return Hardswish.apply(float_input(input, "hardswish"))


def threshold(input, threshold, value):
    """x where x > threshold, ``value`` elsewhere."""
    return _threshold(input, threshold, value, "threshold")


def _threshold(input, t, value, op):
    dt = tensor_arg(input, op)._data.dtype
    if dt.kind == "b":
        raise NotImplementedError("\"threshold_cpu\" not implemented for 'Bool'")
    return Threshold.apply(input, _as_int(t, dt), _as_int(value, dt))


def hardshrink(input, lambd=0.5):
    """x where |x| > lambd, 0 elsewhere."""
    return Hardshrink.apply(float_input(input, "hardshrink"), float(lambd))


def softshrink(input, lambd=0.5):
    """x - lambd where x > lambd, x + lambd where x < -lambd, 0 elsewhere (lambd >= 0)."""
    float_input(input, "softshrink", "softshrink_check")
    if lambd < 0:
        raise RuntimeError(f"lambda must be in range [0, {np.finfo(input._data.dtype).max:g}] for input dtype "
                           f"{_name(input._data.dtype)}, but found {lambd}")
    return Softshrink.apply(input, float(lambd))


def prelu(input, weight):
    """x where x > 0, weight · x elsewhere; ``weight`` holds one slope or one
    per channel (dim 1 of the input)."""
    float_input(input, "prelu")
    if not isinstance(weight, Tensor):
        raise TypeError(f"prelu(): argument 'weight' (position 2) must be Tensor, not {type(weight).__name__}")
    x, w = input._data, weight._data
    if w.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {w.ndim}")
    if w.dtype != x.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {_name(x.dtype)} and {_name(w.dtype)}")
    if w.size != 1:
        if x.ndim == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = x.shape[1] if x.ndim >= 2 else 1
        if w.size != channels:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter "
                               f"numbers = {w.size} and channel size = {channels}.")
        weight = weight.reshape((channels,) + (1,) * (x.ndim - 2)) if x.ndim > 2 else weight
    elif w.ndim:
        weight = weight.reshape(())
    return PReLU.apply(input, weight)


def _name(dt):
    return {"float32": "Float", "float64": "Double", "float16": "Half"}.get(dt.name, dt.name)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    """Randomized leaky ReLU: x for x > 0, r·x otherwise, with r drawn from
    U(lower, upper) per element in training (from ``generator``, or the
    default one) and r = (lower + upper) / 2 in evaluation."""
    float_input(input, "rrelu", "rrelu_with_noise_out_cpu" if training else "leaky_relu_cpu")
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    if not training:
        return leaky_relu(input, (lower + upper) / 2)
    x = input._data
    noise = numpy_generator(generator).uniform(lower, upper, x.shape).astype(x.dtype, copy=False)
    pos = x > 0
    noise *= np.logical_not(pos)  # exactly 1 where x > 0 (a product, not a masked store: no branch)
    noise += pos
    return mul(input, Tensor(noise))


def threshold_(input, threshold, value):
    """``threshold`` written into ``input``."""
    return tensor_arg(input, "threshold_")._inplace(_threshold, threshold, value, "threshold_")


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    """``rrelu`` written into ``input``."""
    return tensor_arg(input, "rrelu_")._inplace(rrelu, lower, upper, training, generator)

__all__ = ["hardtanh", "relu6", "hardsigmoid", "hardswish", "threshold", "hardshrink", "softshrink", "prelu",
           "rrelu", "threshold_", "rrelu_"]
METHODS = {"hardshrink": hardshrink, "prelu": prelu}
