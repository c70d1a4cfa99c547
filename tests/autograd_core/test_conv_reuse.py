"""The convolution's work layout (kernels/conv.py, kernels/batch_split.py):
the forward's im2col columns kept for the weight gradient and freed with
the graph, both forms of the weight-gradient product, the backward products
with the batch folded into one matrix (against the per-sample products and
the adjoint identities; the measured rule that picks them), one im2col for
both backward products of a transposed convolution, the batch split over
threads (results independent of the thread count, BLAS setting restored,
errors propagated), a broadcast output gradient, and the numba kernels
against their numpy twins on the parallel path."""
import numpy as np
import pytest

import autograd_core as ag
from autograd_core import kernels
from autograd_core.kernels import batch_split as BS
from autograd_core.kernels import conv as CV
from autograd_core.ops import conv as conv_ops
from tests.helpers import check, check_jvp


def weight_grad_reference(x, gy, kh, kw, pad):
    """w̄[o, c, i, j] = Σ_{n, a, b} ȳ[n, o, a, b] · x[n, c, a - p + i, b - p + j] (stride 1, zeros outside)."""
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    OH, OW = gy.shape[2:]
    return np.stack([np.stack([np.einsum("noab,ncab->oc", gy, xp[:, :, i:i + OH, j:j + OW])
                               for j in range(kw)], -1) for i in range(kh)], -2)


@pytest.fixture(params=["per-sample", "folded"])
def fold(request, monkeypatch):
    """Runs a test with the backward products per sample, and again with the batch folded."""
    ratio = float("inf") if request.param == "folded" else 0.0
    monkeypatch.setattr(CV, "FOLD_WEIGHT_GRAD", ratio)
    monkeypatch.setattr(CV, "FOLD_INPUT_GRAD", ratio)
    return request.param


