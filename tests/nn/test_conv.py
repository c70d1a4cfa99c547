"""Tests of nn/conv.py: Conv1d and Conv2d against a direct numpy
cross-correlation (stride, padding incl. 'same' and 'valid', dilation,
groups, bias, padding_mode zeros/reflect/replicate/circular), gradcheck
through each layer in float64, shapes, printing and errors."""
import numpy as np
import pytest

import autograd_core as ag
import nn
from tests.helpers import check, leaf

_NP_MODE = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def conv2d_ref(x, w, b, stride, pads, dilation, groups, mode="zeros"):
    """y[n, o, i, j] = b[o] + Σ_{c,m,k} xp[n, g(o)·C/g + c, i·s + m·d, j·s + k·d] · w[o, c, m, k],
    pads = ((top, bottom), (left, right))."""
    xp = np.pad(x, ((0, 0), (0, 0)) + tuple(pads), mode=_NP_MODE[mode])
    n, _, h, wd = xp.shape
    co, cg, kh, kw = w.shape
    (sh, sw), (dh, dw) = stride, dilation
    ho, wo = (h - dh * (kh - 1) - 1) // sh + 1, (wd - dw * (kw - 1) - 1) // sw + 1
    y = np.zeros((n, co, ho, wo))
    per = co // groups
    for o in range(co):
        c0 = (o // per) * cg
        for m in range(kh):
            for k in range(kw):
                rows = slice(m * dh, m * dh + sh * (ho - 1) + 1, sh)
                cols = slice(k * dw, k * dw + sw * (wo - 1) + 1, sw)
                patch = xp[:, c0:c0 + cg, rows, cols]
                y[:, o] += np.einsum("nchw,c->nhw", patch, w[o, :, m, k])
        if b is not None:
            y[:, o] += b[o]
    return y


CASES = [  # kwargs, input shape, explicit pads ((top, bottom), (left, right))
    (dict(in_channels=1, out_channels=3, kernel_size=3), (2, 1, 6, 7), ((0, 0), (0, 0))),
    (dict(in_channels=2, out_channels=4, kernel_size=(3, 2), stride=2, padding=1), (2, 2, 7, 6),
     ((1, 1), (1, 1))),
    (dict(in_channels=4, out_channels=6, kernel_size=3, padding=(2, 1), dilation=2, groups=2, bias=False),
     (1, 4, 8, 7), ((2, 2), (1, 1))),
    (dict(in_channels=2, out_channels=3, kernel_size=5, padding="same"), (2, 2, 6, 6), ((2, 2), (2, 2))),
    (dict(in_channels=2, out_channels=3, kernel_size=4, padding="same"), (1, 2, 6, 5), ((1, 2), (1, 2))),
    (dict(in_channels=2, out_channels=3, kernel_size=3, padding="valid", stride=(1, 2)), (1, 2, 6, 7),
     ((0, 0), (0, 0))),
    (dict(in_channels=1, out_channels=2, kernel_size=5, padding="same", padding_mode="reflect"), (2, 1, 7, 7),
     ((2, 2), (2, 2))),
    (dict(in_channels=2, out_channels=2, kernel_size=3, padding=1, padding_mode="replicate", stride=2),
     (1, 2, 6, 5), ((1, 1), (1, 1))),
    (dict(in_channels=2, out_channels=2, kernel_size=3, padding=(1, 2), padding_mode="circular"),
     (1, 2, 5, 6), ((1, 1), (2, 2))),
]


@pytest.mark.parametrize("kwargs,shape,pads", CASES)
def test_conv2d_against_numpy(kwargs, shape, pads):
    conv = nn.Conv2d(**kwargs, dtype=ag.float64)
    x = np.random.default_rng(0).standard_normal(shape)
    out = conv(ag.tensor(x))
    ref = conv2d_ref(x, conv.weight._data, None if conv.bias is None else conv.bias._data, conv.stride, pads,
                     conv.dilation, conv.groups, conv.padding_mode)
    assert out.shape == ref.shape
    np.testing.assert_allclose(out._data, ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kwargs,shape,pads", [CASES[1], CASES[2], CASES[6], CASES[8]])
def test_conv2d_gradcheck(kwargs, shape, pads):
    conv = nn.Conv2d(**kwargs, dtype=ag.float64)
    params = [p for p in (conv.weight, conv.bias) if p is not None]
    check(lambda x, *ps: conv(x), leaf(*shape), *params, second=False)


def test_conv1d_against_numpy_and_gradcheck():
    conv = nn.Conv1d(3, 4, 3, stride=2, padding=2, dilation=2, padding_mode="reflect", dtype=ag.float64)
    x = np.random.default_rng(1).standard_normal((2, 3, 9))
    ref = conv2d_ref(x[:, :, None], conv.weight._data[:, :, None], conv.bias._data, (1, 2), ((0, 0), (2, 2)),
                     (1, 2), 1, "reflect")[:, :, 0]
    np.testing.assert_allclose(conv(ag.tensor(x))._data, ref, rtol=1e-10)
    same = nn.Conv1d(3, 2, 4, padding="same", dtype=ag.float64)
    assert same(ag.tensor(x)).shape == (2, 2, 9)
    check(lambda t, w, b: conv(t), leaf(2, 3, 9), conv.weight, conv.bias, second=False)


def test_conv_output_size_and_float32():
    # lecture notes 002 §7.3: 10x10 input, 3x3 kernel, p=1, s=2 -> 5x5
    conv = nn.Conv2d(1, 1, 3, stride=2, padding=1)
    out = conv(ag.randn(1, 1, 10, 10))
    assert out.shape == (1, 1, 5, 5) and out.dtype == np.float32
    out.sum().backward()
    assert conv.weight.grad.dtype == np.float32 and conv.weight.grad.shape == (1, 1, 3, 3)


def test_conv_shapes_and_repr():
    conv = nn.Conv2d(1, 16, 5, padding="same", padding_mode="reflect")
    assert conv.weight.shape == (16, 1, 5, 5) and conv.bias.shape == (16,)
    assert repr(conv) == ("Conv2d(1, 16, kernel_size=(5, 5), stride=(1, 1), padding=same, "
                          "padding_mode=reflect)")
    assert repr(nn.Conv2d(4, 8, (3, 1), stride=2, padding=1, dilation=2, groups=4, bias=False)) == (
        "Conv2d(4, 8, kernel_size=(3, 1), stride=(2, 2), padding=(1, 1), dilation=(2, 2), groups=4, "
        "bias=False)")
    assert repr(nn.Conv1d(2, 3, 4)) == "Conv1d(2, 3, kernel_size=(4,), stride=(1,))"
    assert nn.Conv1d(6, 4, 3, groups=2).weight.shape == (4, 3, 3)


def test_conv_errors():
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="not supported for strided convolutions"):
        nn.Conv2d(1, 1, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="Invalid padding string 'full'"):
        nn.Conv2d(1, 1, 3, padding="full")
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(1, 1, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="kernel_size must be an int or a tuple of 2 ints"):
        nn.Conv2d(1, 1, (3, 3, 3))
