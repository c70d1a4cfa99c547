"""Tests of nn/utils/rnn.py: pad_sequence, pack_padded_sequence (sorted and
unsorted), pad_packed_sequence (round trip, total_length, batch_first),
pack_sequence, unpad/unpack_sequence, their errors and their gradients."""
import numpy as np
import pytest

import autograd_core as ag
import nn
from nn.utils.rnn import (
    PackedSequence,
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    pad_sequence,
    unpack_sequence,
    unpad_sequence,
)


def seqs(lengths, feat=(2,), seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((n,) + feat) for n in lengths]


def npy(t):
    return t.detach().numpy()


def test_pad_sequence_shapes_values_and_sides():
    a = seqs([3, 1, 2])
    out = pad_sequence([ag.tensor(s) for s in a], padding_value=-1.0)
    assert out.shape == (3, 3, 2)
    for b, s in enumerate(a):
        np.testing.assert_array_equal(npy(out)[:len(s), b], s)
        assert (npy(out)[len(s):, b] == -1).all()
    bf = pad_sequence([ag.tensor(s) for s in a], batch_first=True)
    np.testing.assert_array_equal(npy(bf), npy(pad_sequence([ag.tensor(s) for s in a])).transpose(1, 0, 2))
    left = pad_sequence([ag.tensor(s) for s in a], batch_first=True, padding_side="left")
    np.testing.assert_array_equal(npy(left)[1, 2], a[1][0])
    assert (npy(left)[1, :2] == 0).all()
    assert nn.utils.rnn.pad_sequence is pad_sequence


def test_pack_padded_sequence_layout():
    a = seqs([4, 2, 1])
    padded = pad_sequence([ag.tensor(s) for s in a])
    p = pack_padded_sequence(padded, [4, 2, 1])
    assert isinstance(p, PackedSequence)
    assert p.batch_sizes.tolist() == [3, 2, 1, 1]
    assert p.sorted_indices is None and p.unsorted_indices is None
    expected = np.stack([a[0][0], a[1][0], a[2][0], a[0][1], a[1][1], a[0][2], a[0][3]])
    np.testing.assert_array_equal(npy(p.data), expected)
    # batch_first gives the same packing
    pb = pack_padded_sequence(padded.transpose(0, 1), ag.tensor([4, 2, 1]), batch_first=True)
    np.testing.assert_array_equal(npy(pb.data), expected)


def test_enforce_sorted_and_unsorted_round_trip():
    lengths = [2, 5, 3]
    a = seqs(lengths, feat=(3,))
    padded = pad_sequence([ag.tensor(s) for s in a])
    with pytest.raises(RuntimeError, match="sorted in decreasing order"):
        pack_padded_sequence(padded, lengths)
    p = pack_padded_sequence(padded, lengths, enforce_sorted=False)
    assert p.sorted_indices.tolist() == [1, 2, 0] and p.unsorted_indices.tolist() == [2, 0, 1]
    assert p.batch_sizes.tolist() == [3, 3, 2, 1, 1]
    back, lens = pad_packed_sequence(p)
    assert lens.tolist() == lengths and lens.dtype == np.int64
    np.testing.assert_array_equal(npy(back), npy(padded))
    back_bf, _ = pad_packed_sequence(p, batch_first=True, padding_value=7.0, total_length=6)
    assert back_bf.shape == (3, 6, 3)
    np.testing.assert_array_equal(npy(back_bf)[0, :2], a[0])
    assert (npy(back_bf)[0, 2:] == 7).all()
    with pytest.raises(ValueError, match="total_length"):
        pad_packed_sequence(p, total_length=4)
    for got, s in zip(unpack_sequence(p), a):
        np.testing.assert_array_equal(npy(got), s)
    for got, s in zip(unpad_sequence(padded, lens), a):
        np.testing.assert_array_equal(npy(got), s)


def test_pack_sequence_and_errors():
    a = seqs([3, 3, 1])
    p = pack_sequence([ag.tensor(s) for s in a])
    assert p.batch_sizes.tolist() == [3, 2, 2]
    with pytest.raises(RuntimeError, match="sorted"):
        pack_sequence([ag.tensor(s) for s in seqs([1, 3])])
    q = pack_sequence([ag.tensor(s) for s in seqs([1, 3])], enforce_sorted=False)
    assert q.sorted_indices.tolist() == [1, 0]
    with pytest.raises(RuntimeError, match="greater than 0"):
        pack_padded_sequence(ag.zeros(3, 2, 1), [3, 0])
    with pytest.raises(ValueError, match="batch_size"):
        pack_padded_sequence(ag.zeros(3, 2, 1), [3, 2, 1])
    assert p.to(ag.float32).data.dtype == np.float32
    assert p.double().data.dtype == np.float64


def test_gradients_flow_through_packing():
    rng = np.random.default_rng(3)
    x = ag.tensor(rng.standard_normal((4, 3, 2)), requires_grad=True)

    def fn(x):
        p = pack_padded_sequence(x, [2, 4, 3], enforce_sorted=False)
        padded, _ = pad_packed_sequence(p, batch_first=True, padding_value=1.5)
        return padded * padded

    assert ag.gradcheck(fn, (x,))
    parts = [ag.tensor(s, requires_grad=True) for s in seqs([3, 1], seed=1)]
    assert ag.gradcheck(lambda a, b: pack_sequence([a, b]).data, parts)
    assert ag.gradcheck(lambda a, b: pad_sequence([a, b], padding_value=2.0), parts)
    # padded positions get no gradient
    p = pack_padded_sequence(x, [2, 4, 3], enforce_sorted=False)
    p.data.sum().backward()
    g = npy(x.grad)
    assert (g[2:, 0] == 0).all() and (g[:2, 0] == 1).all() and (g[3:, 2] == 0).all()
