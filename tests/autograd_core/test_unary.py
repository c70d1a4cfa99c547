"""Tests of ops/unary.py: gradients (first and second order), values
against numpy/math, dtypes, sigmoid stability, tanh''' and errors."""
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from tests.helpers import check, check_float32_kept, leaf


def _away_from_zero(*shape, seed=0, low=0.2, high=2.0):
    """A float64 leaf with |x| in [low, high) and random signs."""
    rng = np.random.default_rng(seed)
    arr = rng.uniform(low, high, shape) * rng.choice([-1.0, 1.0], shape)
    return ag.tensor(arr, dtype=np.float64, requires_grad=True)


# name, function, numpy reference, domain of the test points (None: both signs, away from 0)
OPS = [
    ("exp", ag.exp, np.exp, (-2.0, 2.0)),
    ("expm1", ag.expm1, np.expm1, (-2.0, 2.0)),
    ("log", ag.log, np.log, (0.3, 3.0)),
    ("log2", ag.log2, np.log2, (0.3, 3.0)),
    ("log10", ag.log10, np.log10, (0.3, 3.0)),
    ("log1p", ag.log1p, np.log1p, (-0.6, 3.0)),
    ("sqrt", ag.sqrt, np.sqrt, (0.3, 3.0)),
    ("rsqrt", ag.rsqrt, lambda a: 1 / np.sqrt(a), (0.3, 3.0)),
    ("abs", ag.abs, np.abs, None),
    ("square", ag.square, np.square, (-2.0, 2.0)),
    ("reciprocal", ag.reciprocal, np.reciprocal, None),
    ("sin", ag.sin, np.sin, (-3.0, 3.0)),
    ("cos", ag.cos, np.cos, (-3.0, 3.0)),
    ("tan", ag.tan, np.tan, (-1.2, 1.2)),
    ("tanh", ag.tanh, np.tanh, (-2.5, 2.5)),
    ("sigmoid", ag.sigmoid, lambda a: 1 / (1 + np.exp(-a)), (-4.0, 4.0)),
    ("erf", ag.erf, np.vectorize(math.erf), (-2.5, 2.5)),
]
IDS = [o[0] for o in OPS]


def _points(domain, shape, seed=0):
    if domain is None:
        return _away_from_zero(*shape, seed=seed)
    return leaf(*shape, seed=seed, low=domain[0], high=domain[1])


@pytest.mark.parametrize("shape", [(), (5,), (2, 3, 2)])
@pytest.mark.parametrize("name,fn,ref,domain", OPS, ids=IDS)
def test_gradcheck_and_gradgradcheck(name, fn, ref, domain, shape):
    check(fn, _points(domain, shape, seed=len(shape)))


