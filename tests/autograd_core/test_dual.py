"""The teaching dual number ``ag.forward.Dual``: the lecture example, every
function's derivative against calculus, arrays, and agreement with the
engine's forward mode."""
import math

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import forward as fw
from autograd_core.forward import Dual


def notes_f(x1, x2):
    """f(x1, x2) = ln(x1) + x1·x2 − sin(x2) (notes 004), for Duals and Tensors alike."""
    return fw.log(x1) + x1 * x2 - fw.sin(x2)


def test_notes_004_seed_x1():
    y = notes_f(Dual(2.0, 1.0), Dual(5.0, 0.0))
    assert y.a == pytest.approx(11.652071, abs=1e-6)
    assert y.b == pytest.approx(5.5, abs=1e-15)
    assert repr(y) == "Dual(11.652, 5.5)"


def test_notes_004_seed_x2():
    y = notes_f(Dual(2.0, 0.0), Dual(5.0, 1.0))
    assert y.a == pytest.approx(11.652071, abs=1e-6)
    assert y.b == pytest.approx(1.716338, abs=1e-6)
    assert y.b == pytest.approx(2.0 - math.cos(5.0), abs=1e-15)


FUNCTIONS = [  # name, f, f', a point in the domain
    ("sin", math.sin, math.cos, 0.7),
    ("cos", math.cos, lambda x: -math.sin(x), 0.7),
    ("tan", math.tan, lambda x: 1 / math.cos(x) ** 2, 0.7),
    ("exp", math.exp, math.exp, 0.7),
    ("log", math.log, lambda x: 1 / x, 0.7),
    ("sqrt", math.sqrt, lambda x: 0.5 / math.sqrt(x), 0.7),
    ("tanh", math.tanh, lambda x: 1 / math.cosh(x) ** 2, 0.7),
    ("sigmoid", lambda x: 1 / (1 + math.exp(-x)), lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2, 0.7),
]


@pytest.mark.parametrize("name,f,df,x", FUNCTIONS, ids=[f[0] for f in FUNCTIONS])
def test_function_derivative(name, f, df, x):
    d = getattr(fw, name)(Dual(x, 1.0))
    assert d.a == pytest.approx(f(x), rel=1e-14)
    assert d.b == pytest.approx(df(x), rel=1e-14)
    # the method gives the same, and the seed scales the tangent: f'(a)·b
    m = getattr(Dual(x, 3.0), name)()
    assert (m.a, m.b) == pytest.approx((f(x), 3 * df(x)), rel=1e-14)
    # on plain numbers the module function is f itself
    assert getattr(fw, name)(x) == pytest.approx(f(x), rel=1e-14)


def test_arithmetic_rules():
    x, y = Dual(3.0, 1.0), Dual(2.0, 0.5)
    assert ((x + y).a, (x + y).b) == (5.0, 1.5)
    assert ((x - y).a, (x - y).b) == (1.0, 0.5)
    assert ((x * y).a, (x * y).b) == (6.0, 3.0 * 0.5 + 1.0 * 2.0)
    q = x / y
    assert (q.a, q.b) == pytest.approx((1.5, (1.0 * 2.0 - 3.0 * 0.5) / 4.0))
    n = -x
    assert (n.a, n.b) == (-3.0, -1.0)


def test_plain_numbers_on_both_sides():
    x = Dual(3.0, 1.0)
    for d, (a, b) in [(x + 2, (5, 1)), (2 + x, (5, 1)), (x - 2, (1, 1)), (2 - x, (-1, -1)),
                      (x * 2, (6, 2)), (2 * x, (6, 2)), (x / 2, (1.5, 0.5)), (6 / x, (2, -6 / 9))]:
        assert (d.a, d.b) == pytest.approx((a, b), rel=1e-15)


