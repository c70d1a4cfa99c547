"""conv2d and conv1d: a cross-correlation (Sobel-x on a known image), the
output size of the lecture notes (002 §7.3), values against a plain-loop
definition, stride/padding/dilation/groups/'same'/'valid'/padding modes,
first and second derivatives, jvp, dtypes and error messages."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core.ops import conv
from tests.helpers import check, check_jvp, leaf


def conv_reference(x, w, b=None, stride=(1, 1), pad=(0, 0, 0, 0), dilation=(1, 1), groups=1):
    """y[n, o, i, j] = b[o] + Σ x[n, c0 + c, i·s - p + m·d, j·s - p + k·d] · w[o, c, m, k], zeros outside."""
    (sh, sw), (pt, pb, pl, pr), (dh, dw) = stride, pad, dilation
    x = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    N, C, H, W = x.shape
    Co, Cg, kh, kw = w.shape
    OH, OW = (H - dh * (kh - 1) - 1) // sh + 1, (W - dw * (kw - 1) - 1) // sw + 1
    y = np.zeros((N, Co, OH, OW))
    for n in range(N):
        for o in range(Co):
            c0 = o // (Co // groups) * Cg
            for i in range(OH):
                for j in range(OW):
                    rows = slice(i * sh, i * sh + dh * (kh - 1) + 1, dh)
                    cols = slice(j * sw, j * sw + dw * (kw - 1) + 1, dw)
                    patch = x[n, c0:c0 + Cg, rows, cols]
                    y[n, o, i, j] = (patch * w[o]).sum() + (0 if b is None else b[o])
    return y


SOBEL_X = [[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]


def test_sobel_x_on_a_ramp_and_an_edge():
    # a horizontal ramp x[i, j] = j: Sobel-x (a cross-correlation, not flipped) gives (1 + 2 + 1)·2 = 8
    ramp = np.tile(np.arange(6.0), (5, 1))
    w = ag.tensor([[SOBEL_X]], dtype=ag.float64)
    y = ag.conv2d(ag.tensor(ramp[None, None]), w)
    np.testing.assert_array_equal(y.numpy(), np.full((1, 1, 3, 4), 8.0))
    # a vertical step edge 0 | 1 between columns 2 and 3 lights up the two columns next to it
    edge = np.zeros((5, 6))
    edge[:, 3:] = 1
    y = ag.conv2d(ag.tensor(edge[None, None]), w, padding=1)
    expected = np.zeros((5, 6))
    expected[:, 2:4] = 4  # (1 + 2 + 1)·(1 - 0)
    expected[:, 5] = -4  # the right border: the padded zeros after the ones, (0 - 1)·4
    expected[[0, -1]] *= 3 / 4  # the first and last rows lose one kernel row (weight 1) to the padding
    np.testing.assert_array_equal(y.numpy()[0, 0], expected)


def test_output_size_of_the_lecture_notes():
    # 002 §7.3: i' = floor((i - m + 2p) / s) + 1 = (10 - 3 + 2) // 2 + 1 = 5
    y = ag.conv2d(ag.zeros(1, 1, 10, 10), ag.zeros(1, 1, 3, 3), stride=2, padding=1)
    assert y.shape == (1, 1, 5, 5)
    y = ag.conv2d(ag.zeros(1, 1, 10, 10), ag.zeros(1, 1, 3, 3), stride=1, padding=1)
    assert y.shape == (1, 1, 10, 10)


@given(st.integers(1, 12), st.integers(1, 5), st.integers(1, 3), st.integers(0, 2), st.integers(1, 2))
@settings(max_examples=40, deadline=None)
def test_output_size_formula(i, k, s, p, d):
    if i + 2 * p < d * (k - 1) + 1:
        return
    y = ag.conv2d(ag.zeros(1, 1, i, i + 1), ag.zeros(2, 1, k, k), stride=s, padding=p, dilation=d)
    expected = (i + 2 * p - d * (k - 1) - 1) // s + 1
    assert y.shape == (1, 2, expected, (i + 1 + 2 * p - d * (k - 1) - 1) // s + 1)


CASES = [  # x shape, w shape, kwargs, the reference's (stride, pads, dilation, groups)
    ((2, 3, 6, 7), (4, 3, 3, 3), dict(), ((1, 1), (0, 0, 0, 0), (1, 1), 1)),
    ((2, 3, 6, 7), (4, 3, 3, 2), dict(stride=2, padding=1), ((2, 2), (1, 1, 1, 1), (1, 1), 1)),
    ((1, 4, 7, 5), (6, 2, 2, 3), dict(stride=(1, 2), padding=(2, 1), dilation=(2, 1), groups=2),
     ((1, 2), (2, 2, 1, 1), (2, 1), 2)),
    ((2, 2, 5, 6), (2, 2, 4, 3), dict(padding="same"), ((1, 1), (1, 2, 1, 1), (1, 1), 1)),
    ((2, 2, 5, 6), (3, 2, 2, 2), dict(padding="same", dilation=2), ((1, 1), (1, 1, 1, 1), (2, 2), 1)),
    ((1, 3, 5, 5), (3, 1, 3, 3), dict(padding="valid", groups=3), ((1, 1), (0, 0, 0, 0), (1, 1), 3)),
    ((3, 2, 4, 4), (5, 2, 1, 1), dict(), ((1, 1), (0, 0, 0, 0), (1, 1), 1)),  # pointwise
]


@pytest.mark.parametrize("xs,ws,kw,ref", CASES)
def test_conv2d_values(xs, ws, kw, ref):
    x, w, b = leaf(*xs, seed=1), leaf(*ws, seed=2), leaf(ws[0], seed=3)
    y = ag.conv2d(x, w, b, **kw)
    np.testing.assert_allclose(y._data, conv_reference(x._data, w._data, b._data, *ref), rtol=1e-12, atol=1e-12)
    assert y.grad_fn.name() == "ConvolutionBackward0"


@pytest.mark.parametrize("xs,ws,kw,ref", CASES)
def test_conv2d_gradcheck(xs, ws, kw, ref):
    check(lambda x, w, b: ag.conv2d(x, w, b, **kw), leaf(*xs, seed=1), leaf(*ws, seed=2), leaf(ws[0], seed=3))


@pytest.mark.parametrize("xs,ws,kw,ref", CASES[:4])
def test_conv2d_jvp(xs, ws, kw, ref):
    x, w, b = leaf(*xs, seed=1), leaf(*ws, seed=2), leaf(ws[0], seed=3)
    check_jvp(lambda x, w, b: ag.conv2d(x, w, b, **kw), x, w, b)


def test_conv2d_jvp_of_one_input_and_of_the_backward_ops():
    x, w = leaf(1, 2, 4, 4, seed=1), leaf(3, 2, 2, 2, seed=2)
    check_jvp(lambda x: ag.conv2d(x, w.detach(), stride=2), x)
    check_jvp(lambda w: ag.conv2d(x.detach(), w, padding=1), w)

    def grads(x, w):  # the input and weight gradients, as ops (forward over reverse)
        x, w = x.requires_grad_(), w.requires_grad_()
        y = ag.conv2d(x, w, padding=1)
        g = ag.tensor(np.random.default_rng(5).standard_normal(y.shape))
        return ag.grad(y, [x, w], g, create_graph=True)

    check_jvp(grads, x, w)


def test_jvp_of_the_backward_ops_applied_directly():
    """ChannelSum (Linear: its tangent is itself on ẋ) and the bilinear
    InputGrad/WeightGrad (product rule), in one and in both arguments."""
    x, w = leaf(2, 2, 5, 5, seed=1), leaf(3, 2, 3, 3, seed=2)
    y = ag.conv2d(x, w, stride=2, padding=1)
    lay, g = y.grad_fn.lay, leaf(*y.shape, seed=3)
    check_jvp(lambda g: conv.ChannelSum.apply(g, lay), g)
    check_jvp(lambda g, w: conv.ConvolutionInputGrad.apply(g, w, lay, x.shape), g, w)
    check_jvp(lambda g: conv.ConvolutionInputGrad.apply(g, w.detach(), lay, x.shape), g)
    check_jvp(lambda x, g: conv.ConvolutionWeightGrad.apply(x, g, lay, w.shape), x, g)
    check_jvp(lambda x: conv.ConvolutionWeightGrad.apply(x, g.detach(), lay, w.shape), x)


def test_jvp_of_the_bias_alone_and_of_nothing():
    x, w, b = leaf(1, 2, 4, 4, seed=1), leaf(3, 2, 2, 2, seed=2), leaf(3, seed=3)
    check_jvp(lambda b: ag.conv2d(x.detach(), w.detach(), b), b)
    y = ag.conv2d(ag.forward.dual(x.detach(), np.zeros(x.shape)), w.detach(), b.detach())
    np.testing.assert_array_equal(ag.forward.unpack_dual(y)[1].numpy(), np.zeros(y.shape))


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_padding_modes(mode):
    x, w, b = leaf(2, 2, 5, 6, seed=1), leaf(3, 2, 3, 3, seed=2), leaf(3, seed=3)
    y = ag.conv2d(x, w, b, padding=(1, 2), padding_mode=mode)
    np_mode = {"replicate": "edge", "circular": "wrap"}.get(mode, mode)
    padded = np.pad(x._data, ((0, 0), (0, 0), (1, 1), (2, 2)), mode=np_mode)
    np.testing.assert_allclose(y._data, conv_reference(padded, w._data, b._data), rtol=1e-12, atol=1e-12)
    check(lambda x, w: ag.conv2d(x, w, padding="same", padding_mode=mode), x, w)
    check_jvp(lambda x, w: ag.conv2d(x, w, padding=1, padding_mode=mode), x, w)


def test_conv1d():
    x, w, b = leaf(2, 3, 9, seed=1), leaf(4, 3, 3, seed=2), leaf(4, seed=3)
    y = ag.conv1d(x, w, b, stride=2, padding=1, dilation=2)
    ref = conv_reference(x._data[:, :, None], w._data[:, :, None], b._data, (1, 2), (0, 0, 1, 1), (1, 2))
    ref = ref[:, :, 0]
    assert y.shape == ref.shape == (2, 4, 4)
    np.testing.assert_allclose(y._data, ref, rtol=1e-12, atol=1e-12)
    assert ag.conv1d(x, w, padding="same").shape == (2, 4, 9)
    assert ag.conv1d(x, leaf(4, 3, 2), padding="same").shape == (2, 4, 9)  # asymmetric: 0 left, 1 right
    check(lambda x, w, b: ag.conv1d(x, w, b, stride=2, padding=1), x, w, b)
    check(lambda x, w: ag.conv1d(x, w, padding="same", padding_mode="reflect", groups=1), x, w)
    check_jvp(lambda x, w, b: ag.conv1d(x, w, b, padding=1), x, w, b)
    xu = leaf(3, 7, seed=4)  # unbatched
    np.testing.assert_allclose(ag.conv1d(xu, w)._data, ag.conv1d(xu[None], w)._data[0])


def test_unbatched_conv2d():
    x, w = leaf(2, 5, 5, seed=1), leaf(3, 2, 3, 3, seed=2)
    y = ag.conv2d(x, w, padding=1)
    assert y.shape == (3, 5, 5)
    np.testing.assert_allclose(y._data, conv_reference(x._data[None], w._data, pad=(1, 1, 1, 1))[0], atol=1e-12)
    check(lambda x, w: ag.conv2d(x, w, padding=1), x, w)
    check_jvp(lambda x, w: ag.conv2d(x, w, stride=2), x, w)


def test_float32_is_kept():
    x = ag.randn(2, 3, 6, 6, requires_grad=True)
    w = ag.randn(4, 3, 3, 3, requires_grad=True)
    b = ag.randn(4, requires_grad=True)
    y = ag.conv2d(x, w, b, padding=1)
    assert y.dtype == np.float32
    (y * y).sum().backward()
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == np.float32
    ref = conv_reference(x._data.astype(np.float64), w._data.astype(np.float64), b._data, pad=(1, 1, 1, 1))
    np.testing.assert_allclose(y._data, ref, rtol=1e-4, atol=1e-4)


def test_numpy_kernels_give_the_same_conv():
    from autograd_core import kernels

    x, w, b = leaf(2, 3, 7, 6, seed=1), leaf(4, 3, 3, 2, seed=2), leaf(4, seed=3)
    results = []
    old = kernels.backend()
    try:
        for name in ("numba", "numpy"):
            kernels.set_backend(name)
            y = ag.conv2d(x, w, b, stride=2, padding=1, dilation=(1, 2))
            results.append([y._data] + [g._data for g in ag.grad(y.sum(), [x, w, b])])
    finally:
        kernels.set_backend(old)
    for a, c in zip(*results):
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12)


ERRORS = [
    (lambda x, w: ag.conv2d(x, w, padding="foo"), RuntimeError, "Invalid padding string: 'foo'"),
    (lambda x, w: ag.conv2d(x, w, padding="same", stride=2), RuntimeError, "not supported for strided"),
    (lambda x, w: ag.conv2d(x, w, stride=0), RuntimeError, "non-positive stride"),
    (lambda x, w: ag.conv2d(x, w, padding=-1), RuntimeError, "negative padding"),
    (lambda x, w: ag.conv2d(x, w, dilation=0), RuntimeError, "non-positive dilation"),
    (lambda x, w: ag.conv2d(x, w, groups=0), RuntimeError, "non-positive groups"),
    (lambda x, w: ag.conv2d(x, w, stride=(1, 2, 3)), RuntimeError, r"list of 2 values .* stride=\[1, 2, 3\]"),
    (lambda x, w: ag.conv2d(x, w, groups=3), RuntimeError,
     r"Given groups=3, weight of size \[6, 4, 3, 3\], expected input\[2, 4, 5, 5\] to have 12 channels, "
     r"but got 4 channels instead"),
    (lambda x, w: ag.conv2d(x, ag.zeros(5, 2, 3, 3), groups=2), RuntimeError, "divisible by 2 at dim"),
    (lambda x, w: ag.conv2d(x, w, ag.zeros(5)), RuntimeError, "expected bias to be 1-dimensional with 6 "),
    (lambda x, w: ag.conv2d(x, ag.zeros(6, 4, 7, 7)), RuntimeError,
     r"Calculated padded input size per channel: \(5 x 5\). Kernel size: \(7 x 7\)"),
    (lambda x, w: ag.conv2d(x, ag.zeros(6, 4, 3, 3), dilation=3), RuntimeError, r"Kernel size: \(7 x 7\)"),
    (lambda x, w: ag.conv2d(x[0, 0], w), RuntimeError,
     r"Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d, but got input of size: \[5, 5\]"),
    (lambda x, w: ag.conv2d(x, w[0]), RuntimeError, r"expected a 4-D weight"),
    (lambda x, w: ag.conv2d(x.double(), w), RuntimeError, "same floating point dtype, got float64, float32"),
    (lambda x, w: ag.conv2d(x.long(), w.long()), RuntimeError, "floating point dtype"),
    (lambda x, w: ag.conv2d(x.numpy(), w), TypeError, "argument 'input' must be Tensor"),
    (lambda x, w: ag.conv2d(x, w, padding_mode="mirror"), ValueError, "padding_mode must be one of"),
    (lambda x, w: ag.conv2d(x, w, padding=5, padding_mode="reflect"), RuntimeError, "reflect padding"),
    (lambda x, w: ag.conv1d(x, w), RuntimeError, "input to conv1d"),
]


@pytest.mark.parametrize("fn,err,msg", ERRORS)
def test_errors(fn, err, msg):
    with pytest.raises(err, match=msg):
        fn(ag.zeros(2, 4, 5, 5), ag.zeros(6, 4, 3, 3))
