"""Tests of the activation layers of issues 16/17 (nn/activation.py) and of
their ``nn.functional`` forms: values against numpy formulas, gradcheck
through each layer, PyTorch's printed form, ``inplace=True`` (the input is
overwritten and returned), PReLU's parameter (name, shape, init, state dict),
RReLU in training and evaluation, Softmax2d and Softmin."""
import inspect
import warnings

import autograd_core.nn as tnn
import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
import optim
from tests.helpers import check

SA, SS = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _sig(a):
    return 1 / (1 + np.exp(-a))


LAYERS = [
    (nn.CELU(), lambda a: np.where(a > 0, a, np.expm1(a))),
    (nn.CELU(alpha=2.0), lambda a: np.where(a > 0, a, 2 * np.expm1(a / 2))),
    (nn.SELU(), lambda a: SS * np.where(a > 0, a, SA * np.expm1(a))),
    (nn.Hardswish(), lambda a: a * np.clip(a + 3, 0, 6) / 6),
    (nn.Hardsigmoid(), lambda a: np.clip(a + 3, 0, 6) / 6),
    (nn.Hardtanh(-2.0, 1.5), lambda a: np.clip(a, -2, 1.5)),
    (nn.ReLU6(), lambda a: np.clip(a, 0, 6)),
    (nn.Mish(), lambda a: a * np.tanh(np.log1p(np.exp(a)))),
    (nn.Softsign(), lambda a: a / (1 + np.abs(a))),
    (nn.LogSigmoid(), lambda a: np.log(_sig(a))),
    (nn.Tanhshrink(), lambda a: a - np.tanh(a)),
    (nn.Threshold(0.1, 20.0), lambda a: np.where(a > 0.1, a, 20.0)),
    (nn.Hardshrink(), lambda a: np.where(np.abs(a) > 0.5, a, 0)),
    (nn.Softshrink(0.3), lambda a: np.sign(a) * np.maximum(np.abs(a) - 0.3, 0)),
    (nn.GLU(), lambda a: a[:, :2] * _sig(a[:, 2:])),
    (nn.GLU(0), lambda a: a[:2] * _sig(a[2:])),
    (nn.Softmin(dim=1), lambda a: np.exp(-a) / np.exp(-a).sum(axis=1, keepdims=True)),
    (nn.PReLU(), lambda a: np.where(a > 0, a, 0.25 * a)),
    (nn.RReLU().eval(), lambda a: np.where(a > 0, a, a * (1 / 8 + 1 / 3) / 2)),
]


