"""Tests of channel and alpha dropout (nn/dropout.py, nn/functional/dropout.py):
Dropout1d/2d/3d mask whole channels of batched and unbatched inputs with
PyTorch's rank rules and warnings; AlphaDropout and FeatureAlphaDropout give
dropped entries SELU's saturation value and keep mean 0 and variance 1;
inplace writes into the input; gradients follow the mask (gradcheck with a
fixed seed)."""
import math
import warnings

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from tests.helpers import check, leaf

_ALPHA = 1.7580993408473766


def _channel_masked(y, channel_axes):
    """Every channel (all dims after ``channel_axes``) is all zero or all kept."""
    flat = y.reshape(y.shape[:channel_axes] + (-1,))
    zero, kept = (flat == 0).all(-1), (flat != 0).all(-1)
    return bool(np.all(zero | kept)) and 0 < zero.mean() < 1


@pytest.mark.parametrize("cls,shape,axes", [
    (nn.Dropout1d, (6, 40, 5), 2), (nn.Dropout1d, (40, 5), 1),
    (nn.Dropout3d, (5, 40, 2, 2, 2), 2), (nn.Dropout3d, (40, 2, 3, 2), 1),
    (nn.Dropout2d, (5, 40, 3, 3), 2)])
def test_channel_dropout_batched_and_unbatched(cls, shape, axes):
    ag.manual_seed(0)
    y = cls(0.5)(ag.ones(*shape))
    assert y.shape == shape
    assert _channel_masked(y._data, axes)
    np.testing.assert_allclose(y._data[y._data != 0], 2.0)
    assert cls(0.5).eval()(y) is y


def test_dropout2d_reads_3d_input_as_n_c_l_with_pytorchs_warning():
    ag.manual_seed(0)
    with pytest.warns(UserWarning, match="assuming that channel-wise 1D dropout"):
        y = nn.Dropout2d(0.5)(ag.ones(30, 20, 4))._data
    assert _channel_masked(y, 2)  # one mask entry per (dim 0, dim 1), as PyTorch does
    with pytest.warns(UserWarning, match="Received a 5-D input to dropout2d"):
        y = F.dropout2d(ag.ones(10, 20, 2, 2, 2), 0.5)._data
    assert _channel_masked(y, 2)
    with pytest.warns(UserWarning, match="Received a 3-D input to dropout3d"):
        F.dropout3d(ag.ones(3, 4, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match="at least 2 dimensions"):
            F.dropout2d(ag.ones(5))
    with pytest.raises(RuntimeError, match="Expected 2D or 3D input"):
        nn.Dropout1d()(ag.ones(2, 3, 4, 5))


def test_extremes_inplace_and_reprs():
    x = ag.randn(4, 6, 3)
    assert F.dropout1d(x, 0.0) is x
    assert not F.dropout1d(x, 1.0)._data.any()
    ag.manual_seed(3)
    expected = F.dropout1d(x, 0.4)._data
    y = x.clone()
    v = y._version
    ag.manual_seed(3)
    assert F.dropout1d(y, 0.4, inplace=True) is y
    np.testing.assert_array_equal(y._data, expected)
    assert y._version > v
    for cls in (nn.Dropout3d, nn.AlphaDropout, nn.FeatureAlphaDropout):
        assert repr(cls(0.2)) == f"{cls.__name__}(p=0.2, inplace=False)"
        assert list(cls().state_dict()) == []
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.AlphaDropout(1.2)


def test_alpha_dropout_values_and_moments():
    p = 0.2
    a = 1 / math.sqrt((_ALPHA ** 2 * p + 1) * (1 - p))
    b = _ALPHA * a * p
    ag.manual_seed(0)
    x = ag.randn(200_000, dtype=ag.float64)
    y = nn.AlphaDropout(p)(x)._data
    kept = np.isclose(y, a * x._data + b)
    dropped = np.isclose(y, -_ALPHA * a + b)  # a · α' + b with α' = -1.7580993...
    assert np.all(kept | dropped)
    assert abs(dropped.mean() - p) < 5 * math.sqrt(p * (1 - p) / y.size)
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02  # standard normal in, standard moments out
    assert F.alpha_dropout(x, p) is x  # training defaults to False, as in PyTorch
    assert not F.alpha_dropout(x, 1.0, training=True)._data.any()


def test_feature_alpha_dropout_masks_channels():
    ag.manual_seed(1)
    y = nn.FeatureAlphaDropout(0.5)(ag.zeros(4, 30, 5, dtype=ag.float64))._data
    a = 1 / math.sqrt((_ALPHA ** 2 * 0.5 + 1) * 0.5)
    values = {round(v, 12) for v in np.unique(y)}
    assert values == {round(_ALPHA * a * 0.5, 12), round(-_ALPHA * a * 0.5, 12)}  # kept 0 -> b, dropped -> a·α' + b
    assert np.all((y == y[..., :1]).all(-1))  # constant along each channel


@pytest.mark.parametrize("fn", [lambda t: F.dropout3d(t, 0.5), lambda t: F.dropout1d(t[0], 0.3),
                                lambda t: F.alpha_dropout(t, 0.3, training=True),
                                lambda t: F.feature_alpha_dropout(t, 0.4, training=True)])
def test_gradients_with_a_fixed_mask(fn):
    def seeded(t):
        ag.manual_seed(7)
        return fn(t)

    check(seeded, leaf(3, 4, 2, 2))
