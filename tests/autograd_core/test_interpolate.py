"""interpolate: PyTorch's documented align_corners behaviour on small
cases, direct (non-separable) references for bilinear and bicubic, affine
fields reproduced exactly by (tri)linear interpolation, nearest vs
nearest-exact, scale_factor vs recompute_scale_factor, area = adaptive
average pooling, the numba kernels against their numpy twins, first and
second derivatives, jvp and errors."""
import numpy as np
import pytest

import autograd_core as ag
from autograd_core import kernels
from autograd_core.kernels import resample as K
from tests.helpers import check, check_jvp, leaf


def interp(x, **kw):
    return ag.interpolate(ag.tensor(np.asarray(x, dtype=np.float64)), **kw).numpy()


def test_linear_align_corners_documented_values():
    x = np.arange(4.0).reshape(1, 1, 4)
    np.testing.assert_allclose(interp(x, scale_factor=2, mode="linear")[0, 0],
                               [0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3])
    np.testing.assert_allclose(interp(x, scale_factor=2, mode="linear", align_corners=True)[0, 0],
                               np.linspace(0, 3, 8))
    # downsampling 4 -> 2 without align_corners samples at 0.5 and 2.5
    np.testing.assert_allclose(interp(x, size=2, mode="linear")[0, 0], [0.5, 2.5])
    np.testing.assert_allclose(interp(x, size=2, mode="linear", align_corners=True)[0, 0], [0, 3])
    np.testing.assert_allclose(interp(x, size=1, mode="linear", align_corners=True)[0, 0], [0])


def test_nearest_and_nearest_exact():
    x = np.arange(3.0).reshape(1, 1, 3)
    np.testing.assert_array_equal(interp(x, size=5, mode="nearest")[0, 0], [0, 0, 1, 1, 2])
    np.testing.assert_array_equal(interp(x, size=5, mode="nearest-exact")[0, 0], [0, 0, 1, 2, 2])
    x2 = np.arange(4.0).reshape(1, 1, 2, 2)
    np.testing.assert_array_equal(interp(x2, scale_factor=2)[0, 0], np.kron(x2[0, 0], np.ones((2, 2))))
    assert ag.interpolate(ag.tensor(x2), scale_factor=(1, 3)).shape == (1, 1, 2, 6)


def test_scale_factor_and_recompute():
    x = np.arange(5.0).reshape(1, 1, 5)
    y = interp(x, scale_factor=1.5, mode="linear")  # out 7; source = (o + 0.5) / 1.5 - 0.5
    src = np.clip((np.arange(7) + 0.5) / 1.5 - 0.5, 0, None)
    np.testing.assert_allclose(y[0, 0], np.minimum(src, 4))
    y = interp(x, scale_factor=1.5, mode="linear", recompute_scale_factor=True)  # scale 5/7
    np.testing.assert_allclose(y[0, 0], np.minimum(np.clip((np.arange(7) + 0.5) * 5 / 7 - 0.5, 0, None), 4))


def bilinear_ref(x, oh, ow, align):
    N, C, H, W = x.shape

    def src(o, n, m):
        if align:
            return o * (n - 1) / (m - 1) if m > 1 else 0.0
        return max((o + 0.5) * n / m - 0.5, 0.0)

    y = np.zeros((N, C, oh, ow))
    for i in range(oh):
        for j in range(ow):
            sh, sw = src(i, H, oh), src(j, W, ow)
            h0, w0 = int(np.floor(sh)), int(np.floor(sw))
            h1, w1 = min(h0 + 1, H - 1), min(w0 + 1, W - 1)
            a, b = sh - h0, sw - w0
            y[:, :, i, j] = ((1 - a) * (1 - b) * x[:, :, h0, w0] + (1 - a) * b * x[:, :, h0, w1]
                             + a * (1 - b) * x[:, :, h1, w0] + a * b * x[:, :, h1, w1])
    return y


def cubic_w(s, a=-0.75):
    s = abs(s)
    if s <= 1:
        return (a + 2) * s ** 3 - (a + 3) * s ** 2 + 1
    if s < 2:
        return a * s ** 3 - 5 * a * s ** 2 + 8 * a * s - 4 * a
    return 0.0


def bicubic_ref(x, oh, ow, align):
    N, C, H, W = x.shape

    def src(o, n, m):
        if align:
            return o * (n - 1) / (m - 1) if m > 1 else 0.0
        return (o + 0.5) * n / m - 0.5

    y = np.zeros((N, C, oh, ow))
    for i in range(oh):
        for j in range(ow):
            sh, sw = src(i, H, oh), src(j, W, ow)
            fh, fw = int(np.floor(sh)), int(np.floor(sw))
            for p in range(fh - 1, fh + 3):
                for q in range(fw - 1, fw + 3):
                    w = cubic_w(sh - p) * cubic_w(sw - q)
                    y[:, :, i, j] += w * x[:, :, min(max(p, 0), H - 1), min(max(q, 0), W - 1)]
    return y


