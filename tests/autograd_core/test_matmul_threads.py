"""The BLAS call of the matmul kernel: broadcast (zero-stride) operands are
handed to ``numpy.matmul`` contiguous, products of ``ONE_THREAD_MIN <= m n k
< ONE_THREAD_MAX`` multiply-adds run with one BLAS thread and bigger ones with
all of them, the BLAS setting is restored afterwards, and the values are those
of ``numpy.matmul`` on the same (contiguous) operands, bit for bit. (MKL, when
installed, is switched off here: its path is tested in test_kernels_mkl.py.)"""
import numpy as np
import pytest
from threadpoolctl import ThreadpoolController, threadpool_limits

import autograd_core as ag
from autograd_core.kernels import matmul as km
from autograd_core.kernels import mkl, threads

BLAS = ThreadpoolController().select(user_api="blas")


@pytest.fixture(autouse=True)
def numpy_blas():
    """These tests are about the ``numpy.matmul`` call: MKL off."""
    old = mkl.set_enabled(False)
    yield
    mkl.set_enabled(old)


def blas_threads():
    """numpy's BLAS threads (MKL, loaded by kernels/mkl.py, runs its sequential layer: always one)."""
    return [lib.get_num_threads() for lib in BLAS.lib_controllers if lib.internal_api != "mkl"]


@pytest.fixture
def calls(monkeypatch):
    """Every ``numpy.matmul`` call: the operands' strides and itemsizes, and
    the BLAS thread counts during the call."""
    seen = []
    real = np.matmul

    def recording(a, b, *args, **kwargs):
        seen.append({"strides": (a.strides, b.strides), "itemsize": a.itemsize, "threads": blas_threads()})
        return real(a, b, *args, **kwargs)

    monkeypatch.setattr(np, "matmul", recording)
    return seen


def blas_layout(strides, itemsize):
    s = strides[-2:]
    return 0 not in s and itemsize in s


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("w_shape", [(40, 16), (40,)])
def test_sum_backward_hands_blas_contiguous_gradients(calls, dtype, w_shape):
    rng = np.random.default_rng(0)
    x_np, w_np = rng.standard_normal((30, 40)).astype(dtype), rng.standard_normal(w_shape).astype(dtype)
    x, w = ag.tensor(x_np, requires_grad=True), ag.tensor(w_np, requires_grad=True)
    (x @ w).sum().backward()
    assert len(calls) == 3  # forward, x̄ and w̄
    for c in calls:
        assert all(blas_layout(s, c["itemsize"]) for s in c["strides"]), c
    ones = np.ones((30,) + w_shape[1:], dtype)  # the gradient of sum, materialised
    np.testing.assert_array_equal(w.grad.numpy(), np.matmul(x_np.T, ones))
    np.testing.assert_array_equal(x.grad.numpy(), np.matmul(ones, w_np.T) if w_np.ndim == 2
                                  else np.multiply.outer(ones, w_np))


def test_zero_stride_matrix_same_bits_as_before():
    """A broadcast matrix operand gives the same bits as ``numpy.matmul`` on
    the view itself (numpy 2.x copies it for BLAS too) and on its copy."""
    rng = np.random.default_rng(1)
    a = rng.standard_normal((64, 48))
    g = np.broadcast_to(rng.standard_normal(32), (48, 32))
    out = km.matmul(a, g)
    np.testing.assert_array_equal(out, np.matmul(a, np.ascontiguousarray(g)))
    np.testing.assert_array_equal(out, np.matmul(a, g))


def test_blas_ready_copies_only_unfriendly_layouts():
    x = np.arange(24.0).reshape(4, 6)
    for view in (x, x.T, x[:, 1:4], x[::2]):  # a unit stride and a nonzero one: BLAS takes them as they are
        assert km.blas_ready(view) is view
    for view in (x[:, ::2], np.broadcast_to(x[:1], (4, 6)), np.broadcast_to(x[0], (3, 4, 6))):
        ready = km.blas_ready(view)
        assert ready.flags.c_contiguous and not np.shares_memory(ready, x)
        np.testing.assert_array_equal(ready, view)


@pytest.mark.parametrize("shape,one_thread", [
    ((64, 64, 64), False),  # 2^18, below ONE_THREAD_MIN: BLAS as configured (OpenBLAS runs one thread)
    ((16, 256, 128), True),  # 2^19: the MLP's second layer at batch 16, which OpenBLAS would thread
    ((64, 400, 120), True),  # LeNet's first Linear layer, batch 64
    ((128, 256, 512), True),  # 2^24
    ((512, 512, 512), False),  # ONE_THREAD_MAX: all threads
])
def test_thread_count_inside_and_restored(calls, monkeypatch, shape, one_thread):
    monkeypatch.setattr(threads, "get_num_threads", lambda: 2)
    m, k, n = shape
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((m, k)).astype(np.float32), rng.standard_normal((k, n)).astype(np.float32)
    assert (km.ONE_THREAD_MIN <= m * n * k < km.ONE_THREAD_MAX) == one_thread
    with threadpool_limits(2, user_api="blas"):
        before = blas_threads()
        out = km.matmul(a, b)
        after = blas_threads()
        reference = calls.pop()  # km.matmul's own call
        np.testing.assert_array_equal(out, np.matmul(a, b))  # all threads: the same bits
    assert after == before == [2] * len(before)
    assert reference["threads"] == ([1] * len(before) if one_thread else before)


def test_linear_layer_values_unchanged_by_thread_switch():
    """x Wᵀ forward and backward for a LeNet-sized layer: the same bits as
    numpy products with all BLAS threads."""
    rng = np.random.default_rng(3)
    x_np, w_np = rng.standard_normal((64, 400)).astype(np.float32), rng.standard_normal((120, 400)).astype(np.float32)
    g_np = rng.standard_normal((64, 120)).astype(np.float32)
    with threadpool_limits(2, user_api="blas"):
        x, w = ag.tensor(x_np, requires_grad=True), ag.tensor(w_np, requires_grad=True)
        y = x @ w.t()
        y.backward(ag.tensor(g_np))
        expected = (np.matmul(x_np, w_np.T), np.matmul(g_np, w_np), np.matmul(g_np.T, x_np))
    for got, want in zip((y.detach().numpy(), x.grad.numpy(), w.grad.numpy()), expected):
        np.testing.assert_array_equal(got, want)


def test_no_switch_when_one_thread_is_asked(calls, monkeypatch):
    """With ``set_num_threads(1)`` the BLAS setting is left alone (no threadpoolctl calls)."""
    monkeypatch.setattr(threads, "get_num_threads", lambda: 1)
    entered = []
    monkeypatch.setattr(km, "one_blas_thread", lambda: entered.append(1))
    a = np.ones((64, 400), np.float32)
    np.testing.assert_array_equal(km.matmul(a, a.T), np.matmul(a, a.T))
    assert entered == [] and len(calls) == 2
