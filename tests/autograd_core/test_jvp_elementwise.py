"""Forward mode of the elementwise families (arith, broadcast, convert,
inplace, unary, trig, activation, select, compare.sign): every ``jvp`` rule
against the reverse-mode Jacobian (``check_jvp``) on broadcasting shapes, with
number operands, tensor exponents and bounds; casts; in-place ops on dual
tensors; forward-over-reverse; the error for an op without a rule."""
from functools import partial

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from autograd_core.function import Op
from tests.helpers import check_jvp, leaf

SHAPES = [((), ()), ((4,), (4,)), ((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3))]


def _away(*shape, seed=0, low=0.2, high=2.0):
    """A float64 tensor with |x| in [low, high) and random signs."""
    rng = np.random.default_rng(seed)
    return ag.tensor(rng.uniform(low, high, shape) * rng.choice([-1.0, 1.0], shape), dtype=np.float64)


def _tangent(y):
    return ag.forward.unpack_dual(y)[1]


# ---------------------------------------------------------------- arith
@pytest.mark.parametrize("sa,sb", SHAPES)
@pytest.mark.parametrize("fn", [ag.add, ag.sub, ag.mul, ag.div, partial(ag.add, alpha=2.5),
                                partial(ag.sub, alpha=-0.5)])
def test_binary_broadcasting(fn, sa, sb):
    check_jvp(fn, leaf(*sa, seed=1), _away(*sb, seed=2, low=0.5))


@pytest.mark.parametrize("sa,sb", SHAPES)
def test_pow_tensor_exponent(sa, sb):
    check_jvp(ag.pow, leaf(*sa, seed=3, low=0.3, high=2.0), leaf(*sb, seed=4))


def test_pow_nonpositive_base_convention():
    # PyTorch's: ∂/∂b = aᵇ ln a is 0 at a = 0 (b >= 0) and nan for a negative base
    a = ag.tensor([-1.5, 0.0, 2.0, -0.5], dtype=np.float64)
    b = ag.tensor([2.0, 3.0, 1.5, 3.0], dtype=np.float64)
    check_jvp(ag.pow, a[1:3], b[1:3])  # (a nan in a row of the reverse Jacobian fills it: 0·nan)
    y = ag.pow(a, ag.forward.dual(b, np.ones(4)))
    np.testing.assert_allclose(_tangent(y).numpy(), [np.nan, 0.0, 2.0 ** 1.5 * np.log(2.0), np.nan])


@pytest.mark.parametrize("fn", [
    lambda x: x + 2, lambda x: 2 - x, lambda x: x - 0.5, lambda x: 3.0 * x, lambda x: x / 2,
    lambda x: 2.0 / x, lambda x: x ** 3, lambda x: x ** -1.5, lambda x: 2.0 ** x,
    lambda x: 3 ** x, lambda x: -x, lambda x: (-x) * x / (x + 3.0),
])
def test_number_operands(fn):
    check_jvp(fn, leaf(2, 3, seed=5, low=0.3, high=2.0))


def test_integer_operands():
    i = ag.tensor([[1, 2, 3]])
    x = leaf(2, 3, seed=6, low=0.5, high=2.0)
    for fn in (lambda x: x + i, lambda x: i - x, lambda x: x * i, lambda x: i / x,
               lambda x: x ** i, lambda x: i ** x, lambda x: ag.add(x, i, alpha=2)):
        check_jvp(fn, x)


@given(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3))
@settings(max_examples=20, deadline=None)
def test_binary_property_broadcasting(shapes):
    a, b = shapes.input_shapes
    for fn in (ag.add, ag.sub, ag.mul, ag.div, ag.pow):
        check_jvp(fn, leaf(*a, seed=7, low=0.5, high=2.0), leaf(*b, seed=8, low=0.5, high=2.0))


