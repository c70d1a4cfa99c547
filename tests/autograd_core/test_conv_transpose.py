"""conv_transpose1d/2d/3d and conv3d: values against plain scatter/gather
loops written from the equations, the adjoint identity
<conv(x', w), x> = <x', conv_transpose(x, w)>, output sizes, first and
second derivatives, jvp and errors."""
import itertools

import numpy as np
import pytest

import autograd_core as ag
from tests.autograd_core.test_conv_reuse import fold  # noqa: F401 (a fixture)
from tests.helpers import check, check_jvp, leaf


def conv_ref(x, w, b=None, stride=1, pad=0, dil=1, groups=1):
    """y[n, o, z] = b[o] + Σ_{c, m} x[n, c0(o) + c, z·s - p + m·d] · w[o, c, m] (zeros outside), any dims."""
    nsp = x.ndim - 2
    s, p, d = ((v,) * nsp if isinstance(v, int) else v for v in (stride, pad, dil))
    N, C = x.shape[:2]
    Co, Cg = w.shape[:2]
    ks = w.shape[2:]
    outs = [(n + 2 * pp - dd * (k - 1) - 1) // ss + 1 for n, pp, dd, k, ss in zip(x.shape[2:], p, d, ks, s)]
    y = np.zeros((N, Co) + tuple(outs))
    for o in range(Co):
        c0 = o // (Co // groups) * Cg
        for z in itertools.product(*map(range, outs)):
            for m in itertools.product(*map(range, ks)):
                idx = [zz * ss - pp + mm * dd for zz, ss, pp, mm, dd in zip(z, s, p, m, d)]
                if all(0 <= i < n for i, n in zip(idx, x.shape[2:])):
                    patch = x[(slice(None), slice(c0, c0 + Cg)) + tuple(idx)]
                    y[(slice(None), o) + z] += patch @ w[(o, slice(None)) + m]
        if b is not None:
            y[:, o] += b[o]
    return y


def conv_transpose_ref(x, w, b=None, stride=1, pad=0, out_pad=0, groups=1, dil=1):
    """y[n, o₀(c) + o, i·s - p + m·d] += x[n, c, i] · w[c, o, m] (scatter), then + b."""
    nsp = x.ndim - 2
    s, p, q, d = ((v,) * nsp if isinstance(v, int) else v for v in (stride, pad, out_pad, dil))
    N, Ci = x.shape[:2]
    Cog = w.shape[1]
    ks = w.shape[2:]
    outs = [(n - 1) * ss - 2 * pp + dd * (k - 1) + qq + 1
            for n, ss, pp, dd, k, qq in zip(x.shape[2:], s, p, d, ks, q)]
    y = np.zeros((N, Cog * groups) + tuple(outs))
    for c in range(Ci):
        o0 = c // (Ci // groups) * Cog
        for i in itertools.product(*map(range, x.shape[2:])):
            for m in itertools.product(*map(range, ks)):
                idx = [ii * ss - pp + mm * dd for ii, ss, pp, mm, dd in zip(i, s, p, m, d)]
                if all(0 <= t < n for t, n in zip(idx, outs)):
                    y[(slice(None), slice(o0, o0 + Cog)) + tuple(idx)] += (
                        x[(slice(None), c) + i][:, None] * w[(c, slice(None)) + m])
    if b is not None:
        y += b.reshape((-1,) + (1,) * nsp)
    return y


FN = {1: ag.conv_transpose1d, 2: ag.conv_transpose2d, 3: ag.conv_transpose3d}
CASES = [  # nsp, x shape, w shape, stride, padding, output_padding, groups, dilation
    (1, (2, 4, 5), (4, 3, 3), 2, 1, 1, 2, 1),
    (1, (1, 2, 4), (2, 2, 2), 1, 0, 0, 1, 2),
    (2, (2, 4, 4, 3), (4, 3, 3, 2), 2, 1, 1, 2, 1),
    (2, (1, 3, 3, 4), (3, 2, 2, 3), (1, 3), (0, 1), (0, 2), 1, (2, 1)),
    (2, (2, 2, 3, 3), (2, 1, 4, 4), 2, 1, 0, 1, 1),
    (2, (1, 2, 3, 3), (2, 2, 3, 3), 1, 0, 1, 1, 2),  # output_padding < dilation, >= stride
    (3, (1, 4, 3, 2, 3), (4, 1, 2, 2, 3), (2, 1, 2), (1, 0, 1), (1, 0, 0), 2, 1),
    (3, (2, 2, 2, 3, 2), (2, 3, 3, 2, 2), 1, 1, 0, 1, (2, 1, 1)),
]


@pytest.mark.parametrize("case", CASES)
def test_values_against_scatter_loop(case):
    nsp, xs, ws, s, p, q, g, d = case
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(xs), rng.standard_normal(ws)
    b = rng.standard_normal(ws[1] * g)
    y = FN[nsp](ag.tensor(x), ag.tensor(w), ag.tensor(b), stride=s, padding=p, output_padding=q, groups=g,
                dilation=d)
    np.testing.assert_allclose(y.numpy(), conv_transpose_ref(x, w, b, s, p, q, g, d), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("case", CASES)
def test_adjoint_identity(case):
    # <conv(x', w), x> = <x', conv_transpose(x, w)> with the same stride, padding, dilation, groups
    nsp, xs, ws, s, p, q, g, d = case
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal(xs), rng.standard_normal(ws)
    y = FN[nsp](ag.tensor(x), ag.tensor(w), stride=s, padding=p, output_padding=q, groups=g, dilation=d).numpy()
    xp = rng.standard_normal(y.shape)
    conv = conv_ref(xp, w, None, s, p, d, g)
    # output_padding >= stride (allowed when < dilation) makes conv's output longer: the identity holds for its
    # leading part, the rest reading only the padded tail
    conv = conv[tuple(slice(0, n) for n in x.shape)]
    assert conv.shape == x.shape
    np.testing.assert_allclose((conv * x).sum(), (xp * y).sum(), rtol=1e-10)


@pytest.mark.usefixtures("fold")  # both ways of the backward products: per sample, batch folded
@pytest.mark.parametrize("case", [CASES[0], CASES[2], CASES[3], CASES[5], CASES[6]])
def test_gradients_and_jvp(case):
    nsp, xs, ws, s, p, q, g, d = case
    x, w, b = leaf(*xs, seed=2), leaf(*ws, seed=3), leaf(ws[1] * g, seed=4)

    def f(x, w, b):
        return FN[nsp](x, w, b, stride=s, padding=p, output_padding=q, groups=g, dilation=d)

    check(f, x, w, b)
    check_jvp(f, x, w, b)


def test_unbatched_and_output_size():
    x, w = leaf(3, 4, 4), leaf(3, 2, 3, 3, seed=1)
    y = ag.conv_transpose2d(x, w, stride=2)
    assert y.shape == (2, 9, 9)
    np.testing.assert_allclose(y.detach().numpy(), ag.conv_transpose2d(x[None], w, stride=2)[0].detach().numpy())
    check(lambda x, w: ag.conv_transpose2d(x, w, stride=2, padding=1), x, w, second=False)
    x1 = leaf(3, 5)
    assert ag.conv_transpose1d(x1, leaf(3, 4, 2), stride=3, output_padding=2).shape == (4, 16)


def test_float32_and_errors():
    x = ag.randn(2, 4, 5, 5)
    w = ag.randn(4, 2, 3, 3)
    assert ag.conv_transpose2d(x, w).dtype == np.float32
    with pytest.raises(RuntimeError, match="output padding must be smaller"):
        ag.conv_transpose2d(x, w, stride=2, output_padding=2)
    with pytest.raises(RuntimeError, match="channels"):
        ag.conv_transpose2d(x, ag.randn(3, 2, 3, 3))
    with pytest.raises(RuntimeError, match="bias"):
        ag.conv_transpose2d(x, w, ag.randn(3))
    with pytest.raises(RuntimeError, match="4D"):
        ag.conv_transpose2d(ag.randn(5, 5), w)
    with pytest.raises(RuntimeError, match="same floating"):
        ag.conv_transpose2d(x.double(), w)


CONV3D = [  # x shape, w shape, stride, padding, dilation, groups
    ((2, 2, 4, 3, 4), (3, 2, 2, 2, 3), 1, 0, 1, 1),
    ((1, 4, 5, 4, 3), (4, 2, 3, 2, 2), (2, 1, 2), (1, 1, 0), (1, 2, 1), 2),
]


@pytest.mark.parametrize("case", CONV3D)
def test_conv3d_values_and_gradients(case):
    xs, ws, s, p, d, g = case
    x, w, b = leaf(*xs), leaf(*ws, seed=1), leaf(ws[0], seed=2)
    y = ag.conv3d(x, w, b, stride=s, padding=p, dilation=d, groups=g)
    ref = conv_ref(x.detach().numpy(), w.detach().numpy(), b.detach().numpy(), s, p, d, g)
    np.testing.assert_allclose(y.detach().numpy(), ref, rtol=1e-10, atol=1e-10)

    def f(x, w, b):
        return ag.conv3d(x, w, b, stride=s, padding=p, dilation=d, groups=g)

    check(f, x, w, b)
    check_jvp(f, x, w, b)


def test_conv3d_same_padding_unbatched_and_modes():
    x, w = leaf(2, 4, 3, 5), leaf(3, 2, 2, 3, 3, seed=1)
    y = ag.conv3d(x, w, padding="same")
    assert y.shape == (3, 4, 3, 5)
    xp = np.pad(x.detach().numpy()[None], ((0, 0), (0, 0), (0, 1), (1, 1), (1, 1)))
    np.testing.assert_allclose(y.detach().numpy(), conv_ref(xp, w.detach().numpy())[0], rtol=1e-10, atol=1e-10)
    y = ag.conv3d(x, w, padding=1, padding_mode="replicate")
    xp = np.pad(x.detach().numpy()[None], ((0, 0), (0, 0), (1, 1), (1, 1), (1, 1)), mode="edge")
    np.testing.assert_allclose(y.detach().numpy(), conv_ref(xp, w.detach().numpy())[0], rtol=1e-10, atol=1e-10)
