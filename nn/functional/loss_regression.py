"""Regression losses of ``nn.functional``, elementwise with d = input - target,
then reduced (``reduction`` = 'mean' (default), 'sum' or 'none'):

    mse_loss           d²                      (no 1/2: the notes' ½·MSE is 0.5 * mse_loss)
    l1_loss            |d|
    huber_loss         ½d² if |d| < δ else δ(|d| - ½δ)
    smooth_l1_loss     ½d²/β if |d| < β else |d| - ½β       (= huber_loss / β; l1 for β = 0)
    gaussian_nll_loss  ½(log σ² + d²/σ²)  (+ ½ log 2π when ``full``)
    poisson_nll_loss   exp(x) - t·x with ``log_input`` (x = log λ), else x - t·log(x + eps) (x = λ);
                       ``full`` adds Stirling's approximation of log(t!), t log t - t + ½ log(2πt), where t > 1

``gaussian_nll_loss`` is the negative log-likelihood of target ~ N(input, σ²)
(lecture notes 000, eq. 11-12): for a fixed σ, ``full=True`` and reduction
'sum' it is Σ (1/2σ²)(f(x_i) - y_i)² + log(σ√(2π)). ``var`` may have the
input's shape, one dim fewer (one variance per sample), or the input's rank
with exactly one dim of size 1 where the input's differs (shared along that
dim); a Python number is one variance for all. Values below ``eps`` are
clamped for stability (the gradient passes through the clamp, as in PyTorch).
"""
import math

import numpy as np

import autograd_core as ag
from autograd_core.grad_mode import no_grad
from autograd_core.ops.compare import RangeCheck
from autograd_core.tensor import Tensor

from ._reduction import check_reduction, legacy_reduction, warn_shape
from ._reduction import reduce as _reduce

__all__ = ["mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "gaussian_nll_loss", "poisson_nll_loss"]


def _diff(input, target, size_average, reduce_, reduction):
    reduction = check_reduction(legacy_reduction(size_average, reduce_, reduction, stacklevel=4))
    warn_shape(input, target, stacklevel=4)
    return input - target, reduction


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean (or sum) of squared errors (input - target)²."""
    d, reduction = _diff(input, target, size_average, reduce, reduction)
    loss = d * d
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean (or sum) of absolute errors |input - target|."""
    d, reduction = _diff(input, target, size_average, reduce, reduction)
    loss = ag.abs(d)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """Quadratic for |d| < delta, linear beyond (continuous slope)."""
    if delta <= 0:
        raise RuntimeError(f"huber_loss does not support non-positive values for delta, got {delta}")
    d, reduction = _diff(input, target, None, None, reduction)
    a = ag.abs(d)
    loss = ag.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """½d²/beta for |d| < beta, |d| - ½beta beyond; l1_loss when beta = 0."""
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss does not support negative values for beta, got {beta}")
    d, reduction = _diff(input, target, size_average, reduce, reduction)
    a = ag.abs(d)
    if beta == 0:
        return _reduce(a, reduction)
    return _reduce(ag.where(a < beta, (0.5 / beta) * d * d, a - 0.5 * beta), reduction)


def _check_var(var, input):
    """``var`` as a Tensor that broadcasts against ``input`` by PyTorch's rules."""
    if not isinstance(var, Tensor):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        return ag.full(tuple(input.shape), float(var), dtype=input.dtype)
    RangeCheck.call(var, 0, np.inf, False, ValueError, "var has negative entry/entries")
    ishape, vshape = tuple(input.shape), tuple(var.shape)
    if vshape == ishape:
        return var
    if ishape[:-1] == vshape:  # one variance per sample, shared over the last dim
        return ag.unsqueeze(var, -1)
    mismatched = [v for i, v in zip(ishape, vshape) if i != v]
    if len(ishape) == len(vshape) and sum(mismatched) == 1:  # one dim of size 1 shared by broadcasting
        return var
    raise ValueError(f"gaussian_nll_loss: var is of incorrect size {list(vshape)} for an input of size "
                     f"{list(ishape)}")


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Negative log-likelihood of ``target`` under N(input, var)."""
    var = _check_var(var, input)
    check_reduction(reduction)
    # clamp the value, let the gradient pass (PyTorch clamps in place under no_grad): by ops, always
    # (a compiled replay recomputes them; adding 0 where var >= eps leaves var's values as they are)
    with no_grad():
        raise_to_eps = ag.where(var < eps, eps - var, 0.0)
    var = var + raise_to_eps
    d = input - target
    loss = 0.5 * (ag.log(var) + d * d / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    """Negative log-likelihood of ``target`` under Poisson(λ), with ``input``
    log λ (``log_input``) or λ; the constant log(t!) only when ``full``."""
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))
    if log_input:
        loss = ag.exp(input) - target * input
    else:
        loss = input - target * ag.log(input + eps)
    if full:
        big = target > 1 if isinstance(target, Tensor) else Tensor(np.asarray(target) > 1)  # an op: replayed
        safe = ag.where(big, target, 2.0)  # keeps log finite where the term is dropped
        stirling = safe * ag.log(safe) - safe + 0.5 * ag.log(2 * math.pi * safe)
        loss = loss + ag.where(big, stirling, 0.0)
    return _reduce(loss, reduction)
