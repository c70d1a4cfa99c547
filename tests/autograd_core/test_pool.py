"""max_pool2d (with indices), avg_pool2d and adaptive_avg_pool2d: values
against plain loops, ties and NaN, ceil_mode/padding/dilation, first and
second derivatives, jvp, dtypes, unbatched inputs and error messages."""
import math

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.ops import pool
from tests.helpers import check, check_jvp, leaf


def windows(H, W, k, s, p, d, ceil):
    """For every output (oh, ow): the in-image cells of its window and its padded size."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = k, s, p, d

    def n_out(n, k, s, p, d):
        o = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)) // s + 1
        return o - 1 if ceil and (o - 1) * s >= n + p else o

    OH, OW = n_out(H, kh, sh, ph, dh), n_out(W, kw, sw, pw, dw)
    for oh in range(OH):
        for ow in range(OW):
            hs, ws = oh * sh - ph, ow * sw - pw
            cells = [(hs + i * dh, ws + j * dw) for i in range(kh) for j in range(kw)]
            size = (min(hs + kh, H + ph) - hs) * (min(ws + kw, W + pw) - ws)
            yield oh, ow, OH, OW, [(h, w) for h, w in cells if 0 <= h < H and 0 <= w < W], size


def pool_reference(x, k, s, p, d=(1, 1), ceil=False, kind="max", include_pad=True, divisor=None):
    N, C, H, W = x.shape
    out = idx = None
    for oh, ow, OH, OW, cells, size in windows(H, W, k, s, p, d, ceil):
        if out is None:
            out, idx = np.zeros((N, C, OH, OW)), np.zeros((N, C, OH, OW), np.int64)
        vals = np.stack([x[:, :, h, w] for h, w in cells], axis=-1)
        if kind == "max":
            best = np.argmax(vals, axis=-1)  # the first of equal maxima
            out[:, :, oh, ow] = np.take_along_axis(vals, best[..., None], -1)[..., 0]
            idx[:, :, oh, ow] = [[cells[b][0] * W + cells[b][1] for b in row] for row in best]
        else:
            out[:, :, oh, ow] = vals.sum(-1) / (divisor or (size if include_pad else len(cells)))
    return out, idx


MAX_CASES = [  # shape, kwargs, reference (k, s, p, d, ceil)
    ((2, 3, 6, 6), dict(kernel_size=2), ((2, 2), (2, 2), (0, 0), (1, 1), False)),
    ((1, 2, 7, 5), dict(kernel_size=3, stride=2, padding=1), ((3, 3), (2, 2), (1, 1), (1, 1), False)),
    ((2, 1, 7, 8), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), dilation=(1, 2), ceil_mode=True),
     ((3, 2), (2, 1), (1, 1), (1, 2), True)),
    ((1, 2, 5, 5), dict(kernel_size=2, ceil_mode=True), ((2, 2), (2, 2), (0, 0), (1, 1), True)),
]


@pytest.mark.parametrize("shape,kw,ref", MAX_CASES)
def test_max_pool2d_values_and_indices(shape, kw, ref):
    x = leaf(*shape, seed=1)
    y, i = ag.max_pool2d(x, **kw, return_indices=True)
    want, want_i = pool_reference(x._data, *ref)
    np.testing.assert_array_equal(y._data, want)
    np.testing.assert_array_equal(i._data, want_i)
    assert i.dtype == np.int64 and not i.requires_grad
    assert y.grad_fn.name() == "MaxPool2dBackward0"


@pytest.mark.parametrize("shape,kw,ref", MAX_CASES)
def test_max_pool2d_gradcheck_and_jvp(shape, kw, ref):
    x = leaf(*shape, seed=1)  # random values: no ties, so max pooling is differentiable there
    check(lambda x: ag.max_pool2d(x, **kw), x)
    check_jvp(lambda x: ag.max_pool2d(x, **kw), x)


def test_max_pool2d_ties_go_to_the_first_and_nan_propagates():
    x = ag.tensor([[[[1.0, 1.0], [1.0, 0.0]], [[2.0, np.nan], [5.0, 7.0]]]], requires_grad=True)
    y, i = ag.max_pool2d(x, 2, return_indices=True)
    assert i.tolist() == [[[[0]], [[1]]]]
    assert y._data[0, 0, 0, 0] == 1 and np.isnan(y._data[0, 1, 0, 0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[[[1, 0], [0, 0]], [[0, 1], [0, 0]]]])


def test_max_pool2d_backward_adds_over_overlapping_windows():
    x = ag.tensor([[[[0.0, 9.0, 1.0], [2.0, 3.0, 4.0]]]], requires_grad=True)
    ag.max_pool2d(x, 2, stride=1).sum().backward()  # both windows pick the 9
    np.testing.assert_array_equal(x.grad.numpy(), [[[[0, 2, 0], [0, 0, 0]]]])


AVG_CASES = [  # shape, kwargs, reference args
    ((2, 3, 6, 6), dict(kernel_size=2), (((2, 2), (2, 2), (0, 0)), dict())),
    ((1, 2, 7, 5), dict(kernel_size=3, stride=2, padding=1), (((3, 3), (2, 2), (1, 1)), dict())),
    ((1, 2, 7, 5), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
     (((3, 3), (2, 2), (1, 1)), dict(include_pad=False))),
    ((2, 1, 7, 8), dict(kernel_size=(3, 2), stride=(2, 3), padding=1, ceil_mode=True),
     (((3, 2), (2, 3), (1, 1)), dict(ceil=True))),
    ((2, 1, 7, 8), dict(kernel_size=(3, 2), stride=(2, 3), padding=1, ceil_mode=True,
                        count_include_pad=False),
     (((3, 2), (2, 3), (1, 1)), dict(ceil=True, include_pad=False))),
    ((1, 2, 5, 5), dict(kernel_size=2, divisor_override=3), (((2, 2), (2, 2), (0, 0)), dict(divisor=3))),
]


@pytest.mark.parametrize("shape,kw,ref", AVG_CASES)
def test_avg_pool2d(shape, kw, ref):
    x = leaf(*shape, seed=1)
    (k, s, p), opts = ref
    want, _ = pool_reference(x._data, k, s, p, kind="avg", **opts)
    np.testing.assert_allclose(ag.avg_pool2d(x, **kw)._data, want, rtol=1e-12, atol=1e-12)
    check(lambda x: ag.avg_pool2d(x, **kw), x)
    check_jvp(lambda x: ag.avg_pool2d(x, **kw), x)


def adaptive_reference(x, oh, ow):
    H, W = x.shape[-2:]
    out = np.zeros(x.shape[:-2] + (oh, ow))
    for i in range(oh):
        for j in range(ow):
            h0, h1 = i * H // oh, math.ceil((i + 1) * H / oh)
            w0, w1 = j * W // ow, math.ceil((j + 1) * W / ow)
            out[..., i, j] = x[..., h0:h1, w0:w1].mean(axis=(-2, -1))
    return out


@pytest.mark.parametrize("size,want", [((3, 4), (3, 4)), (1, (1, 1)), ((7, 3), (7, 3)), ((2, None), (2, 6)),
                                       (5, (5, 5)), ((4, 2), (4, 2))])
def test_adaptive_avg_pool2d(size, want):
    x = leaf(2, 3, 7, 6, seed=1)
    y = ag.adaptive_avg_pool2d(x, size)
    assert y.shape == (2, 3) + want
    np.testing.assert_allclose(y._data, adaptive_reference(x._data, *want), rtol=1e-12, atol=1e-12)
    check(lambda x: ag.adaptive_avg_pool2d(x, size), x)
    check_jvp(lambda x: ag.adaptive_avg_pool2d(x, size), x)


def test_jvp_of_the_adjoint_ops_applied_directly():
    """The Linear ops of the backward passes (scatter-add of max pooling and
    the adjoints of the averages) and their own adjoints: tangent = op(ẋ)."""
    x = leaf(2, 3, 7, 6, seed=3)
    y, idx = ag.max_pool2d(x, 3, 2, 1, return_indices=True)
    check_jvp(lambda g: pool.MaxUnpoolAdd.apply(g, idx.numpy(), x.shape), leaf(*y.shape, seed=4))
    check_jvp(lambda x: pool.PoolGather.apply(x, idx.numpy(), x.shape), x)
    a = ag.avg_pool2d(x, 3, 2, 1, count_include_pad=False)
    check_jvp(lambda g: pool.AvgPool2dAdjoint.apply(g, a.grad_fn.arg, x.shape), leaf(*a.shape, seed=5))
    r = ag.adaptive_avg_pool2d(x, (4, 5))
    check_jvp(lambda g: pool.AdaptiveAvgPool2dAdjoint.apply(g, r.grad_fn.mats, x.shape), leaf(*r.shape, seed=6))


def test_unbatched_inputs():
    x = leaf(3, 6, 5, seed=2)
    y, i = ag.max_pool2d(x, 2, return_indices=True)
    y4, i4 = ag.max_pool2d(x[None], 2, return_indices=True)
    assert y.shape == i.shape == (3, 3, 2)
    np.testing.assert_array_equal(y._data, y4._data[0])
    np.testing.assert_array_equal(i._data, i4._data[0])
    np.testing.assert_allclose(ag.avg_pool2d(x, 3, 1, 1)._data, ag.avg_pool2d(x[None], 3, 1, 1)._data[0])
    np.testing.assert_allclose(ag.adaptive_avg_pool2d(x, 2)._data, adaptive_reference(x._data, 2, 2))
    for f in (lambda x: ag.max_pool2d(x, 2), lambda x: ag.avg_pool2d(x, 2, 1),
              lambda x: ag.adaptive_avg_pool2d(x, (4, 3))):
        check(f, x)
        check_jvp(f, x)


@pytest.mark.parametrize("fn", [lambda x: ag.max_pool2d(x, 2), lambda x: ag.avg_pool2d(x, 3, 2, 1),
                                lambda x: ag.adaptive_avg_pool2d(x, 3)])
def test_float32_is_kept(fn):
    x = ag.randn(2, 3, 8, 8, requires_grad=True)
    y = fn(x)
    assert y.dtype == np.float32
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32


def test_numpy_kernels_give_the_same_pooling():
    from autograd_core import kernels

    x = leaf(2, 3, 7, 6, seed=1)
    results = []
    old = kernels.backend()
    try:
        for name in ("numba", "numpy"):
            kernels.set_backend(name)
            m, i = ag.max_pool2d(x, 3, 2, 1, return_indices=True)
            a = ag.avg_pool2d(x, 3, 2, 1, ceil_mode=True)
            results.append([m._data, i._data, a._data] + [g._data for g in ag.grad((m.sum() + a.sum()), [x])])
    finally:
        kernels.set_backend(old)
    for a, c in zip(*results):
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12)


ERRORS = [
    (lambda x: ag.max_pool2d(x, 3, padding=2), RuntimeError, "pad should be at most half of effective"),
    (lambda x: ag.avg_pool2d(x, 3, padding=2), RuntimeError, "pad should be at most half"),
    (lambda x: ag.max_pool2d(x, 0), RuntimeError, "kernel_size must be greater than zero"),
    (lambda x: ag.max_pool2d(x, 2, stride=0), RuntimeError, "stride must be greater than zero"),
    (lambda x: ag.max_pool2d(x, 2, dilation=0), RuntimeError, "dilation must be greater than zero"),
    (lambda x: ag.max_pool2d(x, 7), RuntimeError,
     r"Given input size: \(4x5x5\). Calculated output size: \(4x0x0\). Output size is too small"),
    (lambda x: ag.max_pool2d(x[0, 0], 2), RuntimeError, "non-empty 3D or 4D"),
    (lambda x: ag.max_pool2d(x.bool(), 2), NotImplementedError, "\"max_pool2d\" not implemented for .Bool."),
    (lambda x: ag.max_pool2d(x, 2.5), TypeError, "kernel_size must be an int or a tuple"),
    (lambda x: ag.avg_pool2d(x, 2, divisor_override=0), RuntimeError, "divisor must be not zero"),
    (lambda x: ag.adaptive_avg_pool2d(x, (3,)), RuntimeError, "output_size must be 2"),
    (lambda x: ag.adaptive_avg_pool2d(x, 0), RuntimeError, "positive"),
    (lambda x: ag.max_pool2d(x.numpy(), 2), TypeError, "must be Tensor"),
]


@pytest.mark.parametrize("fn,err,msg", ERRORS)
def test_errors(fn, err, msg):
    with pytest.raises(err, match=msg):
        fn(ag.zeros(2, 4, 5, 5))
