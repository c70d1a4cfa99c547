"""``embedding_bag``: sums, means or maxima of bags of embedding rows ('sum'
and 'mean' are one segment sum over the looked-up rows, 'max' a maximum
over a padded (bags, longest bag, D) gather):

    out[b] = Σ_{j ∈ bag b} s_j W[i_j]                 mode='sum' (s = per_sample_weights, else 1)
    out[b] = (1 / |bag b|) Σ_{j ∈ bag b} W[i_j]       mode='mean'
    out[b] = max_{j ∈ bag b} W[i_j]   (per column)    mode='max'

A 2-D ``input`` (B, L) holds B bags of L indices; a 1-D ``input`` is cut into
bags at ``offsets`` (bag b is input[offsets[b]:offsets[b+1]], the last one
running to the end; with ``include_last_offset`` offsets has one more entry,
the input's length in CSR form, and, as in PyTorch, the last bag still runs
to the end of the input when that entry is smaller).
Indices equal to ``padding_idx`` are left out of their bag (and of its count);
an empty bag gives zeros. As in PyTorch ``per_sample_weights`` only goes
with mode='sum', and in 'max' mode the gradient of a column goes to one
maximising entry.

The bags are built on the index arrays (their values decide which rows go
where and the counts), so the function reports a read of the indices' and
offsets' values (``observers.value_read``, as ``item()``): a compiled function
calling it runs eagerly instead of replaying another call's bags.
"""
import numpy as np

import autograd_core as ag
from autograd_core.observers import read_observers, value_read
from autograd_core.ops.segment import segment_sum
from autograd_core.tensor import Tensor

from .layers import _renorm_rows

__all__ = ["embedding_bag"]


def _array(x):
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def _bags(idx, offsets, include_last_offset):
    """(bag start, bag end) arrays for the flattened indices."""
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             f"fixed length sequences. However, found offsets of type {type(offsets).__name__}")
        B, L = idx.shape
        starts = np.arange(B) * L
        return starts, starts + L
    if idx.ndim != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {idx.ndim}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    off = _array(offsets)
    if off.ndim != 1 or off.dtype.kind not in "iu":
        raise ValueError(f"offsets has to be a 1D Tensor of integers, got shape {list(off.shape)} and dtype "
                         f"{off.dtype}")
    if off.size and off[0] != 0:
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                           f"position 0. However, got {off[0]}")
    if off.size and off[-1] > idx.size:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {idx.size} but got offsets[-1] of "
                           f"{off[-1]}")
    if np.any(np.diff(off) < 0):
        raise RuntimeError(f"embedding_bag: offsets must be non-decreasing, got {off.tolist()}")
    starts = off[:-1] if include_last_offset else off
    return starts, np.append(starts[1:], idx.size).astype(off.dtype)


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """The sum, mean or max of each bag of rows of ``weight`` (see the module docstring)."""
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if weight.ndim != 2:
        raise ValueError(f"embedding_bag: weight has to be a 2D Tensor, got shape {list(weight.shape)}")
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding_bag: scale_grad_by_freq and sparse are not supported")
    idx = _array(input)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"embedding_bag: expected an integer index tensor (Long or Int), got {idx.dtype}")
    if read_observers:
        for t in (input, offsets):
            if isinstance(t, Tensor):
                value_read(t, "embedding_bag")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                      f"supported for mode='sum' (got mode='{mode}'). Please open a feature request "
                                      "on GitHub.")
        if tuple(per_sample_weights.shape) != idx.shape:
            raise ValueError(f"embedding_bag: If per_sample_weights ({list(per_sample_weights.shape)}) is not None, "
                             f"then it must have the same shape as the input ({list(idx.shape)})")
    n = weight.shape[0]
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise AssertionError(f"padding_idx must be within num_embeddings ({n}), got {padding_idx}")
        padding_idx %= n
    starts, ends = _bags(idx, offsets, include_last_offset)
    flat = idx.reshape(-1)
    if flat.size and (flat.min() < 0 or flat.max() >= n):
        bad = flat[(flat < 0) | (flat >= n)][0]
        raise IndexError(f"embedding_bag: Expected idx >= 0 && idx < num_embeddings ({n}) but found idx to be {bad}")
    B = len(starts)
    pos = np.arange(ends[-1] if B else 0)  # the bags tile input[0:ends[-1]]
    bag = np.repeat(np.arange(B), ends - starts)
    if padding_idx is not None:
        kept = flat[pos] != padding_idx
        pos, bag = pos[kept], bag[kept]
    if max_norm is not None:
        _renorm_rows(weight, np.unique(flat[pos]), max_norm, norm_type)
    counts = np.bincount(bag, minlength=B)
    if mode == "max":
        return _bag_max(weight, flat[pos], bag, counts)
    rows = weight[Tensor(flat[pos])]
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.reshape(-1)[Tensor(pos)].unsqueeze(-1)
    out = segment_sum(rows, counts)  # the kept rows are in bag order
    if mode == "mean":
        out = out / Tensor(np.maximum(counts, 1).astype(weight.dtype)[:, None])
    return out


def _bag_max(weight, rows_idx, bag, counts):
    """Column-wise maxima per bag, through a (B, longest bag, D) padded gather."""
    B = len(counts)
    L = max(int(counts.max()) if B else 0, 1)  # all bags empty: one masked slot keeps the graph
    slot = np.arange(len(bag)) - np.repeat(np.cumsum(counts) - counts, counts)  # position within its bag
    dense = np.zeros((B, L), np.int64)
    mask = np.zeros((B, L), bool)
    dense[bag, slot], mask[bag, slot] = rows_idx, True
    rows = ag.where(Tensor(mask[..., None]), weight[Tensor(dense)], float("-inf"))
    best = rows.max(1)[0]
    return ag.where(Tensor((counts > 0)[:, None]), best, 0.0)