def _conv_leaves(xs, ws, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = ag.tensor(rng.standard_normal(xs).astype(dtype), requires_grad=True)
    w = ag.tensor(rng.standard_normal(ws).astype(dtype), requires_grad=True)
    return x, w


def test_the_forward_keeps_its_columns_and_the_backward_frees_them():
    x, w = _conv_leaves((3, 4, 6, 6), (5, 4, 3, 3))
    y = ag.conv2d(x, w, padding=1)
    saved = y.grad_fn._saved
    assert len(saved) == 3  # x, w and the columns
    cols = saved[2][1]
    assert isinstance(cols, np.ndarray) and cols.shape == (3, 4 * 9, 36)
    np.testing.assert_array_equal(cols, ag.nn.functional.unfold(x.detach(), 3, padding=1).numpy())
    gy = np.random.default_rng(1).standard_normal(y.shape)
    y.backward(ag.tensor(gy))
    assert y.grad_fn._saved is None  # freed with the other saved tensors
    np.testing.assert_allclose(w.grad.numpy(), weight_grad_reference(x.detach().numpy(), gy, 3, 3, 1), rtol=1e-10)


def test_columns_are_kept_only_when_the_weight_gradient_needs_them(monkeypatch):
    x, w = _conv_leaves((2, 3, 5, 5), (4, 3, 3, 3))
    assert len(ag.conv2d(x, w.detach()).grad_fn._saved) == 2  # no weight gradient: nothing kept
    assert len(ag.conv2d(x, w, stride=1, padding=0).grad_fn._saved) == 3
    assert len(ag.conv2d(x, ag.tensor(np.ones((4, 3, 1, 1)), requires_grad=True)).grad_fn._saved) == 2  # 1x1: cols = x
    monkeypatch.setattr(CV, "KEEP_COLS_BYTES", 0)  # too large to keep: recomputed in the backward
    y = ag.conv2d(x, w, padding=1)
    assert len(y.grad_fn._saved) == 2
    gy = np.random.default_rng(2).standard_normal(y.shape)
    y.backward(ag.tensor(gy))
    np.testing.assert_allclose(w.grad.numpy(), weight_grad_reference(x.detach().numpy(), gy, 3, 3, 1), rtol=1e-10)


def test_retained_graph_reuses_the_columns_twice():
    x, w = _conv_leaves((2, 3, 6, 6), (4, 3, 3, 3))
    y = ag.conv2d(x, w, padding=1)
    gy = ag.tensor(np.random.default_rng(3).standard_normal(y.shape))
    y.backward(gy, retain_graph=True)
    first = w.grad.numpy().copy()
    y.backward(gy)
    np.testing.assert_allclose(w.grad.numpy(), 2 * first, rtol=1e-12)
    with pytest.raises(RuntimeError, match="second time"):
        y.backward(gy)


def test_kept_columns_under_create_graph_give_second_derivatives():
    x, w = _conv_leaves((2, 2, 5, 5), (3, 2, 3, 3))
    check(lambda a, b: ag.conv2d(a, b, padding=1, stride=(2, 1)), x, w)
    x, w = _conv_leaves((2, 4, 5, 5), (4, 2, 2, 3))
    check(lambda a, b: ag.conv2d(a, b, padding=(1, 0), dilation=(2, 1), groups=2), x, w)


def test_an_inplace_change_of_the_input_after_the_forward_is_caught():
    x, w = _conv_leaves((2, 3, 5, 5), (4, 3, 3, 3))
    h = x * 1.0
    y = ag.conv2d(h, w, padding=1)
    h.add_(1.0)  # the kept columns would be stale: the saved input's version check refuses
    with pytest.raises(RuntimeError, match="inplace"):
        y.sum().backward()


@pytest.mark.parametrize("xs,ws,flip", [((3, 16, 6, 6), (16, 16, 3, 3), True),  # K = 144, Co = 16: cols @ ȳᵀ
                                        ((3, 3, 6, 6), (16, 3, 3, 3), False),  # K = 27: ȳ @ colsᵀ
                                        ((3, 16, 6, 6), (4, 16, 3, 3), False)])  # Co = 4
def test_both_forms_of_the_weight_gradient_product(xs, ws, flip):
    assert CV._transpose_gy(ws[0], ws[1] * 9) is flip
    rng = np.random.default_rng(4)
    x = rng.standard_normal(xs)
    gy = rng.standard_normal((xs[0], ws[0]) + xs[2:])
    geom = CV.Geometry((1, 1), (1, 1, 1, 1), (1, 1), 1)
    want = weight_grad_reference(x, gy, 3, 3, 1)
    cols = CV.new_cols(xs, ws, geom, x.dtype)
    CV.conv2d_forward(x, rng.standard_normal(ws), None, geom, cols)
    for got in (CV.conv2d_weight_grad(x, gy, geom, 3, 3), CV.conv2d_weight_grad(x, gy, geom, 3, 3, cols)):
        np.testing.assert_allclose(got, want, rtol=1e-10)


def test_a_broadcast_output_gradient_is_made_contiguous_for_blas():
    x, w = _conv_leaves((2, 3, 5, 5), (4, 3, 3, 3))
    gy = np.broadcast_to(np.float64(1.5), (2, 4, 5, 5))
    geom = CV.Geometry((1, 1), (1, 1, 1, 1), (1, 1), 1)
    full = np.full((2, 4, 5, 5), 1.5)
    np.testing.assert_allclose(CV.conv2d_input_grad(gy, w.detach().numpy(), geom, 5, 5),
                               CV.conv2d_input_grad(full, w.detach().numpy(), geom, 5, 5), rtol=1e-12)
    np.testing.assert_allclose(CV.conv2d_weight_grad(x.detach().numpy(), gy, geom, 3, 3),
                               weight_grad_reference(x.detach().numpy(), full, 3, 3, 1), rtol=1e-10)


def test_the_fold_rule_on_the_measured_shapes():
    # (P, Co/g, K) of the DCGAN generator's convolutions (layers 1-5), conv_transpose2d 32->16 4x4 s2 and
    # conv2d 16->32 3x3 on 32x32: the weight gradient folds up to P = 2x the width Co·K/(Co + K), the input
    # gradient up to 0.3x (the measurements are in the module docstring of kernels/conv.py)
    shapes = [(1, 100, 8192), (16, 512, 4096), (64, 256, 2048), (256, 128, 1024), (1024, 64, 48), (256, 32, 256),
              (1024, 32, 144)]
    assert [CV._folds(*s, CV.FOLD_WEIGHT_GRAD) for s in shapes] == [True, True, True, False, False, False, False]
    assert [CV._folds(*s, CV.FOLD_INPUT_GRAD) for s in shapes] == [True, True, True, False, False, False, False]
    assert CV._folds(64, 128, 576, CV.FOLD_WEIGHT_GRAD) and not CV._folds(64, 128, 576, CV.FOLD_INPUT_GRAD)


FOLD_CASES = [  # x shape, w shape, Geometry
    ((3, 4, 7, 9), (6, 2, 3, 2), CV.Geometry((2, 1), (1, 0, 2, 1), (1, 2), 2)),
    ((2, 16, 5, 5), (16, 16, 3, 3), CV.Geometry((1, 1), (1, 1, 1, 1), (1, 1), 1)),  # K >= 128: cols[n] @ ȳ[n]ᵀ
    ((2, 5, 4, 4), (7, 5, 4, 4), CV.Geometry((2, 2), (1, 1, 1, 1), (1, 1), 1)),
    ((3, 6, 5, 5), (6, 2, 1, 1), CV.Geometry((1, 1), (0, 0, 0, 0), (1, 1), 3)),  # pointwise, grouped
    ((2, 3, 4, 4), (5, 3, 4, 4), CV.Geometry((1, 1), (0, 0, 0, 0), (1, 1), 1)),  # one output pixel
]


@pytest.mark.parametrize("backend", ["numba", "numpy"])
@pytest.mark.parametrize("xs,ws,geom", FOLD_CASES)
def test_folded_products_against_per_sample_and_the_adjoint_identities(backend, xs, ws, geom, monkeypatch):
    rng = np.random.default_rng(7)
    x, w = rng.standard_normal(xs), rng.standard_normal(ws)
    b = rng.standard_normal(ws[0])
    OH, OW = CV.output_shape(xs, ws, geom)
    gy = rng.standard_normal((xs[0], ws[0], OH, OW))
    bx = rng.standard_normal(xs[1])
    monkeypatch.setattr(CV, "CHUNK_BYTES", 64)  # several chunks of channels per task
    old = kernels.set_backend(backend)
    try:
        results = {}
        for ratio in (0.0, float("inf")):
            monkeypatch.setattr(CV, "FOLD_WEIGHT_GRAD", ratio)
            monkeypatch.setattr(CV, "FOLD_INPUT_GRAD", ratio)
            cols = CV.new_cols(xs, ws, geom, x.dtype)
            y = CV.conv2d_forward(x, w, b, geom, cols)
            gw = CV.conv2d_weight_grad(x, gy, geom, *ws[2:])
            kept = gw if cols is None else CV.conv2d_weight_grad(x, gy, geom, *ws[2:], cols)
            both = CV.conv2d_forward_and_weight_grad(x, w, gy, geom)  # one im2col for the two
            np.testing.assert_allclose(both[0], y - b[:, None, None], rtol=1e-10, atol=1e-10)
            results[ratio] = (y, CV.conv2d_input_grad(gy, w, geom, *xs[2:]), gw, kept,
                              CV.conv2d_input_grad(gy, w, geom, *xs[2:], bx), both[1])
            if cols is not None:  # laid out as (K, N, P) when the weight gradient folds
                assert cols.flags.c_contiguous is (ratio == 0.0)
    finally:
        kernels.set_backend(old)
    for a, c in zip(results[0.0], results[float("inf")]):
        np.testing.assert_allclose(a, c, rtol=1e-10, atol=1e-10)
    y, gx, gw, kept, gxb, both = results[float("inf")]
    inner = np.vdot(gy, y - b[:, None, None])  # <ȳ, x ⋆ w> = <x̄, x> = <w̄, w>
    np.testing.assert_allclose([np.vdot(gx, x), np.vdot(gw, w), np.vdot(kept, w), np.vdot(both, w)], [inner] * 4,
                               rtol=1e-10)
    np.testing.assert_allclose(gxb, gx + bx[:, None, None], rtol=1e-12)


def test_transposed_convolution_backward_runs_im2col_once(monkeypatch, fold):
    x, w = _conv_leaves((3, 4, 5, 5), (4, 2, 4, 4))
    b = ag.tensor(np.random.default_rng(8).standard_normal(2), requires_grad=True)
    y = ag.conv_transpose2d(x, w, b, stride=2, padding=1)
    gy = np.random.default_rng(9).standard_normal(y.shape)
    seen = []
    im2col = CV.im2col

    def counting(a, *args, **kw):
        seen.append(a.shape[0] * a.shape[1])  # samples x channels of this call
        return im2col(a, *args, **kw)

    monkeypatch.setattr(CV, "im2col", counting)
    y.backward(ag.tensor(gy))
    assert sum(seen) == gy.shape[0] * gy.shape[1]  # every channel of every sample of ȳ, once
    # x̄[n, c, i, j] = Σ_{o,m,k} w[c, o, m, k] ȳ[n, o, 2i - 1 + m, 2j - 1 + k] and
    # w̄[c, o, m, k] = Σ_{n,i,j} x[n, c, i, j] ȳ[n, o, 2i - 1 + m, 2j - 1 + k] (zeros outside ȳ)
    gp = np.pad(gy, ((0, 0), (0, 0), (1, 10), (1, 10)))  # ȳ[.., 2i - 1 + m, ..] is gp[.., 2i + m, ..]
    win = [[gp[:, :, m:m + 10:2, k:k + 10:2] for k in range(4)] for m in range(4)]
    wd = w.detach().numpy()
    gx = sum(np.einsum("noij,co->ncij", win[m][k], wd[:, :, m, k]) for m in range(4) for k in range(4))
    np.testing.assert_allclose(x.grad.numpy(), gx, rtol=1e-10)
    want = np.stack([np.stack([np.einsum("ncij,noij->co", x.detach().numpy(), win[m][k]) for k in range(4)], -1)
                     for m in range(4)], -2)
    np.testing.assert_allclose(w.grad.numpy(), want, rtol=1e-10)
    np.testing.assert_allclose(b.grad.numpy(), gy.sum(axis=(0, 2, 3)), rtol=1e-12)


def test_the_pair_op_of_the_transposed_convolutions_backward(fold):
    # ConvolutionAndWeightGrad (h, w, g) -> (h ⋆ w, WeightGrad(h, g)): the two ops' values, first and second
    # derivatives, and the jvp (forward over reverse through a transposed convolution)
    h, w = _conv_leaves((2, 2, 6, 6), (3, 2, 3, 3))
    y = ag.conv2d(h, w, stride=2, padding=1)
    lay = y.grad_fn.lay
    g = ag.tensor(np.random.default_rng(10).standard_normal(y.shape), requires_grad=True)

    def pair(h, w, g):
        return conv_ops.ConvolutionAndWeightGrad.apply(h, w, g, lay)

    a, v = pair(h, w, g)
    np.testing.assert_allclose(a.detach().numpy(), y.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(v.detach().numpy(), conv_ops.ConvolutionWeightGrad.apply(h, g, lay, w.shape).detach()
                               .numpy(), rtol=1e-12)
    check(pair, h, w, g)
    check_jvp(pair, h, w, g)


@pytest.fixture
def threads():
    """Restores the thread count the tests change."""
    old = ag.get_num_threads()
    yield
    ag.set_num_threads(old)


def _step(x, w, b, gy):
    y = ag.conv2d(x, w, b, padding=1, groups=2)
    y.backward(gy)
    out = (y.detach().numpy().copy(), x.grad.numpy().copy(), w.grad.numpy().copy(), b.grad.numpy().copy())
    x.grad = w.grad = b.grad = None
    return out


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_results_do_not_depend_on_the_thread_count(backend, threads, monkeypatch, fold):
    monkeypatch.setattr(BS, "PARALLEL_MIN", 0)  # take the parallel path on a small problem
    rng = np.random.default_rng(5)
    x = ag.tensor(rng.standard_normal((11, 8, 9, 9)).astype(np.float32), requires_grad=True)
    w = ag.tensor(rng.standard_normal((12, 4, 3, 3)).astype(np.float32), requires_grad=True)
    b = ag.tensor(rng.standard_normal(12).astype(np.float32), requires_grad=True)
    gy = ag.tensor(rng.standard_normal((11, 12, 9, 9)).astype(np.float32))
    old = kernels.set_backend(backend)
    try:
        ag.set_num_threads(1)
        one = _step(x, w, b, gy)
        ag.set_num_threads(2)
        runs = [_step(x, w, b, gy) for _ in range(3)]
    finally:
        kernels.set_backend(old)
    for two in runs:
        for a, c in zip(one, two):
            np.testing.assert_array_equal(a, c)  # bit for bit: fixed tasks, sums added in task order
    x64, gy64 = x.detach().numpy().astype(np.float64), gy.numpy().astype(np.float64)
    want = np.concatenate([weight_grad_reference(x64[:, 4 * k:4 * k + 4], gy64[:, 6 * k:6 * k + 6], 3, 3, 1)
                           for k in range(2)])
    np.testing.assert_allclose(one[2], want, rtol=1e-4, atol=1e-3)


def test_numba_and_numpy_kernels_agree_on_the_parallel_path(threads, monkeypatch, fold):
    monkeypatch.setattr(BS, "PARALLEL_MIN", 0)
    ag.set_num_threads(2)
    rng = np.random.default_rng(6)
    x = ag.tensor(rng.standard_normal((9, 6, 7, 8)), requires_grad=True)
    w = ag.tensor(rng.standard_normal((6, 3, 3, 3)), requires_grad=True)
    b = ag.tensor(rng.standard_normal(6), requires_grad=True)
    gy = ag.tensor(rng.standard_normal((9, 6, 7, 8)))
    results = {}
    old = kernels.backend()
    try:
        for name in ("numpy", "numba"):
            kernels.set_backend(name)
            results[name] = _step(x, w, b, gy)
    finally:
        kernels.set_backend(old)
    for a, c in zip(results["numpy"], results["numba"]):
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12)


def _blas_threads():
    from threadpoolctl import threadpool_info

    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def test_run_tasks_runs_every_task_once_with_one_blas_thread_and_restores_it(threads):
    ag.set_num_threads(2)
    before = _blas_threads()
    seen = []

    def body(i):
        seen.append((i, tuple(_blas_threads())))

    BS.run_tasks(body, 7, BS.PARALLEL_MIN)
    assert sorted(i for i, _ in seen) == list(range(7))
    assert all(set(n) == {1} for _, n in seen)
    assert _blas_threads() == before
    seen.clear()
    BS.run_tasks(body, 3, 0)  # small work: in order on the calling thread, BLAS untouched
    assert [i for i, _ in seen] == [0, 1, 2] and all(n == tuple(before) for _, n in seen)


def test_run_tasks_propagates_an_error_and_still_restores_blas(threads):
    ag.set_num_threads(2)
    before = _blas_threads()

    def body(i):
        if i == 4:
            raise ValueError("task 4 failed")

    with pytest.raises(ValueError, match="task 4 failed"):
        BS.run_tasks(body, 6, BS.PARALLEL_MIN)
    assert _blas_threads() == before
