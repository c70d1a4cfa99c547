"""PyTorch's conventions for the elementwise ops of issue 16: gradients at
kinks and singular points (x ** 0 at 0, the exponent gradient at a zero or
negative base, xlogy at 0, atan2 and hypot at the origin, copysign at 0,
nan_to_num, logaddexp at infinities), and the dtype rules and errors of
integer and bool operands (the expected values were read off PyTorch's
documented behaviour and written here as literals)."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from tests.helpers import check, check_jvp, leaf

NAN, INF = float("nan"), float("inf")


def _t(values, requires_grad=True):
    return ag.tensor(values, dtype=ag.float64, requires_grad=requires_grad)


def _same(got, expected):
    np.testing.assert_array_equal(np.asarray(got._data if isinstance(got, ag.Tensor) else got), expected)


# ------------------------------------------------------------------- pow
@pytest.mark.parametrize("exponent", [0, 0.0])
def test_gradient_of_x_to_the_zero_is_zero_everywhere(exponent):
    x = _t([0.0, -1.0, 2.0])
    (g,) = ag.grad((x ** exponent).sum(), x)
    _same(g, [0.0, 0.0, 0.0])
    check(lambda t: t ** exponent, x)
    check_jvp(lambda t: t ** exponent, x)


def test_pow_with_a_zero_exponent_tensor_and_a_zero_base():
    x, p = _t([0.0, 0.0, 2.0]), _t([0.0, 1.0, 0.0])
    gx, gp = ag.grad((x ** p).sum(), (x, p))
    _same(gx, [0.0, 1.0, 0.0])
    _same(gp, [0.0, 0.0, math.log(2.0)])


def test_pow_second_derivatives_at_a_zero_base_stay_finite():
    x, p = _t([0.0, -1.0, 2.0]), _t([0.0, 2.0, -1.0])
    gx, gp = ag.grad((x ** p).sum(), (x, p), create_graph=True)
    _same(gx, [0.0, -2.0, -0.25])
    assert gp._data[0] == 0 and np.isnan(gp._data[1]) and gp._data[2] == pytest.approx(-0.25 * math.log(2) * -2)
    (hxx,) = ag.grad(gx.sum(), x, retain_graph=True)
    assert hxx._data[0] == 0 and hxx._data[2] == pytest.approx(0.25)
    check(lambda a, b: a ** b, _t([0.5, 1.5, 2.0]), _t([0.0, 2.0, 0.0]))  # zero exponents away from 0


def test_pow_exponent_gradient_follows_pytorch_at_zero_and_negative_bases():
    x, p = _t([-2.0, 0.0, 0.0, 0.0]), _t([2.0, -1.0, 0.0, 1.5])
    with np.errstate(divide="ignore"):
        gx, gp = ag.grad((x ** p).sum(), (x, p))
    assert np.isnan(gp._data[0])  # ln of a negative base
    _same(gp._data[1:], [-INF, 0.0, 0.0])
    _same(gx._data[:3], [-4.0, -INF, 0.0])
    p = _t([-1.0, 0.0, 1.0])
    with np.errstate(divide="ignore"):
        (g0,) = ag.grad((0.0 ** p).sum(), p)
    _same(g0, [-INF, 0.0, 0.0])
    q = _t([2.0, 0.5])
    with np.errstate(invalid="ignore"):
        (gneg,) = ag.grad(((-2.0) ** q).sum(), q)
    assert np.isnan(gneg._data).all()


def test_integer_powers():
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed."):
        ag.tensor([2, 3]) ** -1
    with pytest.raises(RuntimeError, match="Integers to negative integer powers"):
        ag.pow(ag.tensor([True]), -1)
    with pytest.raises(RuntimeError, match="Integers to negative integer powers"):
        ag.tensor([2]).pow(np.int64(-2))
    _same(ag.tensor([2]) ** -1.0, np.float32([0.5]))
    y = ag.tensor([0, 1, -1, -1, 2, 0]) ** ag.tensor([-1, -1, -1, -2, -3, 0])  # truncated, as C integers
    assert y.dtype == ag.int64
    _same(y, [0, 1, -1, 1, 0, 1])
    _same(2 ** ag.tensor([-1, 0, 1]), [0, 1, 2])
    _same((-1) ** ag.tensor([-1, -2, 3]), [-1, 1, -1])
    _same(ag.tensor([True, False]) ** ag.tensor([-1, -2]), [1, 0])
    assert (ag.tensor([2, 3], dtype=ag.uint8) ** 2).dtype == ag.uint8
    assert (ag.tensor([2, 3]) ** 0.5).dtype == ag.float32
    with pytest.raises(NotImplementedError):
        ag.tensor([True]) ** ag.tensor([True])


# ------------------------------------------------------------------- kinks of binary ops
def test_xlogy_at_zero():
    x, y = _t([0.0, 0.0, 0.0, 1.0, 2.0]), _t([0.0, -1.0, 2.0, 0.0, -1.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        out = ag.xlogy(x, y)
        gx, gy = ag.grad(out.sum(), (x, y))
    assert out._data[:3].tolist() == [0.0, 0.0, 0.0] and out._data[3] == -INF and np.isnan(out._data[4])
    _same(gx._data[:4], [0.0, 0.0, math.log(2.0), -INF])
    assert np.isnan(gx._data[4])
    assert np.isnan(gy._data[0])
    _same(gy._data[1:], [-0.0, 0.0, INF, -2.0])
    assert np.isnan(ag.xlogy(ag.tensor([0.0]), ag.tensor([NAN]))._data).all()
    check(ag.xlogy, _t([0.0, 0.0, 1.5]), _t([0.5, 2.0, 1.5]))  # x = 0 with y > 0: smooth


def test_atan2_and_hypot_at_the_origin():
    a, b = _t([0.0, 1.0]), _t([0.0, 1.0])
    ga, gb = ag.grad(ag.atan2(a, b).sum(), (a, b))
    _same(ga, [0.0, 0.5])
    _same(gb, [0.0, -0.5])
    a, b = _t([0.0, 3.0]), _t([0.0, 4.0])
    with np.errstate(invalid="ignore"):
        ga, gb = ag.grad(ag.hypot(a, b).sum(), (a, b))
    assert np.isnan(ga._data[0]) and np.isnan(gb._data[0])
    assert ga._data[1] == pytest.approx(0.6) and gb._data[1] == pytest.approx(0.8)


def test_atan2_quadrants_and_signed_zeros():
    a = ag.tensor([0.0, -0.0, 0.0, -0.0, 1.0, -1.0], dtype=ag.float64)
    b = ag.tensor([0.0, 0.0, -0.0, -0.0, -1.0, -1.0], dtype=ag.float64)
    _same(ag.atan2(a, b), [0.0, -0.0, math.pi, -math.pi, 3 * math.pi / 4, -3 * math.pi / 4])


def test_copysign_gradient():
    a, b = _t([0.0, 1.0, -2.0, -0.0, 3.0]), _t([1.0, -1.0, 2.0, -1.0, -0.0])
    out = ag.copysign(a, b)
    _same(out, [0.0, -1.0, 2.0, -0.0, -3.0])
    ga, gb = ag.grad(out.sum(), (a, b))
    _same(ga, [0.0, -1.0, -1.0, 0.0, -1.0])
    _same(gb, np.zeros(5))


def test_nan_to_num_values_and_gradient():
    x = _t([NAN, INF, -INF, 1.5])
    _same(ag.nan_to_num(x), [0.0, np.finfo(np.float64).max, np.finfo(np.float64).min, 1.5])
    _same(ag.nan_to_num(x, nan=1.0, posinf=2.0, neginf=-3.0), [1.0, 2.0, -3.0, 1.5])
    _same(x.nan_to_num(posinf=9.0), [0.0, 9.0, np.finfo(np.float64).min, 1.5])
    (g,) = ag.grad(ag.nan_to_num(x).sum(), x)
    _same(g, [0.0, 0.0, 0.0, 1.0])
    f32 = ag.nan_to_num(ag.tensor([INF]))
    assert f32.dtype == ag.float32 and f32._data[0] == np.finfo(np.float32).max


def test_logaddexp_at_infinities_and_large_arguments():
    a, b = _t([INF, -INF, 1000.0, -1000.0]), _t([INF, -INF, 1000.0, 0.0])
    out = ag.logaddexp(a, b)
    _same(out._data[:2], [INF, -INF])
    assert out._data[2] == pytest.approx(1000 + math.log(2)) and out._data[3] == pytest.approx(0.0)
    with np.errstate(invalid="ignore"):
        ga, gb = ag.grad(out.sum(), (a, b))
    assert np.isnan(ga._data[:2]).all() and np.isnan(gb._data[:2]).all()  # as PyTorch
    _same(ga._data[2:], [0.5, 0.0])
    _same(gb._data[2:], [0.5, 1.0])
    _same(ag.logaddexp2(ag.tensor([3.0]), ag.tensor([3.0])), [4.0])


def test_inverse_functions_at_the_ends_of_their_domains():
    with np.errstate(divide="ignore"):
        x = _t([1.0, -1.0])
        (g,) = ag.grad(ag.asin(x).sum(), x)
        _same(g, [INF, INF])
        _same(ag.atanh(ag.tensor([1.0, -1.0])), [INF, -INF])
        y = _t([1.0])
        (g,) = ag.grad(ag.acosh(y).sum(), y)
        _same(g, [INF])
        z = _t([1.0, 0.0])
        (g,) = ag.grad(ag.erfinv(z).sum(), z)
        _same(g, [INF, math.sqrt(math.pi) / 2])


# ------------------------------------------------------------------- dtypes
I = [-7, 7, 5]
F = [-7.5, 7.5, 0.5]

DTYPE_CASES = [  # (expression on i (int64), f (float32), b (bool)), dtype, values
    (lambda i, f, b: ag.floor(i), ag.int64, [-7, 7, 5]),
    (lambda i, f, b: ag.round(i), ag.int64, [-7, 7, 5]),
    (lambda i, f, b: ag.floor(f), ag.float32, [-8, 7, 0]),
    (lambda i, f, b: ag.ceil(f), ag.float32, [-7, 8, 1]),
    (lambda i, f, b: ag.trunc(f), ag.float32, [-7, 7, 0]),
    (lambda i, f, b: ag.frac(f), ag.float32, [-0.5, 0.5, 0.5]),
    (lambda i, f, b: ag.fmod(i, 3), ag.int64, [-1, 1, 2]),
    (lambda i, f, b: ag.fmod(i, -3), ag.int64, [-1, 1, 2]),
    (lambda i, f, b: ag.remainder(i, 3), ag.int64, [2, 1, 2]),
    (lambda i, f, b: ag.remainder(i, -3), ag.int64, [-1, -2, -1]),
    (lambda i, f, b: ag.remainder(f, -2), ag.float32, [-1.5, -0.5, -1.5]),
    (lambda i, f, b: ag.fmod(f, -2), ag.float32, [-1.5, 1.5, 0.5]),
    (lambda i, f, b: i % 3, ag.int64, [2, 1, 2]),
    (lambda i, f, b: 5 % i, ag.int64, [-2, 5, 0]),
    (lambda i, f, b: ag.remainder(5, i), ag.int64, [-2, 5, 0]),
    (lambda i, f, b: i // 2, ag.int64, [-4, 3, 2]),
    (lambda i, f, b: -7 // i, ag.int64, [1, -1, -2]),
    (lambda i, f, b: ag.floor_divide(f, 2), ag.float32, [-4, 3, 0]),
    (lambda i, f, b: ag.div(i, 2), ag.float32, [-3.5, 3.5, 2.5]),
    (lambda i, f, b: ag.div(i, 2, rounding_mode="trunc"), ag.int64, [-3, 3, 2]),
    (lambda i, f, b: ag.div(i, 2, rounding_mode="floor"), ag.int64, [-4, 3, 2]),
    (lambda i, f, b: ag.div(f, 0.0, rounding_mode="floor"), ag.float32, [-INF, INF, INF]),
    (lambda i, f, b: ag.true_divide(i, 2), ag.float32, [-3.5, 3.5, 2.5]),
    (lambda i, f, b: ag.copysign(i, -1), ag.float32, [-7, -7, -5]),
    (lambda i, f, b: ag.copysign(f, i), ag.float32, [-7.5, 7.5, 0.5]),
    (lambda i, f, b: ag.heaviside(i, ag.tensor(2)), ag.int64, [0, 1, 1]),
    (lambda i, f, b: ag.heaviside(f, ag.tensor(0.5)), ag.float32, [0, 1, 1]),
    (lambda i, f, b: ag.sgn(i), ag.int64, [-1, 1, 1]),
    (lambda i, f, b: ag.sgn(b), ag.bool, [True, False, True]),
    (lambda i, f, b: ag.signbit(i), ag.bool, [True, False, False]),
    (lambda i, f, b: ag.signbit(b), ag.bool, [False, False, False]),
    (lambda i, f, b: ag.signbit(ag.tensor([-0.0, 0.0, -INF])), ag.bool, [True, False, True]),
    (lambda i, f, b: ag.exp2(i), ag.float32, [2.0 ** -7, 128, 32]),
    (lambda i, f, b: ag.exp2(b), ag.float32, [2, 1, 2]),
    (lambda i, f, b: ag.nan_to_num(i), ag.int64, [-7, 7, 5]),
    (lambda i, f, b: ag.xlogy(2, f.abs()), ag.float32, list(2 * np.log(np.float32([7.5, 7.5, 0.5])))),
    (lambda i, f, b: ag.logaddexp2(f, f), ag.float32, [-6.5, 8.5, 1.5]),
    (lambda i, f, b: ag.atan2(i, i), ag.float32, [-3 * math.pi / 4, math.pi / 4, math.pi / 4]),
    (lambda i, f, b: ag.sinh(ag.tensor([1], dtype=ag.uint8)), ag.float32, [math.sinh(1)]),
    (lambda i, f, b: ag.clamp(i, ag.tensor([0.0, 0.0, 0.0])), ag.float32, [0, 7, 5]),
    (lambda i, f, b: ag.clamp(i, max=ag.tensor(2)), ag.int64, [-7, 2, 2]),
    (lambda i, f, b: ag.clamp(b, 0, 1), ag.int64, [1, 0, 1]),
]


@pytest.mark.parametrize("k", range(len(DTYPE_CASES)))
def test_dtype_rules(k):
    fn, dtype, values = DTYPE_CASES[k]
    out = fn(ag.tensor(I), ag.tensor(F), ag.tensor([True, False, True]))
    assert out.dtype == dtype
    np.testing.assert_allclose(out._data.astype(np.float64), np.asarray(values, np.float64), rtol=1e-6)


ERROR_CASES = [
    (lambda i, f, b: ag.floor(b), NotImplementedError, "'Bool'"),
    (lambda i, f, b: ag.round(i, decimals=1), NotImplementedError, "'Long'"),
    (lambda i, f, b: ag.frac(i), NotImplementedError, "'Long'"),
    (lambda i, f, b: ag.fmod(i, 0), RuntimeError, "ZeroDivisionError"),
    (lambda i, f, b: ag.remainder(i, ag.tensor([1, 0, 1])), RuntimeError, "ZeroDivisionError"),
    (lambda i, f, b: i // 0, RuntimeError, "ZeroDivisionError"),
    (lambda i, f, b: ag.div(i, 0, rounding_mode="trunc"), RuntimeError, "ZeroDivisionError"),
    (lambda i, f, b: ag.floor_divide(b, b), NotImplementedError, "'Bool'"),
    (lambda i, f, b: ag.remainder(b, b), NotImplementedError, "'Bool'"),
    (lambda i, f, b: ag.div(i, 2, rounding_mode="bad"), RuntimeError, "rounding_mode to be one of None, 'trunc'"),
    (lambda i, f, b: ag.fmod(5, i), TypeError, "must be Tensor"),
    (lambda i, f, b: ag.hypot(i, i), NotImplementedError, "'Long'"),
    (lambda i, f, b: ag.hypot(f, 2.0), TypeError, "argument 'other' must be Tensor"),
    (lambda i, f, b: ag.heaviside(f, ag.tensor(2)), RuntimeError, "different dtypes"),
    (lambda i, f, b: ag.heaviside(f, 0.5), TypeError, "must be Tensor"),
    (lambda i, f, b: ag.lerp(i, i, 0.5), NotImplementedError, "'Long'"),
    (lambda i, f, b: ag.lerp(f, f.double(), 0.5), RuntimeError, "expected dtype float32 for `end`"),
    (lambda i, f, b: ag.lerp(f, f, f.double()), RuntimeError, "for `weight`"),
    (lambda i, f, b: ag.logaddexp(i, i), NotImplementedError, "'Long'"),
    (lambda i, f, b: ag.asin([0.5]), TypeError, "must be Tensor"),
    (lambda i, f, b: f << 1, NotImplementedError, "'Float'"),
    (lambda i, f, b: i >> 1.5, NotImplementedError, "'Float'"),
    (lambda i, f, b: ag.bitwise_left_shift(1, 2), TypeError, "expected a Tensor"),
    (lambda i, f, b: f & 1, NotImplementedError, "float32"),
    (lambda i, f, b: i | 1.5, NotImplementedError, "float"),
    (lambda i, f, b: ~f, TypeError, "bitwise_not"),
]


@pytest.mark.parametrize("k", range(len(ERROR_CASES)))
def test_errors_as_pytorch(k):
    fn, exc, match = ERROR_CASES[k]
    with pytest.raises(exc, match=match):
        fn(ag.tensor(I), ag.tensor(F), ag.tensor([True, False, True]))


def test_not_implemented_is_a_runtime_error_as_in_pytorch():
    with pytest.raises(RuntimeError):
        ag.floor(ag.tensor([True]))


def test_sign_and_sgn_of_nan_are_zero():
    x = ag.tensor([NAN, -2.0, 0.0, -0.0, INF])
    _same(ag.sign(x), [0.0, -1.0, 0.0, 0.0, 1.0])
    _same(ag.sgn(x), [0.0, -1.0, 0.0, 0.0, 1.0])


def test_float_division_by_zero_gives_inf_and_nan():
    a = ag.tensor([-7.0, 7.0, 0.0])
    out = ag.fmod(a, 0.0)
    assert np.isnan(out._data).all()
    assert np.isnan(ag.remainder(a, 0.0)._data).all()
    _same(ag.floor_divide(a, 0.0)._data[:2], [-INF, INF])
    _same(ag.floor_divide(ag.tensor([1.0], dtype=ag.float64), 0.1), [9.0])  # Python's 1 // 0.1


# ------------------------------------------------------------------- integer division properties
ints = st.integers(-(2 ** 40), 2 ** 40)


@settings(max_examples=100, deadline=None)
@given(ints, ints.filter(lambda v: v != 0))
def test_integer_division_and_remainders_match_python(a, b):
    ta, tb = ag.tensor([a]), ag.tensor([b])
    assert int((ta // tb)._data[0]) == a // b
    assert int((ta % tb)._data[0]) == a % b
    trunc = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)
    assert int(ag.div(ta, tb, rounding_mode="trunc")._data[0]) == trunc
    assert int(ag.fmod(ta, tb)._data[0]) == a - b * trunc
    assert int(ag.remainder(a, tb)._data[0]) == a % b


@settings(max_examples=100, deadline=None)
@given(st.floats(-1e6, 1e6), st.floats(-1e3, 1e3).filter(lambda v: abs(v) > 1e-3))
def test_float_remainders_signs_and_identity(a, b):
    ta, tb = ag.tensor([a], dtype=ag.float64), ag.tensor([b], dtype=ag.float64)
    r, f = float(ag.remainder(ta, tb)._data[0]), float(ag.fmod(ta, tb)._data[0])
    assert r == a % b  # Python's float %: the sign of the divisor
    assert f == math.fmod(a, b)  # C's fmod: the sign of the dividend
    assert float(ag.floor_divide(ta, tb)._data[0]) == a // b


# ------------------------------------------------------------------- bitwise
def test_shifts_as_pytorch():
    i = ag.tensor([-7, 7, 5])
    _same(i << 2, [-28, 28, 20])
    _same(i >> 1, [-4, 3, 2])
    _same(2 << i, [0, 256, 64])
    _same(20 >> ag.tensor([1, 2]), [10, 5])
    _same(ag.bitwise_right_shift(i, 70), [-1, 0, 0])
    _same(ag.bitwise_right_shift(i, -1), [-1, 0, 0])
    _same(ag.bitwise_left_shift(i, -1), [0, 0, 0])
    _same(ag.bitwise_left_shift(i, 64), [0, 0, 0])
    _same(ag.tensor([3]) << ag.tensor([63]), [np.iinfo(np.int64).min])
    u = ag.tensor([1], dtype=ag.uint8) << 9
    assert u.dtype == ag.uint8 and u._data[0] == 0
    s = ag.tensor([-7, 7], dtype=ag.int8) >> 9
    assert s.dtype == ag.int8
    _same(s, [-1, 0])
    b = ag.tensor([True, False, True]) << 1
    assert b.dtype == ag.int64
    _same(b, [2, 0, 2])


@settings(max_examples=100, deadline=None)
@given(st.integers(-(2 ** 62), 2 ** 62), st.integers(0, 62))
def test_shifts_match_python_within_range(a, s):
    assert int((ag.tensor([a]) >> s)._data[0]) == a >> s
    expected = ((a << s) + 2 ** 63) % 2 ** 64 - 2 ** 63  # wrapped to int64
    assert int((ag.tensor([a]) << s)._data[0]) == expected


def test_inplace_bitwise_methods():
    x = ag.tensor([6, 5])
    v = x._version
    x &= 3
    _same(x, [2, 1])
    x |= 4
    _same(x, [6, 5])
    x ^= ag.tensor([1, 1])
    _same(x, [7, 4])
    x <<= 1
    _same(x, [14, 8])
    x >>= 2
    _same(x, [3, 2])
    assert x._version == v + 5
    y = ag.tensor([True, False])
    y.bitwise_not_()
    _same(y, [False, True])
    m = ag.tensor([1, 2])
    m.bitwise_left_shift_(ag.tensor([2, 1]))
    _same(m, [4, 4])


# ------------------------------------------------------------------- in-place variants
@pytest.mark.parametrize("name,args", [
    ("floor_", ()), ("ceil_", ()), ("trunc_", ()), ("fix_", ()), ("round_", ()), ("frac_", ()),
    ("asin_", ()), ("atan_", ()), ("sinh_", ()), ("exp2_", ()), ("erfc_", ()), ("erfinv_", ()), ("exp_", ()),
    ("atan2_", (0.5,)), ("copysign_", (-1.0,)), ("fmod_", (0.3,)), ("remainder_", (0.3,)),
    ("floor_divide_", (0.3,)), ("xlogy_", (2.0,)), ("lerp_", ("end", 0.25)), ("hypot_", ("other",)),
    ("nan_to_num_", ()), ("sgn_", ()),
])
def test_inplace_variants_match_out_of_place_and_backpropagate(name, args):
    base = leaf(4, seed=2, low=-0.9, high=0.9)
    end = ag.tensor([0.5, -0.5, 0.25, 1.0], dtype=ag.float64)
    args = tuple(end if a in ("end", "other") else a for a in args)
    expected = getattr(ag.Tensor, name[:-1])(base, *args)
    y = base * 1.0
    v = y._version
    assert getattr(y, name)(*args) is y
    assert y._version == v + 1
    np.testing.assert_allclose(y._data, expected._data)
    (g,) = ag.grad(y.sum(), base)
    (g_ref,) = ag.grad(expected.sum(), base)
    np.testing.assert_allclose(g._data, g_ref._data)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        getattr(base, name)(*args)


def test_inplace_variant_with_a_keyword_tensor_that_requires_grad():
    w = leaf(3, seed=1, low=0.1, high=0.9)
    end = ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64)
    y = ag.zeros(3, dtype=ag.float64)
    y.lerp_(end, weight=w)  # y itself needs no grad: the weight's gradient must still be recorded
    (g,) = ag.grad(y.sum(), w)
    _same(g, [1.0, 2.0, 3.0])


def test_inplace_on_an_integer_tensor():
    x = ag.tensor([-7, 7, 5])
    x.floor_divide_(2)
    _same(x, [-4, 3, 2])
    x %= 3
    _same(x, [2, 0, 2])
    x //= 2
    _same(x, [1, 0, 1])
