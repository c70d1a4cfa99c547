"""batch_norm on (N, C), (N, C, L) and (N, C, H, W): values, the running
statistics (momentum, unbiased variance, in place), evaluation mode, the
closed-form backward of the lecture notes' annex (002 §8.1), first and
second derivatives, jvp, dtypes and error messages."""
import numpy as np
import pytest

import autograd_core as ag
from tests.helpers import check, check_jvp, leaf

SHAPES = [(6, 3), (4, 3, 5), (2, 3, 4, 3)]


def _axes(x):
    return (0,) + tuple(range(2, x.ndim))


def _per_channel(v, x):
    return v.reshape((1, -1) + (1,) * (x.ndim - 2))


@pytest.mark.parametrize("shape", SHAPES)
def test_training_values_and_running_statistics(shape):
    x, w, b = leaf(*shape, seed=1) * 2 + 1, leaf(3, seed=2), leaf(3, seed=3)
    rm, rv = ag.tensor([0.5, -1.0, 2.0], dtype=ag.float64), ag.tensor([1.0, 2.0, 0.5], dtype=ag.float64)
    v0 = rm._version
    y = ag.batch_norm(x, rm, rv, w, b, training=True, momentum=0.2, eps=1e-3)
    d = x._data
    mu, var = d.mean(axis=_axes(d)), d.var(axis=_axes(d))  # the biased variance normalises
    xhat = (d - _per_channel(mu, d)) / np.sqrt(_per_channel(var, d) + 1e-3)
    np.testing.assert_allclose(y._data, xhat * _per_channel(w._data, d) + _per_channel(b._data, d), atol=1e-12)
    m = d.size // 3
    np.testing.assert_allclose(rm._data, 0.8 * np.array([0.5, -1.0, 2.0]) + 0.2 * mu, atol=1e-12)
    np.testing.assert_allclose(rv._data, 0.8 * np.array([1.0, 2.0, 0.5]) + 0.2 * var * m / (m - 1), atol=1e-12)
    assert rm._version > v0  # updated in place


@pytest.mark.parametrize("shape", SHAPES)
def test_evaluation_uses_the_running_statistics(shape):
    x, w, b = leaf(*shape, seed=1), leaf(3, seed=2), leaf(3, seed=3)
    rm, rv = ag.tensor([0.5, -1.0, 2.0], dtype=ag.float64), ag.tensor([1.0, 2.0, 0.5], dtype=ag.float64)
    y = ag.batch_norm(x, rm, rv, w, b, training=False)
    d = x._data
    want = (d - _per_channel(rm._data, d)) / np.sqrt(_per_channel(rv._data, d) + 1e-5)
    np.testing.assert_allclose(y._data, want * _per_channel(w._data, d) + _per_channel(b._data, d), atol=1e-12)
    np.testing.assert_array_equal(rm._data, [0.5, -1.0, 2.0])  # untouched
    assert ag.batch_norm(x, rm, rv).shape == x.shape  # no affine parameters


def test_backward_is_the_closed_form_of_the_annex():
    # 002 §8.1, Equation 15 with sums for the notes' batch means:
    # x̄ = γ/√(σ²+ε) · (ȳ - Σȳ/m - x̂ · Σ(ȳ x̂)/m),  γ̄ = Σ ȳ x̂,  β̄ = Σ ȳ
    x, w, b = leaf(8, 3, seed=1), leaf(3, seed=2), leaf(3, seed=3)
    g = np.random.default_rng(4).standard_normal((8, 3))
    y = ag.batch_norm(x, None, None, w, b, training=True)
    y.backward(ag.tensor(g))
    d = x._data
    r = 1 / np.sqrt(d.var(axis=0) + 1e-5)
    xhat = (d - d.mean(axis=0)) * r
    gb, gw = g.sum(axis=0), (g * xhat).sum(axis=0)
    np.testing.assert_allclose(b.grad._data, gb, atol=1e-12)
    np.testing.assert_allclose(w.grad._data, gw, atol=1e-12)
    np.testing.assert_allclose(x.grad._data, w._data * r * (g - gb / 8 - xhat * gw / 8), atol=1e-12)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", SHAPES)
