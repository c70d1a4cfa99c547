"""tensor_split/hsplit/vsplit/dsplit, hstack/vstack/dstack/column_stack,
atleast_nd, repeat_interleave, meshgrid, rot90, roll and Tensor.unfold:
values against numpy, gradients of both orders, jvp, dtypes, errors, and
the fold/unfold property (fold(unfold(x)) = x · overlap counts)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from tests.helpers import check, check_jvp, leaf


@pytest.mark.parametrize("ios", [3, 5, 1, [1, 3], [0, 2, 2, 9], [-1], [3, 1], ag.tensor([1, 2]), ag.tensor(2)])
def test_tensor_split(ios):
    x = leaf(2, 4, 3)
    ref = np.array_split(x._data, ios if isinstance(ios, int) else
                         (int(ios.item()) if isinstance(ios, ag.Tensor) and ios.ndim == 0 else
                          list(ios._data if isinstance(ios, ag.Tensor) else ios)), axis=1)
    got = ag.tensor_split(x, ios, 1)
    assert len(got) == len(ref)
    for g, r in zip(got, ref):
        np.testing.assert_array_equal(g._data, r)
    check(lambda x: ag.cat([p * (i + 1) for i, p in enumerate(x.tensor_split(ios, dim=1))], 1), x)


def test_directional_splits_and_errors():
    x = ag.arange(24.0).reshape(2, 3, 4)
    for fn, ref, arg in [(ag.hsplit, np.hsplit, 3), (ag.vsplit, np.vsplit, 2), (ag.dsplit, np.dsplit, [1, 3])]:
        for g, r in zip(fn(x, arg), ref(x._data, arg)):
            np.testing.assert_array_equal(g._data, r)
    np.testing.assert_array_equal(ag.hsplit(ag.arange(6), 2)[1]._data, [3, 4, 5])
    with pytest.raises(RuntimeError, match="divisible"):
        ag.hsplit(x, 2)
    with pytest.raises(RuntimeError, match="at least 3"):
        ag.dsplit(ag.ones(2, 2), 2)
    with pytest.raises(RuntimeError, match="larger than 0"):
        ag.tensor_split(x, 0)


def test_stacks_and_atleast():
    a, b = leaf(3), leaf(3, seed=1)
    m, n = leaf(2, 3, seed=2), leaf(2, 3, seed=3)
    np.testing.assert_array_equal(ag.hstack([a, b])._data, np.hstack([a._data, b._data]))
    np.testing.assert_array_equal(ag.hstack((m, n))._data, np.hstack([m._data, n._data]))
    np.testing.assert_array_equal(ag.vstack([a, b])._data, np.vstack([a._data, b._data]))
    np.testing.assert_array_equal(ag.row_stack([m, a])._data, np.vstack([m._data, a._data]))
    np.testing.assert_array_equal(ag.dstack([m, n])._data, np.dstack([m._data, n._data]))
    np.testing.assert_array_equal(ag.column_stack([a, b, m.t()])._data, np.column_stack([a._data, b._data,
                                                                                          m._data.T]))
    check(lambda a, m: ag.vstack([a, m]), a, m)
    check(lambda a, m: ag.column_stack([a, m.t()]), a, m)
    check_jvp(lambda a, b: ag.dstack([a, b]) * ag.hstack([a, b]).sum(), a, b)
    assert ag.hstack([ag.tensor([1]), ag.tensor([2.0])]).dtype == np.float32
    for fn, npfn in [(ag.atleast_1d, np.atleast_1d), (ag.atleast_2d, np.atleast_2d), (ag.atleast_3d, np.atleast_3d)]:
        for shape in [(), (2,), (2, 3), (2, 3, 4), (1, 2, 3, 4)]:
            x = ag.ones(*shape)
            assert fn(x).shape == npfn(x._data).shape
        pair = fn(ag.ones(()), ag.ones(2))
        assert isinstance(pair, tuple) and len(pair) == 2
        assert isinstance(fn([ag.ones(2)]), tuple)
    s = ag.tensor(2.0, dtype=ag.float64, requires_grad=True)
    check(lambda s: ag.atleast_3d(s) * 3, s)
    with pytest.raises(TypeError):
        ag.hstack(ag.ones(2))
    with pytest.raises(RuntimeError, match="non-empty"):
        ag.vstack([])


def test_repeat_interleave():
    x = leaf(2, 3)
    np.testing.assert_array_equal(ag.repeat_interleave(x, 2)._data, np.repeat(x._data, 2))
    np.testing.assert_array_equal(x.repeat_interleave(ag.tensor([1, 0, 3]), dim=1)._data,
                                  np.repeat(x._data, [1, 0, 3], 1))
    np.testing.assert_array_equal(x.repeat_interleave(2, dim=-2)._data, np.repeat(x._data, 2, 0))
    check(lambda x: ag.repeat_interleave(x, ag.tensor([2, 1, 3]), 1), x)
    check_jvp(lambda x: x.repeat_interleave(3), x)
    np.testing.assert_array_equal(ag.repeat_interleave(ag.tensor([2, 0, 1]))._data, [0, 0, 2])
    assert ag.repeat_interleave(ag.tensor([1, 2]), 2).dtype == np.int64
    with pytest.raises(RuntimeError, match="same size"):
        ag.repeat_interleave(x, ag.tensor([1, 2]), 1)
    with pytest.raises(RuntimeError, match="negative"):
        ag.repeat_interleave(x, -1)


@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid(indexing):
    a, b, c = leaf(2), leaf(3, seed=1), leaf(4, seed=2)
    got = ag.meshgrid(a, b, c, indexing=indexing)
    for g, r in zip(got, np.meshgrid(a._data, b._data, c._data, indexing=indexing)):
        np.testing.assert_array_equal(g._data, r)
    check(lambda a, b: sum((g * (i + 1)).sum() for i, g in enumerate(ag.meshgrid([a, b], indexing=indexing))), a, b)
    check_jvp(lambda a, b: ag.meshgrid(a, b, indexing=indexing)[0] * ag.meshgrid(a, b, indexing=indexing)[1], a, b)
    assert ag.meshgrid(ag.tensor(1.0), ag.ones(3))[0].shape == (1, 3)
    with pytest.raises(RuntimeError, match="indexing"):
        ag.meshgrid(a, b, indexing="ji")
    with pytest.raises(RuntimeError, match="0D or 1D"):
        ag.meshgrid(ag.ones(2, 2))


@pytest.mark.parametrize("k, dims", [(1, (0, 1)), (2, (1, 2)), (3, (2, 0)), (-1, (0, 2)), (0, (0, 1)), (5, (1, 0))])
def test_rot90(k, dims):
    x = leaf(2, 3, 4)
    np.testing.assert_array_equal(ag.rot90(x, k, dims)._data, np.rot90(x._data, k, dims))
    check(lambda x: x.rot90(k, dims), x)
    check_jvp(lambda x: ag.rot90(x, k, dims), x)
    assert ag.rot90(ag.ones(2, 3, dtype=ag.int32)).dtype == np.int32


def test_rot90_errors():
    with pytest.raises(RuntimeError, match="dims == 2"):
        ag.rot90(ag.ones(2, 2), 1, (0,))
    with pytest.raises(RuntimeError, match="different"):
        ag.rot90(ag.ones(2, 2), 1, (1, 1))
    with pytest.raises(RuntimeError, match=">= 2"):
        ag.rot90(ag.ones(2), 1, (0, 1))


@pytest.mark.parametrize("shifts, dims", [(1, None), (-7, None), (2, 1), ((1, -2), (0, 2)), ((5,), (-1,))])
def test_roll(shifts, dims):
    x = leaf(2, 3, 4)
    np.testing.assert_array_equal(ag.roll(x, shifts, dims)._data, np.roll(x._data, shifts, dims))
    check(lambda x: x.roll(shifts, dims), x)
    check_jvp(lambda x: ag.roll(x, shifts, dims) * x, x)
    assert ag.roll(ag.arange(5), 2).dtype == np.int64
    assert ag.roll(ag.ones(0, 3), 1, 0).shape == (0, 3)
    with pytest.raises(RuntimeError, match="align"):
        ag.roll(x, (1, 2), 0)


@pytest.mark.parametrize("dim, size, step", [(0, 2, 1), (1, 3, 2), (-1, 1, 3), (2, 4, 1), (1, 0, 1)])
def test_unfold(dim, size, step):
    x = leaf(3, 5, 4)
    got = x.unfold(dim, size, step)
    win = np.lib.stride_tricks.sliding_window_view(x._data, size, axis=dim % 3)
    np.testing.assert_array_equal(got._data, win[(slice(None),) * (dim % 3) + (slice(None, None, step),)])
    check(lambda x: x.unfold(dim, size, step), x)
    check_jvp(lambda x: x.unfold(dim, size, step) ** 2, x)


def test_unfold_scalar_ints_and_errors():
    assert ag.tensor(3.0).unfold(0, 1, 1).shape == (1,)
    np.testing.assert_array_equal(ag.arange(5).unfold(0, 2, 2)._data, [[0, 1], [2, 3]])
    with pytest.raises(RuntimeError, match="maximum size"):
        ag.ones(3).unfold(0, 4, 1)
    with pytest.raises(RuntimeError, match="step"):
        ag.ones(3).unfold(0, 2, 0)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 9), st.integers(1, 4), st.integers(1, 4), st.integers(0, 2 ** 16))
def test_fold_of_unfold_counts_overlaps(n, size, step, seed):
    """The adjoint of unfold applied to unfold(x) gives x times the number of windows covering each element."""
    size = min(size, n)
    x = ag.tensor(np.random.default_rng(seed).standard_normal((2, n)), requires_grad=True)
    y = x.unfold(1, size, step)
    (folded,) = ag.grad(y, x, y.detach())
    covers = ag.ones(1, n, dtype=ag.float64).requires_grad_()
    (count,) = ag.grad(covers.unfold(1, size, step).sum(), covers)
    np.testing.assert_allclose(folded._data, x._data * count._data)
