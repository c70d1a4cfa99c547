"""Tests of ops/activation.py: gradients (first and second order) away from
the kinks, values against numpy/math references, conventions at the kinks,
large inputs, dtypes and errors."""
import math
import warnings
from functools import partial

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from tests.helpers import check, check_float32_kept


def _away(*shape, seed=0, low=0.05, high=3.0, center=0.0):
    """A float64 leaf with |x - center| in [low, high) and random signs."""
    rng = np.random.default_rng(seed)
    arr = center + rng.uniform(low, high, shape) * rng.choice([-1.0, 1.0], shape)
    return ag.tensor(arr, dtype=np.float64, requires_grad=True)


_erf = np.vectorize(math.erf)
_K = math.sqrt(2 / math.pi)


def _softplus_ref(a, beta=1.0, threshold=20.0):
    return np.where(a * beta > threshold, a, np.log1p(np.exp(np.minimum(a * beta, threshold))) / beta)


# name, function, numpy reference
ACTS = [
    ("relu", ag.relu, lambda a: np.maximum(a, 0)),
    ("leaky_relu", ag.leaky_relu, lambda a: np.where(a > 0, a, 0.01 * a)),
    ("leaky_relu_0.2", partial(ag.leaky_relu, negative_slope=0.2), lambda a: np.where(a > 0, a, 0.2 * a)),
    ("leaky_relu_1.5", partial(ag.leaky_relu, negative_slope=1.5), lambda a: np.where(a > 0, a, 1.5 * a)),
    ("elu", ag.elu, lambda a: np.where(a > 0, a, np.expm1(a))),
    ("elu_0.5", partial(ag.elu, alpha=0.5), lambda a: np.where(a > 0, a, 0.5 * np.expm1(a))),
    ("softplus", ag.softplus, _softplus_ref),
    ("softplus_beta2_thr1", partial(ag.softplus, beta=2, threshold=1),
     partial(_softplus_ref, beta=2.0, threshold=1.0)),
    ("gelu", ag.gelu, lambda a: 0.5 * a * (1 + _erf(a / math.sqrt(2)))),
    ("gelu_tanh", partial(ag.gelu, approximate="tanh"),
     lambda a: 0.5 * a * (1 + np.tanh(_K * (a + 0.044715 * a ** 3)))),
    ("silu", ag.silu, lambda a: a / (1 + np.exp(-a))),
]
IDS = [a[0] for a in ACTS]


@pytest.mark.parametrize("shape", [(), (6,), (2, 3, 2)])
@pytest.mark.parametrize("name,fn,ref", ACTS, ids=IDS)
def test_gradcheck_and_gradgradcheck(name, fn, ref, shape):
    check(fn, _away(*shape, seed=len(shape)))


def test_softplus_gradcheck_on_both_sides_of_threshold():
    # beta·x = 2x crosses threshold 1 at x = 0.5: points on both sides, away from it
    x = ag.tensor([-1.0, 0.1, 0.3, 0.7, 1.5], dtype=np.float64, requires_grad=True)
    check(partial(ag.softplus, beta=2, threshold=1), x)


