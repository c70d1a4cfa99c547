"""cross, kron, cartesian_prod and cdist: values against numpy, gradients of
both orders, jvp, broadcasting, the zero-distance subgradient, dtypes, errors."""
import itertools
import warnings

import numpy as np
import pytest

import autograd_core as ag
from tests.helpers import check, check_jvp, leaf


def test_cross():
    a, b = leaf(4, 3), leaf(4, 3, seed=1)
    np.testing.assert_allclose(ag.cross(a, b, dim=1)._data, np.cross(a._data, b._data))
    np.testing.assert_allclose(a.cross(b, -1)._data, np.cross(a._data, b._data))
    check(lambda a, b: ag.cross(a, b, dim=1), a, b)
    check_jvp(lambda a, b: ag.cross(a, b, dim=-1), a, b)
    c, d = leaf(3, 2), leaf(1, 2, seed=2)  # dim 0, and broadcasting the other operand
    c3 = leaf(3, 1, seed=3)
    np.testing.assert_allclose(ag.cross(c, c3, dim=0)._data, np.cross(c._data, c3._data, axis=0))
    check(lambda c, c3: ag.cross(c, c3, dim=0), c, c3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(ag.cross(c, c3)._data, np.cross(c._data, c3._data, axis=0))
    np.testing.assert_array_equal(ag.cross(ag.tensor([1, 0, 0]), ag.tensor([0, 1, 0]), dim=0)._data, [0, 0, 1])
    with pytest.raises(RuntimeError, match="length 3"):
        ag.cross(leaf(2, 4), leaf(2, 4), dim=1)
    with pytest.raises(RuntimeError, match="size 3"):
        ag.cross(d, d)


@pytest.mark.parametrize("sa, sb", [((2, 3), (4, 5)), ((3,), (2,)), ((2, 2), (3,)), ((2,), (2, 3, 1)), ((), (2,))])
def test_kron(sa, sb):
    a, b = leaf(*sa), leaf(*sb, seed=1)
    np.testing.assert_allclose(ag.kron(a, b)._data, np.kron(a._data, b._data))
    check(ag.kron, a, b)
    check_jvp(ag.kron, a, b)
    assert ag.kron(ag.tensor([1, 2]), ag.tensor([[3], [4]])).dtype == np.int64


def test_cartesian_prod():
    a, b, c = leaf(2), leaf(3, seed=1), leaf(2, seed=2)
    got = ag.cartesian_prod(a, b, c)
    np.testing.assert_array_equal(got._data, np.array(list(itertools.product(a._data, b._data, c._data))))
    check(lambda a, b: ag.cartesian_prod(a, b) ** 2, a, b)
    np.testing.assert_array_equal(ag.cartesian_prod(a)._data, a._data)
    assert ag.cartesian_prod(ag.tensor([1, 2]), ag.tensor([3])).dtype == np.int64
    with pytest.raises(RuntimeError, match="1D"):
        ag.cartesian_prod(ag.ones(2, 2))


def ref_cdist(x1, x2, p):
    diff = np.abs(x1[..., :, None, :] - x2[..., None, :, :])
    if p == 0:
        return (diff != 0).sum(-1).astype(x1.dtype)
    if np.isinf(p):
        return diff.max(-1)
    return (diff ** p).sum(-1) ** (1 / p)


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.0, np.inf, 1.5])
def test_cdist(p):
    x1, x2 = leaf(2, 4, 3), leaf(5, 3, seed=1)  # batch dims broadcast
    np.testing.assert_allclose(ag.cdist(x1, x2, p)._data, ref_cdist(x1._data, x2._data, p), rtol=1e-12)
    if p != 0:
        check(lambda x1, x2: ag.cdist(x1, x2, p=p), x1, x2, second=p != 1.0 and not np.isinf(p))
        check_jvp(lambda x1, x2: ag.cdist(x1, x2, p), x1, x2)


def test_cdist_zero_distance_gradient_and_errors():
    x = ag.tensor([[0.0, 1.0], [2.0, 2.0]], dtype=ag.float64, requires_grad=True)
    d = ag.cdist(x, x)
    assert d._data[0, 0] == 0
    (g,) = ag.grad(d[0, 0] + d[1, 1], x)
    np.testing.assert_array_equal(g._data, np.zeros((2, 2)))  # PyTorch's subgradient at 0
    assert ag.cdist(ag.ones(3, 0), ag.ones(2, 0)).shape == (3, 2)
    assert ag.cdist(ag.ones(0, 2), ag.ones(2, 2)).shape == (0, 2)
    assert ag.cdist(ag.ones(3, 2), ag.ones(2, 2)).dtype == np.float32
    with pytest.raises(RuntimeError, match="same number of columns"):
        ag.cdist(ag.ones(3, 2), ag.ones(3, 3))
    with pytest.raises(RuntimeError, match="non-negative"):
        ag.cdist(ag.ones(3, 2), ag.ones(3, 2), -1)
    with pytest.raises(RuntimeError, match="floating"):
        ag.cdist(ag.ones(3, 2, dtype=ag.int64), ag.ones(3, 2, dtype=ag.int64))