# ---------------------------------------------------------------- broadcast, convert
def test_broadcast_and_sum_to_shape():
    check_jvp(lambda x: ag.broadcast_to(x, (2, 3, 4)), leaf(3, 1, seed=9))
    check_jvp(lambda x: x.expand(3, -1), leaf(1, 4, seed=10))
    check_jvp(lambda x: x.expand_as(ag.zeros(2, 4)), leaf(4, seed=11))
    check_jvp(lambda x: ag.sum_to_shape(x, (3, 1)), leaf(2, 3, 4, seed=12))
    check_jvp(lambda x: ag.sum_to_shape(x, ()), leaf(2, 3, seed=13))


def test_clone_and_casts():
    idx = ag.tensor([[0, 1, 2]])
    check_jvp(lambda x: x.clone() * x, leaf(2, 3, seed=14))
    check_jvp(lambda x: x * idx.double() + idx.float().double(), leaf(2, 3, seed=15))  # int → float
    check_jvp(lambda x: x.to(ag.float64), leaf(3, seed=16))
    v = np.array([0.25, -1.5, 3.0])
    x32 = ag.forward.dual(ag.tensor([1.0, 2.0, 3.0]), v)
    y = x32.double()
    assert y.dtype == np.float64 and _tangent(y).dtype == np.float64
    np.testing.assert_array_equal(_tangent(y).numpy(), v)
    z = ag.forward.dual(ag.tensor([1.0, 2.0], dtype=np.float64), [1e-9, 2.0]).float()
    assert _tangent(z).dtype == np.float32
    np.testing.assert_array_equal(_tangent(z).numpy(), np.array([1e-9, 2.0], np.float32))
    assert _tangent(x32.long()) is None and _tangent(x32.bool()) is None
    assert _tangent(x32.clone()) is not _tangent(x32)


# ---------------------------------------------------------------- unary, trig
UNARY = [
    (ag.exp, (-2.0, 2.0)), (ag.expm1, (-2.0, 2.0)), (ag.log, (0.3, 3.0)), (ag.log2, (0.3, 3.0)),
    (ag.log10, (0.3, 3.0)), (ag.log1p, (-0.6, 3.0)), (ag.sqrt, (0.3, 3.0)), (ag.rsqrt, (0.3, 3.0)),
    (ag.abs, None), (ag.square, (-2.0, 2.0)), (ag.reciprocal, None), (ag.sin, (-3.0, 3.0)),
    (ag.cos, (-3.0, 3.0)), (ag.tan, (-1.2, 1.2)), (ag.tanh, (-2.5, 2.5)), (ag.sigmoid, (-4.0, 4.0)),
    (ag.erf, (-2.5, 2.5)),
]


def _inputs(domain, *shape, seed=0):
    if domain is None:
        return _away(*shape, seed=seed)
    return leaf(*shape, seed=seed, low=domain[0], high=domain[1])


@pytest.mark.parametrize("fn,domain", UNARY, ids=lambda p: getattr(p, "__name__", ""))
@pytest.mark.parametrize("shape", [(), (5,), (2, 3)])
def test_unary(fn, domain, shape):
    check_jvp(fn, _inputs(domain, *shape, seed=17))


@pytest.mark.parametrize("fn,domain", UNARY, ids=lambda p: getattr(p, "__name__", ""))
def test_unary_keeps_float32(fn, domain):
    x = _inputs(domain, 4, seed=18)
    y = fn(ag.forward.dual(x.detach().float(), np.random.default_rng(19).standard_normal(4)))
    assert y.dtype == np.float32 and _tangent(y).dtype == np.float32


# ops whose backward reads a saved input (a saved output loses its tangent in backward)
@pytest.mark.parametrize("fn,domain", [(f, d) for f, d in UNARY if f in (
    ag.log, ag.log2, ag.log10, ag.log1p, ag.square, ag.sin, ag.cos, ag.erf)] + [
    (ag.gelu, None), (partial(ag.gelu, approximate="tanh"), None), (ag.silu, None),
    (ag.softplus, None), (ag.elu, None), (lambda x: x ** 3 / (x + 3.0) - x * 0.5, (0.3, 2.0))])