@pytest.mark.parametrize("name,fn,ref", ACTS, ids=IDS)
def test_values_float64(name, fn, ref):
    x = _away(4, 5, seed=3, low=0.0, high=6.0)
    y = fn(x)
    assert y.dtype == np.float64
    np.testing.assert_allclose(y._data, ref(x._data), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name,fn,ref", ACTS, ids=IDS)
def test_float32_kept_in_output_and_grad(name, fn, ref):
    check_float32_kept(fn, ref, _away(3, 4, seed=5))


@pytest.mark.parametrize("name,fn,ref", ACTS[1:], ids=IDS[1:])
def test_integer_input_raises_like_pytorch(name, fn, ref):
    kernel = next(k for prefix, k in [("leaky", "leaky_relu_cpu"), ("elu", "elu_cpu"), ("softplus", "softplus_cpu"),
                                      ("gelu", "GeluKernelImpl"), ("silu", "silu_cpu")] if name.startswith(prefix))
    for dtype, dname in [(np.int64, "Long"), (np.bool_, "Bool")]:
        with pytest.raises(NotImplementedError, match=f'"{kernel}" not implemented for \'{dname}\''):
            fn(ag.tensor(np.array([1, 0, 1], dtype=dtype)))


def test_relu_keeps_integers():
    y = ag.relu(ag.tensor([-2, 0, 3]))
    assert y.dtype == np.int64 and y.tolist() == [0, 0, 3]


def _grad(fn, values, dtype=np.float64):
    x = ag.tensor(values, dtype=dtype, requires_grad=True)
    y = fn(x)
    return ag.grad(y, x, ag.ones_like(y))[0]._data


def test_derivatives_at_zero_follow_pytorch():
    assert _grad(ag.relu, [-1.0, 0.0, 1.0]).tolist() == [0.0, 0.0, 1.0]
    assert _grad(partial(ag.leaky_relu, negative_slope=0.1), [-1.0, 0.0, 1.0]).tolist() == [0.1, 0.1, 1.0]
    assert _grad(partial(ag.elu, alpha=0.5), [0.0]).tolist() == [0.5]
    assert _grad(ag.gelu, [0.0]).tolist() == [0.5]
    assert _grad(ag.silu, [0.0]).tolist() == [0.5]
    assert _grad(ag.softplus, [0.0]).tolist() == [0.5]


def test_gelu_derivative_against_closed_form():
    pts = np.array([-3.0, -1.0, -0.2, 0.4, 1.5, 4.0])
    phi = np.exp(-pts ** 2 / 2) / math.sqrt(2 * math.pi)
    cdf = 0.5 * (1 + _erf(pts / math.sqrt(2)))
    np.testing.assert_allclose(_grad(ag.gelu, pts), cdf + pts * phi, rtol=1e-13)
    # second derivative: (2 - x²)·φ(x)
    x = ag.tensor(pts, dtype=np.float64, requires_grad=True)
    (d1,) = ag.grad(ag.gelu(x), x, ag.ones_like(x), create_graph=True)
    (d2,) = ag.grad(d1, x, ag.ones_like(x))
    np.testing.assert_allclose(d2._data, (2 - pts ** 2) * phi, rtol=1e-12, atol=1e-15)


def test_gelu_tanh_is_close_to_exact():
    x = ag.tensor(np.linspace(-5, 5, 101), dtype=np.float64)
    diff = ag.gelu(x, approximate="tanh")._data - ag.gelu(x)._data
    assert np.max(np.abs(diff)) < 1e-3


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_large_inputs_do_not_overflow(dtype):
    vals = [-1e4, -100.0, 100.0, 1e4]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for fn in [ag.elu, ag.softplus, partial(ag.softplus, threshold=1e6), ag.silu, ag.gelu,
                   partial(ag.gelu, approximate="tanh")]:
            x = ag.tensor(vals, dtype=dtype, requires_grad=True)
            y = fn(x)
            (g,) = ag.grad(y, x, ag.ones_like(y))
            assert y.dtype == dtype and g.dtype == dtype
            assert np.all(np.isfinite(y._data)) and np.all(np.isfinite(g._data)), fn
            np.testing.assert_allclose(y._data[2:], vals[2:], rtol=1e-6)  # ≈ x for large x
            np.testing.assert_allclose(g._data[2:], [1.0, 1.0], rtol=1e-6)
    sp = ag.softplus(ag.tensor([-30.0, 25.0], dtype=np.float64))._data
    np.testing.assert_allclose(sp, [math.exp(-30.0), 25.0], rtol=1e-12)  # no cancellation


def test_infinite_inputs_give_the_limits():
    x = ag.tensor([-np.inf, np.inf], dtype=np.float64, requires_grad=True)
    cases = [(ag.relu, [0.0, np.inf], [0.0, 1.0]),
             (ag.leaky_relu, [-np.inf, np.inf], [0.01, 1.0]),
             (ag.elu, [-1.0, np.inf], [0.0, 1.0]),
             (ag.softplus, [0.0, np.inf], [0.0, 1.0]),
             (ag.sigmoid, [0.0, 1.0], [0.0, 0.0])]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for fn, values, grads in cases:
            y = fn(x)
            (g,) = ag.grad(y, x, ag.ones_like(y))
            assert y.tolist() == values and g.tolist() == grads, fn


def test_softplus_is_linear_above_threshold():
    x = ag.tensor([4.0, 6.0], dtype=np.float64, requires_grad=True)
    y = ag.softplus(x, beta=1, threshold=5)
    assert y._data[1] == 6.0 and y._data[0] == pytest.approx(math.log1p(math.exp(4.0)), rel=1e-15)
    (g,) = ag.grad(y, x, ag.ones_like(y))
    assert g._data[1] == 1.0 and g._data[0] == pytest.approx(1 / (1 + math.exp(-4.0)), rel=1e-15)


@settings(max_examples=60, deadline=None)
@given(st.floats(-50, 50, allow_nan=False))
def test_identities(v):
    x = ag.tensor([v, -v], dtype=np.float64)
    g = ag.gelu(x)._data
    assert abs((g[0] - g[1]) - v) <= 1e-12 * max(1.0, abs(v))  # Φ(x) + Φ(-x) = 1
    s = ag.softplus(x, threshold=1e9)._data
    assert abs((s[0] - s[1]) - v) <= 1e-12 * max(1.0, abs(v))  # softplus(x) - softplus(-x) = x
    assert s[0] >= ag.relu(x)._data[0]
    si = ag.silu(x)._data
    assert abs(si[0] - v * ag.sigmoid(x)._data[0]) <= 1e-15 * max(1.0, abs(v))


def test_exposed_on_ag_and_as_methods():
    x = _away(5, seed=1)
    for name in ["relu", "leaky_relu", "elu", "softplus", "gelu", "silu", "sigmoid", "tanh"]:
        assert getattr(ag, name)(x).shape == (5,)
    np.testing.assert_array_equal(x.relu()._data, ag.relu(x)._data)
    np.testing.assert_array_equal(x.sigmoid()._data, ag.sigmoid(x)._data)
    np.testing.assert_array_equal(x.tanh()._data, ag.tanh(x)._data)


def test_errors():
    with pytest.raises(RuntimeError, match="gelu: approximate argument must be either 'none' or 'tanh'"):
        ag.gelu(ag.ones(2), approximate="erf")
    with pytest.raises(TypeError, match=r"relu\(\): argument 'input' must be Tensor, not list"):
        ag.relu([1.0, -1.0])
    with pytest.raises(TypeError, match=r"softplus\(\): argument 'input' must be Tensor, not float"):
        ag.softplus(1.0)
