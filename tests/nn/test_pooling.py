"""Tests of nn/pooling.py: MaxPool2d, AvgPool2d and AdaptiveAvgPool2d
against numpy window references (stride defaults to kernel_size, padding,
ceil_mode, count_include_pad, return_indices), gradcheck through each layer
in float64, printing."""
import math

import numpy as np
import pytest

import autograd_core as ag
import nn
from tests.helpers import check


def _windows(n, k, s, p, ceil):
    """Start indices (in padded coordinates) of the windows along one dim."""
    span = n + 2 * p - k
    out = (math.ceil(span / s) if ceil else span // s) + 1
    if ceil and (out - 1) * s >= n + p:  # the last window must start inside the input or left padding
        out -= 1
    return [i * s for i in range(out)]


def pool_ref(x, k, s, p, ceil=False, kind="max", count_include_pad=True):
    n, c, h, w = x.shape
    pad_val = -np.inf if kind == "max" else 0.0
    xp = np.full((n, c, h + 2 * p + k, w + 2 * p + k), pad_val)
    xp[:, :, p:p + h, p:p + w] = x
    rows, cols = _windows(h, k, s, p, ceil), _windows(w, k, s, p, ceil)
    y = np.zeros((n, c, len(rows), len(cols)))
    for i, r in enumerate(rows):
        for j, q in enumerate(cols):
            win = xp[:, :, r:r + k, q:q + k]
            if kind == "max":
                y[:, :, i, j] = win.max(axis=(2, 3))
            else:
                # the divisor counts the window clipped to the padded input (or to the input)
                if count_include_pad:
                    rr, cc = min(r + k, h + 2 * p) - r, min(q + k, w + 2 * p) - q
                else:
                    rr, cc = min(r + k, h + p) - max(r, p), min(q + k, w + p) - max(q, p)
                y[:, :, i, j] = win.sum(axis=(2, 3)) / (rr * cc)
    return y


@pytest.mark.parametrize("k,s,p,ceil", [(2, None, 0, False), (3, 2, 1, False), (3, 2, 1, True),
                                        (2, 1, 0, False), (3, 3, 0, True)])
def test_max_pool(k, s, p, ceil):
    x = np.random.default_rng(0).standard_normal((2, 3, 9, 8))
    out = nn.MaxPool2d(k, s, p, ceil_mode=ceil)(ag.tensor(x))
    np.testing.assert_array_equal(out._data, pool_ref(x, k, s or k, p, ceil))


@pytest.mark.parametrize("k,s,p,ceil,cip", [(2, None, 0, False, True), (3, 2, 1, False, True),
                                            (3, 2, 1, False, False), (3, 2, 1, True, True),
                                            (3, 2, 1, True, False)])
def test_avg_pool(k, s, p, ceil, cip):
    x = np.random.default_rng(1).standard_normal((2, 3, 9, 8))
    out = nn.AvgPool2d(k, s, p, ceil_mode=ceil, count_include_pad=cip)(ag.tensor(x))
    np.testing.assert_allclose(out._data, pool_ref(x, k, s or k, p, ceil, "avg", cip), rtol=1e-12)
    fixed = nn.AvgPool2d(2, divisor_override=3)(ag.tensor(x))
    np.testing.assert_allclose(fixed._data, pool_ref(x, 2, 2, 0, kind="avg") * 4 / 3, rtol=1e-12)


def test_adaptive_avg_pool():
    x = np.random.default_rng(2).standard_normal((2, 3, 7, 10))
    out = nn.AdaptiveAvgPool2d((3, 4))(ag.tensor(x))
    ref = np.zeros((2, 3, 3, 4))
    for i in range(3):
        r0, r1 = (i * 7) // 3, -((-(i + 1) * 7) // 3)  # floor(i·H/out), ceil((i+1)·H/out)
        for j in range(4):
            c0, c1 = (j * 10) // 4, -((-(j + 1) * 10) // 4)
            ref[:, :, i, j] = x[:, :, r0:r1, c0:c1].mean(axis=(2, 3))
    np.testing.assert_allclose(out._data, ref, rtol=1e-12)
    global_avg = nn.AdaptiveAvgPool2d(1)(ag.tensor(x))
    np.testing.assert_allclose(global_avg._data[..., 0, 0], x.mean(axis=(2, 3)), rtol=1e-12)


def test_return_indices():
    x = ag.tensor(np.arange(16.0).reshape(1, 1, 4, 4))
    out, idx = nn.MaxPool2d(2, return_indices=True)(x)
    assert out.tolist() == [[[[5.0, 7.0], [13.0, 15.0]]]]
    assert idx.tolist() == [[[[5, 7], [13, 15]]]] and idx.dtype == np.int64


@pytest.mark.parametrize("layer", [nn.MaxPool2d(2), nn.MaxPool2d(3, 2, 1), nn.AvgPool2d(3, 2, 1),
                                   nn.AvgPool2d(2, count_include_pad=False), nn.AdaptiveAvgPool2d((2, 3))],
                         ids=repr)
def test_pool_gradcheck(layer):
    x = ag.tensor(np.random.default_rng(3).permutation(2 * 2 * 5 * 6).reshape(2, 2, 5, 6) / 7.0,
                  dtype=ag.float64, requires_grad=True)  # distinct values: no ties in max pooling
    check(layer, x, second=False)


def test_pool_keeps_float32_and_prints_like_pytorch():
    out = nn.MaxPool2d(2)(ag.randn(1, 2, 4, 4))
    assert out.dtype == np.float32 and out.shape == (1, 2, 2, 2)
    assert repr(nn.MaxPool2d(2)) == ("MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, "
                                     "ceil_mode=False)")
    assert repr(nn.AvgPool2d(3, 1)) == "AvgPool2d(kernel_size=3, stride=1, padding=0)"
    assert repr(nn.AdaptiveAvgPool2d((1, 1))) == "AdaptiveAvgPool2d(output_size=(1, 1))"
