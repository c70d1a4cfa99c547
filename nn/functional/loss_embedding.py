"""Losses on pairs and triplets of embeddings or scores (``reduction`` =
'mean' (default), 'sum' or 'none'), with y ∈ {1, -1} the target:

    margin_ranking_loss(x1, x2, y)     max(0, -y (x1 - x2) + margin)
    hinge_embedding_loss(x, y)         x where y = 1,  max(0, margin - x) where y = -1
    cosine_embedding_loss(x1, x2, y)   1 - cos(x1, x2) where y = 1,  max(0, cos(x1, x2) - margin) where y = -1,
                                       cos = x1·x2 / sqrt((‖x1‖² + 1e-12)(‖x2‖² + 1e-12))  (PyTorch's ε)
    triplet_margin_loss(a, p, n)       max(0, margin + d(a, p) - d(a, n)),  d = pairwise_distance(·, ·, p, eps);
                                       ``swap`` uses min(d(a, n), d(p, n)) for the negative distance
    triplet_margin_with_distance_loss  the same with any ``distance_function`` (pairwise_distance by default)

As in PyTorch a target other than ±1 contributes the terms of both signs it
is not (``hinge_embedding_loss``) or nothing (``cosine_embedding_loss``).
Triplets are (N, D) or unbatched (D); cosine pairs (N, D) with target (N)
or (D) with a 0-d target.
"""
import numpy as np

import autograd_core as ag
from autograd_core.tensor import Tensor

from ._reduction import check_reduction, legacy_reduction
from ._reduction import reduce as _reduce
from .distance import pairwise_distance

__all__ = ["margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss", "triplet_margin_loss",
           "triplet_margin_with_distance_loss"]

_COS_EPS = 1e-12


def _equals(target, value):
    """The mask target == value (an op for a tensor target: a compiled replay recomputes it)."""
    return target == value if isinstance(target, Tensor) else Tensor(np.asarray(target) == value)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """Ranks x1 above x2 (y = 1) or below (y = -1) by at least ``margin``."""
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))
    if not input1.ndim == input2.ndim == target.ndim:
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {list(input1.shape)}, input2: {list(input2.shape)}, target: "
                           f"{list(target.shape)} ")
    return _reduce(ag.clamp_min(-target * (input1 - input2) + margin, 0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """x for similar pairs (y = 1), max(0, margin - x) for dissimilar ones (y = -1)."""
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))
    hinge = ag.where(_equals(target, 1), 0.0, ag.clamp_min(margin - input, 0))
    return _reduce(hinge + ag.where(_equals(target, -1), 0.0, input), reduction)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """Pulls pairs together (y = 1) or pushes their cosine below ``margin`` (y = -1)."""
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))
    if target.ndim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    want = target.ndim + 1
    if input1.ndim != want or input2.ndim != want:
        raise RuntimeError(f"{target.ndim}D target tensor expects {want}D input tensors, but found inputs with "
                           f"sizes {list(input1.shape)} and {list(input2.shape)}.")
    d = target.ndim
    prod = (input1 * input2).sum(d)
    mag = ((input1 * input1).sum(d) + _COS_EPS) * ((input2 * input2).sum(d) + _COS_EPS)
    cos = prod / ag.sqrt(mag)
    pos = ag.where(_equals(target, 1), 1 - cos, 0.0)
    neg = ag.where(_equals(target, -1), ag.clamp_min(cos - margin, 0), 0.0)
    return _reduce(pos + neg, reduction)


def _triplet(name, anchor, positive, negative, distance, margin, swap, reduction):
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(f"{name}: The anchor, positive, and negative tensors are expected to have the same "
                           f"number of dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and "
                           f"negative {negative.ndim}D inputs")
    d_pos = distance(anchor, positive)
    d_neg = distance(anchor, negative)
    if swap:
        d_neg = ag.minimum(d_neg, distance(positive, negative))
    return _reduce(ag.clamp_min(margin + d_pos - d_neg, 0), reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """The anchor nearer the positive than the negative by ``margin`` (p-norm distances)."""
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))
    return _triplet("triplet_margin_loss", anchor, positive, negative,
                    lambda x1, x2: pairwise_distance(x1, x2, p, eps), margin, swap, reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0,
                                      swap=False, reduction="mean"):
    """``triplet_margin_loss`` with a distance of your choice (a callable on two tensors)."""
    check_reduction(reduction)
    if margin <= 0:
        raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got {margin} "
                         "instead")
    return _triplet("triplet_margin_with_distance_loss", anchor, positive, negative,
                    pairwise_distance if distance_function is None else distance_function, margin, swap,
                    reduction)