def test_forward_over_reverse(fn, domain):
    # the tangent of the gradient f'(x) is f''(x)·v: forward over reverse against reverse twice
    x = _inputs(domain, 4, seed=18)
    v = np.random.default_rng(19).standard_normal(4)
    xd = ag.forward.dual(x.detach().requires_grad_(), v)
    (g,) = ag.grad(fn(xd), [xd], ag.ones(4, dtype=np.float64), create_graph=True)
    xr = x.detach().requires_grad_()
    (g1,) = ag.grad(fn(xr), [xr], ag.ones(4, dtype=np.float64), create_graph=True)
    (g2,) = ag.grad(g1, [xr], ag.ones(4, dtype=np.float64))
    np.testing.assert_allclose(_tangent(g).numpy(), g2.numpy() * v, rtol=1e-10, atol=1e-12)


def test_sign_has_zero_tangent():
    x = _away(2, 3, seed=20)
    check_jvp(lambda x: ag.sign(x) * x, x)
    t = _tangent(ag.sign(ag.forward.dual(x, np.ones((2, 3)))))
    assert t.dtype == np.float64 and t.shape == (2, 3) and not t.numpy().any()


# ---------------------------------------------------------------- activation
ACTIVATIONS = [ag.relu, partial(ag.leaky_relu, negative_slope=0.2),
               partial(ag.leaky_relu, negative_slope=2.0), ag.elu, partial(ag.elu, alpha=0.7), ag.softplus,
               partial(ag.softplus, beta=2.0, threshold=3.0), ag.gelu, partial(ag.gelu, approximate="tanh"),
               ag.silu, ag.sigmoid, ag.tanh]


@pytest.mark.parametrize("fn", ACTIVATIONS)
@pytest.mark.parametrize("shape", [(), (7,), (2, 5)])
def test_activation(fn, shape):
    check_jvp(fn, _away(*shape, seed=21, low=0.05, high=3.0))


def test_activation_at_kink_and_above_threshold():
    x = ag.forward.dual(ag.tensor([-1.0, 0.0, 2.0], dtype=np.float64), np.ones(3))
    np.testing.assert_array_equal(_tangent(ag.relu(x)).numpy(), [0.0, 0.0, 1.0])  # ReLU'(0) = 0
    np.testing.assert_allclose(_tangent(ag.softplus(x, beta=10.0, threshold=15.0)).numpy(),
                               [1 / (1 + np.exp(10.0)), 0.5, 1.0])


# ---------------------------------------------------------------- select
@pytest.mark.parametrize("sc,sa,sb", [((), (), ()), ((3, 1), (1, 4), (3, 4)), ((2, 3, 4), (3, 1), (4,)),
                                      ((1, 4), (2, 1, 1), ())])
def test_where(sc, sa, sb):
    c = ag.tensor(np.random.default_rng(22).random(sc) < 0.5)
    check_jvp(lambda a, b: ag.where(c, a, b), leaf(*sa, seed=23), leaf(*sb, seed=24))
    check_jvp(lambda a: ag.where(c, a, 0.5), leaf(*sa, seed=25))
    check_jvp(lambda b: ag.where(c, 2, b), leaf(*sb, seed=26))
    check_jvp(lambda b: ag.where(c, ag.tensor([[1, 2, 3, 4]]), b), leaf(*sb, seed=27))


def test_clamp():
    x = leaf(3, 4, seed=28)
    for lo, hi in ((-0.5, 0.5), (None, 0.3), (-0.2, None), (0.5, -0.5)):
        check_jvp(lambda x, lo=lo, hi=hi: ag.clamp(x, lo, hi), x)
    check_jvp(lambda x: ag.clamp(x, ag.tensor([[-1, 0, 1, 0]])), x)
    # tensor bounds, broadcasting, including lo > hi in some places
    check_jvp(ag.clamp, x, leaf(4, seed=29) - 0.5, leaf(3, 1, seed=30) + 0.5)
    check_jvp(lambda x, lo: ag.clamp(x, lo, 0.8), x, leaf(1, 4, seed=31))
    check_jvp(lambda x, hi: ag.clamp(x, -0.8, hi), x, leaf(3, 1, seed=32))
    check_jvp(lambda x, hi: ag.clamp_max(x, hi), x, leaf(seed=33))
    check_jvp(lambda x, lo: x.clip(min=lo), x, leaf(4, seed=34))


