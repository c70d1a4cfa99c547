"""Tests of ops/reduce_stats.py: median/nanmedian, mode, quantile/nanquantile,
aminmax, count_nonzero, nansum, nanmean (and reduce's var_mean/std_mean): values
against numpy, gradients (gradcheck, gradgradcheck, check_jvp), the tie and NaN
conventions, namedtuple results, dtypes and errors."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from tests.helpers import check, check_jvp, leaf

NAN = np.nan


def _t(values):
    return ag.tensor(values, dtype=ag.float64, requires_grad=True)


def _lower_median(a, axis=None):
    a = np.sort(a.reshape(-1) if axis is None else a, axis=-1 if axis is None else axis)
    n = a.shape[-1 if axis is None else axis]
    return np.take(a, (n - 1) // 2, axis=-1 if axis is None else axis)


# ---------------------------------------------------------------- median / nanmedian
@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 4)])
def test_median_of_all_elements(shape):
    x = leaf(*shape, seed=1)
    y = ag.median(x)
    assert y.shape == () and y.item() == _lower_median(x._data)
    assert x.median().item() == y.item() and ag.nanmedian(x).item() == y.item()
    check(ag.median, x)
    check_jvp(ag.median, x)


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_median_along_a_dim(dim, keepdim):
    x = leaf(4, 5, seed=2)
    for fn in (ag.median, ag.nanmedian):
        v, i = fn(x, dim, keepdim)
        want = _lower_median(x._data, dim)
        np.testing.assert_array_equal(v._data, np.expand_dims(want, dim) if keepdim else want)
        np.testing.assert_array_equal(np.take_along_axis(x._data, i._data if keepdim else
                                                         np.expand_dims(i._data, dim), dim).squeeze(dim),
                                      want)
        assert i.dtype == ag.int64 and not i.requires_grad
        check(lambda a, fn=fn: fn(a, dim, keepdim).values, x)
        check_jvp(lambda a, fn=fn: fn(a, dim, keepdim), x)


def test_median_is_the_lower_median_and_ties():
    assert ag.median(ag.tensor([4.0, 1.0, 3.0, 2.0])).item() == 2.0  # not 2.5
    x = _t([1.0, 2.0, 2.0, 5.0, 2.0])
    ag.median(x).backward()  # tied medians share the gradient evenly
    np.testing.assert_allclose(x.grad._data, [0, 1 / 3, 1 / 3, 0, 1 / 3])
    x = _t([[1.0, 2.0, 2.0, 5.0, 2.0]])
    res = ag.median(x, 1)
    assert type(res).__name__ == "median" and res.indices.tolist() == [1]  # the first occurrence
    res.values.sum().backward()
    np.testing.assert_array_equal(x.grad._data, [[0, 1, 0, 0, 0]])


def test_median_nan_conventions():
    t = ag.tensor([[1.0, 2.0, 2.0, 3.0, NAN], [NAN, 1.0, NAN, 4.0, 1.0], [NAN, NAN, NAN, NAN, NAN]])
    v, i = ag.median(t, 1)
    assert np.isnan(v._data).all() and i.tolist() == [4, 0, 0]
    v, i = ag.nanmedian(t, 1)
    np.testing.assert_array_equal(v._data, [2.0, 1.0, NAN])
    assert i.tolist()[:2] == [1, 1] and type(ag.nanmedian(t, 1)).__name__ == "nanmedian"
    assert np.isnan(ag.median(t).item()) and ag.nanmedian(t).item() == 2.0
    x = _t([1.0, NAN, 3.0, NAN])
    ag.median(x).backward()  # the NaN result shares its gradient among the NaNs
    np.testing.assert_array_equal(x.grad._data, [0, 0.5, 0, 0.5])
    x = _t([1.0, NAN, 3.0, 0.5])
    ag.nanmedian(x).backward()
    np.testing.assert_array_equal(x.grad._data, [1, 0, 0, 0])


def test_median_dtypes_0d_empty_and_errors():
    v, i = ag.median(ag.tensor([[3, 1, 2, 7]]), 1)
    assert v.dtype == ag.int64 and v.tolist() == [2] and i.tolist() == [2]
    assert ag.median(ag.tensor([5, 1, 3], dtype=ag.int32)).dtype == ag.int32
    v, i = ag.median(ag.tensor(2.5), 0)
    assert v.shape == () and i.shape == () and v.item() == 2.5 and i.item() == 0
    assert np.isnan(ag.median(ag.zeros(0)).item())
    with pytest.raises(IndexError):
        ag.median(ag.zeros(2, 0), 1)
    with pytest.raises(IndexError):
        ag.median(ag.zeros(2, 3), 2)
    with pytest.raises(TypeError):
        ag.median(ag.zeros(2, 3), (0, 1))
    with pytest.raises(RuntimeError):
        ag.median(ag.tensor([True, False]))
    with pytest.raises(TypeError):
        ag.median([1.0, 2.0])


# ---------------------------------------------------------------- mode
def test_mode_values_ties_and_indices():
    x = ag.tensor([[1, 2, 2, 3, 3, 0], [5, 5, 4, 4, 4, 1], [7, 8, 9, 6, 6, 6]])
    res = ag.mode(x, 1)
    assert type(res).__name__ == "mode"
    assert res.values.tolist() == [2, 4, 6]  # equally frequent 2 and 3: the smallest
    assert res.indices.tolist() == [2, 4, 5]  # the last occurrence
    assert x.mode(0).values.tolist() == [1, 2, 2, 3, 3, 0]
    v, i = ag.mode(ag.tensor([[True, False, True]]))
    assert v.tolist() == [True] and i.tolist() == [2]
    v, i = ag.mode(ag.tensor(4.0))
    assert v.shape == () and i.item() == 0
    v, i = ag.mode(ag.tensor([[1.0, 1.0], [2.0, 3.0]]), 0, keepdim=True)
    assert v.shape == (1, 2) and v.tolist() == [[1.0, 1.0]] and i.tolist() == [[0, 0]]
    with pytest.raises(IndexError):
        ag.mode(ag.zeros(3, 0))


def test_mode_gradients():
    x = _t([[1.0, 2.0, 2.0, 3.0], [4.0, 4.0, 0.5, 4.0]])
    v, _ = ag.mode(x, 1)
    v.backward(ag.tensor([2.0, 3.0], dtype=ag.float64))
    np.testing.assert_array_equal(x.grad._data, [[0, 0, 2, 0], [0, 0, 0, 3]])
    y = leaf(3, 4, seed=5)  # all distinct: the smallest value of each row
    np.testing.assert_array_equal(ag.mode(y, 1).values._data, y._data.min(1))
    check(lambda a: ag.mode(a, 0).values, y)
    check_jvp(lambda a: ag.mode(a, 1, True), y)


# ---------------------------------------------------------------- quantile / nanquantile
@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile_against_numpy_and_gradients(interpolation):
    x = leaf(4, 5, seed=3)
    q = ag.tensor([0.0, 0.1, 0.25, 0.5, 0.5, 0.875, 1.0], dtype=ag.float64)
    for dim in (None, 0, 1):
        got = ag.quantile(x, q, dim, interpolation=interpolation)
        want = np.quantile(x._data, q._data, axis=dim, method=interpolation)
        np.testing.assert_allclose(got._data, want, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(ag.nanquantile(x, q, dim, interpolation=interpolation)._data, want,
                                   rtol=1e-12, atol=1e-15)
    check(lambda a: ag.quantile(a, q, 1, interpolation=interpolation), x)
    check(lambda a: ag.nanquantile(a, 0.3, 0, True, interpolation=interpolation), x)
    check_jvp(lambda a: ag.quantile(a, q, None, interpolation=interpolation), x)


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 6)),
                  elements=st.floats(-10, 10) | st.just(NAN)),
       st.lists(st.floats(0, 1), min_size=1, max_size=4),
       st.sampled_from(["linear", "lower", "higher", "midpoint", "nearest"]))
def test_nanquantile_and_nanmedian_match_numpy(a, q, method):
    x = ag.tensor(a, dtype=ag.float64)
    qt = ag.tensor(q, dtype=ag.float64)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = np.nanquantile(a, q, axis=1, method=method)
        nq = ag.nanquantile(x, qt, 1, interpolation=method)._data
        np.testing.assert_allclose(nq, want, rtol=1e-12, atol=1e-12)
        clean = ~np.isnan(a).any(axis=1)
        got = ag.quantile(x, qt, 1, interpolation=method)._data
        np.testing.assert_allclose(got[:, clean], want[:, clean], rtol=1e-12, atol=1e-12)
        assert np.isnan(got[:, ~clean]).all()
    for r in range(a.shape[0]):
        row = np.sort(a[r][~np.isnan(a[r])])
        med = ag.nanmedian(x, 1).values._data[r]
        assert (np.isnan(med) and not row.size) or med == row[(row.size - 1) // 2]


def test_quantile_closed_form_gradient_and_shapes():
    x = _t([4.0, 1.0, 3.0, 2.0])
    y = ag.quantile(x, 0.5)  # rank 1.5: halfway between 2 and 3
    assert y.shape == () and y.item() == 2.5
    y.backward()
    np.testing.assert_array_equal(x.grad._data, [0, 0, 0.5, 0.5])
    z = leaf(2, 3, 4, seed=4)
    q = ag.tensor([0.2, 0.7], dtype=ag.float64)
    assert ag.quantile(z, q, 1).shape == (2, 2, 4)
    assert ag.quantile(z, q, 1, keepdim=True).shape == (2, 2, 1, 4)
    assert ag.quantile(z, q, keepdim=True).shape == (2, 1, 1, 1)
    assert ag.quantile(z, 0.2, -1).shape == (2, 3)
    assert ag.quantile(z, ag.tensor(0.2, dtype=ag.float64)).shape == ()
    assert z.quantile(0.5).item() == pytest.approx(np.quantile(z._data, 0.5))
    assert ag.quantile(ag.tensor([1.0, 2.0]), 0.5).dtype == ag.float32
    assert ag.quantile(ag.tensor(3.0), 0.25, 0).item() == 3.0


def test_quantile_nan_conventions():
    t = ag.tensor([[1.0, NAN, 3.0, 2.0], [NAN, NAN, NAN, NAN], [4.0, 0.0, 1.0, 2.0]])
    got = ag.quantile(t, 0.5, 1)
    assert np.isnan(got._data[:2]).all() and got._data[2] == 1.5
    got = ag.nanquantile(t, 0.5, 1)
    np.testing.assert_array_equal(got._data, [2.0, NAN, 1.5])
    np.testing.assert_allclose(ag.nanquantile(t, 0.3)._data, np.nanquantile(t._data, 0.3))
    x = _t([1.0, NAN, 3.0, 2.0])
    ag.nanquantile(x, 0.25).backward()  # rank 0.5 among [1, 2, 3]
    np.testing.assert_array_equal(x.grad._data, [0.5, 0, 0, 0.5])


def test_quantile_errors():
    x = ag.rand(3, 4)
    with pytest.raises(RuntimeError):
        ag.quantile(x, 1.5)
    with pytest.raises(RuntimeError):
        ag.quantile(x, ag.tensor([-0.1, 0.5]))
    with pytest.raises(RuntimeError):
        ag.quantile(x, ag.tensor([[0.5]]))
    with pytest.raises(RuntimeError):
        ag.quantile(x, ag.tensor([0.5], dtype=ag.float64))
    with pytest.raises(RuntimeError):
        ag.quantile(ag.tensor([1, 2, 3]), 0.5)
    with pytest.raises(RuntimeError):
        ag.quantile(x, 0.5, interpolation="cubic")
    with pytest.raises(RuntimeError):
        ag.quantile(ag.zeros(0), 0.5)
    with pytest.raises(IndexError):
        ag.quantile(x, 0.5, 2)
    with pytest.raises(TypeError):
        ag.quantile(x, "0.5")


# ---------------------------------------------------------------- aminmax, count_nonzero
def test_aminmax():
    x = leaf(3, 4, seed=6)
    res = ag.aminmax(x)
    assert type(res).__name__ == "aminmax" and res.min.shape == () and res.max.shape == ()
    assert res.min.item() == x._data.min() and res.max.item() == x._data.max()
    mn, mx = x.aminmax(dim=1, keepdim=True)
    np.testing.assert_array_equal(mn._data, x._data.min(1, keepdims=True))
    np.testing.assert_array_equal(mx._data, x._data.max(1, keepdims=True))
    check(lambda a: ag.aminmax(a, dim=0), x)
    check_jvp(lambda a: ag.aminmax(a, dim=-1), x)
    t = _t([[1.0, 3.0, 3.0, 1.0]])
    mn, mx = ag.aminmax(t)
    (mn + 2 * mx).backward()  # ties share evenly
    np.testing.assert_allclose(t.grad._data, [[0.5, 1.0, 1.0, 0.5]])
    i = ag.aminmax(ag.tensor([3, -1, 2], dtype=ag.int32))
    assert i.min.dtype == ag.int32 and (i.min.item(), i.max.item()) == (-1, 3)
    assert ag.aminmax(ag.tensor(2.0), dim=0).max.item() == 2.0
    with pytest.raises(RuntimeError):
        ag.aminmax(ag.zeros(0))
    with pytest.raises(RuntimeError):
        ag.aminmax(ag.zeros(2, 0), dim=1)
    with pytest.raises(TypeError):
        ag.aminmax(x, dim=(0, 1))
    with pytest.raises(TypeError):
        ag.aminmax(x, 0)  # dim is keyword-only


def test_count_nonzero():
    a = np.array([[0, 1, 2], [0, 0, 3]])
    x = ag.tensor(a)
    assert ag.count_nonzero(x).item() == 3 and ag.count_nonzero(x).dtype == ag.int64
    assert ag.count_nonzero(x, 0).tolist() == [0, 1, 2]
    assert x.count_nonzero(dim=(0, 1)).item() == 3 and x.count_nonzero(-1).tolist() == [2, 1]
    f = ag.tensor([[0.0, NAN], [-0.0, 1.0]], requires_grad=True)
    out = ag.count_nonzero(f, 1)
    assert out.tolist() == [1, 1] and not out.requires_grad
    assert ag.count_nonzero(ag.tensor([True, False, True])).item() == 2
    assert ag.count_nonzero(ag.tensor(5.0)).item() == 1
    with pytest.raises(IndexError):
        ag.count_nonzero(x, 2)


# ---------------------------------------------------------------- nansum, nanmean
def test_nansum_nanmean_values_and_gradients():
    a = np.array([[1.0, 2.0, NAN, 3.0], [NAN, NAN, NAN, NAN], [0.5, NAN, -1.0, 4.0]])
    x = _t(a)
    for dim in (None, 0, 1, (0, 1)):
        np.testing.assert_allclose(ag.nansum(x, dim)._data, np.nansum(a, axis=dim))
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(ag.nanmean(x, 1, keepdim=True)._data, np.nanmean(a, 1, keepdims=True))
    assert np.isnan(ag.nanmean(x, 1)._data[1]) and ag.nansum(x, 1)._data[1] == 0
    check(lambda t: ag.nansum(t, 1), x)
    check(lambda t: ag.nanmean(t, 0), x)
    check_jvp(lambda t: (ag.nansum(t), ag.nanmean(t, 0)), _t(a[[0, 2]]))  # no all-NaN slice: 0/0 tangent
    y = _t([1.0, NAN, 3.0])
    y.nanmean().backward()
    np.testing.assert_array_equal(y.grad._data, [0.5, 0.0, 0.5])
    y.grad = None
    y.nansum().backward()
    np.testing.assert_array_equal(y.grad._data, [1.0, 0.0, 1.0])


def test_nansum_nanmean_dtypes():
    i = ag.tensor([1, 2, 3], dtype=ag.int32)
    assert ag.nansum(i).dtype == ag.int64 and ag.nansum(i).item() == 6
    assert ag.nansum(ag.tensor([True, True])).item() == 2
    assert ag.nansum(i, dtype=ag.float64).dtype == ag.float64
    assert ag.nansum(ag.tensor([1.0, NAN])).dtype == ag.float32
    assert ag.nanmean(i, dtype=ag.float32).item() == 2.0
    with pytest.raises(RuntimeError):
        ag.nanmean(i)
    assert ag.tensor([[NAN, 2.0]]).nanmean(1, True).shape == (1, 1)


# ---------------------------------------------------------------- var_mean / std_mean (reduce.py)
def test_var_mean_std_mean():
    x = leaf(3, 4, seed=7)
    v, m = ag.var_mean(x, 1)
    np.testing.assert_allclose(v._data, np.var(x._data, 1, ddof=1))
    np.testing.assert_allclose(m._data, np.mean(x._data, 1))
    s, m = ag.std_mean(x, 0, correction=0, keepdim=True)
    np.testing.assert_allclose(s._data, np.std(x._data, 0, keepdims=True))
    check(lambda a: ag.std_mean(a, 1), x)
    check(lambda a: ag.var_mean(a, (0, 1), unbiased=False), x)
    check_jvp(lambda a: ag.std_mean(a, 0), x)
