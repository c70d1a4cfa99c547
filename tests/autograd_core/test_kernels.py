"""The compute kernels: each numba kernel equals its numpy twin (float32 and
float64, odd sizes, stride, padding, dilation, non-contiguous inputs, a batch
of one, a single channel), and the twins match definitions written out as
plain loops. (The backend switch, threads and compilation: test_kernels_runtime.py.)"""
import numpy as np
import pytest

from autograd_core import kernels
from autograd_core.kernels import avgpool as AP
from autograd_core.kernels import batchnorm as BN
from autograd_core.kernels import conv as CV
from autograd_core.kernels import im2col as IM
from autograd_core.kernels import matmul as MM
from autograd_core.kernels import pool as PL

DTYPES = [np.float32, np.float64]
# (N, C, H, W, kh, kw, sh, sw, pt, pb, pl, pr, dh, dw)
GEOMETRIES = [
    (2, 3, 7, 9, 3, 2, 2, 3, 1, 0, 2, 1, 1, 2),  # odd sizes, stride, asymmetric padding, dilation
    (1, 1, 5, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),  # a batch of one, a single channel
    (3, 2, 6, 5, 2, 3, 1, 2, 0, 2, 3, 1, 2, 1),
    (2, 2, 4, 4, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1),  # kernel larger than the image, padded
    (1, 2, 3, 3, 3, 3, 4, 4, 5, 5, 5, 5, 1, 1),  # windows entirely in the padding
    # stride 1 with OW == W: im2col copies a kernel offset's rows as one run of the image plane
    (2, 2, 6, 7, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2),  # dilation 2, 'same'
    (2, 3, 5, 6, 3, 3, 1, 1, 0, 2, 2, 0, 1, 1),  # asymmetric: two columns of padding on the left
    (1, 2, 4, 3, 5, 3, 1, 1, 4, 0, 1, 1, 1, 1),  # kernel rows that see only padding
]