@pytest.mark.parametrize("size", [(7, 5), (3, 2), (4, 9)])
@pytest.mark.parametrize("align", [False, True])
def test_bilinear_and_bicubic_against_direct_formulas(size, align):
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    np.testing.assert_allclose(interp(x, size=size, mode="bilinear", align_corners=align),
                               bilinear_ref(x, *size, align), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(interp(x, size=size, mode="bicubic", align_corners=align),
                               bicubic_ref(x, *size, align), rtol=1e-12, atol=1e-12)


def test_trilinear_reproduces_affine_fields():
    d, h, w = np.meshgrid(np.arange(3.0), np.arange(4.0), np.arange(2.0), indexing="ij")
    x = (2 * d - h + 0.5 * w + 1)[None, None]
    y = interp(x, size=(5, 7, 6), mode="trilinear", align_corners=True)
    D, Hh, Ww = np.meshgrid(np.linspace(0, 2, 5), np.linspace(0, 3, 7), np.linspace(0, 1, 6), indexing="ij")
    np.testing.assert_allclose(y[0, 0], 2 * D - Hh + 0.5 * Ww + 1, atol=1e-12)


def test_area_is_adaptive_average_pooling():
    x = np.random.default_rng(1).standard_normal((2, 3, 7, 9))
    got = interp(x, size=(3, 4), mode="area")
    ref = ag.adaptive_avg_pool2d(ag.tensor(x), (3, 4)).numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-12)


@pytest.mark.parametrize("R", [1, 5])
def test_numba_kernels_agree_with_numpy_twins(R):
    rng = np.random.default_rng(2)
    for mode in ("nearest", "linear", "bicubic", "area"):
        from autograd_core.ops.resample import taps
        idx, wts = taps(mode, 6, 11, False, None)
        for dtype in (np.float32, np.float64):
            x3 = rng.standard_normal((3, 6, R)).astype(dtype)
            g3 = rng.standard_normal((3, 11, R)).astype(dtype)
            tol = 1e-5 if dtype == np.float32 else 1e-12
            np.testing.assert_allclose(K.resample_numba(x3, idx, wts), K.resample_numpy(x3, idx, wts), rtol=tol,
                                       atol=tol)
            np.testing.assert_allclose(K.resample_adjoint_numba(g3, idx, wts, 6),
                                       K.resample_adjoint_numpy(g3, idx, wts, 6), rtol=tol, atol=tol)
            # adjoint identity <M x, g> = <x, M^T g>
            np.testing.assert_allclose((K.resample_numpy(x3, idx, wts) * g3).sum(),
                                       (x3 * K.resample_adjoint_numpy(g3, idx, wts, 6)).sum(), rtol=tol)


def test_backend_switch_gives_the_same_values():
    x = ag.randn(2, 3, 5, 6)
    a = ag.interpolate(x, scale_factor=2, mode="bilinear").numpy()
    old = kernels.set_backend("numpy")
    try:
        b = ag.interpolate(x, scale_factor=2, mode="bilinear").numpy()
    finally:
        kernels.set_backend(old)
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert a.dtype == np.float32


@pytest.mark.parametrize("mode, shape, kw", [
    ("nearest", (1, 2, 3, 4), dict(size=(5, 3))),
    ("nearest-exact", (1, 2, 5), dict(scale_factor=1.7)),
    ("linear", (2, 1, 4), dict(size=7)),
    ("bilinear", (1, 2, 3, 4), dict(size=(5, 3), align_corners=True)),
    ("bilinear", (1, 1, 4, 3), dict(scale_factor=0.6)),
    ("bicubic", (1, 1, 4, 4), dict(size=(6, 3))),
    ("trilinear", (1, 1, 2, 3, 2), dict(scale_factor=(2, 1.5, 1))),
    ("area", (1, 2, 5, 4), dict(size=(2, 3))),
])
def test_gradients_and_jvp(mode, shape, kw):
    x = leaf(*shape)

    def f(x):
        return ag.interpolate(x, mode=mode, **kw)

    check(f, x)
    check_jvp(f, x)


def test_errors():
    x = ag.randn(1, 1, 4, 4)
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        ag.interpolate(x, size=2, scale_factor=2)
    with pytest.raises(ValueError, match="either size or scale_factor"):
        ag.interpolate(x)
    with pytest.raises(ValueError, match="align_corners option"):
        ag.interpolate(x, scale_factor=2, align_corners=True)
    with pytest.raises(NotImplementedError, match="needs 3D"):
        ag.interpolate(x, scale_factor=2, mode="linear")
    with pytest.raises(NotImplementedError):
        ag.interpolate(x, scale_factor=2, mode="cubic")
    with pytest.raises(ValueError, match="spatial dimensions"):
        ag.interpolate(x, size=(2, 2, 2))
    with pytest.raises(ValueError, match="recompute_scale_factor"):
        ag.interpolate(x, size=2, recompute_scale_factor=True)


def test_nearest_keeps_integer_dtypes():
    x = ag.tensor(np.arange(6, dtype=np.uint8).reshape(1, 1, 2, 3))
    y = ag.interpolate(x, scale_factor=2)
    assert y.dtype == np.uint8
    np.testing.assert_array_equal(y.numpy(), np.kron(x.numpy()[0, 0], np.ones((2, 2), np.uint8))[None, None])
    with pytest.raises(RuntimeError, match="floating"):
        ag.interpolate(x, scale_factor=2, mode="bilinear")
