"""Tests of BatchNorm1d/BatchNorm2d (nn/normalization.py): training uses
batch statistics (biased variance), the running statistics after k steps
equal the momentum formula (unbiased variance), cumulative averaging with
momentum=None, eval uses (and keeps) the running statistics,
track_running_stats=False, affine=False, gradcheck in float64, errors."""
import numpy as np
import pytest

import autograd_core as ag
import nn
from tests.helpers import check, leaf


def _axes(x):
    return (0,) + tuple(range(2, x.ndim))


def _bn_ref(x, mean, var, w, b, eps=1e-5):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    y = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    return y * w.reshape(shape) + b.reshape(shape)


def _batches(shape, k, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) * rng.uniform(0.5, 3) + rng.uniform(-2, 2) for _ in range(k)]


@pytest.mark.parametrize("cls,shape", [(nn.BatchNorm1d, (8, 3)), (nn.BatchNorm1d, (6, 3, 5)),
                                       (nn.BatchNorm2d, (4, 3, 5, 6))])
def test_training_then_eval(cls, shape):
    bn = cls(3, momentum=0.2, dtype=ag.float64)
    bn.weight._data[...] = [0.5, 1.0, 2.0]
    bn.bias._data[...] = [-1.0, 0.0, 1.0]
    rm, rv = np.zeros(3), np.ones(3)
    k = 4
    for x in _batches(shape, k):
        out = bn(ag.tensor(x))
        axes = _axes(x)
        mean, var = x.mean(axis=axes), x.var(axis=axes)  # biased variance normalises
        expected = _bn_ref(x, mean, var, bn.weight._data, bn.bias._data)
        np.testing.assert_allclose(out._data, expected, rtol=1e-10)
        m = x.size // 3
        rm = 0.8 * rm + 0.2 * mean
        rv = 0.8 * rv + 0.2 * var * m / (m - 1)  # the running variance is unbiased
    np.testing.assert_allclose(bn.running_mean._data, rm, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var._data, rv, rtol=1e-12)
    assert bn.num_batches_tracked.item() == k
    bn.eval()
    x = _batches(shape, 1, seed=9)[0]
    out = bn(ag.tensor(x))
    np.testing.assert_allclose(out._data, _bn_ref(x, rm, rv, bn.weight._data, bn.bias._data), rtol=1e-10)
    np.testing.assert_allclose(bn.running_mean._data, rm, rtol=1e-12)  # eval leaves them alone
    assert bn.num_batches_tracked.item() == k


def test_momentum_none_is_a_cumulative_average():
    bn = nn.BatchNorm2d(2, momentum=None, dtype=ag.float64)
    xs = _batches((3, 2, 4, 4), 5)
    for x in xs:
        bn(ag.tensor(x))
    means = [x.mean(axis=(0, 2, 3)) for x in xs]
    variances = [x.var(axis=(0, 2, 3), ddof=1) for x in xs]
    np.testing.assert_allclose(bn.running_mean._data, np.mean(means, axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var._data, np.mean(variances, axis=0), rtol=1e-12)


def test_without_running_stats_and_without_affine():
    bn = nn.BatchNorm1d(3, track_running_stats=False, affine=False, dtype=ag.float64)
    assert list(bn.parameters()) == [] and list(bn.buffers()) == []
    x = _batches((7, 3), 1)[0]
    bn.eval()  # still batch statistics
    expected = _bn_ref(x, x.mean(0), x.var(0), np.ones(3), np.zeros(3))
    np.testing.assert_allclose(bn(ag.tensor(x))._data, expected, rtol=1e-10)
    no_bias = nn.BatchNorm2d(3, bias=False)
    assert [n for n, _ in no_bias.named_parameters()] == ["weight"]


def test_float32_is_kept():
    bn = nn.BatchNorm2d(4)
    out = bn(ag.randn(2, 4, 3, 3))
    assert out.dtype == np.float32 and bn.running_var.dtype == np.float32
    out.sum().backward()
    assert bn.weight.grad.dtype == np.float32


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("cls,shape", [(nn.BatchNorm1d, (5, 3)), (nn.BatchNorm2d, (3, 2, 3, 3))])
def test_gradcheck(cls, shape, training):
    bn = cls(shape[1], dtype=ag.float64)
    bn.weight._data[...] = np.linspace(0.5, 1.5, shape[1])
    bn.running_var._data[...] = 2.0
    bn.train(training)
    check(lambda x, w, b: bn(x), leaf(*shape), bn.weight, bn.bias, second=False)


def test_errors_and_repr():
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.BatchNorm1d(3)(ag.zeros(2, 3, 4, 4))
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        nn.BatchNorm2d(3)(ag.zeros(2, 3, 4))
    with pytest.raises(ValueError, match="expected 3 channels"):
        nn.BatchNorm1d(3)(ag.zeros(2, 4))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(ag.zeros(1, 3))
    nn.BatchNorm1d(3).eval()(ag.zeros(1, 3))  # fine in eval mode
    assert repr(nn.BatchNorm2d(16)) == ("BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=True, bias=True, "
                                        "track_running_stats=True)")
