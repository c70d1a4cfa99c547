"""Tests of ops/reduce_sort.py: amax/amin, max/min (global, along a dim,
elementwise), sort and topk: values and indices against numpy, first and
second derivatives, ties, NaN, namedtuple results, dtypes and errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from tests.helpers import check, leaf

DIMS = [None, 0, 1, 2, -1, -3, (0, 2), (-1, 0), (0, 1, 2), ()]


def _x(seed=0):
    return leaf(2, 3, 4, seed=seed)


# ---------------------------------------------------------------- amax / amin
@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
def test_amax_amin_values_and_gradients(dim, keepdim):
    x = _x(seed=1)
    ax = None if dim is None or dim == () else dim
    for fn, ref in ((ag.amax, np.max), (ag.amin, np.min)):
        got = fn(x, dim, keepdim)
        want = ref(x._data, axis=ax, keepdims=keepdim)
        assert got.shape == want.shape
        np.testing.assert_array_equal(got._data, want)
        check(lambda a, fn=fn: fn(a, dim, keepdim), x)
    np.testing.assert_array_equal(x.amax(dim, keepdim)._data, ag.amax(x, dim, keepdim)._data)


def test_amax_splits_gradient_evenly_among_ties():
    x = ag.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], dtype=ag.float64, requires_grad=True)
    x.amax(1).backward(ag.tensor([1.0, 3.0], dtype=ag.float64))
    np.testing.assert_allclose(x.grad._data, [[0.0, 0.5, 0.5], [1.0, 1.0, 1.0]])
    y = ag.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=ag.float64, requires_grad=True)
    y.amin((0, 1)).backward()
    np.testing.assert_allclose(y.grad._data, [[0.0, 0.5], [0.5, 0.0]])


def test_global_max_min_return_0d_and_split_ties():
    x = ag.tensor([[3.0, 1.0], [3.0, 3.0]], dtype=ag.float64, requires_grad=True)
    m = x.max()
    assert m.shape == () and m.item() == 3.0
    m.backward()
    np.testing.assert_allclose(x.grad._data, [[1 / 3, 0.0], [1 / 3, 1 / 3]])
    y = ag.tensor([2.0, -1.0, -1.0], dtype=ag.float64, requires_grad=True)
    ag.min(y).backward()
    np.testing.assert_allclose(y.grad._data, [0.0, 0.5, 0.5])
    check(lambda a: a.max() * a.min(), _x(seed=2))


# ---------------------------------------------------------------- max / min along a dim
@pytest.mark.parametrize("dim", [0, 1, 2, -1, -2])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_min_along_dim(dim, keepdim):
    x = _x(seed=3)
    for fn, arg in ((ag.max, np.argmax), (ag.min, np.argmin)):
        res = fn(x, dim, keepdim=keepdim)
        values, indices = res
        assert res.values is values and res.indices is indices
        want_i = arg(x._data, axis=dim, keepdims=keepdim)
        np.testing.assert_array_equal(indices._data, want_i)
        np.testing.assert_array_equal(values._data, np.take_along_axis(
            x._data, arg(x._data, axis=dim, keepdims=True), dim).reshape(want_i.shape))
        assert indices.dtype == np.int64 and not indices.requires_grad
        assert values.requires_grad
        check(lambda a, fn=fn: fn(a, dim, keepdim).values, x)
    assert type(ag.max(x, 1)).__name__ == "max" and type(x.min(dim=1)).__name__ == "min"


def test_max_along_dim_gives_gradient_to_the_chosen_index():
    x = ag.tensor([[3.0, 1.0, 3.0], [0.0, 5.0, 5.0]], dtype=ag.float64, requires_grad=True)
    v, i = x.max(1)
    assert i.tolist() == [0, 1]
    v.sum().backward()
    np.testing.assert_array_equal(x.grad._data, [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


def test_max_of_two_tensors_is_elementwise():
    a, b = leaf(3, 1, seed=4), leaf(4, seed=5)
    np.testing.assert_array_equal(ag.max(a, b)._data, np.maximum(a._data, b._data))
    np.testing.assert_array_equal(a.min(b)._data, np.minimum(a._data, b._data))
    check(lambda p, q: ag.max(p, q) + ag.min(p, q) * 2.0, a, b)


def test_max_propagates_nan():
    x = ag.tensor([1.0, np.nan, 3.0])
    assert np.isnan(x.max().item()) and np.isnan(x.amax(0).item())
    v, i = x.max(0)
    assert np.isnan(v.item()) and i.item() == 1


# ---------------------------------------------------------------- sort
@pytest.mark.parametrize("dim", [0, 1, 2, -1, -2])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_values_indices_and_gradients(dim, descending):
    x = _x(seed=6)
    values, indices = ag.sort(x, dim, descending)
    order = np.argsort(-x._data if descending else x._data, axis=dim)
    np.testing.assert_array_equal(indices._data, order)
    np.testing.assert_array_equal(values._data, np.take_along_axis(x._data, order, dim))
    assert indices.dtype == np.int64 and not indices.requires_grad
    np.testing.assert_array_equal(x.sort(dim, descending).values._data, values._data)
    check(lambda a: ag.sort(a, dim, descending).values, x)


def test_sort_gradient_is_scattered_back():
    x = ag.tensor([3.0, 1.0, 2.0], dtype=ag.float64, requires_grad=True)
    v, i = x.sort()
    (v * ag.tensor([1.0, 10.0, 100.0], dtype=ag.float64)).sum().backward()
    np.testing.assert_array_equal(x.grad._data, [100.0, 1.0, 10.0])


def test_sort_stable_ties_and_nan():
    x = ag.tensor([2.0, 1.0, 2.0, np.nan, 1.0])
    assert x.sort(stable=True).indices.tolist() == [1, 4, 0, 2, 3]
    assert x.sort(descending=True, stable=True).indices.tolist() == [3, 0, 2, 1, 4]
    i = ag.tensor([[3, -1, 7], [0, 0, -5]])
    np.testing.assert_array_equal(i.sort(1, True).values._data, [[7, 3, -1], [0, 0, -5]])
    assert ag.tensor([True, False, True]).sort(descending=True).values.tolist() == [True, True, False]


@settings(max_examples=50, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=5),
                  elements=st.integers(-3, 3).map(float)), st.data())
def test_property_sort_and_topk(values, data):
    dim = data.draw(st.integers(-values.ndim, values.ndim - 1))
    descending = data.draw(st.booleans())
    x = ag.tensor(values, requires_grad=True)
    v, i = ag.sort(x, dim, descending, stable=True)
    np.testing.assert_array_equal(v._data, np.take_along_axis(values, i._data, dim))
    want = np.sort(values, axis=dim)
    np.testing.assert_array_equal(v._data, np.flip(want, dim) if descending else want)
    v.sum().backward()  # every element is picked once
    np.testing.assert_array_equal(x.grad._data, np.ones_like(values))
    k = data.draw(st.integers(0, values.shape[dim]))
    tv, ti = ag.topk(x, k, dim, largest=descending)
    np.testing.assert_array_equal(tv._data, np.take(v._data, range(k), axis=dim))
    np.testing.assert_array_equal(tv._data, np.take_along_axis(values, ti._data, dim))


# ---------------------------------------------------------------- topk
@pytest.mark.parametrize("dim", [0, 1, 2, -1])
@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("k", [1, 2])
def test_topk_values_indices_and_gradients(dim, largest, k):
    x = _x(seed=7)
    values, indices = ag.topk(x, k, dim, largest)
    order = np.take(np.argsort(-x._data if largest else x._data, axis=dim), range(k), axis=dim)
    np.testing.assert_array_equal(indices._data, order)
    np.testing.assert_array_equal(values._data, np.take_along_axis(x._data, order, dim))
    assert indices.dtype == np.int64 and not indices.requires_grad
    np.testing.assert_array_equal(x.topk(k, dim, largest).values._data, values._data)
    check(lambda a: ag.topk(a, k, dim, largest).values, x)


def test_topk_gradient_and_unsorted_and_edge_sizes():
    x = ag.tensor([0.5, 4.0, -1.0, 3.0], dtype=ag.float64, requires_grad=True)
    v, i = x.topk(2)
    assert v.tolist() == [4.0, 3.0] and i.tolist() == [1, 3]
    v.backward(ag.tensor([1.0, 2.0], dtype=ag.float64))
    np.testing.assert_array_equal(x.grad._data, [0.0, 1.0, 0.0, 2.0])
    assert sorted(x.topk(3, sorted=False).values.tolist()) == [0.5, 3.0, 4.0]
    assert x.topk(0).values.shape == (0,) and x.topk(4, largest=False).indices.tolist() == [2, 0, 3, 1]
    assert type(x.topk(1)).__name__ == "topk" and type(x.sort()).__name__ == "sort"
    y = ag.tensor([1.0, np.nan, 2.0])
    assert y.topk(1).indices.item() == 1 and y.topk(1, largest=False).indices.item() == 0


# ---------------------------------------------------------------- dtypes, 0-d, errors
@pytest.mark.parametrize("fn", [
    lambda a: a.amax(1), lambda a: a.amin(), lambda a: a.max(), lambda a: a.min(0).values,
    lambda a: a.sort(1, True).values, lambda a: a.topk(2, 0).values,
])
def test_float32_is_kept(fn):
    x = leaf(3, 4, seed=8, dtype=np.float32)
    y = fn(x)
    assert y.dtype == np.float32
    (g,) = ag.grad(y.sum(), x, create_graph=True)
    assert g.dtype == np.float32


def test_zero_dim_inputs():
    x = ag.tensor(2.0, dtype=ag.float64, requires_grad=True)
    for res in (x.max(0), x.min(-1, keepdim=True), x.sort(), x.topk(1)):
        assert res.values.shape == () and res.values.item() == 2.0
        assert res.indices.shape == () and res.indices.item() == 0
    check(lambda a: a.max(0).values * a.sort().values + a.amax() + a.topk(1).values, x)


@pytest.mark.parametrize("fn,name", [
    (lambda x: ag.amax(x, 2), "amax"), (lambda x: ag.amin(x, (0, -3)), "amin"),
    (lambda x: ag.max(x, 2), "max"), (lambda x: ag.min(x, -3), "min"),
    (lambda x: ag.sort(x, 2), "sort"), (lambda x: ag.topk(x, 1, -3), "topk"),
])
def test_dim_out_of_range_names_op_and_range(fn, name):
    with pytest.raises(IndexError, match=rf"{name}.*\[-2, 1\]"):
        fn(ag.ones(2, 3))


def test_other_errors():
    x = ag.ones(2, 3)
    with pytest.raises(RuntimeError, match=r"topk.*k=4.*size 3"):
        x.topk(4)
    with pytest.raises(RuntimeError, match="topk.*k=-1"):
        x.topk(-1)
    with pytest.raises(TypeError, match="topk.*k must be an int"):
        x.topk(1.5)
    with pytest.raises(TypeError, match="max.*dim must be an int"):
        x.max((0, 1))
    with pytest.raises(RuntimeError, match=r"max.*empty.*\(0, 3\)"):
        ag.zeros(0, 3).max()
    with pytest.raises(RuntimeError, match="min.*dim 0.*non-zero size"):
        ag.zeros(0, 3).min(0)
    with pytest.raises(RuntimeError, match="amax.*dim 0.*non-zero size"):
        ag.zeros(0, 3).amax(0)
    assert ag.zeros(0, 3).amax(1).shape == (0,)
    with pytest.raises(TypeError, match="sort.*Tensor"):
        ag.sort([3.0, 1.0])
