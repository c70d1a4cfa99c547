"""Tests of the activation ops of issue 16 (ops/activation.py: celu, selu;
ops/activation_piecewise.py; ops/activation_smooth.py): values against numpy
written from the equations, first and second derivatives against central
differences (gradcheck, gradgradcheck in float64) away from the kinks,
forward mode against reverse mode (check_jvp) *at* the kinks, the
subgradient convention at every kink, dtypes, errors and the in-place forms.

Subgradient convention at the kinks (PyTorch's, checked against torch 2.13
while writing these tests): the derivative at a breakpoint is that of the
outer piece, i.e.
  hardtanh(x, a, b), relu6:  0 at x = a and x = b
  hardsigmoid:               0 at x = ±3
  hardswish:                 0 at x = -3, 1 at x = 3
  threshold(x, t, v):        0 at x = t
  hardshrink, softshrink:    0 at x = ±lambd
and at 0 the negative piece's slope: selu λα, celu 1, prelu w, rrelu its slope.
"""
import math
from functools import partial

import numpy as np
import pytest

import autograd_core as ag
from tests.helpers import check, check_jvp

SA, SS = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _sig(a):
    return 1 / (1 + np.exp(-a))


def _sp(a):
    return np.log1p(np.exp(a))


def _mish_d(a):
    t = np.tanh(_sp(a))
    return t + a * _sig(a) * (1 - t * t)


# name, function, value reference, derivative reference (with the kink convention), kinks
OPS = [
    ("celu", ag.celu, lambda a: np.maximum(a, 0) + np.minimum(0, np.expm1(a)),
     lambda a: np.where(a > 0, 1, np.exp(a)), []),
    ("celu_2", partial(ag.celu, alpha=2.0), lambda a: np.maximum(a, 0) + np.minimum(0, 2 * np.expm1(a / 2)),
     lambda a: np.where(a > 0, 1, np.exp(a / 2)), []),
    ("selu", ag.selu, lambda a: SS * (np.maximum(a, 0) + np.minimum(0, SA * np.expm1(a))),
     lambda a: np.where(a > 0, SS, SS * SA * np.exp(a)), [0.0]),
    ("hardswish", ag.hardswish, lambda a: a * np.clip(a + 3, 0, 6) / 6,
     lambda a: np.where(a <= -3, 0, np.where(a < 3, (2 * a + 3) / 6, 1)), [-3.0, 3.0]),
    ("hardsigmoid", ag.hardsigmoid, lambda a: np.clip(a + 3, 0, 6) / 6,
     lambda a: np.where((a > -3) & (a < 3), 1 / 6, 0), [-3.0, 3.0]),
    ("hardtanh", ag.hardtanh, lambda a: np.clip(a, -1, 1), lambda a: ((a > -1) & (a < 1)) * 1.0, [-1.0, 1.0]),
    ("hardtanh_-2_3", partial(ag.hardtanh, min_val=-2.0, max_val=3.0), lambda a: np.clip(a, -2, 3),
     lambda a: ((a > -2) & (a < 3)) * 1.0, [-2.0, 3.0]),
    ("relu6", ag.relu6, lambda a: np.clip(a, 0, 6), lambda a: ((a > 0) & (a < 6)) * 1.0, [0.0, 6.0]),
    ("mish", ag.mish, lambda a: a * np.tanh(_sp(a)), _mish_d, []),
    ("softsign", ag.softsign, lambda a: a / (1 + np.abs(a)), lambda a: 1 / (1 + np.abs(a)) ** 2, []),
    ("logsigmoid", ag.logsigmoid, lambda a: -np.log1p(np.exp(-a)), lambda a: _sig(-a), []),
    ("tanhshrink", ag.tanhshrink, lambda a: a - np.tanh(a), lambda a: np.tanh(a) ** 2, []),
    ("threshold", partial(ag.threshold, threshold=0.5, value=-2.0), lambda a: np.where(a > 0.5, a, -2.0),
     lambda a: (a > 0.5) * 1.0, [0.5]),
    ("hardshrink", ag.hardshrink, lambda a: np.where(np.abs(a) > 0.5, a, 0), lambda a: (np.abs(a) > 0.5) * 1.0,
     [-0.5, 0.5]),
    ("softshrink_0.3", partial(ag.softshrink, lambd=0.3),
     lambda a: np.where(a > 0.3, a - 0.3, np.where(a < -0.3, a + 0.3, 0)), lambda a: (np.abs(a) > 0.3) * 1.0,
     [-0.3, 0.3]),
    ("rrelu_eval", ag.rrelu, lambda a: np.where(a > 0, a, a * (1 / 8 + 1 / 3) / 2),
     lambda a: np.where(a > 0, 1, (1 / 8 + 1 / 3) / 2), [0.0]),
]
IDS = [o[0] for o in OPS]


