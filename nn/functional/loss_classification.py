"""Classification losses of ``nn.functional`` (``reduction`` = 'mean'
(default), 'sum' or 'none'), with x the input, t the target:

    binary_cross_entropy    -w [t log x + (1 - t) log(1 - x)]      (logs clamped at -100)
    bce_with_logits         -w [p t log σ(x) + (1 - t) log(1 - σ(x))]
                            = w [(1 - t) x + (1 + (p - 1) t) softplus(-x)]   (p = pos_weight; stable)
    nll_loss                -w_{t_i} x_{i, t_i};  'mean' divides by Σ w_{t_i} (ignored targets excluded);
                            one op (autograd_core/ops/nll_loss.py, NllLossBackward0)
    cross_entropy           nll_loss(log_softmax(x)) for class indices;
                            -Σ_c w_c t_c log_softmax(x)_c for class probabilities;
                            label smoothing ε mixes in the uniform target: (1 - ε)·loss + ε·(uniform loss)
    kl_div                  t (log t - x)  (x holds log-probabilities; t log t = 0 at t = 0)

The class dim is 1 (0 for an unbatched (C,) input); extra dims (N, C, d1, ...)
are allowed. ``cross_entropy`` takes logits and goes through the stable
log-softmax, never through softmax then log.
"""
import math
import warnings

import numpy as np

import autograd_core as ag
from autograd_core.ops.compare import RangeCheck
from autograd_core.ops.nll_loss import NllLoss
from autograd_core.tensor import Tensor

from ._reduction import check_reduction, legacy_reduction
from ._reduction import reduce as _reduce

__all__ = ["binary_cross_entropy", "binary_cross_entropy_with_logits", "nll_loss", "cross_entropy",
           "kl_div"]

