"""Normalised exponentials: ``softmax``, ``log_softmax`` and ``logsumexp``.

All three shift by the maximum m of each group first, so huge logits never
overflow and tiny ones never underflow to log 0:

    logsumexp(x) = m + log Σ exp(x - m)
    softmax(x)   = exp(x - m) / Σ exp(x - m)
    log_softmax  = (x - m) - log Σ exp(x - m)

(a group whose maximum is ±inf uses m = 0, so logsumexp gives ±inf.) With
s = softmax(x) and sums over the softmax dim (kept as size 1):

    y = logsumexp(x)    ⇒  x̄ = ȳ · exp(x - y)  (= ȳ s)
    y = softmax(x)      ⇒  x̄ = y ⊙ (ȳ - Σ ȳ ⊙ y)
    y = log_softmax(x)  ⇒  x̄ = ȳ - exp(y) Σ ȳ

Forward mode, with ẋ the input tangent:

    y = logsumexp(x)    ⇒  ẏ = Σ exp(x - y) ẋ      (= Σ s ẋ)
    y = softmax(x)      ⇒  ẏ = y ⊙ (ẋ - Σ ẋ ⊙ y)   (the Jacobian is symmetric)
    y = log_softmax(x)  ⇒  ẏ = ẋ - Σ exp(y) ẋ

Float dtypes are kept. ``softmax`` and ``log_softmax`` of an integer or bool
tensor raise PyTorch's NotImplementedError (it has no such kernel; pass
``dtype=`` to compute in a float dtype); ``logsumexp`` computes them in
float32, as PyTorch.
"""
import numpy as np

from ..function import Op
from ._elementwise_util import not_implemented_for
from ._util import floating
from .reduce import Sum, cast, check_tensor, group_size, kept, one_dim, reduce_axes, reduced_shape
from .unary import exp


class _Normalized(Op):
    """The forward of softmax and log_softmax: x - max(x) over ``axes`` (every exponent ≤ 0, so
    no overflow), then the subclass's ``normalize`` of it in place; the output is saved."""

    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        x = floating(x)
        if x.size == 0:
            out = x.copy()
        else:
            out = ctx.normalize(np.asarray(x - np.max(x, axis=axes, keepdims=True)), axes)
        ctx.save_for_backward(out)
        return out


class Softmax(_Normalized):
    @staticmethod
    def normalize(z, axes):
        """exp(z) / Σ exp(z), in place."""
        np.exp(z, out=z)
        z /= np.sum(z, axis=axes, keepdims=True)
        return z

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return y * (g - Sum.apply(g * y, ctx.axes, True)), None

    @staticmethod
    def jvp(ctx, t, _):
        (y,) = ctx.saved_tensors
        return y * (t - Sum.apply(t * y, ctx.axes, True))


class LogSoftmax(_Normalized):
    @staticmethod
    def normalize(z, axes):
        """z - log Σ exp(z), in place."""
        z -= np.log(np.sum(np.exp(z), axis=axes, keepdims=True))
        return z

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g - exp(y) * Sum.apply(g, ctx.axes, True), None

    @staticmethod
    def jvp(ctx, t, _):
        (y,) = ctx.saved_tensors
        return t - Sum.apply(exp(y) * t, ctx.axes, True)


class LogSumExp(Op):
    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        x = floating(x)
        if not group_size(x.shape, axes):  # log of an empty sum
            out = np.full(reduced_shape(x.shape, axes, keepdim), -np.inf, x.dtype)
        else:
            m = np.max(x, axis=axes, keepdims=True)
            finite = np.isfinite(m)
            if finite.all():
                out = np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True)) + m
            else:  # a group of -inf gives log 0 = -inf; a +inf gives +inf
                m = np.where(finite, m, np.zeros((), x.dtype))
                with np.errstate(divide="ignore", invalid="ignore"):
                    out = np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True)) + m
            out = np.asarray(out if keepdim else out.reshape(reduced_shape(x.shape, axes, False)))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        return kept(ctx, g) * exp(x - kept(ctx, out)), None, None

    @staticmethod
    def jvp(ctx, t, *_):
        x, out = ctx.saved_tensors
        return Sum.apply(t * exp(x - kept(ctx, out)), ctx.axes, ctx.keepdim)


def _axes(input, dim, op):
    return (one_dim(dim, input.ndim, op),) if input.ndim else ()


def _floating_only(input, axes, op):
    """PyTorch's refusal of a non-empty integer or bool input, naming its kernel."""
    if input._data.dtype.kind in "biu" and input._data.size:
        last = not axes or axes[0] == input.ndim - 1
        not_implemented_for(f"{op}_{'lastdim_' if last else ''}kernel_impl", input._data.dtype, "biu")


def _along_dim(op, input, dim, dtype, name):
    """``op`` applied along ``dim`` of ``input`` cast to ``dtype``, after the checks of ``name``."""
    check_tensor(input, name)
    input = cast(input, dtype)
    axes = _axes(input, dim, name)
    _floating_only(input, axes, name)
    return op.apply(input, axes)


def softmax(input, dim, dtype=None):
    """exp(x) / Σ exp(x) along ``dim``, computed without overflow (in ``dtype``
    when given; an integer input needs one)."""
    return _along_dim(Softmax, input, dim, dtype, "softmax")


def log_softmax(input, dim, dtype=None):
    """log(softmax(x)) along ``dim``, computed stably as x - logsumexp(x) (in
    ``dtype`` when given; an integer input needs one)."""
    return _along_dim(LogSoftmax, input, dim, dtype, "log_softmax")


def logsumexp(input, dim, keepdim=False):
    """log Σ exp(x) over ``dim`` (an int or a tuple), computed without overflow."""
    check_tensor(input, "logsumexp")
    return LogSumExp.apply(input, reduce_axes(input.ndim, dim, "logsumexp"), bool(keepdim))


__all__ = ["softmax", "log_softmax", "logsumexp"]
METHODS = {"softmax": softmax, "log_softmax": log_softmax, "logsumexp": logsumexp}
