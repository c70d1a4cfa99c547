"""Regression losses of ``nn.functional``, elementwise with d = input - target,
then reduced (``reduction`` = 'mean' (default), 'sum' or 'none'):

    mse_loss           d²                      (no 1/2: the notes' ½·MSE is 0.5 * mse_loss)
    l1_loss            |d|
    huber_loss         ½d² if |d| < δ else δ(|d| - ½δ)
    smooth_l1_loss     ½d²/β if |d| < β else |d| - ½β       (= huber_loss / β; l1 for β = 0)
    gaussian_nll_loss  ½(log σ² + d²/σ²)  (+ ½ log 2π when ``full``)

``gaussian_nll_loss`` is the negative log-likelihood of target ~ N(input, σ²)
(lecture notes 000, eq. 11-12): for a fixed σ, ``full=True`` and reduction
'sum' it is Σ (1/2σ²)(f(x_i) - y_i)² + log(σ√(2π)). ``var`` may have the
input's shape, one dim fewer, or a last dim of 1; values below ``eps`` are
clamped for stability (the gradient passes through the clamp, as in PyTorch).
"""
import math

import numpy as np

import autograd_core as ag
from autograd_core.tensor import Tensor

from ._reduction import check_reduction, legacy_reduction, warn_shape
from ._reduction import reduce as _reduce

__all__ = ["mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "gaussian_nll_loss"]


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


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Negative log-likelihood of ``target`` under N(input, var)."""
    check_reduction(reduction)
    if not isinstance(var, Tensor):
        var = ag.full(tuple(input.shape), float(var), dtype=input.dtype)
    ishape, vshape = tuple(input.shape), tuple(var.shape)
    if vshape != ishape:
        if ishape[:-1] == vshape:  # homoscedastic over the last dim: one var per sample
            var = ag.unsqueeze(var, -1)
        elif not (ishape[:-1] == vshape[:-1] and vshape[-1:] == (1,)):
            raise ValueError(f"gaussian_nll_loss: var is of incorrect size {list(vshape)} for an input "
                             f"of size {list(ishape)}")
    if np.any(var._data < 0):
        raise ValueError("gaussian_nll_loss: var has negative entry/entries")
    low = var._data < eps
    if low.any():  # clamp the value, let the gradient pass (PyTorch clamps in place under no_grad)
        var = var + Tensor(np.where(low, eps - var._data, 0).astype(var.dtype))
    d = input - target
    loss = 0.5 * (ag.log(var) + d * d / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)

