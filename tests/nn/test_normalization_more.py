"""Tests of the per-sample normalisations (nn/normalization.py,
nn/normalization_group.py, nn/normalization_instance.py,
nn/functional/normalization.py): LayerNorm, RMSNorm, GroupNorm,
InstanceNorm1d/2d/3d, LocalResponseNorm and BatchNorm3d against numpy
references written from the equations in float64; gradcheck and
gradgradcheck; forward mode; running statistics of instance norm; unbatched
inputs; PyTorch's parameter names, state-dict keys, reprs and errors."""
import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from tests.helpers import check, check_jvp, leaf


def _norm_ref(x, axes, eps):
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)  # biased
    return (x - mean) / np.sqrt(var + eps)


def _per_channel(v, ndim):
    return v.reshape((1, -1) + (1,) * (ndim - 2))


def test_layer_norm_matches_the_equation_and_parameters():
    ln = nn.LayerNorm((4, 5), eps=1e-3, dtype=ag.float64)
    ln.weight._data[...] = np.random.default_rng(1).standard_normal((4, 5))
    ln.bias._data[...] = np.random.default_rng(2).standard_normal((4, 5))
    x = np.random.default_rng(0).standard_normal((3, 4, 5))
    expected = _norm_ref(x, (1, 2), 1e-3) * ln.weight._data + ln.bias._data
    np.testing.assert_allclose(ln(ag.tensor(x))._data, expected, rtol=1e-12)
    assert list(ln.state_dict()) == ["weight", "bias"] and ln.weight.shape == (4, 5)
    assert repr(ln) == "LayerNorm((4, 5), eps=0.001, elementwise_affine=True, bias=True)"
    assert list(nn.LayerNorm(3, bias=False).state_dict()) == ["weight"]
    assert list(nn.LayerNorm(3, elementwise_affine=False).state_dict()) == []
    with pytest.raises(RuntimeError, match=r"expected input with shape \[\*, 4, 5\]"):
        ln(ag.zeros(3, 5, 4))


def test_layer_norm_gradients():
    check(lambda x, w, b: F.layer_norm(x, (3,), w, b), leaf(2, 3), leaf(3, seed=1), leaf(3, seed=2))
    check_jvp(lambda x, w, b: F.layer_norm(x, (3,), w, b), leaf(2, 3), leaf(3, seed=1), leaf(3, seed=2))


def test_rms_norm_default_eps_is_the_dtype_epsilon():
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    for dtype, np_dtype in ((ag.float64, np.float64), (ag.float32, np.float32)):
        m = nn.RMSNorm(4, dtype=dtype)
        m.weight._data[...] = [0.5, 1.0, 1.5, 2.0]
        got = m(ag.tensor(x.astype(np_dtype)))._data
        eps = np.finfo(np_dtype).eps
        expected = x / np.sqrt((x ** 2).mean(-1, keepdims=True) + eps) * m.weight._data.astype(np.float64)
        np.testing.assert_allclose(got, expected, rtol=1e-12 if np_dtype == np.float64 else 1e-5)
        assert got.dtype == np_dtype
    m = nn.RMSNorm([3, 4], eps=0.5, elementwise_affine=False)
    expected = x / np.sqrt((x ** 2).mean((1, 2), keepdims=True) + 0.5)
    np.testing.assert_allclose(m(ag.tensor(x))._data, expected, rtol=1e-12)
    assert list(m.state_dict()) == [] and list(nn.RMSNorm(4).state_dict()) == ["weight"]
    assert repr(nn.RMSNorm(4)) == "RMSNorm((4,), eps=None, elementwise_affine=True)"
    assert repr(m) == "RMSNorm((3, 4), eps=0.5, elementwise_affine=False)"


def test_rms_norm_gradients():
    check(lambda x, w: F.rms_norm(x, (3,), w, eps=1e-3), leaf(2, 3), leaf(3, seed=1))
    check_jvp(lambda x, w: F.rms_norm(x, [2, 3], w[0]), leaf(2, 2, 3), leaf(1, 2, 3, seed=1))


