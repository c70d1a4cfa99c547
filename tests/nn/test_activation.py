"""Tests of nn/activation.py and nn/functional/activation.py: every
activation layer against its numpy formula, gradcheck through each layer in
float64, softmax's dim rules and the printed arguments."""
import math

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from tests.helpers import check

_erf = np.vectorize(math.erf)


def _softmax(a, dim):
    e = np.exp(a - a.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


LAYERS = [
    (nn.ReLU(), lambda a: np.maximum(a, 0)),
    (nn.ReLU(inplace=True), lambda a: np.maximum(a, 0)),
    (nn.LeakyReLU(), lambda a: np.where(a > 0, a, 0.01 * a)),
    (nn.LeakyReLU(0.2), lambda a: np.where(a > 0, a, 0.2 * a)),
    (nn.ELU(), lambda a: np.where(a > 0, a, np.expm1(a))),
    (nn.ELU(alpha=0.5), lambda a: np.where(a > 0, a, 0.5 * np.expm1(a))),
    (nn.GELU(), lambda a: 0.5 * a * (1 + _erf(a / math.sqrt(2)))),
    (nn.GELU("tanh"), lambda a: 0.5 * a * (1 + np.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a**3)))),
    (nn.SiLU(), lambda a: a / (1 + np.exp(-a))),
    (nn.Sigmoid(), lambda a: 1 / (1 + np.exp(-a))),
    (nn.Tanh(), np.tanh),
    (nn.Softplus(), lambda a: np.log1p(np.exp(a))),
    (nn.Softplus(beta=2.0), lambda a: np.log1p(np.exp(2 * a)) / 2),
    (nn.Softmax(dim=1), lambda a: _softmax(a, 1)),
    (nn.Softmax(dim=-1), lambda a: _softmax(a, -1)),
    (nn.LogSoftmax(dim=1), lambda a: np.log(_softmax(a, 1))),
    (nn.Hardtanh(), lambda a: np.clip(a, -1, 1)),
    (nn.ReLU6(), lambda a: np.clip(a, 0, 6)),
]


def _away_from_kinks(seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.05, 2.0, (3, 4)) * rng.choice([-1.0, 1.0], (3, 4))


@pytest.mark.parametrize("layer,ref", LAYERS, ids=lambda v: repr(v) if isinstance(v, nn.Module) else "")
def test_activation_values_and_dtype(layer, ref):
    a = _away_from_kinks()
    out = layer(ag.tensor(a, dtype=ag.float64))
    np.testing.assert_allclose(out._data, ref(a), rtol=1e-7, atol=1e-12)
    assert layer(ag.tensor(a, dtype=ag.float32)).dtype == np.float32


@pytest.mark.parametrize("layer,ref", LAYERS, ids=lambda v: repr(v) if isinstance(v, nn.Module) else "")
def test_activation_gradcheck(layer, ref):
    x = ag.tensor(_away_from_kinks(1) * 3, dtype=ag.float64, requires_grad=True)
    check(lambda t: layer(t * 1), x)  # an in-place layer may not overwrite the leaf itself


def test_relu_gradient_at_zero_is_zero():
    x = ag.zeros(3, requires_grad=True)
    nn.ReLU()(x).sum().backward()
    assert not x.grad._data.any()


def test_softmax_implicit_dim_warns_like_pytorch():
    x = ag.randn(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        out = nn.Softmax()(x)
    np.testing.assert_allclose(out._data.sum(axis=1), 1.0, rtol=1e-6)
    with pytest.warns(UserWarning, match="dim=0"):
        F.log_softmax(ag.randn(2, 3, 4))


def test_activation_reprs():
    assert repr(nn.ReLU()) == "ReLU()" and repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)"
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(nn.GELU()) == "GELU(approximate='none')" and repr(nn.ELU()) == "ELU(alpha=1.0)"
    assert repr(nn.Softplus()) == "Softplus(beta=1.0, threshold=20.0)"
    assert repr(nn.Softmax(dim=1)) == "Softmax(dim=1)" and repr(nn.LogSoftmax()) == "LogSoftmax(dim=None)"
