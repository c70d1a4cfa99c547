"""The in-place methods added for issue 16: ``div_(rounding_mode=)``,
``true_divide_ divide_ multiply_ subtract_ neg_ negative_ pow_`` (``**=``),
``clip_ clamp_min_ clamp_max_`` (number or tensor bounds), and the existing
``sigmoid_ tanh_``; each against its out-of-place twin, with the in-place
conventions (same memory, version bump, leaf refusal, views rewriting their
base) and gradients both ways. Also the dtype refusals of softmax/log_softmax
on integers and of bool ** bool, as PyTorch."""
import numpy as np
import pytest

import autograd_core as ag
from tests.helpers import check, check_jvp, leaf

# (method, args, the out-of-place twin)
CASES = [
    ("div_", (ag.tensor([2.0, -3.0, 0.5]),), lambda x, o: ag.div(x, o)),
    ("true_divide_", (3.0,), lambda x, o: x / o),
    ("divide_", (-2.0,), lambda x, o: x / o),
    ("multiply_", (3.0,), lambda x, o: x * o),
    ("subtract_", (1.5,), lambda x, o: x - o),
    ("neg_", (), lambda x: -x),
    ("negative_", (), lambda x: -x),
    ("pow_", (3,), lambda x, e: x ** e),
    ("pow_", (2.5,), lambda x, e: x ** e),  # on |x| (see POSITIVE)
    ("clip_", (-0.5, 0.4), lambda x, lo, hi: ag.clamp(x, lo, hi)),
    ("clamp_min_", (-0.2,), lambda x, lo: ag.clamp(x, min=lo)),
    ("clamp_max_", (0.3,), lambda x, hi: ag.clamp(x, max=hi)),
    ("sigmoid_", (), lambda x: ag.sigmoid(x)),
    ("tanh_", (), lambda x: ag.tanh(x)),
]


POSITIVE = {("pow_", (2.5,))}  # a fractional power: applied to |x|


def _base(name, args, x):
    return ag.abs(x) if (name, args) in POSITIVE else x


def _args(args):
    return tuple(ag.tensor(a.numpy(), dtype=ag.float64) if isinstance(a, ag.Tensor) else a for a in args)


def _inplace(name, args, x):
    """The method applied to a non-leaf copy of x (of |x| for a fractional power)."""
    return getattr(_base(name, args, x) * 1, name)(*_args(args))


@pytest.mark.parametrize("name, args, twin", CASES)
def test_values_memory_and_version(name, args, twin):
    x = _base(name, args, ag.tensor(np.array([0.7, -1.2, 0.1])))
    want = twin(x.clone(), *_args(args))
    data, v0 = x._data, x._version
    out = getattr(x, name)(*_args(args))
    assert out is x and x._data is data and x._version > v0
    np.testing.assert_allclose(out.numpy(), want.numpy(), rtol=1e-15)


@pytest.mark.parametrize("name, args, twin", CASES)
def test_gradients_both_ways(name, args, twin):
    x = leaf(2, 3, seed=7)

    def fn(t):
        return _inplace(name, args, t)

    check(fn, x)
    check_jvp(fn, x)


@pytest.mark.parametrize("name, args", [(c[0], c[1]) for c in CASES])
def test_refused_on_a_leaf_that_requires_grad(name, args):
    w = leaf(3)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        getattr(w, name)(*_args(args))
    with ag.no_grad():
        getattr(_base(name, args, w) * 1, name)(*_args(args))  # fine outside grad mode


@pytest.mark.parametrize("name, args", [("div_", (2.0,)), ("pow_", (2,)), ("clamp_min_", (0.0,)), ("sigmoid_", ())])
def test_on_a_view_the_base_gets_the_gradient(name, args):
    w = leaf(3, 4, seed=1)
    h = w * 1
    getattr(h[1], name)(*args)
    h.sum().backward()
    want = np.ones((3, 4))
    row = w.detach().numpy()[1]
    want[1] = {"div_": np.full(4, 0.5), "pow_": 2 * row, "clamp_min_": (row >= 0).astype(float),
               "sigmoid_": (s := 1 / (1 + np.exp(-row))) * (1 - s)}[name]
    np.testing.assert_allclose(w.grad.numpy(), want, rtol=1e-12)