_LOG_FLOOR = math.exp(-100.0)  # log(x) >= -100, as PyTorch clamps it


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Binary cross entropy of probabilities ``input`` in [0, 1]."""
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({list(target.shape)}) that is different to the input size "
                         f"({list(input.shape)}) is deprecated. Please ensure they have the same size.")
    RangeCheck.call(input, 0, 1, True, RuntimeError,
                    "binary_cross_entropy: all elements of input should be between 0 and 1")
    log_x = ag.log(ag.clamp(input, min=_LOG_FLOOR))
    log_1mx = ag.log(ag.clamp(1 - input, min=_LOG_FLOOR))
    loss = -(target * log_x + (1 - target) * log_1mx)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """Sigmoid and binary cross entropy in one stable expression; ``pos_weight``
    weighs the positive term (broadcast along the last dim, one per class)."""
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({list(target.shape)}) must be the same as input size "
                         f"({list(input.shape)})")
    sp = ag.softplus(-input)  # -log σ(x), stable for any x
    if pos_weight is not None:
        loss = (1 - target) * input + (1 + (pos_weight - 1) * target) * sp
    else:
        loss = (1 - target) * input + sp
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _class_view(name, input, target):
    """Batch the unbatched case and check the target's shape; returns
    (input, target array, unbatched)."""
    if input.ndim == 0:
        raise ValueError(f"{name}: input must have at least 1 dim (classes), got a scalar")
    t = target._data if isinstance(target, Tensor) else np.asarray(target)
    unbatched = input.ndim == 1
    if unbatched:
        input, t = ag.unsqueeze(input, 0), t.reshape((1,) + t.shape)
    return input, t, unbatched


def _target_tensor(target, t):
    """The target as a Tensor with t's (batched) shape: the user's tensor itself where it is one, so that
    ``ag.compile`` sees it as an input of the loss (read again on every call), not a constant."""
    if not isinstance(target, Tensor):
        return Tensor(t)
    return ag.unsqueeze(target, 0) if target.ndim < t.ndim else target


def _check_target(name, input, t):
    """The target's dtype and shape (not its values) against the input's."""
    if t.dtype.kind not in "iu":
        raise RuntimeError(f"{name}: expected a target of integer class indices (Long), got dtype {t.dtype}")
    if t.shape[:1] != input.shape[:1]:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({t.shape[0] if t.ndim else 1}).")
    if t.shape != input.shape[:1] + input.shape[2:]:
        raise RuntimeError(f"{name}: target of shape {list(t.shape)} does not match input of shape "
                           f"{list(input.shape)} (expected {[input.shape[0]] + list(input.shape[2:])})")


def _class_weight(name, weight, c):
    if weight is None:
        return None
    w = weight._data if isinstance(weight, Tensor) else np.asarray(weight)
    if w.shape != (c,):
        raise RuntimeError(f"{name}: weight tensor should be defined either for all {c} classes or no "
                           f"classes but got weight tensor of shape: {list(w.shape)}")
    return w


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log-likelihood of class indices, ``input`` holding log-probabilities."""
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))
    input, t, unbatched = _class_view("nll_loss", input, target)
    _check_target("nll_loss", input, t)
    w = _class_weight("nll_loss", weight, input.shape[1])
    loss = NllLoss.apply(input, _target_tensor(target, t), weight if isinstance(weight, Tensor) else w,
                         ignore_index, reduction)
    return loss[0] if unbatched and reduction == "none" else loss


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Cross entropy of logits ``input`` against class indices or class
    probabilities ``target``, through the stable log-softmax."""
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    x, t, unbatched = _class_view("cross_entropy", input, target)
    c = x.shape[1]
    w = _class_weight("cross_entropy", weight, c)
    logp = ag.log_softmax(x, 1)
    wshape = (1, c) + (1,) * (x.ndim - 2)
    if t.dtype.kind == "f":  # class probabilities
        if t.shape != tuple(x.shape):
            raise RuntimeError(f"cross_entropy: a target of class probabilities must have the input's "
                               f"shape {list(input.shape)}, got {list(target.shape)}")
        tt = target if not unbatched else ag.unsqueeze(target, 0)
        if not isinstance(tt, Tensor):
            tt = Tensor(t)
        if label_smoothing > 0:
            tt = tt * (1 - label_smoothing) + label_smoothing / c
        wt = weight if isinstance(weight, Tensor) or w is None else Tensor(w)  # the user's tensor: read each call
        terms = logp * tt if wt is None else logp * tt * wt.reshape(wshape)
        loss = -terms.sum(1)
        if unbatched:
            loss = loss[0]
        return _reduce(loss, reduction)
    tt = _target_tensor(target, t)
    nll = nll_loss(logp, tt, weight, ignore_index=ignore_index, reduction=reduction)
    if unbatched and reduction == "none":
        nll = nll[0]
    if label_smoothing == 0:
        return nll
    # ops only from here (nll_loss checked the targets), so ag.compile replays it with each call's targets
    keep = tt != ignore_index
    wt = weight if isinstance(weight, Tensor) or w is None else Tensor(w)
    smooth = -(logp.sum(1) if wt is None else (logp * wt.reshape(wshape)).sum(1))
    smooth = smooth * keep.to(x.dtype)
    if reduction == "none":
        smooth = smooth[0] if unbatched else smooth
    elif reduction == "sum":
        smooth = smooth.sum()
    else:
        denom = keep.to(x.dtype).sum() if wt is None else (wt[ag.where(keep, tt, 0)] * keep.to(wt.dtype)).sum()
        smooth = smooth.sum() / denom.to(x.dtype)
    return (1 - label_smoothing) * nll + (label_smoothing / c) * smooth


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL(target ‖ input) pointwise, with ``input`` log-probabilities (and
    ``target`` probabilities, or log-probabilities with ``log_target``);
    ``reduction='batchmean'`` divides the sum by the batch size (the true KL)."""
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction), ("batchmean",))
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support "
                      "size. 'batchmean' divides only by the batch size, and aligns with the KL div math "
                      "definition.", stacklevel=2)
    if log_target:
        loss = ag.exp(target) * (target - input)
    else:
        tpos = target > 0 if isinstance(target, Tensor) else Tensor(np.asarray(target) > 0)  # an op: replayed
        loss = target * (ag.log(ag.where(tpos, target, 1.0)) - input)
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(loss, reduction)
