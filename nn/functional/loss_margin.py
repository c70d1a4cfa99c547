"""Margin losses of classifier scores (``reduction`` = 'mean' (default),
'sum' or 'none'), for x the scores of C classes:

    soft_margin_loss(x, y)              log(1 + exp(-y x)),  y ∈ {1, -1} (two-class logistic loss)
    multilabel_soft_margin_loss(x, y)   -(1/C) Σ_c w_c [y_c log σ(x_c) + (1 - y_c) log σ(-x_c)]  per sample
    multi_margin_loss(x, y)             (1/C) Σ_{c ≠ y} w_y max(0, margin - x_y + x_c)^p  per sample, p ∈ {1, 2}
    multilabel_margin_loss(x, y)        (1/C) Σ_{j ∈ Y} Σ_{c ∉ Y} max(0, 1 - (x_j - x_c))  per sample, with Y
                                        the class indices of y read up to its first -1

Inputs are (N, C) or unbatched (C); the per-sample losses are then reduced
over N. ``log σ`` is computed as -softplus(-x) (stable).
"""
import numpy as np

import autograd_core as ag
from autograd_core.observers import read_observers, value_read
from autograd_core.tensor import Tensor

from ._reduction import check_reduction, legacy_reduction
from ._reduction import reduce as _reduce

__all__ = ["soft_margin_loss", "multilabel_soft_margin_loss", "multi_margin_loss", "multilabel_margin_loss"]


def _array(x):
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """The logistic loss log(1 + exp(-y x)) of each entry."""
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))
    return _reduce(ag.softplus(-target * input), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Binary cross entropy of each class's logit, averaged over the classes."""
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))
    loss = target * ag.softplus(-input) + (1 - target) * ag.softplus(input)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss.sum(-1) / input.shape[-1], reduction)


def _scores(name, input, target):
    """(N, C) scores, the target array and whether the input was unbatched."""
    if input.ndim not in (1, 2):
        raise ValueError(f"{name}: expected a 1D or 2D input (C) or (N, C), got size {list(input.shape)}")
    t = _array(target)
    if t.dtype.kind not in "iu":
        raise RuntimeError(f"{name}: expected a target of integer class indices (Long), got dtype {t.dtype}")
    unbatched = input.ndim == 1
    return (input.unsqueeze(0) if unbatched else input), t, unbatched


def _per_sample(loss, unbatched, reduction):
    return _reduce(loss[0] if unbatched else loss, reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    """Multi-class hinge loss: every wrong class scored within ``margin`` of the right one costs."""
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    x, t, unbatched = _scores("multi_margin_loss", input, target)
    N, C = x.shape
    t = t.reshape(-1)
    if t.shape != (N,):
        raise RuntimeError(f"multi_margin_loss: inconsistent target size {list(target.shape)} for input of size "
                           f"{list(input.shape)}")
    if t.size and (t.min() < 0 or t.max() >= C):
        raise IndexError(f"multi_margin_loss: target out of range: values must be in [0, {C}), got {t.tolist()}")
    # the target enters by ops only (a compiled replay reads each call's target)
    tt = (target if isinstance(target, Tensor) else Tensor(t)).reshape(-1).to(ag.int64)
    picked = ag.gather(x, 1, tt.unsqueeze(1))
    hinge = ag.clamp_min(x - picked + margin, 0)
    if p == 2:
        hinge = hinge * hinge
    if weight is not None:
        hinge = hinge * weight[tt].unsqueeze(1)
    others = (Tensor(np.arange(C)) != tt.unsqueeze(1)).to(x.dtype)  # the true class is not a margin violation
    return _per_sample((hinge * others).sum(1) / C, unbatched, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Every target class scored at least 1 above every non-target class."""
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))
    x, t, unbatched = _scores("multilabel_margin_loss", input, target)
    N, C = x.shape
    t = t.reshape(N, -1)
    if t.shape != (N, C):
        raise RuntimeError(f"multilabel_margin_loss: inconsistent target size {list(target.shape)} for input of "
                           f"size {list(input.shape)}")
    if read_observers and isinstance(target, Tensor):  # the pairs below are built from the target's values:
        value_read(target, "multilabel_margin_loss")   # a compiled function calling this runs eagerly
    valid = np.cumprod(t >= 0, axis=1).astype(bool)  # the targets before the first -1
    if np.any(valid & (t >= C)):
        raise IndexError(f"multilabel_margin_loss: target index out of range [0, {C})")
    safe = np.where(valid, t, 0).astype(np.int64)
    is_target = np.zeros((N, C), bool)
    rows = np.broadcast_to(np.arange(N)[:, None], (N, C))
    is_target[rows[valid], safe[valid]] = True
    picked = ag.gather(x, 1, Tensor(safe))  # (N, C): x at each target slot
    hinge = ag.clamp_min(1 - picked.unsqueeze(2) + x.unsqueeze(1), 0)  # (N, slot j, class c)
    pairs = (valid[:, :, None] & ~is_target[:, None, :]).astype(x.dtype)
    return _per_sample((hinge * Tensor(pairs)).sum((1, 2)) / C, unbatched, reduction)
