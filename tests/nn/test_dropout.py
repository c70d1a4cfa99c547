"""Tests of nn/dropout.py and F.dropout: p is the drop probability
(inverted dropout): eval is the identity; in training about p of the entries
are zero, the rest scaled by 1/(1 - p), so E[y] = x; gradients follow the
mask; masks are reproducible under ag.manual_seed."""
import math

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from tests.helpers import check, leaf


def test_eval_mode_is_the_identity():
    drop = nn.Dropout(0.5).eval()
    x = ag.randn(10, 10)
    assert drop(x) is x
    assert F.dropout(x, 0.5, training=False) is x


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_training_drops_about_p_and_keeps_the_mean(p):
    ag.manual_seed(0)
    n = 200_000
    x = ag.full((n,), 3.0)
    y = nn.Dropout(p)(x)._data
    dropped = np.mean(y == 0)
    assert abs(dropped - p) < 5 * math.sqrt(p * (1 - p) / n)
    kept = y[y != 0]
    np.testing.assert_allclose(kept, 3.0 / (1 - p), rtol=1e-6)
    # E[y] = x: the sample mean is within 5 standard errors of 3
    assert abs(y.mean() - 3.0) < 5 * 3.0 * math.sqrt(p / (1 - p) / n)
    assert y.dtype == np.float32


def test_extremes_and_errors():
    x = ag.randn(4, 5)
    assert F.dropout(x, 0.0) is x
    assert not F.dropout(x, 1.0)._data.any()
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(x, -0.1)


def test_gradient_follows_the_mask_and_gradcheck():
    x = ag.randn(50, 40, requires_grad=True)
    y = F.dropout(x, 0.3)
    y.sum().backward()
    np.testing.assert_allclose(x.grad._data, (y._data != 0) / 0.7, rtol=1e-6)
    ag.manual_seed(1)
    mask = F.dropout(ag.ones(3, 4, dtype=ag.float64), 0.5)._data  # the mask the next call draws

    def f(t):
        ag.manual_seed(1)
        return F.dropout(t, 0.5)

    z = leaf(3, 4)
    np.testing.assert_array_equal(f(z)._data, z._data * mask)
    check(f, z)


def test_reproducible_with_manual_seed():
    ag.manual_seed(3)
    a = F.dropout(ag.ones(100), 0.5)._data
    ag.manual_seed(3)
    b = F.dropout(ag.ones(100), 0.5)._data
    assert np.array_equal(a, b)


def test_channel_dropout_drops_whole_channels():
    ag.manual_seed(0)
    y = nn.Dropout2d(0.5)(ag.ones(8, 16, 5, 5))._data
    per_channel = y.reshape(8, 16, -1)
    assert np.all((per_channel == 0).all(axis=2) | (per_channel == 2.0).all(axis=2))
    assert 0 < np.mean(per_channel[:, :, 0] == 0) < 1
    y1 = nn.Dropout1d(0.5)(ag.ones(4, 6, 7))._data
    assert np.all((y1 == 0).all(axis=2) | (y1 == 2.0).all(axis=2))
    with pytest.warns(UserWarning, match="Received a 2-D input to dropout2d"):  # PyTorch warns, then drops entries
        nn.Dropout2d()(ag.ones(2, 3))
    assert repr(nn.Dropout2d(0.2)) == "Dropout2d(p=0.2, inplace=False)"
