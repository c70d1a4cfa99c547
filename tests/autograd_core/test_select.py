"""Tests of ops/select.py: where, clamp/clip, maximum/minimum: gradients
(first and second order) on broadcasting shapes, PyTorch's conventions at
bounds and ties, values, dtypes and errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from tests.helpers import check, leaf


def _mask(*shape, seed=0):
    return ag.tensor(np.random.default_rng(seed).random(shape) < 0.5)


# ---------------------------------------------------------------- where
@pytest.mark.parametrize("cshape,ashape,bshape", [
    ((), (), ()),
    ((4,), (4,), (4,)),
    ((3, 1), (1, 4), (3, 4)),
    ((2, 3, 4), (3, 1), (4,)),
    ((1, 4), (2, 1, 1), ()),
])
def test_where_gradcheck_broadcasting(cshape, ashape, bshape):
    c = _mask(*cshape, seed=1)
    check(lambda a, b: ag.where(c, a, b), leaf(*ashape, seed=2), leaf(*bshape, seed=3))


def test_where_with_scalars_and_method():
    c = _mask(3, 4, seed=4)
    a = leaf(3, 4, seed=5)
    check(lambda t: ag.where(c, t, 0.5), a)
    check(lambda t: ag.where(c, -1.0, t), a)
    check(lambda t: t.where(c, 2.0), a)
    np.testing.assert_array_equal(a.where(c, 2.0)._data, np.where(c._data, a._data, 2.0))


def test_where_values_and_gradients():
    c = ag.tensor([[True, False, True]])
    a = ag.tensor([[1.0], [2.0]], requires_grad=True)
    b = ag.tensor([10.0, 20.0, 30.0], requires_grad=True)
    y = ag.where(c, a, b)
    assert y.tolist() == [[1.0, 20.0, 1.0], [2.0, 20.0, 2.0]]
    y.backward(ag.ones(2, 3))
    assert a.grad.tolist() == [[2.0], [2.0]] and b.grad.tolist() == [0.0, 2.0, 0.0]
    # a numpy bool array and a Python bool work as conditions
    assert ag.where(np.array([True, False]), ag.ones(2), 0.0).tolist() == [1.0, 0.0]
    assert ag.where(False, ag.ones(2), 3.0).tolist() == [3.0, 3.0]


def test_where_dtypes():
    c = _mask(5, seed=6)
    x = ag.tensor(np.arange(5.0), dtype=np.float32, requires_grad=True)
    y = ag.where(c, x, 0.5)
    assert y.dtype == np.float32
    y.backward(ag.ones(5))
    assert x.grad.dtype == np.float32
    assert ag.where(c, ag.tensor([1, 2, 3, 4, 5]), 0.5).dtype == np.float32  # int with float: float32
    assert ag.where(c, ag.tensor([1, 2, 3, 4, 5]), 0).dtype == np.int64
    assert ag.where(c, 1.0, 0.0).dtype == np.float32
    assert ag.where(c, x, ag.zeros(5, dtype=np.float64)).dtype == np.float64


def test_where_errors():
    with pytest.raises(RuntimeError, match="where expected condition to be a boolean tensor, but got "
                                           "a tensor with dtype float32"):
        ag.where(ag.ones(3), ag.ones(3), 0.0)
    with pytest.raises(RuntimeError, match=r"where: the shapes of condition \(3,\), input \(4,\) and "
                                           r"other \(\) cannot be broadcast together"):
        ag.where(ag.tensor([True, False, True]), ag.ones(4), 0.0)


@settings(max_examples=40, deadline=None)
@given(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3), st.integers(0, 99))
def test_where_property_broadcast_shapes_and_gradient(shapes, seed):
    cshape, ashape, bshape = shapes.input_shapes
    c = _mask(*cshape, seed=seed)
    a = leaf(*ashape, seed=seed)
    b = leaf(*bshape, seed=seed + 1)
    y = ag.where(c, a, b)
    assert y.shape == shapes.result_shape
    y.backward(ag.ones(*y.shape, dtype=np.float64))
    cb = np.broadcast_to(c._data, y.shape)
    assert a.grad.shape == ashape and b.grad.shape == bshape
    # each output element sends its gradient to exactly one of a, b
    assert a.grad._data.sum() + b.grad._data.sum() == pytest.approx(float(np.prod(y.shape)))
    assert a.grad._data.sum() == pytest.approx(float(cb.sum()))


# ---------------------------------------------------------------- clamp
def _away_from(bounds, *shape, seed=0, low=-3.0, high=3.0):
    """A float64 leaf with no element within 1e-2 of any of ``bounds``."""
    rng = np.random.default_rng(seed)
    arr = rng.uniform(low, high, shape)
    for b in bounds:
        near = np.abs(arr - b) < 1e-2
        arr[near] += 0.05
    return ag.tensor(arr, dtype=np.float64, requires_grad=True)


@pytest.mark.parametrize("lo,hi", [(-1.0, 1.0), (-0.5, None), (None, 0.7), (2.0, -1.0)])
@pytest.mark.parametrize("shape", [(), (7,), (3, 4)])
def test_clamp_scalar_bounds_gradcheck(lo, hi, shape):
    x = _away_from([b for b in (lo, hi) if b is not None], *shape, seed=len(shape))
    check(lambda t: ag.clamp(t, lo, hi), x)


@pytest.mark.parametrize("xshape,loshape,hishape", [
    ((3, 4), (4,), (3, 1)),
    ((4,), (2, 1), ()),
    ((2, 3), (2, 3), (2, 3)),
])
def test_clamp_tensor_bounds_gradcheck(xshape, loshape, hishape):
    rng = np.random.default_rng(0)
    lo = ag.tensor(rng.uniform(-1.5, -0.5, loshape), dtype=np.float64, requires_grad=True)
    hi = ag.tensor(rng.uniform(0.5, 1.5, hishape), dtype=np.float64, requires_grad=True)
    x = ag.tensor(rng.choice([-2.0, -0.1, 0.2, 2.0], xshape) + rng.uniform(-0.05, 0.05, xshape),
                  dtype=np.float64, requires_grad=True)
    check(ag.clamp, x, lo, hi)
    check(lambda t, m: ag.clamp(t, min=m), x, lo)
    check(lambda t, m: ag.clamp(t, max=m), x, hi)


def test_clamp_values_and_inclusive_bounds():
    x = ag.tensor([-2.0, -1.0, 0.0, 1.0, 2.0], requires_grad=True)
    y = ag.clamp(x, -1.0, 1.0)
    assert y.tolist() == [-1.0, -1.0, 0.0, 1.0, 1.0]
    y.backward(ag.ones(5))
    assert x.grad.tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]  # x == min or max: gradient passes


def test_clamp_min_greater_than_max_gives_max():
    x = ag.tensor([-3.0, 0.5, 3.0], dtype=np.float64, requires_grad=True)
    lo = ag.tensor([1.0, 1.0, 1.0], dtype=np.float64, requires_grad=True)
    hi = ag.tensor(0.0, dtype=np.float64, requires_grad=True)
    y = ag.clamp(x, lo, hi)
    assert y.tolist() == [0.0, 0.0, 0.0]
    y.backward(ag.ones(3, dtype=np.float64))
    assert x.grad.tolist() == [0.0, 0.0, 0.0]
    assert lo.grad.tolist() == [0.0, 0.0, 0.0]
    assert hi.grad.item() == 3.0


def test_clamp_tensor_bound_gradients():
    x = ag.tensor([-3.0, 0.5, 3.0], dtype=np.float64, requires_grad=True)
    lo = ag.tensor([-1.0, -1.0, -1.0], dtype=np.float64, requires_grad=True)
    hi = ag.tensor([1.0, 1.0, 1.0], dtype=np.float64, requires_grad=True)
    ag.clamp(x, lo, hi).backward(ag.ones(3, dtype=np.float64))
    assert x.grad.tolist() == [0.0, 1.0, 0.0]
    assert lo.grad.tolist() == [1.0, 0.0, 0.0]
    assert hi.grad.tolist() == [0.0, 0.0, 1.0]


def test_clamp_aliases_methods_and_dtypes():
    x = ag.tensor(np.linspace(-2, 2, 9), dtype=np.float32, requires_grad=True)
    ref = np.clip(x._data, -1.0, 0.5)
    for y in [ag.clamp(x, -1.0, 0.5), ag.clip(x, -1.0, 0.5), x.clamp(-1.0, 0.5), x.clip(min=-1.0, max=0.5),
              ag.clamp_max(ag.clamp_min(x, -1.0), 0.5), x.clamp_min(-1.0).clamp_max(0.5)]:
        assert y.dtype == np.float32
        np.testing.assert_array_equal(y._data, ref)
    y = x.clamp(-1.0, 0.5)
    y.backward(ag.ones(9))
    assert x.grad.dtype == np.float32
    assert ag.clamp(ag.tensor([-3, 0, 3]), -1, 1).dtype == np.int64
    assert ag.clamp(ag.tensor([-3, 0, 3]), -0.5, 1).dtype == np.float32


def test_clamp_errors():
    with pytest.raises(RuntimeError, match="clamp: at least one of 'min' or 'max' must not be None"):
        ag.clamp(ag.ones(2))
    with pytest.raises(RuntimeError, match=r"clamp: the shapes of input \(3,\), min \(2,\) and max \(\)"):
        ag.clamp(ag.ones(3), ag.zeros(2), None)
    with pytest.raises(TypeError, match=r"clamp\(\): argument 'input' must be Tensor"):
        ag.clamp([1.0, 2.0], 0.0, 1.0)


# ------------------------------------------------------ maximum / minimum
@pytest.mark.parametrize("op", [ag.maximum, ag.minimum], ids=["maximum", "minimum"])
@pytest.mark.parametrize("ashape,bshape", [((), ()), ((5,), (5,)), ((3, 1), (4,)), ((2, 3, 4), (3, 1))])
def test_extremum_gradcheck_broadcasting(op, ashape, bshape):
    a = leaf(*ashape, seed=1)
    b = leaf(*bshape, seed=2)
    check(op, a, b)


def test_extremum_values():
    a = leaf(3, 4, seed=3)
    b = leaf(4, seed=4)
    np.testing.assert_array_equal(ag.maximum(a, b)._data, np.maximum(a._data, b._data))
    np.testing.assert_array_equal(ag.minimum(a, b)._data, np.minimum(a._data, b._data))
    np.testing.assert_array_equal(a.maximum(b)._data, np.maximum(a._data, b._data))
    np.testing.assert_array_equal(a.minimum(0.0)._data, np.minimum(a._data, 0.0))


@pytest.mark.parametrize("op,win_a", [(ag.maximum, [1.0, 0.5, 0.0]), (ag.minimum, [0.0, 0.5, 1.0])])
def test_extremum_ties_split_the_gradient(op, win_a):
    a = ag.tensor([3.0, 2.0, 1.0], requires_grad=True)
    b = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    op(a, b).backward(ag.ones(3))
    assert a.grad.tolist() == win_a
    assert b.grad.tolist() == win_a[::-1]


def test_extremum_nan_propagates_with_full_gradient():
    a = ag.tensor([np.nan, 1.0], requires_grad=True)
    b = ag.tensor([1.0, 2.0], requires_grad=True)
    y = ag.maximum(a, b)
    assert np.isnan(y._data[0]) and y._data[1] == 2.0
    y.backward(ag.ones(2))
    assert a.grad.tolist() == [1.0, 0.0] and b.grad.tolist() == [1.0, 1.0]


def test_extremum_dtypes():
    x = ag.tensor([0.5, -1.0, 2.0], requires_grad=True)
    for y in [ag.maximum(x, 0.0), ag.minimum(x, 1), ag.maximum(x, ag.tensor(0.0))]:
        assert y.dtype == np.float32
        (g,) = ag.grad(y, x, ag.ones(3))
        assert g.dtype == np.float32
    assert ag.maximum(ag.tensor([1, 5]), ag.tensor([3, 2])).tolist() == [3, 5]
    assert ag.maximum(ag.tensor([1, 5]), ag.tensor([3, 2])).dtype == np.int64
    assert ag.maximum(ag.tensor([1, 5]), 2.5).dtype == np.float32


def test_extremum_errors():
    with pytest.raises(RuntimeError, match=r"maximum: the shapes \(3,\) and \(2,\) cannot be broadcast"):
        ag.maximum(ag.ones(3), ag.ones(2))
    with pytest.raises(RuntimeError, match=r"minimum: the shapes \(2, 3\) and \(2,\) cannot be broadcast"):
        ag.minimum(ag.ones(2, 3), ag.ones(2))


def test_maximum_second_order():
    # d/dx max(x, 0)² = 2·max(x, 0) and d²/dx² = 2·[x > 0]
    x = ag.tensor([-1.5, -0.3, 0.4, 2.0], dtype=np.float64, requires_grad=True)
    m = ag.maximum(x, 0.0)
    (g,) = ag.grad(m * m, x, ag.ones(4, dtype=np.float64), create_graph=True)
    np.testing.assert_allclose(g._data, 2 * np.maximum(x._data, 0))
    (h,) = ag.grad(g, x, ag.ones(4, dtype=np.float64))
    np.testing.assert_allclose(h._data, [0.0, 0.0, 2.0, 2.0])