@pytest.mark.parametrize("shape,groups", [((3, 4, 5), 2), ((2, 6, 3, 2), 3), ((3, 4), 4), ((2, 4, 3), 1)])
def test_group_norm_matches_the_equation(shape, groups):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape) * 3 + 1
    C = shape[1]
    gn = nn.GroupNorm(groups, C, eps=1e-4, dtype=ag.float64)
    gn.weight._data[...] = rng.standard_normal(C)
    gn.bias._data[...] = rng.standard_normal(C)
    grouped = x.reshape(shape[0], groups, -1)
    xhat = _norm_ref(grouped, (2,), 1e-4).reshape(shape)
    expected = xhat * _per_channel(gn.weight._data, x.ndim) + _per_channel(gn.bias._data, x.ndim)
    np.testing.assert_allclose(gn(ag.tensor(x))._data, expected, rtol=1e-9, atol=1e-12)


def test_group_norm_gradients_parameters_and_errors():
    check(lambda x, w, b: F.group_norm(x, 2, w, b), leaf(2, 4, 3), leaf(4, seed=1), leaf(4, seed=2))
    check_jvp(lambda x, w, b: F.group_norm(x, 2, w, b), leaf(2, 4, 3), leaf(4, seed=1), leaf(4, seed=2))
    x = leaf(2, 3)  # one value per group: the output is the bias and the input gets no gradient
    out = F.group_norm(x, 3, None, ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64))
    np.testing.assert_array_equal(out._data, [[1, 2, 3], [1, 2, 3]])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad._data, 0)
    gn = nn.GroupNorm(2, 4)
    assert list(gn.state_dict()) == ["weight", "bias"] and gn.weight.shape == (4,)
    np.testing.assert_array_equal(gn.weight._data, 1)
    np.testing.assert_array_equal(gn.bias._data, 0)
    assert repr(gn) == "GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)"
    assert list(nn.GroupNorm(2, 4, affine=False).state_dict()) == []
    assert list(nn.GroupNorm(2, 4, bias=False).state_dict()) == ["weight"]
    with pytest.raises(ValueError, match="divisible by num_groups"):
        nn.GroupNorm(3, 4)
    with pytest.raises(RuntimeError, match="divisible by num_groups"):
        F.group_norm(ag.zeros(2, 3), 2)
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        gn(ag.zeros(4))


@pytest.mark.parametrize("cls,shape", [(nn.InstanceNorm1d, (3, 4, 5)), (nn.InstanceNorm2d, (2, 4, 3, 5)),
                                       (nn.InstanceNorm3d, (2, 4, 2, 3, 2))])
def test_instance_norm_normalises_each_plane_and_accepts_unbatched(cls, shape):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape) * 2 - 1
    m = cls(4, dtype=ag.float64)
    assert list(m.state_dict()) == [] and m.weight is None and m.running_mean is None
    assert not isinstance(m, nn.BatchNorm1d.__mro__[1])  # not a _BatchNorm (as PyTorch: both are _NormBase)
    axes = tuple(range(2, x.ndim))
    np.testing.assert_allclose(m(ag.tensor(x))._data, _norm_ref(x, axes, 1e-5), rtol=1e-9, atol=1e-12)
    one = m(ag.tensor(x[0]))  # unbatched: a batch of one
    assert one.shape == shape[1:]
    np.testing.assert_allclose(one._data, _norm_ref(x[:1], axes, 1e-5)[0], rtol=1e-9, atol=1e-12)


