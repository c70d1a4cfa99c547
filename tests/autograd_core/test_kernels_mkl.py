"""MKL's GEMM for the large products (``kernels/mkl.py``, ``pip install -e ".[mkl]"``): values of
``numpy.matmul`` (to rounding: a different BLAS) for every operand layout it reads in place, into ``out``,
for stacks and broadcast stacks; ``None`` (numpy's path) where it does not apply; the same bits whatever
the operands' alignment, so eager mode and ``ag.compile`` replays agree bit for bit."""
import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import autograd_core as ag
import nn
from autograd_core.kernels import matmul as km
from autograd_core.kernels import mkl

pytestmark = pytest.mark.skipif(not mkl.available(), reason='MKL is not installed: pip install -e ".[mkl]"')

BIG = (128, 784, 256)  # m, k, n: the MLP's first product at batch 128, above MIN_WORK


def operands(dtype=np.float32, m=BIG[0], k=BIG[1], n=BIG[2], seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype)


def close(got, a, b):
    want = np.matmul(a.astype(np.float64), b.astype(np.float64))
    tol = 1e-4 if got.dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * np.sqrt(a.shape[-1]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["rows", "a transposed", "b transposed", "both transposed", "slices"])
def test_two_d_layouts_read_in_place(dtype, layout):
    a, b = operands(dtype)
    if layout in ("a transposed", "both transposed"):
        a = np.ascontiguousarray(a.T).T
    if layout in ("b transposed", "both transposed"):
        b = np.ascontiguousarray(b.T).T
    if layout == "slices":  # leading dims larger than the matrices
        a = np.pad(a, ((0, 0), (0, 9)))[:, :BIG[1]]
        b = np.pad(b, ((0, 0), (3, 0)))[:, 3:]
    got = mkl.matmul(a, b)
    assert got is not None and got.dtype == dtype and got.flags.c_contiguous
    close(got, a, b)


def test_into_out_and_its_slices():
    a, b = operands()
    out = np.full((BIG[0] + 4, BIG[2] + 5), 7.0, np.float32)
    view = out[2:2 + BIG[0], 1:1 + BIG[2]]
    assert mkl.matmul(a, b, out=view) is view
    close(view, a, b)
    rest = out.copy()
    rest[2:2 + BIG[0], 1:1 + BIG[2]] = 7.0
    assert (rest == 7.0).all()  # nothing written outside the view


@pytest.mark.parametrize("case", ["stack", "broadcast a", "broadcast b", "size-1 dims", "transposed stack"])
def test_stacks(case):
    rng = np.random.default_rng(1)
    m, k, n = 96, 400, 256
    a = rng.standard_normal((3, m, k)).astype(np.float32)
    b = rng.standard_normal((3, k, n)).astype(np.float32)
    if case == "broadcast a":
        a = a[0]
    elif case == "broadcast b":
        b = b[:1]
    elif case == "size-1 dims":
        a, b = a[:, None], b[None, :1]
    elif case == "transposed stack":
        b = np.ascontiguousarray(b.transpose(0, 2, 1)).transpose(0, 2, 1)
    got = mkl.matmul(a, b)
    assert got is not None and got.shape == np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + (m, n)
    close(got, a, b)


def test_not_applicable_returns_none():
    a, b = operands()
    assert mkl.matmul(a[:64, :64], b[:64, :64]) is None  # small: OpenBLAS
    assert mkl.matmul(a[:1], b) is None  # a matrix-vector product
    assert mkl.matmul(a.astype(np.float16), b.astype(np.float16)) is None
    assert mkl.matmul(a.astype(np.int64), b.astype(np.int64)) is None
    assert mkl.matmul(a, b.astype(np.float64)) is None
    assert mkl.matmul(np.repeat(a, 2, axis=1)[:, ::2], b) is None  # no unit stride
    assert mkl.matmul(a, b, out=np.empty((BIG[2], BIG[0]), np.float32).T) is None  # C must be row-major
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((5, 3, 64, 512)), rng.standard_normal((3, 512, 300))
    assert mkl.matmul(x, y) is None  # batch dims (5, 3) against (1, 3): no single stride


