"""``nn.utils.rnn``: variable-length sequences for the recurrent layers, as in PyTorch.

A batch of B sequences of lengths L_0 ≥ L_1 ≥ ... (sorted) is *packed* time
step by time step: ``batch_sizes[t] = #{b : L_b > t}`` and ``data`` holds the
rows ``x_b(t)`` for t = 0, 1, ... and, within a step, b = 0 .. batch_sizes[t]−1:

    data = [x_0(0) x_1(0) ... x_{B−1}(0) | x_0(1) ... | ...]     (Σ_b L_b rows)

With ``enforce_sorted=False`` the batch is sorted by decreasing length first
(``sorted_indices``: sorted position → original index; ``unsorted_indices``
its inverse); the recurrent layers give ``h_n`` back in the original order.

All functions are differentiable in the sequence values (each is one
gather: an advanced index into the flattened input).
"""
from collections import namedtuple

import numpy as np

import autograd_core as ag
from autograd_core.tensor import Tensor

__all__ = ["PackedSequence", "pad_sequence", "pack_padded_sequence", "pad_packed_sequence",
           "pack_sequence", "unpad_sequence", "unpack_sequence"]


def _ints(x):
    if isinstance(x, Tensor):
        x = x.numpy()
    return np.asarray(x, dtype=np.int64).reshape(-1)


class PackedSequence(namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices",
                                                   "unsorted_indices"])):
    """``(data, batch_sizes, sorted_indices, unsorted_indices)``: ``data`` (Σ L_b, *),
    ``batch_sizes`` (an int64 tensor, one entry per time step), the permutations
    (int64 tensors, or None when the batch was given sorted)."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if batch_sizes is None:
            raise TypeError("PackedSequence needs batch_sizes; build it with pack_padded_sequence or "
                            "pack_sequence")
        batch_sizes = ag.tensor(_ints(batch_sizes), dtype=ag.int64)
        if sorted_indices is not None:
            sorted_indices = ag.tensor(_ints(sorted_indices), dtype=ag.int64)
            if unsorted_indices is None:
                unsorted_indices = ag.tensor(np.argsort(sorted_indices.numpy()), dtype=ag.int64)
        if unsorted_indices is not None:
            unsorted_indices = ag.tensor(_ints(unsorted_indices), dtype=ag.int64)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    @property
    def is_cuda(self):
        return False

    def is_pinned(self):
        return False

    def to(self, *args, **kwargs):
        """The same packing with ``data.to(*args, **kwargs)``."""
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else type(self)(data, self.batch_sizes, self.sorted_indices,
                                                         self.unsorted_indices)

    def cpu(self):
        return self

    def float(self):
        return self.to(ag.float32)

    def double(self):
        return self.to(ag.float64)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack tensors of shapes (L_i, *) into (max L, B, *) (or (B, max L, *)
    with ``batch_first``), filling with ``padding_value`` on ``padding_side``."""
    if padding_side not in ("right", "left"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    seqs = list(sequences)
    if not seqs:
        raise RuntimeError("received an empty list of sequences")
    longest = max(s.shape[0] for s in seqs)
    out = []
    for s in seqs:
        extra = longest - s.shape[0]
        pad = [0, 0] * (s.ndim - 1) + ([0, extra] if padding_side == "right" else [extra, 0])
        out.append(ag.pad(s, tuple(pad), value=padding_value) if extra else s)
    return ag.stack(out, 0 if batch_first else 1)


def _batch_sizes(lengths):
    return np.array([(lengths > t).sum() for t in range(int(lengths.max()))], dtype=np.int64)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, B, *) (or (B, T, *)) of sequences of the given
    ``lengths``. With ``enforce_sorted`` the lengths must decrease; otherwise
    the batch is sorted here and the permutation kept in the result."""
    lengths = _ints(lengths)
    b_dim = 0 if batch_first else 1
    if lengths.size != input.shape[b_dim]:
        raise ValueError(f"Expected `len(lengths)` to be equal to batch_size, but got {lengths.size} "
                         f"(batch_size={input.shape[b_dim]})")
    if lengths.size and lengths.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in "
                           "'lengths' that is <= 0")
    if enforce_sorted:
        if np.any(np.diff(lengths) > 0):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` "
                               "is True. You can pass `enforce_sorted=False` to pack_padded_sequence "
                               "and/or pack_sequence to sidestep this requirement if you do not need "
                               "ONNX exportability.")
        order = None
    else:
        order = np.argsort(-lengths, kind="stable")
    steps = input.shape[1 - b_dim]
    if lengths.max() > steps:
        raise RuntimeError(f"pack_padded_sequence: a length {lengths.max()} exceeds the padded length "
                           f"{steps}")
    cols = np.arange(lengths.size) if order is None else order
    sorted_len = lengths[cols]
    bs = _batch_sizes(sorted_len)
    batch = lengths.size
    # row of the flattened (T·B, *) or (B·T, *) input for each packed row
    idx = np.concatenate([(t * batch + cols[:n]) if not batch_first else (cols[:n] * steps + t)
                          for t, n in enumerate(bs)])
    flat = input.reshape((steps * batch,) + tuple(input.shape[2:]))
    data = flat[idx]
    return PackedSequence(data, bs, None if order is None else order,
                          None if order is None else np.argsort(order))


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """The inverse of ``pack_padded_sequence``: ``(padded, lengths)`` with the
    batch in its original order and ``lengths`` an int64 tensor."""
    data, bs = sequence.data, sequence.batch_sizes.numpy()
    steps, batch = len(bs), int(bs[0]) if len(bs) else 0
    if total_length is not None:
        if total_length < steps:
            raise ValueError(f"Expected total_length to be at least the length of the longest sequence "
                             f"in input, but got total_length={total_length} and max sequence length "
                             f"being {steps}")
        steps = total_length
    sorted_len = np.array([(bs > b).sum() for b in range(batch)], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(bs)])
    pad_row = data.shape[0]
    idx = np.full((steps, batch), pad_row, dtype=np.int64)  # [t, sorted b] -> data row
    for t in range(len(bs)):
        idx[t, :bs[t]] = offsets[t] + np.arange(bs[t])
    lengths = sorted_len
    if sequence.unsorted_indices is not None:
        un = sequence.unsorted_indices.numpy()
        idx, lengths = idx[:, un], sorted_len[un]
    if batch_first:
        idx = idx.T
    filler = ag.full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype)
    ext = ag.cat([data, filler], 0)
    padded = ext[idx.reshape(-1)].reshape(idx.shape + tuple(data.shape[1:]))
    return padded, ag.tensor(lengths, dtype=ag.int64)


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of tensors (L_i, *): ``pack_padded_sequence(pad_sequence(seqs), lengths)``."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of sequences (L_i, *) cut out of a padded batch."""
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    return [x[i, :int(n)] for i, n in enumerate(_ints(lengths))]


def unpack_sequence(packed_sequences):
    """The list of sequences (L_i, *) of a ``PackedSequence``, in the original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