def test_instance_norm_running_statistics():
    rng = np.random.default_rng(0)
    m = nn.InstanceNorm1d(3, momentum=0.2, affine=True, track_running_stats=True, dtype=ag.float64)
    assert list(m.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert repr(m) == ("InstanceNorm1d(3, eps=1e-05, momentum=0.2, affine=True, bias=True, "
                       "track_running_stats=True)")
    rm, rv = np.zeros(3), np.ones(3)
    for _ in range(3):
        x = rng.standard_normal((4, 3, 6)) * 2 + 1
        m(ag.tensor(x))
        L = x.shape[2]
        rm = 0.8 * rm + 0.2 * x.mean(2).mean(0)  # batch average of the per-instance statistics
        rv = 0.8 * rv + 0.2 * (x.var(2) * L / (L - 1)).mean(0)  # unbiased per instance
    np.testing.assert_allclose(m.running_mean._data, rm, rtol=1e-12)
    np.testing.assert_allclose(m.running_var._data, rv, rtol=1e-12)
    m.eval()  # eval normalises with the running statistics, unbatched too
    x = rng.standard_normal((3, 6))
    expected = (x - rm[:, None]) / np.sqrt(rv[:, None] + 1e-5) * m.weight._data[:, None] + m.bias._data[:, None]
    np.testing.assert_allclose(m(ag.tensor(x))._data, expected, rtol=1e-12)
    np.testing.assert_allclose(m.running_mean._data, rm, rtol=1e-12)  # unchanged in eval


def test_instance_norm_gradients_and_errors():
    check(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), leaf(2, 3, 4), leaf(3, seed=1), leaf(3, seed=2))
    check_jvp(lambda x: F.instance_norm(x), leaf(2, 3, 4))
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        nn.InstanceNorm1d(3)(ag.zeros(3))
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        nn.InstanceNorm1d(3)(ag.zeros(2, 3, 1))
    with pytest.raises(ValueError, match=r"to match num_features \(3\), but got: 4"):
        nn.InstanceNorm1d(3, affine=True)(ag.zeros(2, 4, 5))
    with pytest.warns(UserWarning, match="does not match num_features"):
        assert nn.InstanceNorm1d(3)(ag.randn(2, 4, 5)).shape == (2, 4, 5)


def _lrn_ref(x, size, alpha, beta, k):
    C = x.shape[1]
    sq = x ** 2
    out = np.empty_like(x)
    for c in range(C):
        lo, hi = max(0, c - size // 2), min(C, c + (size - 1) // 2 + 1)
        out[:, c] = x[:, c] / (k + alpha / size * sq[:, lo:hi].sum(1)) ** beta
    return out


@pytest.mark.parametrize("shape,size", [((2, 6, 5), 3), ((2, 5, 3, 4), 4), ((1, 3, 2, 2, 2), 2), ((2, 4, 3), 1)])
def test_local_response_norm_matches_the_equation(shape, size):
    x = np.random.default_rng(0).standard_normal(shape) * 2
    m = nn.LocalResponseNorm(size, alpha=0.3, beta=0.6, k=1.5)
    np.testing.assert_allclose(m(ag.tensor(x))._data, _lrn_ref(x, size, 0.3, 0.6, 1.5), rtol=1e-12)


def test_local_response_norm_gradients_defaults_and_errors():
    check(lambda x: F.local_response_norm(x, 3, alpha=0.5, beta=0.7, k=1.2), leaf(2, 4, 3))
    check_jvp(lambda x: F.local_response_norm(x, 2, alpha=0.5), leaf(1, 3, 2, 2))
    m = nn.LocalResponseNorm(5)
    assert (m.size, m.alpha, m.beta, m.k) == (5, 1e-4, 0.75, 1.0)
    assert repr(m) == "LocalResponseNorm(5, alpha=0.0001, beta=0.75, k=1.0)" and list(m.state_dict()) == []
    with pytest.raises(ValueError, match="3D or higher"):
        m(ag.zeros(2, 3))


def test_batch_norm_3d():
    x = np.random.default_rng(0).standard_normal((3, 2, 2, 3, 2))
    bn = nn.BatchNorm3d(2, dtype=ag.float64)
    np.testing.assert_allclose(bn(ag.tensor(x))._data, _norm_ref(x, (0, 2, 3, 4), 1e-5), rtol=1e-9, atol=1e-12)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    with pytest.raises(ValueError, match="expected 5D input"):
        bn(ag.zeros(3, 2, 4))