@pytest.mark.parametrize("fn", [ag.maximum, ag.minimum])
@pytest.mark.parametrize("sa,sb", SHAPES)
def test_maximum_minimum(fn, sa, sb):
    check_jvp(fn, leaf(*sa, seed=35), leaf(*sb, seed=36))
    check_jvp(lambda a: fn(a, 0.1), leaf(*sa, seed=37))
    check_jvp(lambda b: fn(ag.tensor(1), b), leaf(*sb, seed=38))


def test_maximum_tie_splits_the_tangent():
    a = ag.forward.dual(ag.tensor([1.0, 2.0], dtype=np.float64), [1.0, 1.0])
    b = ag.forward.dual(ag.tensor([1.0, 3.0], dtype=np.float64), [3.0, 5.0])
    np.testing.assert_array_equal(_tangent(ag.maximum(a, b)).numpy(), [2.0, 5.0])
    np.testing.assert_array_equal(_tangent(ag.minimum(a, b)).numpy(), [2.0, 1.0])


# ---------------------------------------------------------------- in place
def test_index_put():
    x, v = leaf(3, 4, seed=39), leaf(3, seed=40)
    check_jvp(lambda x, v: x.index_put((slice(None), 1), v), x, v)
    check_jvp(lambda x, w: x.index_put(ag.tensor([0, 2]), w), x, leaf(4, seed=43))
    check_jvp(lambda x: x.index_put(ag.tensor([0, 2]), 1.5), x)
    check_jvp(lambda x: x.index_put(x.detach() > 0, 0.0), x)
    check_jvp(lambda x: x.index_put((0, 1), ag.tensor(2)), x)  # an integer value: zero tangent
    check_jvp(lambda v: ag.zeros(3, 4, dtype=np.float64).index_put((Ellipsis, 2), v), v)


def _chain(x, v):
    y = x * 1
    y.mul_(2)
    y.add_(v, alpha=0.5)
    y.sub_(x)
    y.div_(v + 3.0)
    y.clamp_(-0.4, 0.4)
    y[1] = v
    y[0, :2] = 7.0
    y += x
    y *= v
    return y


def test_inplace_ops_carry_tangents():
    x = ag.forward.dual(ag.tensor([[1.0, -2.0, 3.0], [0.5, 0.25, -1.0]], dtype=np.float64),
                        [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    y = x * 1
    y.mul_(2)
    np.testing.assert_array_equal(_tangent(y).numpy(), [[2.0, 4.0, 6.0], [8.0, 10.0, 12.0]])
    y[0, 1] = 5.0
    np.testing.assert_array_equal(_tangent(y).numpy(), [[2.0, 0.0, 6.0], [8.0, 10.0, 12.0]])
    y.zero_()
    assert not _tangent(y).numpy().any()
    y.copy_(x)
    np.testing.assert_array_equal(_tangent(y).numpy(), _tangent(x).numpy())
    # the same chain with and without a recorded graph (check_jvp runs both)
    check_jvp(_chain, leaf(2, 3, seed=41), leaf(3, seed=42, low=0.5, high=1.0))
    with ag.no_grad():
        y = _chain(ag.forward.dual(leaf(2, 3, seed=41).detach(), np.ones((2, 3))),
                   ag.forward.dual(leaf(3, seed=42, low=0.5, high=1.0).detach(), np.ones(3)))
    assert _tangent(y) is not None


# ---------------------------------------------------------------- no rule
def test_op_without_jvp_raises_naming_it():
    class Twice(Op):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = ag.tensor([1.0, 2.0])
    assert Twice.apply(x).tolist() == [2.0, 4.0]  # no tangent, no rule needed
    with pytest.raises(NotImplementedError, match="Twice"):
        Twice.apply(ag.forward.dual(x, [1.0, 0.0]))
