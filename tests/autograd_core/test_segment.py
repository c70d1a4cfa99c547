"""Tests of autograd_core/ops/segment.py: segment_sum against a numpy loop
(empty segments give zeros), gradcheck, gradgradcheck and forward mode, and
its errors."""
import numpy as np
import pytest

from autograd_core.ops.segment import segment_sum
from tests.helpers import check, check_jvp, leaf


def test_segment_sum_matches_a_loop():
    lengths = np.array([2, 0, 3, 1, 0])
    x = leaf(6, 2, 3)
    got = segment_sum(x, lengths)
    starts = np.cumsum(lengths) - lengths
    expected = np.stack([x._data[s:s + n].sum(0) for s, n in zip(starts, lengths)])
    np.testing.assert_allclose(got._data, expected, rtol=1e-12)
    assert got.shape == (5, 2, 3) and not got._data[[1, 4]].any()


def test_segment_sum_gradients_and_errors():
    lengths = [1, 0, 3]
    check(lambda x: segment_sum(x, lengths), leaf(4, 2))
    check_jvp(lambda x: segment_sum(x, lengths), leaf(4, 2))
    with pytest.raises(RuntimeError, match="add up to the 4 rows"):
        segment_sum(leaf(4, 2), [1, 2])
    with pytest.raises(RuntimeError, match="non-negative"):
        segment_sum(leaf(4, 2), [5, -1])
