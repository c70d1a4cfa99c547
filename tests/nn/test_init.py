"""Tests of nn/init.py and of every layer's default initialisation: sample
mean and variance within sampling tolerance of PyTorch's formulas,
bounds, calculate_gain, reproducibility under ag.manual_seed, errors."""
import math

import numpy as np
import pytest

import autograd_core as ag
import nn
from nn import init


def _check_normal(a, mean, std):
    """Sample mean and variance of n normal draws within ~5 standard errors."""
    a = np.asarray(a, np.float64).ravel()
    n = a.size
    assert abs(a.mean() - mean) < 5 * std / math.sqrt(n)
    assert abs(a.var() / std**2 - 1) < 5 * math.sqrt(2 / n)


def _check_uniform(a, low, high):
    a = np.asarray(a, np.float64).ravel()
    n, width = a.size, high - low
    assert a.min() >= low and a.max() <= high
    assert a.min() < low + 20 * width / n and a.max() > high - 20 * width / n  # the whole range is used
    std = width / math.sqrt(12)
    assert abs(a.mean() - (low + high) / 2) < 5 * std / math.sqrt(n)
    assert abs(a.var() / std**2 - 1) < 5 * math.sqrt(0.8 / n)  # Var of U's sample variance: 0.8 σ⁴ / n


W_SHAPE = (400, 100, 3)  # fan_in = 300, fan_out = 1200


@pytest.fixture(autouse=True)
def _seed():
    ag.manual_seed(0)  # statistics tests are deterministic (tolerances are ~5 standard errors)


def test_calculate_gain():
    assert init.calculate_gain("linear") == 1 and init.calculate_gain("conv2d") == 1
    assert init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01**2)))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", True)


def test_uniform_normal_constant():
    t = ag.empty(300, 200)
    assert init.uniform_(t, -2.0, 3.0) is t
    _check_uniform(t._data, -2.0, 3.0)
    _check_normal(init.normal_(t, 1.5, 0.5)._data, 1.5, 0.5)
    assert np.all(init.constant_(t, 0.25)._data == 0.25)
    assert not init.zeros_(t)._data.any() and np.all(init.ones_(t)._data == 1)
    assert np.array_equal(init.eye_(ag.empty(3, 4))._data, np.eye(3, 4))


def test_xavier():
    t = ag.empty(*W_SHAPE)
    std = math.sqrt(2 / (300 + 1200))
    _check_uniform(init.xavier_uniform_(t)._data, -math.sqrt(3) * std, math.sqrt(3) * std)
    _check_normal(init.xavier_normal_(t, gain=2.0)._data, 0.0, 2 * std)


@pytest.mark.parametrize("mode,fan", [("fan_in", 300), ("fan_out", 1200)])
@pytest.mark.parametrize("nonlinearity,a,gain", [("relu", 0, math.sqrt(2)), ("tanh", 0, 5 / 3),
                                                 ("leaky_relu", 0.1, math.sqrt(2 / 1.01))])
def test_kaiming(mode, fan, nonlinearity, a, gain):
    t = ag.empty(*W_SHAPE)
    std = gain / math.sqrt(fan)
    bound = math.sqrt(3) * std
    _check_uniform(init.kaiming_uniform_(t, a=a, mode=mode, nonlinearity=nonlinearity)._data, -bound, bound)
    _check_normal(init.kaiming_normal_(t, a=a, mode=mode, nonlinearity=nonlinearity)._data, 0.0, std)


def test_lecun():
    t = ag.empty(*W_SHAPE)
    _check_uniform(init.lecun_uniform_(t)._data, -math.sqrt(3 / 300), math.sqrt(3 / 300))
    _check_normal(init.lecun_normal_(t)._data, 0.0, math.sqrt(1 / 300))


@pytest.mark.parametrize("mean,std,a,b", [(0.0, 1.0, -2.0, 2.0), (1.0, 0.5, 0.0, 3.0),
                                          (0.0, 0.02, -0.04, 0.04)])
def test_trunc_normal_moments(mean, std, a, b):
    t = init.trunc_normal_(ag.empty(400, 300), mean, std, a, b)
    x = t._data.astype(np.float64)
    assert x.min() >= a and x.max() <= b
    alpha, beta = (a - mean) / std, (b - mean) / std
    pdf = [math.exp(-v * v / 2) / math.sqrt(2 * math.pi) for v in (alpha, beta)]
    z = 0.5 * (math.erf(beta / math.sqrt(2)) - math.erf(alpha / math.sqrt(2)))
    t_mean = mean + std * (pdf[0] - pdf[1]) / z
    t_var = std**2 * (1 + (alpha * pdf[0] - beta * pdf[1]) / z - ((pdf[0] - pdf[1]) / z) ** 2)
    assert abs(x.mean() - t_mean) < 5 * math.sqrt(t_var / x.size)
    assert abs(x.var() / t_var - 1) < 0.03