def _tol(dtype):
    return dict(rtol=2e-5, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


def _data(shape, dtype, seed=0, contiguous=True):
    """Random data; non-contiguous: a strided view of a larger array."""
    rng = np.random.default_rng(seed)
    if contiguous:
        return rng.standard_normal(shape).astype(dtype)
    big = rng.standard_normal(tuple(2 * s for s in shape)).astype(dtype)
    view = big[tuple(slice(None, None, 2) for _ in shape)]
    assert view.size <= 1 or not view.flags.c_contiguous
    return view


def _out(n, k, s, p0, p1, d):
    return CV.out_size(n, k, s, p0, p1, d)


# -- im2col / col2im ------------------------------------------------------------------------------
def _taps(H, W, kh, kw, sh, sw, pt, pl, dh, dw, OH, OW):
    """Every (i, j, oh, ow, h, w) where kernel tap (i, j) of output (oh, ow) reads
    input (h, w) = (oh sh - pt + i dh, ow sw - pl + j dw) inside the H x W image."""
    for i in range(kh):
        for j in range(kw):
            for oh in range(OH):
                for ow in range(OW):
                    h, w = oh * sh - pt + i * dh, ow * sw - pl + j * dw
                    if 0 <= h < H and 0 <= w < W:
                        yield i, j, oh, ow, h, w


def _im2col_loops(x, kh, kw, sh, sw, pt, pl, dh, dw, OH, OW):
    """The definition, tap by tap: cols[n, (c kh + i) kw + j, oh OW + ow] = x[n, c, h, w]."""
    N, C, H, W = x.shape
    cols = np.zeros((N, C, kh, kw, OH, OW), x.dtype)
    for i, j, oh, ow, h, w in _taps(H, W, kh, kw, sh, sw, pt, pl, dh, dw, OH, OW):
        cols[:, :, i, j, oh, ow] = x[:, :, h, w]
    return cols.reshape(N, C * kh * kw, OH * OW)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("geom", GEOMETRIES)
@pytest.mark.parametrize("contiguous", [True, False])
def test_im2col_and_col2im(dtype, geom, contiguous):
    N, C, H, W, kh, kw, sh, sw, pt, pb, pl, pr, dh, dw = geom
    OH, OW = _out(H, kh, sh, pt, pb, dh), _out(W, kw, sw, pl, pr, dw)
    args = (kh, kw, sh, sw, pt, pl, dh, dw, OH, OW)
    x = _data((N, C, H, W), dtype, 1, contiguous)
    ref = _im2col_loops(x, *args)
    for f in (IM.im2col_numpy, IM.im2col_numba):
        got = f(x, *args)
        assert got.dtype == dtype
        np.testing.assert_array_equal(got, ref)
    c = _data(ref.shape, dtype, 2, contiguous)
    a, b = IM.col2im_numpy(c, C, H, W, *args), IM.col2im_numba(c, C, H, W, *args)
    assert a.dtype == b.dtype == dtype and a.shape == x.shape
    np.testing.assert_allclose(a, b, **_tol(dtype))
    # with scratch cols the kernel may zero entries (those of padding pixels) and nothing else
    scratch = np.array(c)
    np.testing.assert_array_equal(IM.col2im_numba(scratch, C, H, W, *args, overwrite_cols=True), b)
    assert np.all((scratch == c) | (scratch == 0))
    # col2im is the adjoint of im2col: <im2col(x), c> = <x, col2im(c)>
    np.testing.assert_allclose(np.vdot(ref, c), np.vdot(x, a), rtol=1e-4 if dtype == np.float32 else 1e-12)


def test_im2col_writes_into_out_and_col2im_adds_into_it():
    x = _data((2, 3, 5, 5), np.float64)
    args = (3, 3, 1, 1, 1, 1, 1, 1, 5, 5)
    for f in (IM.im2col_numpy, IM.im2col_numba):
        out = np.full((2, 27, 25), np.nan)
        assert f(x, *args, out=out) is out
        np.testing.assert_array_equal(out, _im2col_loops(x, *args))
    c = _data((2, 27, 25), np.float64, 3)
    for f in (IM.col2im_numpy, IM.col2im_numba):
        out = np.ones((2, 3, 5, 5))
        assert f(c, 3, 5, 5, *args, out=out) is out
        np.testing.assert_allclose(out - 1, IM.col2im_numpy(c, 3, 5, 5, *args))


# -- convolution products -------------------------------------------------------------------------
def _conv_loops(x, w, b, geom):
    """y = x ⋆ w + b by its definition (groups, stride, padding, dilation)."""
    (sh, sw), (pt, pb, pl, pr), (dh, dw), g = geom
    N, C, H, W = x.shape
    Co, Cg, kh, kw = w.shape
    OH, OW = _out(H, kh, sh, pt, pb, dh), _out(W, kw, sw, pl, pr, dw)
    y = np.zeros((N, Co, OH, OW))
    for o in range(Co):
        c0 = o // (Co // g) * Cg
        for i, j, oh, ow, h, v in _taps(H, W, kh, kw, sh, sw, pt, pl, dh, dw, OH, OW):
            y[:, o, oh, ow] += x[:, c0:c0 + Cg, h, v] @ w[o, :, i, j]
    return y + (0 if b is None else b[:, None, None])


CONV_CASES = [  # x shape, w shape, Geometry
    ((2, 4, 7, 9), (6, 2, 3, 2), CV.Geometry((2, 1), (1, 0, 2, 1), (1, 2), 2)),
    ((1, 1, 6, 5), (3, 1, 3, 3), CV.Geometry((1, 1), (1, 1, 1, 1), (1, 1), 1)),
    ((3, 3, 5, 5), (3, 1, 1, 1), CV.Geometry((1, 1), (0, 0, 0, 0), (1, 1), 3)),  # pointwise, depthwise
    ((2, 6, 8, 7), (4, 3, 2, 3), CV.Geometry((3, 2), (0, 1, 1, 0), (2, 1), 2)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("xs,ws,geom", CONV_CASES)
def test_conv_products_numba_and_numpy(dtype, xs, ws, geom):
    x, w, b = _data(xs, dtype, 1, False), _data(ws, dtype, 2), _data(ws[:1], dtype, 3)
    ref = _conv_loops(x.astype(np.float64), w.astype(np.float64), b.astype(np.float64), geom)
    gy = _data(ref.shape, dtype, 4, False)
    results = {}
    old = kernels.backend()
    try:
        for name in ("numpy", "numba"):
            kernels.set_backend(name)
            results[name] = (CV.conv2d_forward(x, w, b, geom), CV.conv2d_input_grad(gy, w, geom, *xs[2:]),
                             CV.conv2d_weight_grad(x, gy, geom, *ws[2:]), CV.conv2d_bias_grad(gy))
    finally:
        kernels.set_backend(old)
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(results["numpy"][0], ref, **tol)
    for a, c in zip(results["numpy"], results["numba"]):
        assert a.dtype == c.dtype == dtype
        np.testing.assert_allclose(a, c, **tol)
    # the backward products are adjoints of the forward: <ȳ, x ⋆ w> = <x̄, x> = <w̄, w>
    y0 = CV.conv2d_forward(x.astype(np.float64), w.astype(np.float64), None, geom)
    _, gx, gw = (r.astype(np.float64) for r in results["numba"][:3])
    inner = np.vdot(gy.astype(np.float64), y0)
    np.testing.assert_allclose([np.vdot(gx, x), np.vdot(gw, w)], [inner, inner], rtol=1e-4)


def test_conv_chunks_give_the_same_result(monkeypatch):
    x, w = _data((5, 3, 6, 6), np.float64, 1), _data((4, 3, 3, 3), np.float64, 2)
    geom = CV.Geometry((1, 1), (1, 1, 1, 1), (1, 1), 1)
    gy = _data((5, 4, 6, 6), np.float64, 3)
    whole = (CV.conv2d_forward(x, w, None, geom), CV.conv2d_input_grad(gy, w, geom, 6, 6),
             CV.conv2d_weight_grad(x, gy, geom, 3, 3))
    monkeypatch.setattr(CV, "CHUNK_BYTES", 1)  # one sample per chunk
    for a, b in zip(whole, (CV.conv2d_forward(x, w, None, geom), CV.conv2d_input_grad(gy, w, geom, 6, 6),
                            CV.conv2d_weight_grad(x, gy, geom, 3, 3))):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


# -- pooling --------------------------------------------------------------------------------------
POOLS = [  # (N, C, H, W), (kh, kw, sh, sw, ph, pw, dh, dw), ceil_mode
    ((2, 3, 7, 9), (3, 2, 2, 1, 1, 1, 1, 2), False),
    ((1, 1, 5, 5), (2, 2, 2, 2, 0, 0, 1, 1), True),
    ((2, 2, 8, 7), (3, 3, 2, 3, 1, 1, 2, 1), True),
    ((1, 2, 6, 6), (3, 3, 3, 3, 1, 1, 1, 1), True),
    ((3, 1, 4, 5), (1, 1, 1, 2, 0, 0, 1, 1), False),
    ((2, 3, 6, 9), (2, 2, 2, 2, 0, 0, 1, 1), False),  # the unrolled 2x2 kernel (odd width)
]


def _pool_out(size, k, s, p, d, ceil):
    from autograd_core.ops.pool_args import pool_out_size

    return pool_out_size(size, k, s, p, d, ceil)


def _windows(H, W, g, OH, OW):
    kh, kw, sh, sw, ph, pw, dh, dw = g
    for oh in range(OH):
        for ow in range(OW):
            cells = [(oh * sh - ph + i * dh, ow * sw - pw + j * dw) for i in range(kh) for j in range(kw)]
            yield oh, ow, [(h, w) for h, w in cells if 0 <= h < H and 0 <= w < W]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,g,ceil", POOLS)
@pytest.mark.parametrize("contiguous", [True, False])
def test_max_pool(dtype, shape, g, ceil, contiguous):
    N, C, H, W = shape
    OH, OW = _pool_out(H, g[0], g[2], g[4], g[6], ceil), _pool_out(W, g[1], g[3], g[5], g[7], ceil)
    x = _data(shape, dtype, 1, contiguous)
    x[..., 0, 1] = x[..., 0, 0]  # ties
    ref_v, ref_i = np.zeros((N, C, OH, OW), dtype), np.zeros((N, C, OH, OW), np.int64)
    for oh, ow, cells in _windows(H, W, g, OH, OW):
        for n in range(N):
            for c in range(C):
                vals = [x[n, c, h, w] for h, w in cells]
                k = int(np.argmax(vals))  # the first maximum
                ref_v[n, c, oh, ow], ref_i[n, c, oh, ow] = vals[k], cells[k][0] * W + cells[k][1]
    args = g + (OH, OW)
    for f in (PL.max_pool2d_numpy, PL.max_pool2d_numba):
        v, i = f(x, *args)
        assert v.dtype == dtype and i.dtype == np.int64
        np.testing.assert_array_equal(v, ref_v)
        np.testing.assert_array_equal(i, ref_i)
    gy = _data(ref_v.shape, dtype, 2, contiguous)
    ref_g = np.zeros(shape)
    for n in range(N):
        for c in range(C):
            np.add.at(ref_g[n, c].reshape(-1), ref_i[n, c].reshape(-1), gy[n, c].reshape(-1))
    for f in (PL.max_unpool_add_numpy, PL.max_unpool_add_numba):
        got = f(gy, ref_i, H, W)
        assert got.dtype == dtype
        np.testing.assert_allclose(got, ref_g, **_tol(dtype))
    np.testing.assert_array_equal(PL.max_pool2d_gather(x, ref_i), ref_v)


def test_max_pool_nan_propagates_and_all_minus_inf_takes_the_first():
    x = np.array([[[[1.0, np.nan], [3.0, 2.0]], [[-np.inf, -np.inf], [-np.inf, -np.inf]]]])
    for f in (PL.max_pool2d_numpy, PL.max_pool2d_numba):
        v, i = f(x, 2, 2, 2, 2, 0, 0, 1, 1, 1, 1)
        assert np.isnan(v[0, 0, 0, 0]) and i[0, 0, 0, 0] == 1
        assert v[0, 1, 0, 0] == -np.inf and i[0, 1, 0, 0] == 0


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,g,ceil", [p for p in POOLS if p[1][6:] == (1, 1)])
@pytest.mark.parametrize("count_include_pad,divisor", [(True, 0), (False, 0), (True, 5)])
def test_avg_pool(dtype, shape, g, ceil, count_include_pad, divisor):
    N, C, H, W = shape
    kh, kw, sh, sw, ph, pw = g[:6]
    OH, OW = _pool_out(H, kh, sh, ph, 1, ceil), _pool_out(W, kw, sw, pw, 1, ceil)
    x = _data(shape, dtype, 1, False)
    ref = np.zeros((N, C, OH, OW))
    for oh, ow, cells in _windows(H, W, g, OH, OW):
        hs, ws = oh * sh - ph, ow * sw - pw
        size = (min(hs + kh, H + ph) - hs) * (min(ws + kw, W + pw) - ws)
        d = divisor or (size if count_include_pad else len(cells))
        ref[:, :, oh, ow] = sum(x[:, :, h, w].astype(np.float64) for h, w in cells) / d
    args = (kh, kw, sh, sw, ph, pw, OH, OW, count_include_pad, divisor)
    for f in (AP.avg_pool2d_numpy, AP.avg_pool2d_numba):
        got = f(x, *args)
        assert got.dtype == dtype
        np.testing.assert_allclose(got, ref, **_tol(dtype))
    gy = _data(ref.shape, dtype, 2, False)
    bargs = (H, W, kh, kw, sh, sw, ph, pw, count_include_pad, divisor)
    a, b = AP.avg_pool2d_backward_numpy(gy, *bargs), AP.avg_pool2d_backward_numba(gy, *bargs)
    assert a.dtype == b.dtype == dtype
    np.testing.assert_allclose(a, b, **_tol(dtype))
    np.testing.assert_allclose(np.vdot(a, x), np.vdot(gy, ref), rtol=1e-4)  # the adjoint


# -- batch norm -----------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(5, 3, 7), (4, 6, 1), (1, 1, 9), (2, 3, 16)])
@pytest.mark.parametrize("contiguous", [True, False])
def test_batch_norm_kernels(dtype, shape, contiguous):
    x = _data(shape, dtype, 1, contiguous) * 3 + 1
    w, b = _data(shape[1:2], dtype, 2), _data(shape[1:2], dtype, 3)
    x64 = x.astype(np.float64)
    mu, var = x64.mean(axis=(0, 2)), x64.var(axis=(0, 2))
    xhat = (x64 - mu[:, None]) / np.sqrt(var[:, None] + 1e-5)
    ref = xhat * w[:, None] + b[:, None]
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-11, atol=1e-11)
    for f in (BN.batch_norm_train_numpy, BN.batch_norm_train_numba):
        y, m, v = f(x, w, b, 1e-5)
        assert y.dtype == dtype
        np.testing.assert_allclose(y, ref, **tol)
        np.testing.assert_allclose(m, mu, **tol)
        np.testing.assert_allclose(v, var, **tol)
    gy = _data(shape, dtype, 4, contiguous)
    r = 1 / np.sqrt(var + 1e-5)
    g64 = gy.astype(np.float64)
    gb, gw = g64.sum(axis=(0, 2)), (g64 * xhat).sum(axis=(0, 2))
    m = shape[0] * shape[2]
    gx = (w * r)[:, None] * (g64 - gb[:, None] / m - xhat * gw[:, None] / m)
    for f in (BN.batch_norm_backward_numpy, BN.batch_norm_backward_numba):
        a, c, d = f(gy, x, mu, r, w, True)
        assert a.dtype == c.dtype == d.dtype == dtype
        for got, want in ((a, gx), (c, gw), (d, gb)):
            np.testing.assert_allclose(got, want, **tol)
        assert f(gy, x, mu, r, w, False)[0] is None
    s, t = w * 2, b - 1
    for f in (BN.channel_affine_numpy, BN.channel_affine_numba):
        got = f(x, s, t)
        assert got.dtype == dtype
        np.testing.assert_allclose(got, x64 * s[:, None] + t[:, None], **tol)


# -- matmul ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sa,sb", [((300, 2, 2), (300, 2, 2)), ((5, 3, 4), (4, 2)), ((2, 1, 3, 2), (4, 2, 5)),
                                   ((1, 1, 1), (1, 1, 1))])
