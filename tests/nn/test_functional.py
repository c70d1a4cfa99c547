"""Tests of the remaining nn.functional functions: one_hot, pad, normalize,
and that every layer and loss of nn has its functional twin."""
import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from tests.helpers import check, leaf


def test_one_hot():
    out = F.one_hot(ag.tensor([[0, 2], [1, 0]]))
    assert out.dtype == np.int64 and out.shape == (2, 2, 3)
    np.testing.assert_array_equal(out._data, np.eye(3, dtype=np.int64)[[[0, 2], [1, 0]]])
    assert F.one_hot(ag.tensor([1]), num_classes=4).tolist() == [[0, 1, 0, 0]]
    with pytest.raises(RuntimeError, match="non-negative"):
        F.one_hot(ag.tensor([-1]))
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        F.one_hot(ag.tensor([3]), 3)
    with pytest.raises(RuntimeError, match="index tensor"):
        F.one_hot(ag.tensor([1.0]))


def test_pad_modes():
    x = ag.tensor(np.arange(6.0).reshape(1, 2, 3))
    assert F.pad(x, (1, 1)).shape == (1, 2, 5)
    np.testing.assert_array_equal(F.pad(x, (2, 0), mode="reflect")._data[0, 0], [2, 1, 0, 1, 2])
    np.testing.assert_array_equal(F.pad(x, (1, 1), value=9.0)._data[0, 1], [9, 3, 4, 5, 9])


def test_normalize():
    x = leaf(3, 4)
    out = F.normalize(x, dim=1)
    np.testing.assert_allclose(np.linalg.norm(out._data, axis=1), 1.0)
    check(lambda t: F.normalize(t, p=2.0, dim=0), x)
    assert not F.normalize(ag.zeros(2, 3))._data.any()


def test_every_layer_and_loss_has_a_function():
    names = ["linear", "conv1d", "conv2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "batch_norm",
             "layer_norm", "dropout", "embedding", "one_hot", "pad", "softmax", "log_softmax", "relu",
             "leaky_relu", "elu", "gelu", "silu", "sigmoid", "tanh", "softplus", "mse_loss", "l1_loss",
             "huber_loss", "smooth_l1_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
             "cross_entropy", "nll_loss", "kl_div", "gaussian_nll_loss"]
    assert [n for n in names if not callable(getattr(F, n, None))] == []
    assert nn.functional is F