def _away(kinks, shape, seed, margin=0.05, low=-5.0, high=5.0):
    """A float64 leaf with values in [low, high) at least ``margin`` from every kink
    (central differences need a smooth neighbourhood)."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(low, high, shape)
    for k in kinks:
        near = np.abs(a - k) < margin
        a = np.where(near, k + np.copysign(margin + np.abs(a - k), a - k + 1e-300), a)
    return ag.tensor(a, dtype=np.float64, requires_grad=True)


def _with_kinks(kinks):
    pts = sorted({-6.0, -3.0, -1.0, -0.5, -0.3, 0.0, 0.3, 0.5, 1.0, 3.0, 6.0, 7.5, -7.5, *kinks})
    return np.array(pts)


@pytest.mark.parametrize("shape", [(), (7,), (2, 3, 2)])
@pytest.mark.parametrize("name,fn,ref,dref,kinks", OPS, ids=IDS)
def test_gradcheck_and_gradgradcheck_away_from_kinks(name, fn, ref, dref, kinks, shape):
    check(fn, _away(kinks, shape, seed=len(shape)))


@pytest.mark.parametrize("name,fn,ref,dref,kinks", [o for o in OPS if not o[4]], ids=[o[0] for o in OPS if not o[4]])
def test_gradcheck_on_the_grid_with_zero_where_continuously_differentiable(name, fn, ref, dref, kinks):
    """celu, mish, softsign, logsigmoid, tanhshrink are C¹ at 0 (and on the whole grid);
    celu's and softsign's second derivatives jump at 0, so gradgradcheck is for the others."""
    x = ag.tensor(_with_kinks(kinks), dtype=np.float64, requires_grad=True)
    check(fn, x, second=not name.startswith(("celu", "softsign")))


@pytest.mark.parametrize("name,fn,ref,dref,kinks", OPS, ids=IDS)
def test_values_and_derivative_including_kinks(name, fn, ref, dref, kinks):
    a = _with_kinks(kinks)
    x = ag.tensor(a, dtype=np.float64, requires_grad=True)
    y = fn(x)
    assert y.dtype == np.float64
    np.testing.assert_allclose(y.detach().numpy(), ref(a), rtol=1e-13, atol=1e-15)
    (g,) = ag.grad(y, x, ag.ones_like(y))
    np.testing.assert_allclose(g.numpy(), dref(a), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name,fn,ref,dref,kinks", [o for o in OPS if o[4]], ids=[o[0] for o in OPS if o[4]])
def test_kink_gradient_is_a_one_sided_derivative(name, fn, ref, dref, kinks):
    """At each kink the gradient is one of the two one-sided slopes (which one is
    PyTorch's choice, stated in the module docstring and in ``dref``)."""
    h = 1e-7
    for k in kinks:
        x = ag.tensor([k], dtype=np.float64, requires_grad=True)
        (g,) = ag.grad(fn(x), x, ag.ones(1, dtype=np.float64))
        left = (ref(np.array([k])) - ref(np.array([k - h])))[0] / h
        right = (ref(np.array([k + h])) - ref(np.array([k])))[0] / h
        assert min(abs(g.item() - left), abs(g.item() - right)) < 1e-5, (k, g.item(), left, right)


@pytest.mark.parametrize("name,fn,ref,dref,kinks", OPS, ids=IDS)
def test_jvp_matches_vjp_at_and_off_the_kinks(name, fn, ref, dref, kinks):
    x = ag.tensor(_with_kinks(kinks), dtype=np.float64)
    check_jvp(fn, x)
    check_jvp(fn, _away(kinks, (2, 3), seed=7).detach())


@pytest.mark.parametrize("name,fn,ref,dref,kinks", OPS, ids=IDS)
def test_float32_kept(name, fn, ref, dref, kinks):
    a = _away(kinks, (3, 4), seed=5).detach().numpy()
    x = ag.tensor(a.astype(np.float32), requires_grad=True)
    y = fn(x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.detach().numpy(), ref(a.astype(np.float32).astype(np.float64)), rtol=2e-6, atol=2e-6)
    (g,) = ag.grad(y, x, ag.ones_like(y))
    assert g.dtype == np.float32


def test_second_derivatives():
    # hardswish'' = 1/3 on (-3, 3), 0 outside; mish'' and softsign'' against central differences of the first
    x = ag.tensor([-4.0, -2.0, 0.5, 2.9, 4.0], dtype=np.float64, requires_grad=True)
    (d1,) = ag.grad(ag.hardswish(x), x, ag.ones_like(x), create_graph=True)
    (d2,) = ag.grad(d1, x, ag.ones_like(x))
    np.testing.assert_allclose(d2.numpy(), [0, 1 / 3, 1 / 3, 1 / 3, 0], rtol=1e-15)
    a = np.array([-2.0, -0.4, 0.7, 3.0])
    h = 1e-5
    for fn, dref in [(ag.mish, _mish_d), (ag.softsign, lambda a: 1 / (1 + np.abs(a)) ** 2),
                     (ag.selu, lambda a: np.where(a > 0, SS, SS * SA * np.exp(a)))]:
        x = ag.tensor(a, dtype=np.float64, requires_grad=True)
        (d1,) = ag.grad(fn(x), x, ag.ones_like(x), create_graph=True)
        (d2,) = ag.grad(d1, x, ag.ones_like(x))
        np.testing.assert_allclose(d2.numpy(), (dref(a + h) - dref(a - h)) / (2 * h), rtol=1e-6, atol=1e-9)


def test_large_inputs_stay_finite():
    x = ag.tensor([-1e4, -100.0, 100.0, 1e4], dtype=np.float32, requires_grad=True)
    for fn, lim in [(ag.mish, [0, 0, 100, 1e4]), (ag.logsigmoid, [-1e4, -100, 0, 0]),
                    (ag.selu, [-SS * SA, -SS * SA, SS * 100, SS * 1e4]),
                    (ag.softsign, [-1e4 / (1 + 1e4), -100 / 101, 100 / 101, 1e4 / (1 + 1e4)]),
                    (ag.tanhshrink, [-1e4 + 1, -99, 99, 1e4 - 1])]:
        y = fn(x)
        (g,) = ag.grad(y, x, ag.ones_like(y))
        assert np.all(np.isfinite(y.detach().numpy())) and np.all(np.isfinite(g.numpy())), fn
        np.testing.assert_allclose(y.detach().numpy(), lim, rtol=1e-4, atol=1e-4)


def test_integer_and_bool_dtypes_follow_pytorch():
    i = ag.tensor([-3, 0, 2, 9])
    assert ag.hardtanh(i, -2.5, 2.5).tolist() == [-2, 0, 2, 2] and ag.hardtanh(i).dtype == np.int64
    assert ag.relu6(i).tolist() == [0, 0, 2, 6] and ag.relu6(i).dtype == np.int64
    t = ag.threshold(ag.tensor([0, 1, -1]), -0.5, 7)  # the numbers are truncated to int, as PyTorch
    assert t.tolist() == [7, 1, 7] and t.dtype == np.int64
    for fn in [ag.softsign, ag.tanhshrink]:
        y = fn(ag.tensor([1, -2]))
        assert y.dtype == np.float32
    np.testing.assert_allclose(ag.softsign(ag.tensor([1, -2])).numpy(), [0.5, -2 / 3], rtol=1e-6)
    for fn, kernel in [(ag.celu, "elu_cpu"), (ag.selu, "elu_cpu"), (ag.hardswish, "hardswish_cpu"),
                       (ag.hardsigmoid, "hardsigmoid_cpu"), (ag.mish, "mish_cpu"),
                       (ag.logsigmoid, "log_sigmoid_cpu"), (ag.hardshrink, "hardshrink_cpu"),
                       (ag.softshrink, "softshrink_check"), (ag.glu, "glu_cpu"), (ag.rrelu, "leaky_relu_cpu"),
                       (partial(ag.rrelu, training=True), "rrelu_with_noise_out_cpu"),
                       (partial(ag.softmin, dim=0), "softmax_lastdim_kernel_impl"),
                       (lambda t: ag.prelu(t, ag.ones(1)), "prelu_cpu")]:
        with pytest.raises(NotImplementedError, match=f"\"{kernel}\" not implemented for 'Long'"):
            fn(ag.tensor([1, -1, 2, -3]))
    with pytest.raises(RuntimeError, match="Bool inputs not supported for hardtanh"):
        ag.relu6(ag.tensor([True]))
    with pytest.raises(RuntimeError, match="Boolean inputs not supported for relu"):
        ag.relu(ag.tensor([True]))
    with pytest.raises(NotImplementedError, match="threshold_cpu"):
        ag.threshold(ag.tensor([True]), 0.5, 0)
    with pytest.raises(NotImplementedError, match="abs_cpu"):
        ag.softsign(ag.tensor([True]))
    with pytest.raises(RuntimeError, match="Subtraction"):
        ag.tanhshrink(ag.tensor([True]))
    assert ag.softmin(ag.tensor([1, 2]), 0, dtype=ag.float64).dtype == np.float64


def test_errors():
    x = ag.randn(2, 3)
    with pytest.raises(RuntimeError, match="alpha cannot be 0 for CELU"):
        ag.celu(x, 0.0)
    with pytest.raises(RuntimeError, match=r"lambda must be in range \[0, 3.40282e\+38\] for input dtype Float, "
                                           r"but found -0.5"):
        ag.softshrink(x, -0.5)
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
        ag.hardtanh(x, 2.0, 1.0)
    with pytest.raises(RuntimeError, match="Lower bound should be less than or equal to the upper bound"):
        ag.rrelu(x, 0.5, 0.1)
    for name in ["celu", "selu", "hardswish", "hardsigmoid", "hardtanh", "relu6", "mish", "softsign",
                 "logsigmoid", "tanhshrink", "hardshrink", "softshrink", "rrelu", "glu"]:
        with pytest.raises(TypeError, match=rf"{name}\(\): argument 'input' must be Tensor, not list"):
            getattr(ag, name)([1.0, 2.0])
    # hardshrink accepts a negative lambd (nothing is zeroed), as PyTorch
    assert ag.hardshrink(ag.tensor([-1.0, 0.2]), -0.5).tolist() == pytest.approx([-1.0, 0.2])


# -- glu and softmin --------------------------------------------------------

def _glu_ref(a, dim):
    p, q = np.split(a, 2, axis=dim)
    return p * _sig(q)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_glu(dim):
    x = ag.tensor(np.random.default_rng(dim + 3).standard_normal((4, 6, 2)), dtype=np.float64, requires_grad=True)
    y = ag.glu(x, dim)
    np.testing.assert_allclose(y.detach().numpy(), _glu_ref(x.detach().numpy(), dim), rtol=1e-14)
    check(lambda t: ag.glu(t, dim), x)
    check_jvp(lambda t: ag.glu(t, dim), x.detach())


def test_glu_errors_and_empty():
    with pytest.raises(RuntimeError, match="Halving dimension must be even, but dimension 1 is size 3"):
        ag.glu(ag.randn(2, 3))
    with pytest.raises(RuntimeError, match="glu does not support scalars"):
        ag.glu(ag.tensor(1.0))
    with pytest.raises(IndexError, match="out of range"):
        ag.glu(ag.randn(2, 4), 5)
    assert ag.glu(ag.zeros(0, 4)).shape == (0, 2)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmin(dim):
    a = np.random.default_rng(dim + 5).standard_normal((3, 4, 2))
    x = ag.tensor(a, dtype=np.float64, requires_grad=True)
    e = np.exp(-a - (-a).max(axis=dim, keepdims=True))
    np.testing.assert_allclose(ag.softmin(x, dim).detach().numpy(), e / e.sum(axis=dim, keepdims=True), rtol=1e-14)
    check(lambda t: ag.softmin(t, dim), x)
    check_jvp(lambda t: ag.softmin(t, dim), x.detach())


# -- prelu ------------------------------------------------------------------

@pytest.mark.parametrize("shape,wshape", [((5,), (1,)), ((4, 3), (3,)), ((2, 3, 4), (3,)), ((2, 3, 2, 2), (3,)),
                                          ((2, 3, 2, 2), (1,)), ((2, 3), ()), ((), (1,)), ((), ())])
def test_prelu_against_numpy_and_gradients(shape, wshape):
    rng = np.random.default_rng(len(shape))
    a = rng.standard_normal(shape)
    if a.size > 2:
        a.flat[:2] = 0.0  # the kink is on the negative side: slope w, and ∂y/∂w = x = 0
    w = rng.uniform(0.05, 0.5, wshape)
    x = ag.tensor(a, dtype=np.float64, requires_grad=True)
    wt = ag.tensor(w, dtype=np.float64, requires_grad=True)
    wb = w.reshape((-1,) + (1,) * (a.ndim - 2)) if w.size > 1 else w.reshape(())
    y = ag.prelu(x, wt)
    np.testing.assert_allclose(y.detach().numpy(), np.where(a > 0, a, wb * a), rtol=1e-15)
    gx, gw = ag.grad(y, (x, wt), ag.ones_like(y))
    np.testing.assert_allclose(gx.numpy(), np.where(a > 0, 1.0, np.broadcast_to(wb, a.shape)), rtol=1e-15)
    neg = np.where(a > 0, 0.0, a)
    axes = tuple(i for i in range(a.ndim) if not (w.size > 1 and i == 1))
    np.testing.assert_allclose(gw.numpy(), neg.sum(axis=axes).reshape(wshape), rtol=1e-13, atol=1e-15)
    assert gw.shape == wshape
    away = ag.tensor(np.where(np.abs(a) < 0.05, 0.3, a), dtype=np.float64, requires_grad=True)
    check(ag.prelu, away, wt)
    check_jvp(ag.prelu, x.detach(), wt.detach())


def test_prelu_errors():
    with pytest.raises(RuntimeError, match="Found parameter numbers = 4 and channel size = 3"):
        ag.prelu(ag.randn(2, 3, 4), ag.ones(4))
    with pytest.raises(RuntimeError, match="channel size = 1"):
        ag.prelu(ag.randn(3), ag.ones(3))
    with pytest.raises(RuntimeError, match="Not allow zero-dim input tensor"):
        ag.prelu(ag.tensor(-1.0), ag.ones(3))
    with pytest.raises(RuntimeError, match="Expected `weight` to be a scalar or 1D tensor, but got: ndim = 2"):
        ag.prelu(ag.randn(2, 3), ag.ones(3, 1))
    with pytest.raises(RuntimeError, match="Type promoting not supported. Got Float and Double"):
        ag.prelu(ag.randn(2, 3), ag.ones(3, dtype=ag.float64))
    with pytest.raises(TypeError, match="argument 'weight' .* must be Tensor, not float"):
        ag.prelu(ag.randn(2, 3), 0.2)


# -- rrelu ------------------------------------------------------------------

def test_rrelu_training_slopes_are_random_within_bounds_and_are_the_gradient():
    a = np.concatenate([-np.linspace(0.5, 3, 400), [0.0], np.linspace(0.5, 3, 20)])
    x = ag.tensor(a, dtype=np.float64, requires_grad=True)
    ag.manual_seed(1)
    y = ag.rrelu(x, 0.1, 0.3, training=True)
    (g,) = ag.grad(y, x, ag.ones_like(y))
    slopes = g.numpy()
    neg = a <= 0
    assert np.all(slopes[~neg] == 1.0)
    assert np.all((slopes[neg] >= 0.1) & (slopes[neg] <= 0.3))
    assert slopes[neg].std() > 0.03  # random per element (uniform on [0.1, 0.3]: std 0.058)
    np.testing.assert_allclose(y.detach().numpy(), a * slopes, rtol=1e-15)
    ag.manual_seed(1)
    assert ag.rrelu(x.detach(), 0.1, 0.3, training=True).tolist() == y.tolist()  # the default generator
    gen = ag.Generator().manual_seed(4)
    again = ag.rrelu(x.detach(), 0.1, 0.3, True, generator=ag.Generator().manual_seed(4))
    assert ag.rrelu(x.detach(), 0.1, 0.3, True, generator=gen).tolist() == again.tolist()


def test_rrelu_training_gradients():
    ag.manual_seed(0)
    x = _away([0.0], (3, 4), seed=2)
    # a fixed draw per call: compare against the same draw, reseeded
    def f(t):
        ag.manual_seed(0)
        return ag.rrelu(t, training=True)
    check(f, x)
    check_jvp(f, x.detach())


# -- in place ---------------------------------------------------------------

@pytest.mark.parametrize("fn_,fn", [(ag.relu_, ag.relu), (ag.celu_, ag.celu), (ag.selu_, ag.selu),
                                    (partial(ag.threshold_, threshold=0.2, value=-1.0),
                                     partial(ag.threshold, threshold=0.2, value=-1.0)),
                                    (ag.rrelu_, ag.rrelu)], ids=["relu_", "celu_", "selu_", "threshold_", "rrelu_"])
def test_inplace_ops(fn_, fn):
    a = _away([0.0, 0.2], (3, 4), seed=3).detach().numpy()
    x = ag.tensor(a.copy())
    v = x._version
    assert fn_(x) is x and x._version == v + 1
    np.testing.assert_allclose(x.numpy(), fn(ag.tensor(a)).numpy(), rtol=1e-15)
    leaf = ag.tensor(a, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        fn_(leaf)
    # on a non-leaf the gradient flows through the in-place op as through the out-of-place one
    y = leaf * 2
    fn_(y)
    (g,) = ag.grad(y, leaf, ag.ones_like(y))
    (g_ref,) = ag.grad(fn(leaf * 2), leaf, ag.ones_like(y))
    np.testing.assert_allclose(g.numpy(), g_ref.numpy(), rtol=1e-15)


def test_exported_names_and_methods():
    for name in ["celu", "selu", "hardswish", "hardsigmoid", "hardtanh", "relu6", "mish", "softsign", "logsigmoid",
                 "glu", "prelu", "rrelu", "softmin", "tanhshrink", "threshold", "hardshrink", "softshrink",
                 "relu_", "celu_", "selu_", "threshold_", "rrelu_"]:
        assert callable(getattr(ag, name)), name
    x = ag.tensor([-1.0, 0.2, 2.0])
    assert x.hardshrink(0.5).tolist() == pytest.approx([-1.0, 0.0, 2.0])
    assert x.prelu(ag.tensor([0.5])).tolist() == pytest.approx([-0.5, 0.2, 2.0])
    assert x.relu_() is x and x.tolist() == pytest.approx([0.0, 0.2, 2.0])
    assert math.isclose(ag.selu(ag.tensor([1.0], dtype=ag.float64)).item(), SS, rel_tol=1e-15)


def test_gelu_left_tail_keeps_relative_accuracy_in_float32():
    """gelu(x) = x·erfc(-x/√2)/2: no cancellation in 1 + erf(x/√2) for x < 0."""
    pts = [-4.0, -6.0, -8.0]
    y = ag.gelu(ag.tensor(pts, dtype=ag.float32)).numpy()
    np.testing.assert_allclose(y, [v * 0.5 * math.erfc(-v / math.sqrt(2)) for v in pts], rtol=1e-5)


def test_non_finite_inputs_and_signed_zeros():
    """NaN stays NaN, ±inf gives the limit, and zeroed entries are +0.0 (as PyTorch)."""
    x = ag.tensor([np.nan, np.inf, -np.inf, -0.3, 0.2], dtype=np.float64)
    t = ag.threshold(x, 0.5, 0.0).numpy()
    assert np.isnan(t[0]) and t[1] == np.inf and not np.signbit(t[2:]).any() and (t[2:] == 0).all()
    np.testing.assert_array_equal(ag.threshold(x, -1.0, 7.0).numpy(), [np.nan, np.inf, 7.0, -0.3, 0.2])
    np.testing.assert_array_equal(ag.threshold(x, 0.5, np.inf).numpy(), [np.nan, np.inf, np.inf, np.inf, np.inf])
    h = ag.hardshrink(x).numpy()
    np.testing.assert_array_equal(h, [np.nan, np.inf, -np.inf, 0.0, 0.0])
    assert not np.signbit(h[3])
    np.testing.assert_array_equal(ag.prelu(x, ag.tensor([0.5], dtype=np.float64)).numpy(),
                                  [np.nan, np.inf, -np.inf, -0.15, 0.2])
    np.testing.assert_array_equal(ag.hardtanh(x).numpy(), [np.nan, 1.0, -1.0, -0.3, 0.2])


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_second_derivative_by_forward_over_reverse_and_double_backward(approximate):
    """A first-order gelu backward uses the Φ(x) kept by forward; differentiated
    again (create_graph, or a tangent on x) it recomputes Φ as an op of x.
    Both second-order routes agree with central differences of gelu'."""
    a = np.array([-3.0, -1.0, -0.2, 0.0, 0.4, 1.5, 4.0])
    v = np.array([0.5, -1.0, 2.0, 1.0, -0.3, 0.7, 1.1])
    x = ag.tensor(a, dtype=np.float64, requires_grad=True)

    def d1(t):
        return ag.grad(ag.gelu(t, approximate=approximate).sum(), t, create_graph=True)[0]

    h = 1e-5
    up, down = ag.tensor(a + h, dtype=np.float64, requires_grad=True), ag.tensor(a - h, dtype=np.float64,
                                                                                 requires_grad=True)
    d2_ref = (d1(up).detach().numpy() - d1(down).detach().numpy()) / (2 * h)
    (d2,) = ag.grad(d1(x), x, ag.ones_like(x))
    np.testing.assert_allclose(d2.numpy(), d2_ref, rtol=1e-6, atol=1e-9)
    _, hv = ag.functional.hvp(lambda t: ag.gelu(t, approximate=approximate).sum(),
                              ag.tensor(a, dtype=np.float64), ag.tensor(v, dtype=np.float64))
    np.testing.assert_allclose(hv.numpy(), d2_ref * v, rtol=1e-6, atol=1e-9)