def test_matmul_kernel(dtype, sa, sb):
    a, b = _data(sa, dtype, 1, False), _data(sb, dtype, 2)
    ref = np.matmul(a, b)
    for f in (MM.matmul_numpy, MM.matmul_numba, MM.matmul):
        got = f(a, b)
        assert got.dtype == dtype and got.shape == ref.shape
        np.testing.assert_allclose(got, ref, **_tol(dtype))


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_matmul_op_dispatches_tiny_batches_to_the_kernel(backend, monkeypatch):
    """``ag.matmul`` (forward and the products of its backward) runs the numba
    loops for a batch of 64 2x2 matrices in the numba set, BLAS otherwise."""
    import autograd_core as ag
    from autograd_core.gradcheck import gradcheck

    calls = []
    real = MM.matmul_numba
    monkeypatch.setattr(MM, "matmul_numba", lambda a, b: (calls.append(a.shape), real(a, b))[1])
    old = kernels.set_backend(backend)
    try:
        a = ag.tensor(_data((64, 2, 2), np.float64, 3), requires_grad=True)
        b = ag.tensor(_data((64, 2, 2), np.float64, 4), requires_grad=True)
        c = ag.matmul(a, b)
        np.testing.assert_allclose(c.detach().numpy(), np.matmul(a._data, b._data), rtol=1e-12)
        c.sum().backward()
        assert len(calls) == (3 if backend == "numba" else 0)  # C, and Ā, B̄ in the backward
        ag.matmul(ag.tensor(_data((2, 2), np.float64, 5)), ag.tensor(_data((2, 2), np.float64, 6)))
        ag.matmul(ag.tensor(_data((64, 8, 8), np.float64, 5)), ag.tensor(_data((64, 8, 8), np.float64, 6)))
        assert len(calls) == (3 if backend == "numba" else 0)  # a single matrix, 8x8 blocks: BLAS
        small = [ag.tensor(_data((64, 2, 2), np.float64, s), requires_grad=True) for s in (7, 8)]
        assert gradcheck(ag.matmul, small)
    finally:
        kernels.set_backend(old)