def test_trunc_normal_errors():
    with pytest.raises(ValueError, match="empty"):
        init.trunc_normal_(ag.empty(3), a=1.0, b=0.0)
    with pytest.raises(ValueError, match="widen"):
        init.trunc_normal_(ag.empty(3), a=10.0, b=11.0)


@pytest.mark.parametrize("shape", [(5, 8), (8, 5), (6, 3, 2, 2)])
def test_orthogonal(shape):
    t = init.orthogonal_(ag.empty(*shape, dtype=ag.float64), gain=2.0)
    w = t._data.reshape(shape[0], -1) / 2
    small = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
    np.testing.assert_allclose(small, np.eye(small.shape[0]), atol=1e-12)
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(ag.empty(3))


def test_fan_errors():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(ag.empty(5))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(ag.empty(3, 3), mode="fan_avg")


def test_reproducible_with_manual_seed_and_explicit_generator():
    ag.manual_seed(7)
    a = nn.Linear(20, 30).weight._data.copy()
    ag.manual_seed(7)
    b = nn.Linear(20, 30).weight._data.copy()
    assert np.array_equal(a, b)
    x = init.normal_(ag.empty(4), generator=np.random.default_rng(3))._data.copy()
    y = init.normal_(ag.empty(4), generator=np.random.default_rng(3))._data.copy()
    assert np.array_equal(x, y)


def test_init_does_not_record_and_keeps_dtype():
    p = nn.Parameter(ag.zeros(30, 20, dtype=ag.float64))
    init.kaiming_normal_(p)
    assert p.grad_fn is None and p.requires_grad and p.dtype == np.float64 and p._version > 0


# -- default initialisations of the layers (PyTorch's formulas) ----------------

def test_linear_default_init():
    lin = nn.Linear(300, 500)
    bound = 1 / math.sqrt(300)  # kaiming_uniform_(a=sqrt(5)): gain sqrt(1/3), bound = gain·sqrt(3/fan_in)
    _check_uniform(lin.weight._data, -bound, bound)
    assert lin.weight.shape == (500, 300) and lin.bias.shape == (500,)
    assert np.abs(lin.bias._data).max() <= bound and lin.bias._data.std() > 0.4 * bound


def test_conv_default_init():
    conv = nn.Conv2d(16, 64, 5, groups=2)
    fan_in = 8 * 25
    _check_uniform(conv.weight._data, -1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in))
    assert conv.weight.shape == (64, 8, 5, 5) and np.abs(conv.bias._data).max() <= 1 / math.sqrt(fan_in)
    conv1 = nn.Conv1d(30, 200, 4, bias=False)
    _check_uniform(conv1.weight._data, -1 / math.sqrt(120), 1 / math.sqrt(120))
    assert conv1.bias is None


def test_norm_and_embedding_default_init():
    bn = nn.BatchNorm2d(6)
    assert np.all(bn.weight._data == 1) and not bn.bias._data.any()
    assert not bn.running_mean._data.any() and np.all(bn.running_var._data == 1)
    assert bn.num_batches_tracked.item() == 0 and bn.num_batches_tracked.dtype == np.int64
    ln = nn.LayerNorm((3, 4))
    assert np.all(ln.weight._data == 1) and not ln.bias._data.any() and ln.weight.shape == (3, 4)
    emb = nn.Embedding(1000, 64, padding_idx=3)
    assert not emb.weight._data[3].any()
    _check_normal(np.delete(emb.weight._data, 3, axis=0), 0.0, 1.0)


def test_layers_take_a_dtype():
    assert nn.Linear(2, 3, dtype=ag.float64).weight.dtype == np.float64
    assert nn.Conv2d(1, 2, 3, dtype=ag.float64).bias.dtype == np.float64
    assert nn.BatchNorm1d(2, dtype=ag.float64).running_var.dtype == np.float64
    with pytest.raises(TypeError, match="floating point"):
        nn.Linear(2, 3, dtype=ag.int64)
    with pytest.raises(RuntimeError, match="not available"):
        nn.Linear(2, 3, device="cuda")
