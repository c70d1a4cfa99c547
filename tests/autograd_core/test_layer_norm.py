"""Tests of the fused layer norm (autograd_core/ops/norm_layer.py and
autograd_core/kernels/layernorm.py): the numba kernels agree with their numpy
twins (float32/float64, odd sizes, non-contiguous input); the op matches the
equation in float64 with and without affine parameters and over several
dims; gradcheck, gradgradcheck (the Tensor-op backward) and forward mode;
errors."""
import numpy as np
import pytest

import autograd_core as ag
from autograd_core.kernels import layernorm as K
from tests.helpers import check, check_jvp, leaf


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 1), (7, 5), (33, 64), (4, 129)])
def test_kernels_agree_with_their_numpy_twins(dtype, shape):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((shape[0], 2 * shape[1])) * 3 + 1).astype(dtype)[:, ::2]  # non-contiguous
    w, b = rng.standard_normal(shape[1]).astype(dtype), rng.standard_normal(shape[1]).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    ref = K.layer_norm_numpy(x, w, b, 1e-5)
    got = K.layer_norm_numba(x, w, b, 1e-5)
    for a, r in zip(got, ref):
        np.testing.assert_allclose(a, r, rtol=tol, atol=tol)
    assert got[0].dtype == dtype
    for need_x in (True, False):
        ref_b = K.layer_norm_backward_numpy(g, x, ref[1], ref[2], w, need_x)
        got_b = K.layer_norm_backward_numba(g, x, ref[1], ref[2], w, need_x)
        for a, r in zip(got_b, ref_b):
            if r is None:
                assert a is None
            else:
                np.testing.assert_allclose(a, r, rtol=tol * 10, atol=tol * 10)
                assert a.dtype == dtype


def test_layer_norm_matches_the_equation():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 4, 5)) * 2 + 3
    w, b = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    mean = x.mean((2, 3), keepdims=True)
    xhat = (x - mean) / np.sqrt(((x - mean) ** 2).mean((2, 3), keepdims=True) + 1e-3)
    got = ag.layer_norm(ag.tensor(x), (4, 5), ag.tensor(w), ag.tensor(b), eps=1e-3)
    np.testing.assert_allclose(got._data, xhat * w + b, rtol=1e-12)
    np.testing.assert_allclose(ag.layer_norm(ag.tensor(x), [4, 5], eps=1e-3)._data, xhat, rtol=1e-12)
    one = ag.layer_norm(leaf(3, 1), 1, None, ag.tensor([2.0], dtype=ag.float64))  # one value: the bias
    np.testing.assert_array_equal(one._data, 2.0)


def test_layer_norm_gradients():
    check(lambda x, w, b: ag.layer_norm(x, (2, 3), w, b), leaf(2, 2, 3), leaf(2, 3, seed=1), leaf(2, 3, seed=2))
    check(lambda x: ag.layer_norm(x, 3), leaf(4, 3))
    check_jvp(lambda x, w, b: ag.layer_norm(x, (3,), w, b), leaf(2, 3), leaf(3, seed=1), leaf(3, seed=2))
    check_jvp(lambda x: ag.layer_norm(x, (3,)), leaf(2, 3))


def test_layer_norm_errors():
    with pytest.raises(RuntimeError, match=r"expected input with shape \[\*, 3\]"):
        ag.layer_norm(ag.zeros(2, 4), (3,))
    with pytest.raises(RuntimeError, match="expected weight of shape"):
        ag.layer_norm(ag.zeros(2, 3), (3,), ag.ones(2))
    with pytest.raises(RuntimeError, match="floating point"):
        ag.layer_norm(ag.tensor([[1, 2]]), 2)