@pytest.mark.parametrize("name,fn,ref,domain", OPS, ids=IDS)
def test_values_float64(name, fn, ref, domain):
    x = _points(domain, (4, 5), seed=3)
    y = fn(x)
    assert y.dtype == np.float64
    np.testing.assert_allclose(y._data, ref(x._data), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name,fn,ref,domain", OPS, ids=IDS)
def test_float32_kept_in_output_and_grad(name, fn, ref, domain):
    check_float32_kept(fn, ref, _points(domain, (3, 4), seed=5))


@pytest.mark.parametrize("name,fn,ref,domain", [o for o in OPS if o[0] not in ("abs", "square")],
                         ids=[n for n in IDS if n not in ("abs", "square")])
def test_integer_input_gives_float32(name, fn, ref, domain):
    x = ag.tensor([1, 2, 3])
    y = fn(x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y._data, ref(np.array([1.0, 2.0, 3.0])), rtol=1e-6)
    assert not y.requires_grad


def test_abs_and_square_keep_integers():
    x = ag.tensor([-3, 0, 2])
    assert ag.abs(x).dtype == np.int64 and ag.abs(x).tolist() == [3, 0, 2]
    assert ag.square(x).dtype == np.int64 and ag.square(x).tolist() == [9, 0, 4]


def test_abs_gradient_is_sign_and_zero_at_zero():
    x = ag.tensor([-2.0, 0.0, 3.0], requires_grad=True)
    abs(x).backward(ag.ones(3))
    assert x.grad.tolist() == [-1.0, 0.0, 1.0]


def test_methods_match_functions():
    x = leaf(2, 3, low=0.5, high=2.0)
    for name in ["exp", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "abs", "square",
                 "reciprocal", "sin", "cos", "tan", "tanh", "sigmoid", "erf"]:
        np.testing.assert_array_equal(getattr(x, name)()._data, getattr(ag, name)(x)._data)
    np.testing.assert_array_equal(abs(-x)._data, x._data)
    assert ag.absolute is ag.abs


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_stable_for_large_inputs(dtype):
    x = ag.tensor([-1e4, -800.0, -50.0, 0.0, 50.0, 800.0, 1e4], dtype=dtype, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = ag.sigmoid(x)
        (g,) = ag.grad(y, x, ag.ones_like(y))
    assert y.dtype == dtype
    assert np.all(np.isfinite(y._data)) and np.all(np.isfinite(g._data))
    assert y._data[0] == 0.0 and y._data[-1] == 1.0 and y._data[3] == 0.5
    # relative accuracy in the far left tail, where 1 - σ(-x) would cancel
    expected = math.exp(-50.0) / (1 + math.exp(-50.0))
    assert abs(y._data[2] - expected) <= 1e-6 * expected
    assert np.all(g._data >= 0) and g._data[3] == 0.25


@settings(max_examples=60, deadline=None)
@given(st.floats(-1e4, 1e4, allow_nan=False))
def test_sigmoid_symmetry(v):
    x = ag.tensor([v, -v], dtype=np.float64)
    y = ag.sigmoid(x)._data
    assert 0.0 <= y[0] <= 1.0
    assert abs(y[0] + y[1] - 1.0) <= 1e-15


def test_sqrt_and_log_rules_against_closed_form():
    x = leaf(6, low=0.5, high=4.0)
    (g,) = ag.grad(ag.sqrt(x), x, ag.ones(6, dtype=np.float64))
    np.testing.assert_allclose(g._data, 0.5 / np.sqrt(x._data), rtol=1e-14)
    (g,) = ag.grad(ag.rsqrt(x), x, ag.ones(6, dtype=np.float64))
    np.testing.assert_allclose(g._data, -0.5 * x._data ** -1.5, rtol=1e-14)
    (g,) = ag.grad(ag.log10(x), x, ag.ones(6, dtype=np.float64))
    np.testing.assert_allclose(g._data, 1 / (x._data * math.log(10)), rtol=1e-14)


def test_erf_values_and_derivative():
    pts = [-3.0, -1.0, -0.25, 0.0, 0.5, 2.0, 6.0]
    x = ag.tensor(pts, dtype=np.float64, requires_grad=True)
    y = ag.erf(x)
    np.testing.assert_allclose(y._data, [math.erf(p) for p in pts], rtol=1e-15, atol=1e-16)
    (g,) = ag.grad(y, x, ag.ones_like(y))
    np.testing.assert_allclose(g._data, [2 / math.sqrt(math.pi) * math.exp(-p * p) for p in pts],
                               rtol=1e-14)
    y16 = ag.erf(ag.tensor([0.5], dtype=np.float16))
    assert y16.dtype == np.float16 and abs(float(y16._data[0]) - math.erf(0.5)) < 1e-3


def test_tanh_third_derivative_matches_closed_form():
    x = leaf(7, low=-2.0, high=2.0)
    ones = ag.ones(7, dtype=np.float64)
    (d1,) = ag.grad(ag.tanh(x), x, ones, create_graph=True)
    (d2,) = ag.grad(d1, x, ones, create_graph=True)
    (d3,) = ag.grad(d2, x, ones, create_graph=True)
    t = np.tanh(x._data)
    np.testing.assert_allclose(d1._data, 1 - t ** 2, rtol=1e-13)
    np.testing.assert_allclose(d2._data, -2 * t * (1 - t ** 2), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(d3._data, -2 * (1 - t ** 2) * (1 - 3 * t ** 2), rtol=1e-12, atol=1e-14)
    assert d3.requires_grad  # a fourth derivative could follow


def test_sigmoid_second_derivative_matches_closed_form():
    x = leaf(5, low=-3.0, high=3.0)
    ones = ag.ones(5, dtype=np.float64)
    (d1,) = ag.grad(ag.sigmoid(x), x, ones, create_graph=True)
    (d2,) = ag.grad(d1, x, ones)
    s = 1 / (1 + np.exp(-x._data))
    np.testing.assert_allclose(d2._data, s * (1 - s) * (1 - 2 * s), rtol=1e-12, atol=1e-15)


def test_composition_gradient():
    # y = log(x0) + x0·x1 - sin(x1): the example of the package docstring
    x0 = ag.tensor(2.0, dtype=np.float64, requires_grad=True)
    x1 = ag.tensor(5.0, dtype=np.float64, requires_grad=True)
    y = ag.log(x0) + x0 * x1 - ag.sin(x1)
    y.backward()
    assert y.item() == pytest.approx(math.log(2.0) + 10.0 - math.sin(5.0), rel=1e-15)
    assert x0.grad.item() == pytest.approx(5.5, rel=1e-15)
    assert x1.grad.item() == pytest.approx(2.0 - math.cos(5.0), rel=1e-15)


@pytest.mark.parametrize("name", IDS)
def test_non_tensor_input_raises_type_error(name):
    with pytest.raises(TypeError, match=rf"{name}\(\): argument 'input' must be Tensor, not list"):
        getattr(ag, name)([1.0, 2.0])
