"""Tests of ops/scan.py: cumprod, cummax/cummin and logcumsumexp: values against
numpy, first and second derivatives (zeros in cumprod, ties in cummax), forward
mode, dtypes, 0-d inputs and errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from tests.helpers import check, check_jvp, leaf


def _t(values):
    return ag.tensor(values, dtype=ag.float64, requires_grad=True)


# ---------------------------------------------------------------- cumprod
@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_cumprod_values_gradients_and_jvp(dim):
    x = leaf(2, 3, 4, seed=1)
    np.testing.assert_allclose(ag.cumprod(x, dim)._data, np.cumprod(x._data, axis=dim))
    check(lambda a: ag.cumprod(a, dim), x)
    check_jvp(lambda a: ag.cumprod(a, dim), x)


@pytest.mark.parametrize("values", [[[1.5, 0.0, 3.0, 2.0], [2.0, -1.0, 0.0, 0.0]],
                                    [[0.0, 0.0, 2.0, -3.0], [0.5, 2.0, 4.0, 0.0]]])
def test_cumprod_with_zeros_is_exact(values):
    x = _t(values)
    check(lambda a: ag.cumprod(a, 1), x)
    check(lambda a: ag.cumprod(a, 0), x)
    check_jvp(lambda a: ag.cumprod(a, 1), x)
    # closed form: x̄_k = Σ_{i≥k} Π_{j≤i, j≠k} x_j for ȳ = 1
    ag.cumprod(x, 1).sum().backward()
    a = np.array(values)
    want = np.zeros_like(a)
    for r in range(a.shape[0]):
        for k in range(a.shape[1]):
            want[r, k] = sum(np.prod(np.delete(a[r, :i + 1], k)) for i in range(k, a.shape[1]))
    np.testing.assert_allclose(x.grad._data, want)
    assert not np.isnan(x.grad._data).any()


def test_cumprod_zeros_in_3d_along_a_middle_dim_and_large_slices():
    a = np.random.default_rng(5).standard_normal((2, 4, 3))
    a[0, 1, 0] = a[0, 3, 0] = a[1, 0, 2] = a[1, 2, 1] = 0.0
    x = _t(a)
    np.testing.assert_array_equal(ag.cumprod(x, 1)._data, np.cumprod(a, 1))
    check(lambda t: ag.cumprod(t, 1), x)
    check_jvp(lambda t: ag.cumprod(t, 1), x)
    big = np.ones((3, 5000))
    big[:, 10] = 0.0  # the zero path is O(n) per slice (no n × n matrices)
    b = _t(big)
    ag.cumprod(b, 1).sum().backward()
    assert b.grad._data[0, 10] == 4990 and b.grad._data[0, 11] == 0 and b.grad._data[0, 9] == 1


def test_cumprod_dtypes_and_0d():
    assert ag.cumprod(ag.tensor([1, 2, 3], dtype=ag.int32), 0).dtype == ag.int64
    np.testing.assert_array_equal(ag.cumprod(ag.tensor([True, True, False]), 0)._data, [1, 1, 0])
    assert ag.cumprod(ag.tensor([1, 2]), 0, dtype=ag.float64).dtype == ag.float64
    assert ag.cumprod(ag.tensor([1.0, 2.0]), 0).dtype == ag.float32
    x = ag.tensor(3.0, dtype=ag.float64, requires_grad=True)
    y = ag.cumprod(x, 0)
    assert y.shape == () and y.item() == 3.0
    check(lambda a: ag.cumprod(a, -1), x)
    assert ag.tensor([1.0, 2.0]).cumprod(0).tolist() == [1.0, 2.0]


def test_cumprod_errors():
    with pytest.raises(IndexError):
        ag.cumprod(ag.ones(2, 3), 2)
    with pytest.raises(TypeError):
        ag.cumprod(ag.ones(2, 3), (0, 1))
    with pytest.raises(TypeError):
        ag.cumprod(np.ones(3), 0)


# ---------------------------------------------------------------- cummax / cummin
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cummax_cummin_values_gradients_and_jvp(dim):
    x = leaf(3, 5, seed=2)
    for fn, ufunc in ((ag.cummax, np.maximum), (ag.cummin, np.minimum)):
        v, i = fn(x, dim)
        np.testing.assert_array_equal(v._data, ufunc.accumulate(x._data, axis=dim))
        np.testing.assert_array_equal(np.take_along_axis(x._data, i._data, dim), v._data)
        assert i.dtype == ag.int64 and not i.requires_grad
        check(lambda a, fn=fn: fn(a, dim).values, x)
        check_jvp(lambda a, fn=fn: fn(a, dim), x)


def test_cummax_ties_take_the_latest_index_and_gradients_add_up():
    x = _t([1.0, 3.0, 3.0, 2.0, 3.0, 0.0])
    res = ag.cummax(x, 0)
    assert res.indices.tolist() == [0, 1, 2, 2, 4, 4]
    assert res.values is res[0] and type(res).__name__ == "cummax"
    res.values.backward(ag.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], dtype=ag.float64))
    np.testing.assert_array_equal(x.grad._data, [1.0, 2.0, 7.0, 0.0, 11.0, 0.0])
    m = ag.cummin(_t([2.0, 1.0, 1.0, 3.0]), 0)
    assert m.indices.tolist() == [0, 1, 2, 2] and type(m).__name__ == "cummin"


@settings(max_examples=50, deadline=None)
@given(hnp.arrays(np.int64, st.integers(1, 8), elements=st.integers(-3, 3)), st.booleans())
def test_cummax_cummin_match_a_running_loop(a, largest):
    v, i = (ag.cummax if largest else ag.cummin)(ag.tensor(a), 0)
    best, at = a[0], 0
    for k, e in enumerate(a):
        if (e >= best) if largest else (e <= best):  # ties: the latest index
            best, at = e, k
        assert v._data[k] == best and i._data[k] == at


def test_cummax_nan_propagates_with_the_first_nan_index():
    x = ag.tensor([1.0, np.nan, 5.0, np.nan])
    v, i = ag.cummax(x, 0)
    assert np.isnan(v._data[1:]).all() and i.tolist() == [0, 1, 1, 1]
    v, i = ag.cummin(x, 0)
    assert i.tolist() == [0, 1, 1, 1]


def test_cummax_dtypes_0d_and_empty():
    v, i = ag.cummax(ag.tensor([1, 5, 2], dtype=ag.int32), 0)
    assert v.dtype == ag.int32 and v.tolist() == [1, 5, 5] and i.tolist() == [0, 1, 1]
    v, i = ag.cummin(ag.tensor([True, False, True]), 0)
    assert v.dtype == ag.bool and v.tolist() == [True, False, False] and i.tolist() == [0, 1, 1]
    v, i = ag.cummax(ag.tensor(2.0), 0)
    assert v.shape == () and i.shape == () and i.item() == 0
    v, i = ag.cummax(ag.zeros(0, 3), 0)
    assert v.shape == (0, 3) and i.shape == (0, 3)
    assert ag.tensor([[1.0, 0.0]]).cummax(1).indices.tolist() == [[0, 0]]


# ---------------------------------------------------------------- logcumsumexp
@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_logcumsumexp_values_gradients_and_jvp(dim):
    x = leaf(2, 3, 4, seed=3)
    want = np.log(np.cumsum(np.exp(x._data), axis=dim))
    np.testing.assert_allclose(ag.logcumsumexp(x, dim)._data, want, rtol=1e-12)
    check(lambda a: ag.logcumsumexp(a, dim), x)
    check_jvp(lambda a: ag.logcumsumexp(a, dim), x)


def test_logcumsumexp_is_stable():
    x = _t([-1000.0, 0.0, 1000.0, 999.0])
    y = ag.logcumsumexp(x, 0)
    np.testing.assert_allclose(y._data, [-1000.0, 0.0, 1000.0, 1000.0 + np.log1p(np.exp(-1.0))])
    y.sum().backward()
    # x̄_k = Σ_{i≥k} exp(x_k - y_i)
    s = 1 / (1 + np.exp(-1.0))
    np.testing.assert_allclose(x.grad._data, [1.0, 1.0, 1.0 + s, 1.0 - s])
    big = _t([[800.0, 801.0, -5.0], [-700.0, -701.0, 3.0]])
    check(lambda a: ag.logcumsumexp(a, 1), big)
    check_jvp(lambda a: ag.logcumsumexp(a, 1), big)


def test_logcumsumexp_third_derivative_and_dtypes():
    x = leaf(4, seed=4)
    (g,) = ag.grad(ag.logcumsumexp(x, 0).sum(), [x], create_graph=True)
    check(lambda a: ag.grad((ag.logcumsumexp(a, 0) ** 2).sum(), [a], create_graph=True)[0], x)
    assert g.requires_grad
    assert ag.logcumsumexp(ag.tensor([1.0, 2.0]), 0).dtype == ag.float32
    with pytest.raises(RuntimeError):
        ag.logcumsumexp(ag.tensor([1, 2]), 0)
    y = ag.logcumsumexp(ag.tensor(1.5), 0)
    assert y.shape == () and y.item() == 1.5
    assert ag.tensor([0.0, 0.0]).logcumsumexp(0).tolist() == pytest.approx([0.0, np.log(2)])


def test_take_along_and_add_along_are_adjoint_with_repeated_indices():
    from autograd_core.ops.scan import AddAlong, TakeAlong

    rng = np.random.default_rng(6)
    idx = np.maximum.accumulate(rng.integers(0, 4, (3, 4, 2)), axis=1)  # repeats, as cummax's
    x, g = leaf(3, 4, 2, seed=7), leaf(3, 4, 2, seed=8)
    lhs = (TakeAlong.apply(x, idx, 1) * g).sum().item()
    rhs = (x * AddAlong.apply(g, idx, 1)).sum().item()
    assert lhs == pytest.approx(rhs, rel=1e-12)
    want = np.zeros((3, 4, 2))
    for a in range(3):
        for i in range(4):
            for c in range(2):
                want[a, idx[a, i, c], c] += g._data[a, i, c]
    np.testing.assert_allclose(AddAlong.apply(g, idx, 1)._data, want)
    check(lambda t: AddAlong.apply(t, idx, 1), g)
    check(lambda t: TakeAlong.apply(t, idx, 1), x)
    check_jvp(lambda t: AddAlong.apply(t, idx, 1), g)


@pytest.mark.parametrize("values", [[1.5, 0.0, 2.0, -1.0, 0.0, 3.0], [0.3, -1.2, 0.8, 2.0]])
def test_forward_over_reverse_agrees_with_the_hessian(values):
    from autograd_core.functional import hessian, hvp

    x = ag.tensor(values, dtype=ag.float64)
    v = ag.tensor(np.linspace(-1.0, 1.5, len(values)), dtype=ag.float64)
    for f in (lambda a: (ag.cumprod(a, 0) ** 2).sum(), lambda a: (ag.logcumsumexp(a, 0) ** 2).sum(),
              lambda a: (ag.cummin(a, 0).values ** 3).sum()):
        _, hv = hvp(f, x, v)
        np.testing.assert_allclose(hv._data, hessian(f)(x)._data @ v._data, rtol=1e-12, atol=1e-12)