def test_same_bits_whatever_the_alignment():
    a, b = operands()
    results = set()
    for offset in range(0, 16, 3):
        buf_a = np.empty(a.size + 16, np.float32)
        buf_b = np.empty(b.size + 16, np.float32)
        aa = buf_a[offset:offset + a.size].reshape(a.shape)
        bb = buf_b[15 - offset:15 - offset + b.size].reshape(b.shape)
        aa[...], bb[...] = a, b
        results.add(mkl.matmul(aa, bb).tobytes())
    assert len(results) == 1


def test_kernel_dispatch(monkeypatch):
    """``kernels.matmul`` hands large products to MKL, others to numpy; switched off, numpy's bits."""
    calls = []
    real = mkl.matmul
    monkeypatch.setattr(mkl, "matmul", lambda a, b, out=None, accumulate=False: calls.append(a.shape)
                        or real(a, b, out, accumulate))
    a, b = operands()
    close(km.matmul(a, b), a, b)
    assert calls == [a.shape]
    old = mkl.set_enabled(False)
    try:
        with threadpool_limits(1, user_api="blas"):  # the kernel runs such a product on one BLAS thread
            np.testing.assert_array_equal(km.matmul(a, b), np.matmul(a, b))
            np.testing.assert_array_equal(km.gemm(a, b), np.matmul(a, b))
    finally:
        mkl.set_enabled(old)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_accumulate_adds_the_product_into_out(dtype):
    """matmul(a, b, out, accumulate=True) is out += A @ B (GEMM's β = 1), one product and a stack;
    ``kernels.matmul.gemm`` does the same with MKL switched off."""
    a, b = operands(dtype)
    start = np.random.default_rng(1).standard_normal((a.shape[0], b.shape[1])).astype(dtype)
    tol = dict(rtol=1e-4, atol=1e-3) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-10)
    want = start.astype(np.float64) + a.astype(np.float64) @ b.astype(np.float64)
    out = start.copy()
    assert mkl.matmul(a, b, out, accumulate=True) is out
    np.testing.assert_allclose(out, want, **tol)
    stack = np.stack([start, 2 * start])
    mkl.MIN_WORK_STACK, old_stack = 1, mkl.MIN_WORK_STACK
    try:
        assert mkl.matmul(np.stack([a, a]), b, stack, accumulate=True) is stack
    finally:
        mkl.MIN_WORK_STACK = old_stack
    np.testing.assert_allclose(stack[1], want + start, **tol)
    old = mkl.set_enabled(False)
    try:
        out = start.copy()
        assert km.gemm(a, b, out, accumulate=True) is out
        np.testing.assert_allclose(out, want, **tol)
    finally:
        mkl.set_enabled(old)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(32, 1024), (1, 7), (5, 1), (13, 9)])
def test_transpose(dtype, shape):
    """mkl.transpose(a, out) writes aᵀ exactly; a non-contiguous operand is left to numpy (None)."""
    a = np.random.default_rng(2).standard_normal(shape).astype(dtype)
    out = np.full(shape[::-1], np.nan, dtype)
    assert mkl.transpose(a, out) is out
    np.testing.assert_array_equal(out, a.T)
    if not a.T.flags.c_contiguous:  # a matrix with a dim of 1 is contiguous either way
        assert mkl.transpose(a.T, np.empty(shape, dtype)) is None
    np.testing.assert_array_equal(km.transpose_into(a[:, ::-1], out), a[:, ::-1].T)


def test_compiled_mlp_step_same_bits_as_eager():
    """MLP 784-256-128-10 at batch 128 (two products above MIN_WORK): loss and gradients of an
    ``ag.compile`` replay equal eager mode's bit for bit."""
    rng = np.random.default_rng(3)
    x = ag.tensor(rng.standard_normal((128, 784)).astype(np.float32))
    y = ag.tensor(rng.integers(0, 10, 128))

    def run(compiled):
        ag.manual_seed(0)
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
        f = ag.compile(model) if compiled else model
        out = []
        for _ in range(3):  # record, then replay
            model.zero_grad()
            loss = nn.functional.cross_entropy(f(x), y)
            loss.backward()
            out.append([loss.item()] + [p.grad.numpy().copy() for p in model.parameters()])
        return out

    for eager, replayed in zip(run(False), run(True)):
        assert eager[0] == replayed[0]
        for g, h in zip(eager[1:], replayed[1:]):
            np.testing.assert_array_equal(g, h)
