"""In-place operations: results, version counters, leaf protection, graph rewiring."""
import numpy as np
import pytest

import autograd_core as ag
from tests.helpers import leaf


@pytest.mark.parametrize("name, arg, expected", [
    ("add_", 2.0, [3.0, 4.0]), ("sub_", 2.0, [-1.0, 0.0]), ("mul_", 2.0, [2.0, 4.0]),
    ("div_", 2.0, [0.5, 1.0]), ("fill_", 7.0, [7.0, 7.0]),
])
def test_inplace_values_and_version(name, arg, expected):
    x = ag.tensor([1.0, 2.0])
    data = x._data
    out = getattr(x, name)(arg)
    assert out is x and x._data is data  # same memory
    assert x.tolist() == expected and x._version == 1 and x.dtype == ag.float32


def test_add_with_alpha_zero_copy_clamp():
    x = ag.tensor([1.0, 2.0])
    x.add_(ag.tensor([1.0, 1.0]), alpha=-3)
    assert x.tolist() == [-2.0, -1.0]
    x.zero_()
    assert x.tolist() == [0.0, 0.0]
    x.copy_(ag.tensor([5.0, -5.0]))
    assert x.tolist() == [5.0, -5.0]
    x += 1
    x -= 2
    x *= 2
    x /= 4
    assert x.tolist() == [2.0, -3.0] and x._version == 7


def test_clamp_():
    x = ag.tensor([-2.0, 0.5, 3.0])
    x.clamp_(min=-1.0, max=1.0)
    assert x.tolist() == [-1.0, 0.5, 1.0]


def test_random_fills_are_seeded():
    ag.manual_seed(3)
    a = ag.empty(1000).uniform_(-2, 2)
    b = ag.empty(1000).normal_(5, 0.1)
    ag.manual_seed(3)
    assert np.array_equal(ag.empty(1000).uniform_(-2, 2).numpy(), a.numpy())
    assert -2 <= a.numpy().min() and a.numpy().max() < 2
    assert abs(b.numpy().mean() - 5) < 0.05 and b.dtype == ag.float32


def test_leaf_requiring_grad_refuses_inplace_outside_no_grad():
    w = ag.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w.add_(1)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w[0] = 3.0
    with ag.no_grad():
        w.sub_(ag.tensor([0.5, 0.5]))
        w[1] = 9.0
    assert w.tolist() == [0.5, 9.0] and w.requires_grad and w.is_leaf


def test_inplace_broadcast_must_fit():
    x = ag.zeros(3)
    with pytest.raises(RuntimeError, match=r"\(3,\).*\(2, 3\)"):
        x.add_(ag.ones(2, 3))
    with pytest.raises(TypeError):
        ag.zeros(2, dtype=ag.int64).add_(1.5)


def test_setitem_is_differentiable():
    x = leaf(4, seed=0)
    v = leaf(2, seed=1)

    def f(x, v):
        y = x * 1
        y[1:3] = v * 2
        return y * x

    assert ag.gradcheck(f, (x, v))
    assert ag.gradgradcheck(f, (x, v))


def test_setitem_without_grad_is_numpy_assignment():
    x = ag.zeros(2, 3)
    x[0] = ag.tensor([1.0, 2.0, 3.0])
    x[1, 2] = 5
    x[x._data > 2] = -1.0
    assert x.tolist() == [[1.0, 2.0, -1.0], [0.0, 0.0, -1.0]] and x._version == 3


def test_inplace_on_tensor_saved_by_its_own_op_keeps_old_value():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = ag.tensor([3.0, 4.0], requires_grad=True)
    a = x * 1
    a.mul_(y)  # d(a*y)/dy needs the old a
    a.backward(ag.ones(2))
    assert y.grad.tolist() == [1.0, 2.0] and x.grad.tolist() == [3.0, 4.0]


def test_fill_on_non_leaf_cuts_gradient_to_zero():
    x = ag.tensor([1.0, np.inf], requires_grad=True)
    a = x * 2
    a.fill_(3.0)
    (a * x).backward(ag.ones(2))
    assert a.tolist() == [3.0, 3.0]
    assert x.grad.tolist() == [3.0, 3.0]


def test_inplace_with_tangent_on_a_view_raises():
    x = ag.forward.dual(ag.ones(3, dtype=ag.float64), ag.ones(3, dtype=ag.float64))
    y = x * 1
    with pytest.raises(RuntimeError, match="view"):
        y[1:].mul_(10)
    y.mul_(10)  # not a view: fine
    assert ag.forward.unpack_dual(y)[1].tolist() == [10.0, 10.0, 10.0]