def test_tensor_bounds_get_their_gradient():
    x, lo, hi = leaf(4), leaf(4, seed=2), leaf(4, seed=3)

    def fn(x, lo, hi):
        return (x * 1).clip_(lo - 1, hi + 1)

    check(fn, x, lo, hi)
    check_jvp(fn, x, lo, hi)
    check(lambda x, lo: (x * 1).clamp_min_(lo), x, lo)
    check(lambda x, hi: (x * 1).clamp_max_(hi), x, hi)


def test_div_rounding_modes_keep_integers():
    x = ag.tensor([-7, 7, 5])
    x.div_(2, rounding_mode="trunc")
    assert x.tolist() == [-3, 3, 2] and x.dtype == np.int64
    y = ag.tensor([-7, 7, 5])
    y.div_(ag.tensor([2, 2, -2]), rounding_mode="floor")
    assert y.tolist() == [-4, 3, -3] and y._version == 1
    z = ag.tensor([-7.5, 7.5])
    z.divide_(2.0, rounding_mode="floor")
    assert z.tolist() == [-4.0, 3.0]
    with pytest.raises(RuntimeError, match="rounding_mode"):
        ag.tensor([1.0]).div_(2.0, rounding_mode="nearest")


def test_div_rounding_gradient_is_zero():
    x = leaf(3)
    y = x * 1
    y.div_(0.7, rounding_mode="floor")
    y.sum().backward()
    assert x.grad.numpy().tolist() == [0.0, 0.0, 0.0]


def test_ipow_and_integer_rules():
    x = ag.tensor([1, 2, 3])
    x **= 2
    assert x.tolist() == [1, 4, 9] and x.dtype == np.int64 and x._version == 1
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        x.pow_(-1)
    f = ag.tensor([4.0, 9.0])
    f **= 0.5
    assert f.tolist() == [2.0, 3.0] and f.dtype == np.float32
    x = ag.tensor([1, 2])
    x.clamp_min_(2)
    assert x.tolist() == [2, 2] and x.dtype == np.int64


def test_pow_gradient_at_zero_exponent_and_base():
    x = ag.tensor([0.0, 2.0], dtype=ag.float64, requires_grad=True)
    y = x * 1
    y.pow_(0)
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dtype, name", [(np.int64, "Long"), (np.int32, "Int"), (np.uint8, "Byte"), (np.bool_, "Bool")])
def test_softmax_of_integers_raises_unless_a_dtype_is_given(op, dtype, name):
    x = ag.tensor(np.array([[1, 0], [0, 1]]).astype(dtype))
    fn = getattr(ag, op)
    with pytest.raises(NotImplementedError, match=f'"{op}_lastdim_kernel_impl" not implemented for \'{name}\''):
        fn(x, 1)
    with pytest.raises(NotImplementedError, match=f'"{op}_kernel_impl" not implemented for \'{name}\''):
        fn(x, 0)
    with pytest.raises(NotImplementedError):
        getattr(x, op)(-1)
    with pytest.raises(NotImplementedError):
        getattr(ag.nn.functional, op)(x, dim=1)
    y = fn(x, 1, dtype=ag.float64)
    want = np.array([[1.0, 0.0], [0.0, 1.0]])
    want = np.exp(want) / np.exp(want).sum(1, keepdims=True)
    np.testing.assert_allclose(y.numpy(), want if op == "softmax" else np.log(want), rtol=1e-15)
    assert fn(ag.tensor(np.zeros((0, 2), dtype)), 1).shape == (0, 2)  # an empty input is no computation


def test_logsumexp_of_integers_still_computes():
    assert ag.logsumexp(ag.tensor([0, 0]), 0).dtype == np.float32


def test_bool_pow_bool_as_pytorch():
    tb = ag.tensor([True, False])
    for fn in (lambda: True ** tb, lambda: tb ** ag.tensor([True, True]), lambda: ag.pow(True, tb),
               lambda: np.True_ ** tb):
        with pytest.raises(NotImplementedError, match="\"pow\" not implemented for 'Bool'"):
            fn()
    assert (tb ** True).tolist() == [True, False] and (tb ** True).dtype == np.bool_  # PyTorch's x ** 1
    assert (tb ** False).tolist() == [True, True] and (tb ** False).dtype == np.bool_  # and x ** 0
    assert (2 ** tb).tolist() == [2, 1] and (True ** ag.tensor([2, 0])).tolist() == [1, 1]
    assert (tb ** 2).dtype == np.int64 and (1.5 ** tb).dtype == np.float32
    c = ag.tensor([True, False])
    c.pow_(True)
    assert c.tolist() == [True, False] and c._version == 1