def test_powers():
    x = Dual(3.0, 1.0)
    p = x ** 3  # 3x² = 27
    assert (p.a, p.b) == pytest.approx((27.0, 27.0))
    p = x ** -0.5  # -x^-1.5 / 2
    assert (p.a, p.b) == pytest.approx((3 ** -0.5, -0.5 * 3 ** -1.5))
    p = Dual(0.0, 1.0) ** 0  # a constant, no 0·0⁻¹
    assert (p.a, p.b) == (1.0, 0.0)
    p = 2 ** x  # 2ˣ ln 2
    assert (p.a, p.b) == pytest.approx((8.0, 8.0 * math.log(2)))
    p = x ** x  # xˣ (ln x + 1)
    assert (p.a, p.b) == pytest.approx((27.0, 27.0 * (math.log(3) + 1)))
    p = Dual(3.0, 0.0) ** Dual(2.0, 1.0)  # seed on the exponent: xʸ ln x
    assert (p.a, p.b) == pytest.approx((9.0, 9.0 * math.log(3)))
    p = x ** Dual(2.0, 0.0)  # seed on the base: y xʸ⁻¹
    assert (p.a, p.b) == pytest.approx((9.0, 6.0))


def test_arrays_elementwise_and_broadcast():
    a = np.array([0.5, 1.0, 2.0])
    d = Dual(a, np.ones(3))
    y = fw.exp(d) * d + fw.sqrt(d)  # (eˣ x + √x)' = eˣ(x + 1) + 1/(2√x)
    np.testing.assert_allclose(y.a, np.exp(a) * a + np.sqrt(a), rtol=1e-15)
    np.testing.assert_allclose(y.b, np.exp(a) * (a + 1) + 0.5 / np.sqrt(a), rtol=1e-15)
    # an ndarray on the left defers to the Dual
    z = np.array([1.0, 2.0, 3.0]) * d
    assert isinstance(z, Dual)
    np.testing.assert_allclose(z.b, [1.0, 2.0, 3.0])
    # a scalar Dual broadcasts against an array Dual
    w = Dual(2.0, 1.0) * Dual(np.array([[1.0], [2.0]]), 0.0)
    assert w.a.shape == (2, 1)
    np.testing.assert_allclose(w.b, [[1.0], [2.0]])
    assert repr(Dual(np.array([1.0, 2.5]), np.array([0.0, 1.0]))) == "Dual([1. , 2.5], [0., 1.])"


def test_integer_arrays_become_float():
    d = Dual(np.array([1, 2]), np.array([1, 0]))
    assert d.a.dtype == np.float64 and (d / 2).a.tolist() == [0.5, 1.0]


def test_tensor_is_refused():
    with pytest.raises(TypeError, match="ag.forward.dual"):
        Dual(ag.tensor([1.0]))


def test_agrees_with_engine_forward_mode():
    """The same Python function runs on Duals and on dual tensors; seeds (1,0) and (0,1)."""
    for seed in [(1.0, 0.0), (0.0, 1.0)]:
        d = notes_f(Dual(2.0, seed[0]), Dual(5.0, seed[1]))
        x1 = fw.dual(ag.tensor(2.0, dtype=ag.float64), ag.tensor(seed[0], dtype=ag.float64))
        x2 = fw.dual(ag.tensor(5.0, dtype=ag.float64), ag.tensor(seed[1], dtype=ag.float64))
        primal, tangent = fw.unpack_dual(notes_f(x1, x2))
        assert primal.item() == pytest.approx(d.a, rel=1e-15)
        assert tangent.item() == pytest.approx(d.b, rel=1e-15)


def test_agrees_with_engine_on_arrays_for_every_function():
    rng = np.random.default_rng(0)
    a, b = rng.uniform(0.2, 1.2, 5), rng.standard_normal(5)

    def g(x):  # every function of the Dual, composed
        return (fw.sin(x) * fw.cos(x) + fw.tan(x) / fw.exp(x) - fw.log(x) * fw.sqrt(x)
                + fw.tanh(x) ** 2 - 1.5 ** fw.sigmoid(x) + x ** x)

    d = g(Dual(a, b))
    primal, tangent = fw.unpack_dual(g(fw.dual(ag.tensor(a), ag.tensor(b))))
    np.testing.assert_allclose(primal.numpy(), d.a, rtol=1e-13)
    np.testing.assert_allclose(tangent.numpy(), d.b, rtol=1e-12)
