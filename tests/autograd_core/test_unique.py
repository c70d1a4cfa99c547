"""Tests of ops/unique_op.py: unique, unique_consecutive and bincount: values,
inverse indices and counts against closed forms, dims, dtypes, non-differentiable
outputs and errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag

NAN = np.nan


# ---------------------------------------------------------------- unique
def test_unique_values_inverse_and_counts():
    x = ag.tensor([[3, 1, 2], [1, 3, 3]])
    u = ag.unique(x)
    assert isinstance(u, ag.Tensor) and u.tolist() == [1, 2, 3] and u.dtype == ag.int64
    u, inv = ag.unique(x, return_inverse=True)
    assert inv.shape == (2, 3) and inv.dtype == ag.int64
    np.testing.assert_array_equal(u._data[inv._data], x._data)
    u, c = x.unique(return_counts=True)
    assert c.tolist() == [2, 1, 3] and c.dtype == ag.int64
    u, inv, c = ag.unique(x, sorted=False, return_inverse=True, return_counts=True)
    assert u.tolist() == [1, 2, 3] and c.tolist() == [2, 1, 3]


def test_unique_along_a_dim():
    x = ag.tensor([[1, 2], [0, 5], [1, 2], [0, 4]])
    u, inv, c = ag.unique(x, dim=0, return_inverse=True, return_counts=True)
    assert u.tolist() == [[0, 4], [0, 5], [1, 2]]
    assert inv.tolist() == [2, 1, 2, 0] and c.tolist() == [1, 1, 2]
    u, inv = ag.unique(x, dim=1, return_inverse=True)
    assert u.tolist() == x.tolist() and inv.tolist() == [0, 1]
    assert ag.unique(ag.tensor([[1.0, 1.0], [2.0, 2.0]]), dim=-1).tolist() == [[1.0], [2.0]]
    assert ag.unique(ag.zeros(0, 3), dim=0, return_counts=True)[1].shape == (0,)
    with pytest.raises(IndexError):
        ag.unique(x, dim=2)
    with pytest.raises(IndexError):
        ag.unique(ag.tensor(1.0), dim=0)


def test_unique_dtypes_0d_empty_nan_and_no_grad():
    x = ag.tensor([1.5, -2.0, 1.5], requires_grad=True)
    u = ag.unique(x)
    assert u.dtype == ag.float32 and not u.requires_grad and u.grad_fn is None
    assert ag.unique(ag.tensor([True, False, True])).tolist() == [False, True]
    u, inv = ag.unique(ag.tensor(7), return_inverse=True)
    assert u.tolist() == [7] and inv.shape == () and inv.item() == 0
    assert ag.unique(ag.zeros(0)).shape == (0,)
    assert ag.unique(ag.tensor([NAN, 1.0, NAN])).shape == (3,)  # each NaN is distinct


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.int64, hnp.array_shapes(max_dims=3, max_side=5), elements=st.integers(-3, 3)))
def test_unique_round_trip_property(a):
    u, inv, c = ag.unique(ag.tensor(a), return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(u._data, np.unique(a))
    np.testing.assert_array_equal(u._data[inv._data], a)
    assert c._data.sum() == a.size and (c._data > 0).all()


# ---------------------------------------------------------------- unique_consecutive
def test_unique_consecutive():
    x = ag.tensor([1, 1, 2, 2, 3, 1, 1, 2])
    assert ag.unique_consecutive(x).tolist() == [1, 2, 3, 1, 2]
    u, inv, c = x.unique_consecutive(return_inverse=True, return_counts=True)
    assert inv.tolist() == [0, 0, 1, 1, 2, 3, 3, 4] and c.tolist() == [2, 2, 1, 2, 1]
    np.testing.assert_array_equal(u._data[inv._data], x._data)
    m = ag.tensor([[1, 2], [1, 2], [0, 2], [1, 2]])
    u, inv, c = ag.unique_consecutive(m, return_inverse=True, return_counts=True, dim=0)
    assert u.tolist() == [[1, 2], [0, 2], [1, 2]] and inv.tolist() == [0, 0, 1, 2] and c.tolist() == [2, 1, 1]
    u, c = ag.unique_consecutive(m, return_counts=True, dim=1)
    assert u.tolist() == m.tolist() and c.tolist() == [1, 1]
    u, inv = ag.unique_consecutive(ag.tensor([[5, 5], [6, 6]]), return_inverse=True)
    assert u.tolist() == [5, 6] and inv.tolist() == [[0, 0], [1, 1]]
    assert ag.unique_consecutive(ag.zeros(0)).shape == (0,)
    assert ag.unique_consecutive(ag.tensor(3.0)).tolist() == [3.0]
    assert not ag.unique_consecutive(ag.tensor([1.0, 1.0], requires_grad=True)).requires_grad
    with pytest.raises(IndexError):
        ag.unique_consecutive(m, dim=3)


# ---------------------------------------------------------------- bincount
def test_bincount():
    x = ag.tensor([0, 1, 1, 3, 1])
    c = ag.bincount(x)
    assert c.tolist() == [1, 3, 0, 1] and c.dtype == ag.int64
    assert x.bincount(minlength=6).tolist() == [1, 3, 0, 1, 0, 0]
    assert ag.bincount(x, minlength=2).shape == (4,)
    w = ag.tensor([0.5, 1.0, 2.0, 4.0, 8.0], requires_grad=True)
    s = ag.bincount(x, w)
    assert s.dtype == ag.float32 and s.tolist() == [0.5, 11.0, 0.0, 4.0] and not s.requires_grad
    assert ag.bincount(x, ag.tensor([1.0] * 5, dtype=ag.float64)).dtype == ag.float64
    assert ag.bincount(x, ag.tensor([1, 2, 3, 4, 5])).dtype == ag.float64
    assert ag.bincount(ag.tensor([], dtype=ag.int64)).shape == (0,)
    assert ag.bincount(ag.tensor([], dtype=ag.int64), minlength=3).tolist() == [0, 0, 0]
    assert ag.bincount(ag.tensor([2], dtype=ag.uint8)).tolist() == [0, 0, 1]


def test_bincount_errors():
    with pytest.raises(RuntimeError):
        ag.bincount(ag.tensor([1, -1]))
    with pytest.raises(RuntimeError):
        ag.bincount(ag.tensor([[1, 2]]))
    with pytest.raises(RuntimeError):
        ag.bincount(ag.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError):
        ag.bincount(ag.tensor([True]))
    with pytest.raises(RuntimeError):
        ag.bincount(ag.tensor([1, 2]), ag.tensor([1.0]))
    with pytest.raises(RuntimeError):
        ag.bincount(ag.tensor([1, 2]), minlength=-1)
    with pytest.raises(TypeError):
        ag.bincount(ag.tensor([1, 2]), minlength=1.5)
    with pytest.raises(TypeError):
        ag.bincount([1, 2])
