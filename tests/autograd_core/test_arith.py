"""Arithmetic, broadcasting and casts: gradcheck, gradgradcheck and
hypothesis properties of broadcast gradients."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from tests.helpers import check, leaf

BROADCAST_PAIRS = [((3,), (3,)), ((2, 3), (3,)), ((3, 1), (1, 4)), ((2, 1, 3), (4, 1)), ((), (2, 2))]


@pytest.mark.parametrize("sa, sb", BROADCAST_PAIRS)
@pytest.mark.parametrize("fn", [
    lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b,
    lambda a, b: ag.add(a, b, alpha=-2.5), lambda a, b: ag.sub(a, b, alpha=3),
    lambda a, b: a ** b,
], ids=["add", "sub", "mul", "div", "add_alpha", "sub_alpha", "pow"])
def test_binary_ops_gradcheck_with_broadcasting(fn, sa, sb):
    a = leaf(*sa, seed=1, low=0.5, high=2.0)
    b = leaf(*sb, seed=2, low=0.5, high=2.0)
    check(fn, a, b)


@pytest.mark.parametrize("fn", [
    lambda a: -a, lambda a: 2.5 - a, lambda a: 3 / a, lambda a: a ** 3, lambda a: a ** -1.5,
    lambda a: 2.0 ** a, lambda a: a * 4 + 1, lambda a: a.clone() * a,
], ids=["neg", "rsub", "rdiv", "pow3", "pow_neg", "rpow", "affine", "clone"])
def test_unary_arith_gradcheck(fn):
    check(fn, leaf(2, 3, low=0.5, high=2.0))


def test_pow_of_zero_base_has_zero_exponent_gradient():
    a = ag.tensor([0.0, 2.0], dtype=ag.float64, requires_grad=True)
    b = ag.tensor([2.0, 3.0], dtype=ag.float64, requires_grad=True)
    (a ** b).backward(ag.ones(2, dtype=ag.float64))
    assert b.grad.tolist() == [0.0, pytest.approx(8 * np.log(2))]
    assert a.grad.tolist() == [0.0, 12.0]


def test_broadcast_to_and_sum_to_shape_are_adjoint():
    x = leaf(3, 1)
    check(lambda t: ag.broadcast_to(t, (2, 3, 4)), x)
    check(lambda t: t.expand(2, -1, 5), x)
    check(lambda t: ag.sum_to_shape(t, (1, 4)), leaf(3, 4))
    with pytest.raises(RuntimeError, match=r"\(3, 1\).*\(2, 4\)"):
        x.expand(2, 4)


def test_int_tensors_follow_pytorch_promotion():
    i = ag.tensor([1, 2, 3])
    assert (i / i).dtype == ag.float32
    assert (i * 0.5).dtype == ag.float32
    assert (i + i).dtype == ag.int64


@st.composite
def broadcastable_pair(draw):
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=4))
    return shapes.input_shapes


@settings(max_examples=60, deadline=None)
@given(broadcastable_pair(), st.sampled_from(["add", "sub", "mul", "div"]))
def test_broadcast_gradients_sum_to_input_shapes(shapes, op):
    sa, sb = shapes
    rng = np.random.default_rng(0)
    an = rng.uniform(1, 2, sa)
    bn = rng.uniform(1, 2, sb)
    a = ag.tensor(an, requires_grad=True)
    b = ag.tensor(bn, requires_grad=True)
    y = getattr(ag, op)(a, b)
    y.backward(ag.ones(y.shape, dtype=ag.float64))
    assert a.grad.shape == sa and b.grad.shape == sb
    ones = np.ones(np.broadcast_shapes(sa, sb))
    expect_a = {"add": ones, "sub": ones, "mul": ones * bn, "div": ones / bn}[op]
    expect_b = {"add": ones, "sub": -ones, "mul": ones * an, "div": -ones * an / bn ** 2}[op]
    np.testing.assert_allclose(a.grad.numpy(), ag.sum_to_shape(ag.tensor(expect_a), sa).numpy())
    np.testing.assert_allclose(b.grad.numpy(), ag.sum_to_shape(ag.tensor(expect_b), sb).numpy())


ZERO_DIM_VALUES = [0.0, -0.0, 1.0, -1.5, 1 / 3, 1e-45, 1e-310, 3.4e38, 65504.0, 7e4, np.inf, -np.inf, np.nan]
ZERO_DIM_OTHERS = [0.0, -0.0, 1.0001, -3, 2 ** 31, True, 1e300, np.inf, np.nan, 1 / 3]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("op", ["add", "sub", "mul", "truediv"])
def test_zero_dim_arithmetic_matches_the_ufunc_bit_for_bit(op, dtype):
    """+ - * / on 0-d floating tensors compute on numpy scalars (``Function._on_scalars``):
    the result has the dtype and the bits of the ufunc on one-element arrays, both ways round,
    with numbers and with 0-d tensors of any float dtype, and is a writeable 0-d array."""
    fn = getattr(np, {"truediv": "true_divide", "sub": "subtract", "mul": "multiply"}.get(op, op))
    forward, reverse = f"__{op}__", f"__r{op}__"
    with np.errstate(all="ignore"):
        for v in ZERO_DIM_VALUES:
            x = np.array(v, dtype)
            t = ag.tensor(x)
            others = ZERO_DIM_OTHERS + [np.array(w, d) for w in (1 / 3, -2.0) for d in (np.float16, np.float64)]
            for o in others:
                arg = ag.tensor(o) if isinstance(o, np.ndarray) else o
                for got, want in ((getattr(t, forward)(arg), fn(x.reshape(1), o)),
                                  (getattr(t, reverse)(arg), fn(o, x.reshape(1)))):
                    d = got.numpy()
                    assert type(d) is np.ndarray and d.shape == () and d.flags.writeable
                    assert d.dtype == want.dtype and d.tobytes() == want.tobytes(), (v, o)
