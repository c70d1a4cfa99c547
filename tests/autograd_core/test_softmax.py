"""Tests of ops/reduce_softmax.py: softmax, log_softmax and logsumexp:
values against a numpy reference, stability with huge and tiny logits,
first and second derivatives over every dim, hypothesis properties, dtypes
and errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from tests.helpers import check, check_float32_backward, leaf


def _softmax(a, axis):
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("dim", [0, 1, 2, -1, -2])
def test_softmax_and_log_softmax_values_and_gradients(dim):
    x = leaf(2, 3, 4, seed=1)
    want = _softmax(x._data, dim)
    np.testing.assert_allclose(ag.softmax(x, dim)._data, want, rtol=1e-12)
    np.testing.assert_allclose(x.log_softmax(dim)._data, np.log(want), rtol=1e-12)
    np.testing.assert_array_equal(x.softmax(dim)._data, ag.softmax(x, dim)._data)
    check(lambda a: ag.softmax(a, dim), x)
    check(lambda a: ag.log_softmax(a, dim), x)


@pytest.mark.parametrize("dim", [0, 2, -1, (0, 2), (-1, 1), (0, 1, 2), None])
@pytest.mark.parametrize("keepdim", [False, True])
def test_logsumexp_values_and_gradients(dim, keepdim):
    x = leaf(2, 3, 4, seed=2)
    ax = dim if dim is not None else tuple(range(3))
    want = np.log(np.sum(np.exp(x._data), axis=ax, keepdims=keepdim))
    got = ag.logsumexp(x, dim, keepdim)
    assert got.shape == want.shape
    np.testing.assert_allclose(got._data, want, rtol=1e-12)
    np.testing.assert_array_equal(x.logsumexp(dim, keepdim)._data, got._data)
    check(lambda a: ag.logsumexp(a, dim, keepdim=keepdim), x)


def test_softmax_with_broadcast_input_gradients():
    b = leaf(3, 1, seed=3)
    check(lambda t: ag.softmax(t.expand(3, 4) * 2.0, 1), b)


def test_huge_logits_do_not_overflow():
    x = ag.tensor([[1000.0, 1000.0, 0.0], [-1000.0, 0.0, 1000.0]], requires_grad=True)
    s = ag.softmax(x, 1)
    np.testing.assert_allclose(s._data, [[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])
    ls = ag.log_softmax(x, 1)
    np.testing.assert_allclose(ls._data, [[-np.log(2), -np.log(2), -1000 - np.log(2)],
                                         [-2000.0, -1000.0, 0.0]], rtol=1e-6)
    lse = ag.logsumexp(x, 1)
    np.testing.assert_allclose(lse._data, [1000 + np.log(2), 1000.0], rtol=1e-6)
    (s.sum() + ls.sum() + lse.sum()).backward()
    assert np.all(np.isfinite(x.grad._data))


def test_tiny_logits_do_not_underflow():
    x = ag.tensor([-1000.0, -1001.0], dtype=ag.float64)
    np.testing.assert_allclose(ag.logsumexp(x, 0).item(), -1000 + np.log1p(np.exp(-1.0)))
    assert np.all(np.isfinite(ag.log_softmax(x, 0)._data))


def test_logsumexp_of_infinite_groups():
    x = ag.tensor([[-np.inf, -np.inf], [np.inf, 1.0], [0.0, -np.inf]], dtype=ag.float64)
    np.testing.assert_array_equal(ag.logsumexp(x, 1)._data, [-np.inf, np.inf, 0.0])
    e = ag.zeros(3, 0)
    np.testing.assert_array_equal(ag.logsumexp(e, 1)._data, np.full(3, -np.inf))


def test_gradient_values():
    x = ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64, requires_grad=True)
    s = _softmax(x._data, 0)
    ag.logsumexp(x, 0).backward()
    np.testing.assert_allclose(x.grad._data, s)
    x.grad = None
    ag.log_softmax(x, 0)[0].backward()
    np.testing.assert_allclose(x.grad._data, np.array([1.0, 0.0, 0.0]) - s)
    x.grad = None
    ag.softmax(x, 0)[2].backward()
    np.testing.assert_allclose(x.grad._data, s[2] * (np.array([0.0, 0.0, 1.0]) - s))


@settings(max_examples=50, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=5),
                  elements=st.floats(-50, 50)), st.data())
def test_property_softmax_sums_to_one_and_matches_log_softmax(values, data):
    dim = data.draw(st.integers(-values.ndim, values.ndim - 1))
    x = ag.tensor(values, requires_grad=True)
    s = ag.softmax(x, dim)
    np.testing.assert_allclose(s._data.sum(axis=dim), 1.0, rtol=1e-12)
    assert np.all(s._data >= 0)
    np.testing.assert_allclose(np.exp(ag.log_softmax(x, dim)._data), s._data, rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(ag.logsumexp(x, dim)._data,
                               np.log(np.sum(np.exp(values), axis=dim)), rtol=1e-9, atol=1e-12)
    s.sum().backward()  # softmax sums to 1 along dim: its gradient vanishes
    np.testing.assert_allclose(x.grad._data, 0.0, atol=1e-12)


@pytest.mark.parametrize("fn", [
    lambda a: ag.softmax(a, 1), lambda a: ag.log_softmax(a, 0), lambda a: ag.logsumexp(a, 1),
    lambda a: ag.logsumexp(a, (0, 1), keepdim=True),
])
def test_float32_is_kept(fn):
    check_float32_backward(fn, leaf(3, 4, seed=4, dtype=np.float32))


def test_float32_double_backward_keeps_dtype():
    x = leaf(3, 4, seed=5, dtype=np.float32)
    (g,) = ag.grad((ag.log_softmax(x, 1) * ag.softmax(x, 0)).sum(), x, create_graph=True)
    assert g.dtype == np.float32
    g.sum().backward()
    assert x.grad.dtype == np.float32


def test_integer_inputs_and_dtype_argument():
    i = ag.tensor([1, 2, 3])
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):  # as PyTorch
        ag.softmax(i, 0)
    assert ag.softmax(i, 0, dtype=ag.float32).dtype == np.float32
    assert ag.logsumexp(i, 0).dtype == np.float32
    x = leaf(3, seed=6, dtype=np.float32)
    y = ag.log_softmax(x, 0, dtype=ag.float64)
    assert y.dtype == np.float64
    y[0].backward()
    assert x.grad.dtype == np.float32


def test_zero_dim_inputs():
    x = ag.tensor(2.0, dtype=ag.float64, requires_grad=True)
    assert ag.softmax(x, 0).item() == 1.0
    assert ag.log_softmax(x, -1).item() == 0.0
    assert ag.logsumexp(x, 0).item() == 2.0
    check(lambda a: ag.logsumexp(a, 0) * ag.softmax(a, 0), x)


@pytest.mark.parametrize("fn,name", [
    (lambda x: ag.softmax(x, 2), "softmax"), (lambda x: ag.log_softmax(x, -3), "log_softmax"),
    (lambda x: ag.logsumexp(x, (0, 2)), "logsumexp"),
])
def test_dim_out_of_range_names_op_and_range(fn, name):
    with pytest.raises(IndexError, match=rf"{name}.*\[-2, 1\]"):
        fn(ag.ones(2, 3))


def test_other_errors():
    with pytest.raises(TypeError, match="softmax.*dim"):
        ag.softmax(ag.ones(2, 3), (0, 1))
    with pytest.raises(TypeError, match="logsumexp.*Tensor"):
        ag.logsumexp([1.0, 2.0], 0)