def _input(seed=0):
    """4x4 values at least 0.05 from the kinks of the layers above."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(-5, 5, (4, 4))
    for k in (-3.0, -2.0, -0.5, -0.3, 0.0, 0.1, 0.3, 0.5, 1.5, 3.0, 6.0):
        a = np.where(np.abs(a - k) < 0.05, k + 0.1, a)
    return a


@pytest.mark.parametrize("layer,ref", LAYERS, ids=lambda v: repr(v) if isinstance(v, nn.Module) else "")
def test_values_float32_and_gradcheck(layer, ref):
    a = _input()
    assert layer(ag.tensor(a, dtype=ag.float32)).dtype == np.float32
    layer = layer.double()
    out = layer(ag.tensor(a, dtype=ag.float64))
    np.testing.assert_allclose(out.detach().numpy(), ref(a), rtol=1e-12, atol=1e-14)
    check(layer, ag.tensor(a, dtype=ag.float64, requires_grad=True))


def test_reprs_match_pytorch():
    expected = {
        nn.CELU(): "CELU(alpha=1.0)", nn.CELU(2.0, True): "CELU(alpha=2.0, inplace=True)", nn.SELU(): "SELU()",
        nn.SELU(True): "SELU(inplace=True)", nn.Hardswish(): "Hardswish()", nn.Hardswish(True): "Hardswish()",
        nn.Hardsigmoid(True): "Hardsigmoid()", nn.Hardtanh(): "Hardtanh(min_val=-1.0, max_val=1.0)",
        nn.Hardtanh(-2, 3, True): "Hardtanh(min_val=-2, max_val=3, inplace=True)", nn.ReLU6(): "ReLU6()",
        nn.ReLU6(True): "ReLU6(inplace=True)", nn.Mish(): "Mish()", nn.Mish(True): "Mish(inplace=True)",
        nn.Softsign(): "Softsign()", nn.LogSigmoid(): "LogSigmoid()", nn.GLU(): "GLU(dim=-1)", nn.GLU(1): "GLU(dim=1)",
        nn.PReLU(): "PReLU(num_parameters=1)", nn.PReLU(3, 0.1): "PReLU(num_parameters=3)",
        nn.RReLU(): "RReLU(lower=0.125, upper=0.3333333333333333)",
        nn.RReLU(0.1, 0.3, True): "RReLU(lower=0.1, upper=0.3, inplace=True)",
        nn.Softmin(): "Softmin(dim=None)", nn.Softmin(1): "Softmin(dim=1)", nn.Tanhshrink(): "Tanhshrink()",
        nn.Threshold(0.1, 20): "Threshold(threshold=0.1, value=20)",
        nn.Threshold(1, 2.0, True): "Threshold(threshold=1, value=2.0, inplace=True)",
        nn.Hardshrink(): "Hardshrink(0.5)", nn.Hardshrink(1): "Hardshrink(1)", nn.Softshrink(): "Softshrink(0.5)",
        nn.Softshrink(0.3): "Softshrink(0.3)", nn.Softmax2d(): "Softmax2d()", nn.ReLU(True): "ReLU(inplace=True)",
        nn.LeakyReLU(0.2, True): "LeakyReLU(negative_slope=0.2, inplace=True)",
        nn.ELU(2, True): "ELU(alpha=2, inplace=True)", nn.Softplus(2, 10): "Softplus(beta=2, threshold=10)",
        nn.GELU("tanh"): "GELU(approximate='tanh')", nn.SiLU(True): "SiLU(inplace=True)",
    }
    for module, text in expected.items():
        assert repr(module) == text


INPLACE = [
    (nn.ReLU(True), F.relu), (nn.ReLU6(True), F.relu6), (nn.LeakyReLU(0.2, True), F.leaky_relu),
    (nn.ELU(inplace=True), F.elu), (nn.CELU(2.0, True), F.celu), (nn.SELU(True), F.selu), (nn.SiLU(True), F.silu),
    (nn.Mish(True), F.mish), (nn.Hardswish(True), F.hardswish), (nn.Hardsigmoid(True), F.hardsigmoid),
    (nn.Hardtanh(-0.5, 0.5, True), F.hardtanh), (nn.Threshold(0.2, -1.0, True), F.threshold),
    (nn.RReLU(inplace=True).eval(), F.rrelu),
]


@pytest.mark.parametrize("layer,fn", INPLACE, ids=lambda v: repr(v) if isinstance(v, nn.Module) else "")
def test_inplace_layers_overwrite_their_input(layer, fn):
    a = _input(1)
    x = ag.tensor(a.copy(), dtype=ag.float64)
    expected = _out_of_place(layer)(x)
    v = x._version
    assert layer(x) is x and x._version > v
    np.testing.assert_array_equal(x.numpy(), expected.numpy())
    assert not np.array_equal(x.numpy(), a)
    # through a graph: same gradient as out of place; a leaf that requires grad is refused
    leaf = ag.tensor(a, dtype=ag.float64, requires_grad=True)
    (g,) = ag.grad(layer(leaf * 1.0), leaf, ag.ones(4, 4, dtype=ag.float64))
    (g_ref,) = ag.grad(_out_of_place(layer)(leaf * 1.0), leaf, ag.ones(4, 4, dtype=ag.float64))
    np.testing.assert_array_equal(g.numpy(), g_ref.numpy())
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        layer(leaf)


def _out_of_place(layer):
    """The same layer with ``inplace=False`` (in evaluation mode)."""
    params = inspect.signature(type(layer)).parameters
    kw = {k: v for k, v in vars(layer).items() if k in params and k != "inplace"}
    return type(layer)(**kw, inplace=False).eval()


def test_functional_inplace_forms():
    for fn_, fn, args in [(F.relu_, F.relu, ()), (F.elu_, F.elu, (0.5,)), (F.leaky_relu_, F.leaky_relu, (0.3,)),
                          (F.hardtanh_, F.hardtanh, (-0.2, 0.4)), (F.celu_, F.celu, (2.0,)), (F.selu_, F.selu, ()),
                          (F.threshold_, F.threshold, (0.1, 5.0)), (F.rrelu_, F.rrelu, (0.1, 0.2))]:
        a = _input(2)
        x = ag.tensor(a.copy())
        assert fn_(x, *args) is x
        np.testing.assert_array_equal(x.numpy(), fn(ag.tensor(a), *args).numpy())
        y = ag.tensor(a.copy())
        assert fn(y, *args, inplace=True) is y
        np.testing.assert_array_equal(y.numpy(), x.numpy())
    with pytest.raises(TypeError, match="must be Tensor, not list"):
        F.relu([1.0], inplace=True)


def test_prelu_parameter_state_dict_and_training():
    m = nn.PReLU(3, init=0.1)
    assert list(m.state_dict()) == ["weight"] and m.weight.shape == (3,) and m.num_parameters == 3
    assert isinstance(m.weight, nn.Parameter) and m.weight.requires_grad and m.weight.dtype == np.float32
    np.testing.assert_array_equal(m.weight.detach().numpy(), np.float32([0.1, 0.1, 0.1]))
    assert nn.PReLU().weight.shape == (1,) and nn.PReLU().weight.item() == pytest.approx(0.25)
    assert nn.PReLU(2, dtype=ag.float64).weight.dtype == np.float64
    m.load_state_dict({"weight": ag.tensor([0.5, 0.2, 0.3])})
    x = ag.tensor(-np.ones((2, 3, 2)), dtype=ag.float32)
    np.testing.assert_allclose(m(x).detach().numpy()[0, :, 0], [-0.5, -0.2, -0.3], rtol=1e-6)
    with pytest.raises(RuntimeError, match="Found parameter numbers = 3 and channel size = 4"):
        m(ag.randn(2, 4))
    # w̄_c = Σ x·[x <= 0]·ȳ over batch and space
    a = np.random.default_rng(3).standard_normal((5, 3, 4))
    m = nn.PReLU(3).double()
    m(ag.tensor(a, dtype=ag.float64)).sum().backward()
    np.testing.assert_allclose(m.weight.grad.numpy(), np.where(a > 0, 0, a).sum(axis=(0, 2)), rtol=1e-13)
    check(lambda w, t: F.prelu(t, w), ag.tensor([0.2, 0.3, 0.4], dtype=ag.float64, requires_grad=True),
          ag.tensor(a + np.where(np.abs(a) < 0.05, 0.2, 0), dtype=ag.float64, requires_grad=True))


def test_rrelu_train_and_eval():
    m = nn.RReLU(0.1, 0.3)
    assert m.training
    a = -np.linspace(0.5, 4, 300)
    ag.manual_seed(0)
    y = m(ag.tensor(a, dtype=ag.float64)).numpy()
    slopes = y / a
    assert np.all((slopes >= 0.1) & (slopes <= 0.3)) and slopes.std() > 0.03
    m.eval()
    np.testing.assert_allclose(m(ag.tensor(a, dtype=ag.float64)).numpy(), a * 0.2, rtol=1e-15)
    pos = ag.tensor([0.5, 2.0], dtype=ag.float64)
    assert nn.RReLU()(pos).tolist() == [0.5, 2.0]


def test_softmax2d_and_softmin():
    a = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    out = nn.Softmax2d()(ag.tensor(a, dtype=ag.float64)).numpy()
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-14)
    np.testing.assert_allclose(out, np.exp(a) / np.exp(a).sum(axis=1, keepdims=True), rtol=1e-13)
    assert nn.Softmax2d()(ag.randn(3, 4, 5)).shape == (3, 4, 5)
    with pytest.raises(ValueError, match="Softmax2d: expected input to be 3D or 4D, got 2D instead"):
        nn.Softmax2d()(ag.randn(2, 3))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin"):
        y = nn.Softmin()(ag.randn(2, 3))
    np.testing.assert_allclose(y.numpy().sum(axis=1), 1.0, rtol=1e-6)
    assert F.softmin(ag.randn(2, 3), 1, dtype=ag.float64).dtype == np.float64


def test_hardtanh_arguments():
    with pytest.raises(AssertionError, match=r"max_val \(1.0\) must be greater than min_val \(2.0\)"):
        nn.Hardtanh(2.0, 1.0)
    with pytest.warns(FutureWarning, match="min_value"):
        m = nn.Hardtanh(min_value=-0.5)
    assert m.min_val == -0.5
    # the gradient is 0 at the bounds (PyTorch), unlike clamp's
    x = ag.tensor([-1.0, 0.0, 1.0], requires_grad=True)
    F.hardtanh(x).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0]


def test_same_classes_under_autograd_core_nn():
    for name in ["CELU", "SELU", "Hardswish", "Hardsigmoid", "Mish", "Softsign", "LogSigmoid", "GLU", "PReLU",
                 "RReLU", "Softmin", "Tanhshrink", "Threshold", "Hardshrink", "Softshrink", "Softmax2d"]:
        assert getattr(tnn, name) is getattr(nn, name) and name in nn.__all__
    for name in ["celu", "selu", "hardswish", "hardsigmoid", "mish", "softsign", "logsigmoid", "glu", "prelu",
                 "rrelu", "softmin", "tanhshrink", "threshold", "hardshrink", "softshrink", "relu6", "hardtanh"]:
        assert getattr(tnn.functional, name) is getattr(F, name)


def test_pytorch_style_model_trains():
    """A small classifier written as in PyTorch with the new layers."""
    ag.manual_seed(0)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 4)).astype(np.float32)
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    model = nn.Sequential(nn.Linear(4, 16), nn.PReLU(), nn.Linear(16, 32), nn.GLU(), nn.Hardswish(),
                          nn.Linear(16, 16), nn.Mish(), nn.Linear(16, 2), nn.LogSigmoid())
    opt = optim.Adam(model.parameters(), lr=0.02)
    xb, yb = ag.tensor(X), ag.tensor(y)
    losses = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(60):
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


def test_inplace_layer_on_a_tensor_saved_for_backward_raises_at_backward():
    """As in PyTorch: exp saves its output, which ReLU(inplace=True) overwrites; mul saves nothing of it."""
    y = ag.randn(5, requires_grad=True)
    z = ag.exp(y)
    nn.ReLU(inplace=True)(z)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()
    z = y * 2
    nn.Hardswish(inplace=True)(z)
    z.sum().backward()
    a = y.detach().numpy() * 2
    np.testing.assert_allclose(y.grad.numpy(), 2 * np.where(a <= -3, 0, np.where(a < 3, (2 * a + 3) / 6, 1)),
                               rtol=1e-6)
