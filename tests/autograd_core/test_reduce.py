"""Tests of ops/reduce.py and ops/reduce_prod.py: sum, mean, var, std,
var_mean, std_mean, cumsum, prod and norm: values against numpy, first and
second derivatives over every dim form (None, int, negative, tuple) with and
without keepdim, hypothesis properties, prod and norm at zeros, dtypes and
errors."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from tests.helpers import check, check_float32_backward, leaf

# every form of dim on a (2, 3, 4) tensor, with the numpy axis it means
DIMS = [None, 0, 1, 2, -1, -3, (0, 2), (-1, 0), (0, 1, 2), ()]
REDUCTIONS = ["sum", "mean", "prod", "var", "std", "norm"]


def _axis(dim):
    return None if dim is None or dim == () else dim


def _x(seed=0):
    return leaf(2, 3, 4, seed=seed)


# ---------------------------------------------------------------- values
@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
def test_values_against_numpy(dim, keepdim):
    x = _x()
    a, ax = x._data, _axis(dim)
    expected = {
        "sum": np.sum(a, axis=ax, keepdims=keepdim),
        "mean": np.mean(a, axis=ax, keepdims=keepdim),
        "prod": np.prod(a, axis=ax, keepdims=keepdim),
        "var": np.var(a, axis=ax, ddof=1, keepdims=keepdim),
        "std": np.std(a, axis=ax, ddof=1, keepdims=keepdim),
        "norm": np.sqrt(np.sum(a * a, axis=ax, keepdims=keepdim)),
    }
    for name, want in expected.items():
        got = getattr(ag, name)(x, dim=dim, keepdim=keepdim)
        assert got.shape == np.shape(want), name
        np.testing.assert_allclose(got._data, want, rtol=1e-12, err_msg=name)
        method = getattr(x, name)(dim=dim, keepdim=keepdim)
        np.testing.assert_array_equal(method._data, got._data)


def test_positional_arguments_as_pytorch():
    x = _x()
    assert x.sum(1, True).shape == (2, 1, 4)
    assert ag.mean(x, (0, 2)).shape == (3,)
    assert x.var(1, True, True).shape == (2, 1, 4)  # var(dim, unbiased, keepdim)
    np.testing.assert_allclose(x.var(False)._data, np.var(x._data))  # var(unbiased)
    assert x.prod(2).shape == (2, 3)
    assert x.norm(2, 1).shape == (2, 4)


# ---------------------------------------------------------------- gradients
# (the same cases, with their functions, are the forward-mode tests of test_jvp_structural.py)
def over_reductions(test):
    """``test(name, dim, keepdim)`` for every reduction, dim and keepdim."""
    test = pytest.mark.parametrize("name", REDUCTIONS)(test)
    test = pytest.mark.parametrize("keepdim", [False, True])(test)
    return pytest.mark.parametrize("dim", DIMS)(test)


def reduction(name, dim, keepdim):
    return lambda a: getattr(ag, name)(a, dim=dim, keepdim=keepdim)


def over_corrections(test):
    """``test(correction, dim)`` for the corrections 0, 1, 2 of var and std."""
    test = pytest.mark.parametrize("dim", [None, 1, (0, 2)])(test)
    return pytest.mark.parametrize("correction", [0, 1, 2])(test)


def var_std(dim, correction):
    """var, and std with keepdim, of that correction."""
    return (lambda a: ag.var(a, dim, correction=correction),
            lambda a: ag.std(a, dim, keepdim=True, correction=correction))


@over_reductions
def test_gradcheck_and_gradgradcheck(name, dim, keepdim):
    check(reduction(name, dim, keepdim), _x(seed=1))


@over_corrections
def test_var_std_correction_gradients(correction, dim):
    x = _x(seed=2)
    for f in var_std(dim, correction):
        check(f, x)


@pytest.mark.parametrize("dim", [0, 1, 2, -1, -2])
def test_cumsum_values_and_gradients(dim):
    x = _x(seed=3)
    np.testing.assert_allclose(ag.cumsum(x, dim)._data, np.cumsum(x._data, axis=dim))
    np.testing.assert_array_equal(x.cumsum(dim)._data, ag.cumsum(x, dim)._data)
    check(lambda a: ag.cumsum(a, dim), x)


def test_cumsum_gradient_is_reversed_cumsum():
    x = leaf(4)
    ag.cumsum(x, 0).backward(ag.tensor([1.0, 2.0, 3.0, 4.0], dtype=ag.float64))
    np.testing.assert_array_equal(x.grad._data, [10.0, 9.0, 7.0, 4.0])


def test_gradients_of_sum_and_mean_values():
    x = _x()
    x.sum((0, 2)).backward(ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64))
    np.testing.assert_array_equal(x.grad._data, np.broadcast_to([[1.0], [2.0], [3.0]], (2, 3, 4)))
    y = _x()
    y.mean(1, keepdim=True).sum().backward()
    np.testing.assert_allclose(y.grad._data, np.full((2, 3, 4), 1 / 3))


def test_var_gradient_value():
    x = ag.tensor([1.0, 2.0, 6.0], dtype=ag.float64, requires_grad=True)
    x.var().backward()  # mean 3, 2 (x - 3) / (3 - 1)
    np.testing.assert_allclose(x.grad._data, [-2.0, -1.0, 3.0])


def test_var_mean_and_std_mean():
    x = _x(seed=4)
    v, m = ag.var_mean(x, 1, correction=0, keepdim=True)
    np.testing.assert_allclose(v._data, np.var(x._data, axis=1, keepdims=True))
    np.testing.assert_allclose(m._data, np.mean(x._data, axis=1, keepdims=True))
    s, m = ag.std_mean(x, (0, 2))
    np.testing.assert_allclose(s._data, np.std(x._data, axis=(0, 2), ddof=1))
    check(lambda a: ag.std_mean(a, 1), x)


# ---------------------------------------------------------------- var / std corrections
@pytest.mark.parametrize("name,ref", [("var", np.var), ("std", np.std)])
@pytest.mark.parametrize("dim", [None, 0, -1, (0, 2)])
def test_var_std_correction_against_numpy_ddof(name, ref, dim):
    x = _x(seed=5)
    fn = getattr(ag, name)
    for correction in (0, 1):
        want = ref(x._data, axis=_axis(dim), ddof=correction)
        np.testing.assert_allclose(fn(x, dim, correction=correction)._data, want, rtol=1e-12)
        np.testing.assert_allclose(fn(x, dim, unbiased=bool(correction))._data, want, rtol=1e-12)
    np.testing.assert_allclose(fn(x, dim)._data, ref(x._data, axis=_axis(dim), ddof=1), rtol=1e-12)


def test_var_of_single_element_with_correction_is_nan():
    x = ag.tensor([3.0], dtype=ag.float64, requires_grad=True)
    assert np.isnan(x.var().item())
    assert x.var(correction=0).item() == 0.0


# ---------------------------------------------------------------- prod at zeros
def test_prod_gradient_with_one_zero():
    x = ag.tensor([2.0, 0.0, 3.0, 4.0], dtype=ag.float64, requires_grad=True)
    x.prod().backward()
    np.testing.assert_array_equal(x.grad._data, [0.0, 24.0, 0.0, 0.0])


def test_prod_gradient_with_several_zeros():
    x = ag.tensor([[2.0, 0.0, 0.0], [0.0, 5.0, 3.0]], dtype=ag.float64, requires_grad=True)
    x.prod(1).sum().backward()
    np.testing.assert_array_equal(x.grad._data, [[0.0, 0.0, 0.0], [15.0, 0.0, 0.0]])


def test_prod_second_derivative_at_two_zeros():
    # d²/dx0 dx1 of x0 x1 x2 at (0, 0, 3) is x2 = 3, although the gradient is 0 there
    x = ag.tensor([0.0, 0.0, 3.0], dtype=ag.float64, requires_grad=True)
    (g,) = ag.grad(x.prod(), x, create_graph=True)
    np.testing.assert_array_equal(g._data, [0.0, 0.0, 0.0])
    (h0,) = ag.grad(g[0], x)
    np.testing.assert_array_equal(h0._data, [0.0, 3.0, 0.0])


@pytest.mark.parametrize("dim", [None, 0, 1, -1, (0, 1)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_prod_gradchecks_with_zeros(dim, keepdim):
    one = ag.tensor([[1.5, 0.0, -2.0], [0.5, 3.0, -1.0]], dtype=ag.float64, requires_grad=True)
    several = ag.tensor([[0.0, 0.0, -2.0], [0.5, 0.0, -1.0]], dtype=ag.float64, requires_grad=True)
    for x in (one, several):
        check(lambda a: ag.prod(a, dim, keepdim), x)


def test_prod_third_derivative_at_zeros():
    # d³/dx0 dx1 dx2 of x0 x1 x2 x3 is x3, even at x = 0
    x = ag.tensor([0.0, 0.0, 0.0, 2.0], dtype=ag.float64, requires_grad=True)
    (g,) = ag.grad(x.prod(), x, create_graph=True)
    (h,) = ag.grad(g[0], x, create_graph=True)
    (t,) = ag.grad(h[1], x)
    np.testing.assert_array_equal(t._data, [0.0, 0.0, 2.0, 0.0])


# ---------------------------------------------------------------- norm
@pytest.mark.parametrize("p", [1, 2, 3, 0.5, 1.5, -1.0, math.inf, -math.inf, 0, "fro"])
@pytest.mark.parametrize("dim", [None, 1, -1, (0, 2)])
def test_norm_values_and_gradients(p, dim):
    x = _x(seed=6)
    a = np.abs(x._data)
    q = 2 if p == "fro" else p
    ax = _axis(dim)
    if q == math.inf:
        want = a.max(axis=ax)
    elif q == -math.inf:
        want = a.min(axis=ax)
    elif q == 0:
        want = (a != 0).sum(axis=ax).astype(float)
    else:
        want = (a ** q).sum(axis=ax) ** (1 / q)
    np.testing.assert_allclose(ag.norm(x, p, dim)._data, want, rtol=1e-12)
    check(lambda t: ag.norm(t, p, dim, keepdim=True), x)
    check(lambda t: t.norm(p, dim), x)


@pytest.mark.parametrize("p", [2, "fro", 3, 1.5])
def test_norm_gradient_at_zero_is_zero(p):
    x = ag.zeros(2, 3, dtype=ag.float64, requires_grad=True)
    ag.norm(x, p, dim=1).sum().backward()
    np.testing.assert_array_equal(x.grad._data, np.zeros((2, 3)))
    y = ag.tensor([[0.0, 0.0], [3.0, 4.0]], dtype=ag.float64, requires_grad=True)
    y.norm(dim=1).sum().backward()  # a zero row next to a non-zero one
    np.testing.assert_allclose(y.grad._data, [[0.0, 0.0], [0.6, 0.8]])


def test_norm_small_p_with_zero_entries_is_finite():
    x = ag.tensor([0.0, 1.0, 4.0], dtype=ag.float64, requires_grad=True)
    x.norm(0.5).backward()
    assert np.all(np.isfinite(x.grad._data)) and x.grad._data[0] == 0.0


def test_norm_inf_splits_ties_evenly():
    x = ag.tensor([3.0, -3.0, 1.0], dtype=ag.float64, requires_grad=True)
    x.norm(math.inf).backward()
    np.testing.assert_array_equal(x.grad._data, [0.5, -0.5, 0.0])


def test_norm_2_gradient_value():
    x = ag.tensor([3.0, -4.0], dtype=ag.float64, requires_grad=True)
    x.norm().backward()
    np.testing.assert_allclose(x.grad._data, [0.6, -0.8])


# ---------------------------------------------------------------- hypothesis
@st.composite
def _reduction_case(draw):
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=4))
    nd = len(shape)
    if nd == 0:
        dim = draw(st.sampled_from([None, 0, -1, ()]))
    else:
        kind = draw(st.sampled_from(["none", "int", "tuple"]))
        if kind == "none":
            dim = None
        elif kind == "int":
            dim = draw(st.integers(-nd, nd - 1))
        else:
            axes = draw(st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd, unique=True))
            dim = tuple(a - nd if draw(st.booleans()) else a for a in axes)
    values = draw(hnp.arrays(np.float64, shape, elements=st.floats(-10, 10)))
    return values, dim, draw(st.booleans())


def _np_axes(ndim, dim):
    if dim is None or dim == ():
        return tuple(range(ndim))
    dims = dim if isinstance(dim, tuple) else (dim,)
    return tuple(sorted(d % max(ndim, 1) for d in dims)) if ndim else ()


@settings(max_examples=60, deadline=None)
@given(_reduction_case())
def test_property_reductions_match_numpy(case):
    values, dim, keepdim = case
    ax = _np_axes(values.ndim, dim)
    x = ag.tensor(values, requires_grad=True)
    np.testing.assert_allclose(ag.sum(x, dim, keepdim)._data, np.sum(values, ax, keepdims=keepdim),
                               atol=1e-9)
    np.testing.assert_allclose(ag.mean(x, dim, keepdim)._data,
                               np.mean(values, ax, keepdims=keepdim), atol=1e-9)
    np.testing.assert_allclose(ag.prod(x, dim, keepdim)._data,
                               np.prod(values, ax, keepdims=keepdim), rtol=1e-9)
    np.testing.assert_allclose(ag.var(x, dim, keepdim=keepdim, correction=0)._data,
                               np.var(values, ax, keepdims=keepdim), atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(_reduction_case())
def test_property_gradient_of_sum_is_ones_and_of_mean_is_one_over_n(case):
    values, dim, keepdim = case
    n = math.prod(values.shape[a] for a in _np_axes(values.ndim, dim))
    x = ag.tensor(values, requires_grad=True)
    ag.sum(x, dim, keepdim).sum().backward()
    np.testing.assert_array_equal(x.grad._data, np.ones_like(values))
    assert x.grad.shape == x.shape and x.grad.dtype == x.dtype
    y = ag.tensor(values, requires_grad=True)
    ag.mean(y, dim, keepdim).sum().backward()
    np.testing.assert_allclose(y.grad._data, np.full(values.shape, 1 / n))


# ---------------------------------------------------------------- dtypes and edge cases
@pytest.mark.parametrize("fn", [
    lambda a: a.sum(1), lambda a: a.mean(), lambda a: a.var(0), lambda a: a.std((0, 1)),
    lambda a: a.prod(-1), lambda a: a.cumsum(1), lambda a: a.norm(), lambda a: a.norm(3, 0),
    lambda a: a.norm(math.inf, 1), lambda a: ag.var_mean(a, 1)[0],
])
def test_float32_is_kept_in_output_and_gradient(fn):
    check_float32_backward(fn, leaf(3, 4, seed=7, dtype=np.float32))


def test_float32_prod_gradient_with_zero_and_double_backward():
    x = ag.tensor([[1.0, 0.0, 2.0]], requires_grad=True)
    (g,) = ag.grad(x.prod(1).sum(), x, create_graph=True)
    assert g.dtype == np.float32
    g.sum().backward()
    assert x.grad.dtype == np.float32


def test_integer_and_bool_inputs():
    i = ag.tensor([[1, 2], [3, 4]], dtype=ag.int32)
    assert i.sum().dtype == np.int64 and i.sum().item() == 10
    assert ag.tensor([True, True, False]).sum().item() == 2
    assert i.prod(1).tolist() == [2, 12] and i.prod().dtype == np.int64
    assert i.cumsum(0).dtype == np.int64
    np.testing.assert_allclose(i.mean(dtype=ag.float32)._data, 2.5)
    assert i.sum(dtype=ag.float64).dtype == np.float64


def test_sum_dtype_argument_is_differentiable():
    x = leaf(3, seed=8, dtype=np.float32)
    y = ag.sum(x, dtype=ag.float64)
    assert y.dtype == np.float64
    y.backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad._data, np.ones(3))


def test_zero_dim_inputs():
    x = ag.tensor(3.0, dtype=ag.float64, requires_grad=True)
    for fn in (ag.sum, ag.mean, ag.prod):
        for dim in (None, 0, -1):
            assert fn(x, dim).shape == () and fn(x, dim).item() == 3.0
    assert ag.cumsum(x, 0).item() == 3.0
    check(lambda a: a.prod(0) * a.sum() + a.cumsum(0), x)


def test_empty_inputs():
    e = ag.zeros(0, 3, dtype=ag.float64, requires_grad=True)
    np.testing.assert_array_equal(e.sum(0)._data, np.zeros(3))
    np.testing.assert_array_equal(e.prod(0)._data, np.ones(3))
    assert np.all(np.isnan(e.mean(0)._data)) and e.mean(1).shape == (0,)
    e.sum(0).sum().backward()
    assert e.grad.shape == (0, 3)


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize("fn,name", [
    (lambda x: ag.sum(x, 3), "sum"), (lambda x: ag.mean(x, -4), "mean"),
    (lambda x: ag.var(x, (0, 5)), "var"), (lambda x: ag.std(x, 3), "std"),
    (lambda x: ag.prod(x, 3), "prod"), (lambda x: ag.cumsum(x, 3), "cumsum"),
    (lambda x: ag.norm(x, 2, 3), "norm"),
])
def test_dim_out_of_range_names_op_and_range(fn, name):
    with pytest.raises(IndexError, match=rf"{name}.*\[-3, 2\]"):
        fn(_x())


def test_other_errors():
    x = _x()
    with pytest.raises(RuntimeError, match="sum.*dim 0 appears multiple times"):
        x.sum((0, -3))
    with pytest.raises(TypeError, match="sum.*dim"):
        x.sum(1.5)
    with pytest.raises(TypeError, match="sum.*Tensor"):
        ag.sum(np.ones(3))
    with pytest.raises(RuntimeError, match="mean.*floating point.*int64"):
        ag.tensor([1, 2]).mean()
    with pytest.raises(RuntimeError, match="std.*floating point"):
        ag.tensor([1, 2]).std()
    with pytest.raises(TypeError, match="var.*unbiased or correction"):
        x.var(unbiased=True, correction=0)
    with pytest.raises(ValueError, match="norm.*'nuc'"):
        x.norm("nuc")
    with pytest.raises(RuntimeError, match="norm.*floating point"):
        ag.tensor([1, 2]).norm()
    with pytest.raises(RuntimeError, match="norm.*empty"):
        ag.zeros(0, 3).norm(math.inf, 0)