def test_gradcheck_and_jvp(shape, training):
    x, w, b = leaf(*shape, seed=1), leaf(3, seed=2), leaf(3, seed=3)

    def f(x, w, b):
        rm, rv = ag.tensor([0.1, 0.2, -0.3], dtype=ag.float64), ag.tensor([1.5, 0.5, 2.0], dtype=ag.float64)
        return ag.batch_norm(x, rm, rv, w, b, training=training)

    check(f, x, w, b)
    check_jvp(f, x, w, b)
    check(lambda x: ag.batch_norm(x, None, None, training=True), x)
    check_jvp(lambda x: ag.batch_norm(x, None, None, training=True), x)


@pytest.mark.parametrize("shape", SHAPES)
def test_fused_kernel_equals_the_differentiable_backward(shape):
    x, w, b = leaf(*shape, seed=1), leaf(3, seed=2), leaf(3, seed=3)
    y = ag.batch_norm(x, None, None, w, b, training=True)
    g = ag.tensor(np.random.default_rng(5).standard_normal(shape))
    fused = ag.grad(y, [x, w, b], g, retain_graph=True)  # the kernel
    ops = ag.grad(y, [x, w, b], g, create_graph=True)  # Tensor ops, differentiable again
    assert ops[0].grad_fn is not None and fused[0].grad_fn is None
    for a, c in zip(fused, ops):
        np.testing.assert_allclose(a._data, c._data, rtol=1e-10, atol=1e-12)


def test_forward_over_reverse():
    # tangents flowing through the backward pass take the differentiable path, not the kernel
    x, w = leaf(5, 3, 2, seed=1), leaf(3, seed=2)
    g = ag.tensor(np.random.default_rng(3).standard_normal((5, 3, 2)))

    def grads(x, w):
        dual = ag.forward.unpack_dual(x)[1] is not None  # the reverse reference needs create_graph
        x, w = x.requires_grad_(), w.requires_grad_()
        return ag.grad(ag.batch_norm(x, None, None, w, training=True), [x, w], g, create_graph=not dual)

    check_jvp(grads, x, w)


def test_float32_is_kept():
    x = ag.randn(4, 3, 5, 5, requires_grad=True)
    w, b = ag.ones(3, requires_grad=True), ag.zeros(3, requires_grad=True)
    rm, rv = ag.zeros(3), ag.ones(3)
    y = ag.batch_norm(x, rm, rv, w, b, training=True)
    assert y.dtype == rm.dtype == rv.dtype == np.float32
    (y * y).sum().backward()
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == np.float32
    assert ag.batch_norm(x, rm, rv, w, b).dtype == np.float32


def test_numpy_kernels_give_the_same_batch_norm():
    from autograd_core import kernels

    x, w, b = leaf(4, 3, 5, seed=1), leaf(3, seed=2), leaf(3, seed=3)
    results = []
    old = kernels.backend()
    try:
        for name in ("numba", "numpy"):
            kernels.set_backend(name)
            rm, rv = ag.zeros(3, dtype=ag.float64), ag.ones(3, dtype=ag.float64)
            y = ag.batch_norm(x, rm, rv, w, b, training=True)
            e = ag.batch_norm(x, rm, rv, w, b)
            grads = ag.grad(y.sum() + (y * e).sum(), [x, w, b])
            results.append([y._data, e._data, rm._data, rv._data] + [g._data for g in grads])
    finally:
        kernels.set_backend(old)
    for a, c in zip(*results):
        np.testing.assert_allclose(a, c, rtol=1e-10, atol=1e-12)


ERRORS = [
    (lambda x: ag.batch_norm(x[:1], None, None, training=True), ValueError,
     r"Expected more than 1 value per channel when training, got input size \[1, 3\]"),
    (lambda x: ag.batch_norm(x, None, None), RuntimeError, "must be defined in evaluation mode"),
    (lambda x: ag.batch_norm(x, ag.zeros(4), ag.ones(3)), RuntimeError,
     "running_mean should contain 3 elements not 4"),
    (lambda x: ag.batch_norm(x, ag.zeros(3), ag.ones(3), ag.ones(2)), RuntimeError,
     "weight should contain 3 elements not 2"),
    (lambda x: ag.batch_norm(x[:, 0], ag.zeros(3), ag.ones(3)), RuntimeError, "at least 2 dims"),
    (lambda x: ag.batch_norm(x.long(), ag.zeros(3), ag.ones(3)), RuntimeError, "floating point"),
    (lambda x: ag.batch_norm(x.numpy(), ag.zeros(3), ag.ones(3)), TypeError, "must be Tensor"),
]


@pytest.mark.parametrize("fn,err,msg", ERRORS)
def test_errors(fn, err, msg):
    with pytest.raises(err, match=msg):
        fn(ag.zeros(4, 3))
