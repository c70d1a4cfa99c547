"""tril, triu (and in place), tril_indices, triu_indices, diagonal, diag_embed,
diag and Tensor.trace: values against numpy, gradients of both orders, jvp,
dtypes and errors."""
import numpy as np
import pytest

import autograd_core as ag
from tests.helpers import check, check_jvp, leaf


@pytest.mark.parametrize("k", [-2, -1, 0, 1, 5])
def test_tril_triu_values_gradients_and_jvp(k):
    x = leaf(2, 3, 4)
    np.testing.assert_array_equal(ag.tril(x, k)._data, np.tril(x._data, k))
    np.testing.assert_array_equal(x.triu(k)._data, np.triu(x._data, k))
    check(lambda x: ag.tril(x, k), x)
    check(lambda x: ag.triu(x, diagonal=k), x)
    check_jvp(lambda x: ag.tril(x, k) * ag.triu(x, k), x)


def test_tril_triu_in_place_ints_and_errors():
    y = ag.tensor(np.arange(9).reshape(3, 3))
    y.tril_()
    np.testing.assert_array_equal(y._data, np.tril(np.arange(9).reshape(3, 3)))
    assert y.dtype == np.int64
    x = leaf(3, 3)
    z = x * 1
    z.triu_(1)
    z.sum().backward()
    np.testing.assert_array_equal(x.grad._data, np.triu(np.ones((3, 3)), 1))
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        ag.tril(ag.ones(3))
    assert ag.triu(ag.ones(0, 3)).shape == (0, 3)


@pytest.mark.parametrize("row, col, offset", [(3, 3, 0), (3, 5, 1), (4, 2, -1), (0, 3, 0), (3, 3, -5), (2, 2, 9)])
def test_tril_triu_indices(row, col, offset):
    t = ag.tril_indices(row, col, offset)
    u = ag.triu_indices(row, col, offset)
    assert t.dtype == np.int64 and t.shape[0] == 2
    m = np.ones((row, col))
    np.testing.assert_array_equal(m[tuple(t._data)].size, np.tril(m, offset).sum())
    np.testing.assert_array_equal(np.array(np.nonzero(np.triu(m, offset))), u._data)
    np.testing.assert_array_equal(np.array(np.nonzero(np.tril(m, offset))), t._data)
    assert ag.tril_indices(3, 3, dtype=ag.int32).dtype == np.int32
    with pytest.raises(RuntimeError):
        ag.tril_indices(3, 3, dtype=ag.float32)


@pytest.mark.parametrize("offset, d1, d2", [(0, 0, 1), (1, 0, 1), (-1, 1, 2), (2, -1, 0), (-3, 0, 2), (7, 0, 1)])
def test_diagonal(offset, d1, d2):
    x = leaf(3, 4, 5)
    np.testing.assert_array_equal(x.diagonal(offset, d1, d2)._data, np.diagonal(x._data, offset, d1, d2))
    check(lambda x: ag.diagonal(x, offset=offset, dim1=d1, dim2=d2), x)
    check_jvp(lambda x: ag.diagonal(x, offset, d1, d2) ** 2, x)
    with pytest.raises(RuntimeError, match="cannot be identical"):
        ag.diagonal(x, 0, 1, 1)
    with pytest.raises(IndexError):
        ag.diagonal(x, 0, 0, 3)


@pytest.mark.parametrize("offset, d1, d2", [(0, -2, -1), (1, 0, 2), (-2, 2, 0), (0, 1, 2)])
def test_diag_embed_is_the_adjoint_of_diagonal(offset, d1, d2):
    x = leaf(2, 3)
    y = ag.diag_embed(x, offset, d1, d2)
    assert y.ndim == 3
    np.testing.assert_array_equal(ag.diagonal(y, offset, d1, d2)._data, x._data)
    assert np.count_nonzero(y._data) == x.numel()
    check(lambda x: ag.diag_embed(x, offset, d1, d2), x)
    check_jvp(lambda x: ag.diag_embed(x, offset, d1, d2), x)
    # <diag_embed(x), z> = <x, diagonal(z)>
    z = np.random.default_rng(1).standard_normal(y.shape)
    assert np.isclose((y._data * z).sum(), (x._data * np.diagonal(z, offset, d1, d2)).sum())


@pytest.mark.parametrize("k", [-1, 0, 2])
def test_diag(k):
    v, m = leaf(3), leaf(3, 4, seed=2)
    np.testing.assert_array_equal(ag.diag(v, k)._data, np.diag(v._data, k))
    np.testing.assert_array_equal(m.diag(k)._data, np.diag(m._data, k))
    check(lambda v: ag.diag(v, k), v)
    check(lambda m: ag.diag(m, k), m)
    assert ag.diag(ag.tensor([1, 2])).dtype == np.int64
    with pytest.raises(RuntimeError, match="1D or 2D"):
        ag.diag(ag.ones(2, 2, 2))


def test_trace():
    m = leaf(3, 4)
    assert np.isclose(m.trace().item(), np.trace(m._data))
    check(lambda m: m.trace(), m)
    check_jvp(lambda m: m.trace() * m.trace(), m)
    assert ag.tensor([[1, 2], [3, 4]], dtype=ag.int32).trace().item() == 5
    assert ag.ones(0, 3).trace().item() == 0
    with pytest.raises(RuntimeError, match="expected a matrix"):
        ag.ones(3).trace()


def test_top_level_trace_of_a_matrix_is_torch_trace():
    """``ag.trace(A)`` of a Tensor is the matrix trace; with a function it stays the evaluation trace."""
    m = leaf(3, 3)
    assert np.isclose(ag.trace(m).item(), np.trace(m._data))
    check(ag.trace, m)
    assert type(ag.trace(lambda x: x * 2, ag.tensor(1.0))).__name__ == "Trace"


def test_diagonal_is_a_view_and_diag_a_copy():
    x = ag.zeros(3, 4)
    x.diagonal(1).fill_(2)
    x.diagonal().add_(1)
    np.testing.assert_array_equal(x._data, np.eye(3, 4) + 2 * np.eye(3, 4, 1))
    b = ag.zeros(2, 3, 3)
    b.diagonal(0, 1, 2).fill_(5)
    np.testing.assert_array_equal(b._data, 5 * np.broadcast_to(np.eye(3), (2, 3, 3)))
    d = x.diag()
    d.fill_(9)
    assert x._data[0, 0] == 1
    v = x.diagonal()
    x.mul_(2)
    np.testing.assert_array_equal(v._data, [2, 2, 2])  # shares memory and version counter
    assert v._version == x._version


def test_in_place_on_a_diagonal_view_reaches_the_base():
    """``z.diagonal(1).mul_(w)`` rewrites z's history (copy_slices): gradients to x and w."""
    c = ag.tensor(np.arange(12.0).reshape(3, 4))

    def f(x, w):
        z = x * 1
        z.diagonal(1).mul_(w)
        return z * c

    check(f, leaf(3, 4), leaf(3, seed=1))
