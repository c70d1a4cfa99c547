"""The erf/erfc kernels (autograd_core/kernels/erf.py): float64 values against
math.erf/math.erfc to ~1e-15 relative over the whole range (tails,
piece boundaries, specials), float32 rounding, and the numpy twin against the
numba kernel under both AUTOGRAD_CORE_KERNELS settings; ag.erf/erfc and gelu
on top of them."""
import math

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import kernels
from autograd_core.kernels import erf as K
from tests.helpers import check, check_jvp, leaf

_rng = np.random.default_rng(0)
POINTS = np.concatenate([
    _rng.standard_normal(4000) * 2, _rng.uniform(-28, 28, 4000), np.linspace(-7, 7, 2001),
    np.array([0.0, -0.0, 1e-300, -1e-300, 5e-324, 1e-8, 0.75, 6.75, -6.75, 26.5, 27.2, 27.3, 30.0, 1e10, 1e300]),
])
EDGES = np.array([k * 0.75 + e for k in range(1, 10) for e in (-1e-15, 0.0, 1e-15)])


def _reference(x, complement):
    f = math.erfc if complement else math.erf
    return np.array([f(v) for v in x])


@pytest.mark.parametrize("complement", [False, True])
@pytest.mark.parametrize("impl", [K.erf_numpy, K.erf_numba])
def test_float64_accuracy_against_math(impl, complement):
    for x in (POINTS, -POINTS, EDGES, -EDGES):
        got, want = impl(x, complement), _reference(x, complement)
        normal = np.abs(want) > 1e-290  # relative accuracy; denormals only to absolute 1e-300
        np.testing.assert_allclose(got[normal], want[normal], rtol=1.2e-15, atol=0)
        np.testing.assert_allclose(got[~normal], want[~normal], rtol=0, atol=1e-300)


@pytest.mark.parametrize("impl", [K.erf_numpy, K.erf_numba])
def test_specials(impl):
    x = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 40.0, -40.0])
    e, c = impl(x), impl(x, True)
    assert e[:2].tolist() == [1.0, -1.0] and np.isnan(e[2]) and e[5:].tolist() == [1.0, -1.0]
    assert c[:2].tolist() == [0.0, 2.0] and np.isnan(c[2]) and c[5:].tolist() == [0.0, 2.0]
    assert math.copysign(1, e[4]) == -1 and c[3] == c[4] == 1.0  # erf(-0) = -0


@pytest.mark.parametrize("complement", [False, True])
def test_float32_is_the_float64_value_rounded(complement):
    x = (_rng.standard_normal(5000) * 3).astype(np.float32)
    want = _reference(x.astype(np.float64), complement).astype(np.float32)
    for impl in (K.erf_numpy, K.erf_numba):
        got = impl(x, complement)
        assert got.dtype == np.float32
        np.testing.assert_array_max_ulp(got, want, maxulp=1)


@pytest.mark.parametrize("complement", [False, True])
def test_twin_and_kernel_agree(complement):
    """The numpy twin (Horner) and the numba loop (Estrin) to a few ulps, also on
    non-contiguous and multi-dim inputs."""
    x = _rng.standard_normal((30, 40)) * 4
    for a in (x, x[:, ::3], x.T):
        np.testing.assert_array_max_ulp(K.erf_numpy(a, complement), K.erf_numba(a, complement), maxulp=4)
        assert K.erf_numba(a, complement).shape == a.shape
    for impl in (K.erf_numpy, K.erf_numba):  # 0-dim stays 0-dim
        assert impl(np.array(-0.5), complement).shape == ()


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_ops_under_both_kernel_sets(backend):
    old = kernels.set_backend(backend)
    try:
        x = leaf(3, 4, seed=1)
        np.testing.assert_allclose(ag.erf(x).detach().numpy(), _reference(x.detach().numpy().ravel(), False)
                                   .reshape(3, 4), rtol=1.2e-15)
        np.testing.assert_allclose(ag.erfc(x * 3).detach().numpy(),
                                   _reference(3 * x.detach().numpy().ravel(), True).reshape(3, 4), rtol=1.2e-15)
        check(ag.erf, x)
        check(ag.erfc, x)
        check_jvp(ag.erfc, x)
        g = ag.nn.functional.gelu(x).detach().numpy()
        xs = x.detach().numpy()
        want = xs * 0.5 * _reference(-xs.ravel() / math.sqrt(2), True).reshape(3, 4)
        np.testing.assert_allclose(g, want, rtol=1e-15, atol=1e-17)
    finally:
        kernels.set_backend(old)


def test_float16_goes_through_float32():
    x = ag.tensor(np.array([0.5, -1.0, 2.0], np.float16))
    y = ag.erf(x)
    assert y.dtype == np.float16
    np.testing.assert_allclose(y.numpy().astype(np.float64), [math.erf(0.5), math.erf(-1.0), math.erf(2.0)], rtol=1e-3)
