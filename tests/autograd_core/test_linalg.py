"""Matrix products and einsum: values against numpy, first and second
derivatives against finite differences, dtypes and error messages."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from tests.helpers import check, leaf

MATMUL_CASES = [
    ((3,), (3,)),  # dot
    ((3,), (3, 4)),  # vector @ matrix
    ((2, 3), (3,)),  # matrix @ vector
    ((2, 3), (3, 4)),
    ((2, 2, 3), (3, 4)),  # batched @ matrix
    ((3, 4), (2, 4, 5)),  # matrix @ batched
    ((2, 1, 3, 4), (5, 4, 2)),  # broadcast batch dims
    ((3,), (2, 3, 4)),  # vector @ batched
    ((2, 3, 4), (4,)),  # batched @ vector
]


def _seed(y):
    return ag.ones_like(y)


@pytest.mark.parametrize("sa,sb", MATMUL_CASES)
def test_matmul_values_and_grad_shapes(sa, sb):
    a, b = leaf(*sa, seed=1), leaf(*sb, seed=2)
    y = ag.matmul(a, b)
    np.testing.assert_allclose(y._data, np.matmul(a._data, b._data))
    y.backward(_seed(y))
    assert a.grad.shape == sa and b.grad.shape == sb  # vectors get vector gradients


def test_matmul_broadcast_grad_values():
    # y = A @ B with A (2, 1, 3, 4) and B (5, 4, 2): each gradient sums over the batch copies
    a, b = leaf(2, 1, 3, 4, seed=1), leaf(5, 4, 2, seed=2)
    g = np.random.default_rng(3).standard_normal((2, 5, 3, 2))
    (a @ b).backward(ag.tensor(g))
    ga = sum(g[:, j] @ b._data[j].T for j in range(5))[:, None]
    gb = sum(a._data[i, 0].T @ g[i] for i in range(2))
    np.testing.assert_allclose(a.grad._data, ga)
    np.testing.assert_allclose(b.grad._data, gb)


def test_matmul_vector_grad_values():
    v, m = leaf(3, seed=1), leaf(2, 3, 4, seed=2)
    g = np.random.default_rng(3).standard_normal((2, 4))
    (v @ m).backward(ag.tensor(g))  # y[b, j] = sum_i v[i] m[b, i, j]
    np.testing.assert_allclose(v.grad._data, np.einsum("bj,bij->i", g, m._data))
    np.testing.assert_allclose(m.grad._data, np.einsum("i,bj->bij", v._data, g))


@pytest.mark.parametrize("sa,sb", MATMUL_CASES)
def test_matmul_gradcheck(sa, sb):
    check(ag.matmul, leaf(*sa, seed=1), leaf(*sb, seed=2))


def test_matmul_grad_of_one_operand_only():
    c = ag.tensor(np.random.default_rng(2).standard_normal((3, 4)))
    check(ag.matmul, leaf(2, 3, seed=1), c)
    check(ag.matmul, leaf(4, seed=3), ag.tensor(c._data.T.copy()))
    a = leaf(2, 3, seed=4)
    y = a @ c
    assert y.requires_grad
    y.backward(_seed(y))
    np.testing.assert_allclose(a.grad._data, np.ones((2, 4)) @ c._data.T)


def test_operators_and_methods():
    a, b = leaf(2, 3, seed=1), leaf(3, 4, seed=2)
    np.testing.assert_allclose((a @ b)._data, a._data @ b._data)
    np.testing.assert_allclose(a.matmul(b)._data, a._data @ b._data)
    np.testing.assert_allclose(a.mm(b)._data, a._data @ b._data)
    np.testing.assert_allclose((a @ b._data)._data, a._data @ b._data)  # Tensor @ ndarray
    m = np.random.default_rng(0).standard_normal((4, 2))
    y = m @ a  # ndarray @ Tensor -> Tensor.__rmatmul__
    assert isinstance(y, ag.Tensor) and y.requires_grad
    np.testing.assert_allclose(y._data, m @ a._data)
    y.backward(_seed(y))
    np.testing.assert_allclose(a.grad._data, m.T @ np.ones((4, 3)))


def test_float32_is_kept():
    a = ag.randn(2, 3, 4, requires_grad=True)
    b = ag.randn(4, 5, requires_grad=True)
    v = ag.randn(4, requires_grad=True)
    sq = ag.randn(4, 4, requires_grad=True)
    for y in (a @ b, a @ v, v @ v, ag.einsum("bij,jk->bik", a, b), ag.outer(v, v), ag.einsum("ii", sq),
              ag.einsum("ij->", sq), ag.einsum("ii->i", sq)):
        assert y.dtype == np.float32
        y.backward(_seed(y))
    for t in (a, b, v, sq):
        assert t.grad.dtype == np.float32


def test_integer_matmul_has_no_grad():
    a = ag.tensor([[1, 2], [3, 4]])
    y = a @ a
    assert y.dtype == np.int64 and not y.requires_grad
    np.testing.assert_array_equal(y._data, [[7, 10], [15, 22]])


def test_no_graph_under_no_grad():
    a, b = leaf(2, 3), leaf(3, 2)
    with ag.no_grad():
        y = a @ b
    assert not y.requires_grad and y.grad_fn is None


@pytest.mark.parametrize("sa,sb,msg", [
    ((2, 3), (4, 5), "matmul: shapes (2, 3) and (4, 5) cannot be multiplied (3 != 4)"),
    ((3,), (4,), "matmul: shapes (3,) and (4,) cannot be multiplied (3 != 4)"),
    ((2, 3), (2,), "matmul: shapes (2, 3) and (2,) cannot be multiplied (3 != 2)"),
    ((3,), (2, 4), "matmul: shapes (3,) and (2, 4) cannot be multiplied (3 != 2)"),
    ((2, 2, 3), (3, 3, 4), "matmul: the batch dims of shapes (2, 2, 3) and (3, 3, 4) cannot be broadcast"),
    ((), (3,), "matmul: both arguments need to be at least 1D, but they are 0D and 1D"),
])
def test_matmul_errors(sa, sb, msg):
    with pytest.raises(RuntimeError) as e:
        ag.matmul(ag.zeros(sa), ag.zeros(sb))
    assert msg in str(e.value)


def test_product_type_and_dtype_errors():
    with pytest.raises(RuntimeError, match="matmul: expected both operands to have the same dtype, "
                                           "got float32 and float64"):
        ag.zeros(2, 2) @ ag.zeros(2, 2, dtype=ag.float64)
    with pytest.raises(TypeError, match="matmul: expected a Tensor, got list"):
        ag.matmul(ag.zeros(2), [1.0, 2.0])
    with pytest.raises(TypeError):
        ag.zeros(2, 2) @ 3.0
    with pytest.raises(RuntimeError, match="einsum: expected all operands to have the same dtype"):
        ag.einsum("i,i->", ag.zeros(2), ag.zeros(2, dtype=ag.float64))


def test_mm_bmm_mv_dot_outer_values_and_grads():
    a, b = leaf(2, 3, seed=1), leaf(3, 4, seed=2)
    check(ag.mm, a, b)
    x, y = leaf(2, 3, 4, seed=3), leaf(2, 4, 5, seed=4)
    np.testing.assert_allclose(ag.bmm(x, y)._data, x._data @ y._data)
    check(ag.bmm, x, y)
    v = leaf(3, seed=5)
    np.testing.assert_allclose(ag.mv(a, v)._data, a._data @ v._data)
    check(ag.mv, a, v)
    w = leaf(3, seed=6)
    out = ag.dot(v, w)
    assert out.shape == () and np.isclose(out.item(), v._data @ w._data)
    check(ag.dot, v, w)
    u = leaf(2, seed=7)
    np.testing.assert_allclose(ag.outer(u, v)._data, np.outer(u._data, v._data))
    np.testing.assert_allclose(u.outer(v)._data, np.outer(u._data, v._data))
    check(ag.outer, u, v)
    o = ag.outer(u, v)
    o.backward(_seed(o))
    np.testing.assert_allclose(u.grad._data, np.full(2, v._data.sum()))
    np.testing.assert_allclose(v.grad._data, np.full(3, u._data.sum()))


@pytest.mark.parametrize("fn,sa,sb,msg", [
    (ag.mm, (2, 3), (3,), "mm: expected 2-D tensors, got shapes (2, 3) and (3,)"),
    (ag.mm, (2, 3), (4, 5), "mm: shapes (2, 3) and (4, 5) cannot be multiplied (3 != 4)"),
    (ag.bmm, (2, 3), (3, 4), "bmm: expected 3-D tensors, got shapes (2, 3) and (3, 4)"),
    (ag.bmm, (2, 3, 4), (3, 4, 5), "bmm: shapes (2, 3, 4) and (3, 4, 5) have different batch sizes (2 != 3)"),
    (ag.bmm, (2, 3, 4), (2, 5, 6), "bmm: shapes (2, 3, 4) and (2, 5, 6) cannot be multiplied (4 != 5)"),
    (ag.mv, (2, 3), (2, 3), "mv: expected a 2-D matrix and a 1-D vector, got shapes (2, 3) and (2, 3)"),
    (ag.mv, (2, 3), (4,), "mv: shapes (2, 3) and (4,) cannot be multiplied (3 != 4)"),
    (ag.dot, (3,), (4,), "dot: expected two 1-D tensors of the same length, got shapes (3,) and (4,)"),
    (ag.dot, (3, 1), (3,), "dot: expected two 1-D tensors of the same length, got shapes (3, 1) and (3,)"),
    (ag.outer, (3, 1), (3,), "outer: expected two 1-D tensors, got shapes (3, 1) and (3,)"),
])
def test_fixed_rank_product_errors(fn, sa, sb, msg):
    with pytest.raises(RuntimeError) as e:
        fn(ag.zeros(sa), ag.zeros(sb))
    assert msg in str(e.value)


EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("i,i->", [(3,), (3,)]),
    ("ij->", [(2, 3)]),
    ("ij->ji", [(2, 3)]),
    ("i,j->ij", [(2,), (3,)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),
    ("...ij,jk", [(2, 3, 4), (4, 2)]),  # implicit output with ellipsis: '...ik'
    ("ij,ij->i", [(2, 3), (1, 3)]),  # size-1 dim broadcasts
    ("iji->j", [(2, 3, 2)]),
    ("ii,i->i", [(3, 3), (3,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("ij,kj", [(2, 3), (4, 3)]),  # implicit: 'ik'
    ("i j , j -> i", [(2, 3), (3,)]),  # spaces are ignored
]


@pytest.mark.parametrize("eq,shapes", EINSUM_CASES)
def test_einsum_values_and_grads(eq, shapes):
    ops = [leaf(*s, seed=i) for i, s in enumerate(shapes)]
    y = ag.einsum(eq, *ops)
    np.testing.assert_allclose(y._data, np.einsum(eq.replace(" ", ""), *[o._data for o in ops]))
    check(lambda *o: ag.einsum(eq, *o), *ops)


def test_einsum_operands_as_list_and_known_grads():
    x = leaf(3, 3, seed=1)
    t = ag.einsum("ii", [x])
    assert t.shape == () and np.isclose(t.item(), np.trace(x._data))
    t.backward()
    np.testing.assert_array_equal(x.grad._data, np.eye(3))  # d tr(X)/dX = I
    s = leaf(2, 3, seed=2)
    y = ag.einsum("ij->", s)
    y.backward()
    np.testing.assert_array_equal(s.grad._data, np.ones((2, 3)))


def test_einsum_second_derivative_of_quadratic_form():
    a = ag.tensor(np.arange(9.0).reshape(3, 3))
    x = leaf(3, seed=1)
    (g,) = ag.grad(ag.einsum("i,ij,j->", x, a, x), x, create_graph=True)
    np.testing.assert_allclose(g._data, (a._data + a._data.T) @ x._data)
    rows = [ag.grad(g, x, ag.tensor(np.eye(3)[i]), retain_graph=True)[0]._data for i in range(3)]
    np.testing.assert_allclose(np.stack(rows), a._data + a._data.T)  # the Hessian


@pytest.mark.parametrize("eq,shapes,msg", [
    ("ij,jk->ik", [(2, 3)], "has 2 operand(s) but 1 were given"),
    ("ij,jk->ik", [(2, 3), (4, 5)], "subscript 'j' has size 4 in operand 1"),
    ("ij->k", [(2, 3)], "output subscript 'k' does not appear"),
    ("ij->ii", [(2, 3)], "output subscript 'i' appears more than once"),
    ("ijk->i", [(2, 3)], "the subscripts 'ijk' of operand 0 name 3 dims but the operand has shape (2, 3)"),
    ("ij->i", [(2, 3, 4)], "name 2 dims but the operand has shape (2, 3, 4)"),
    ("i1->i", [(2, 3)], "invalid equation"),
    ("ij->i->j", [(2, 3)], "invalid equation"),
    ("ii->i", [(2, 3)], "subscript 'i' is repeated in operand 0"),
    ("i..j->i", [(2, 3)], "invalid subscripts"),
    ("...ij->", [(2,)], "name 2 dims but the operand has shape (2,)"),
])
def test_einsum_errors(eq, shapes, msg):
    with pytest.raises(RuntimeError) as e:  # PyTorch's type
        ag.einsum(eq, *[ag.zeros(s) for s in shapes])
    assert msg in str(e.value)


def test_einsum_operand_type_error():
    with pytest.raises(TypeError, match="einsum: operand 1 must be a Tensor, got list"):
        ag.einsum("i,i->", ag.zeros(2), [1.0, 2.0])
    with pytest.raises(TypeError, match="einsum: the equation must be a string, got Tensor"):
        ag.einsum(ag.zeros(2), "i->")
    with pytest.raises(ValueError, match="at least one operand"):
        ag.einsum("i->i")


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_matmul_matches_numpy_on_random_shapes(data):
    n, k, m = (data.draw(st.integers(1, 3)) for _ in range(3))
    batch_a = tuple(data.draw(st.lists(st.integers(1, 3), max_size=2)))
    batch_b = tuple(1 if data.draw(st.booleans()) else d for d in batch_a)[data.draw(st.integers(0, 2)):]
    sa = data.draw(st.sampled_from([(k,), batch_a + (n, k)]))
    sb = data.draw(st.sampled_from([(k,), batch_b + (k, m)]))
    a, b = leaf(*sa, seed=1), leaf(*sb, seed=2)
    y = a @ b
    np.testing.assert_allclose(y._data, np.matmul(a._data, b._data))
    y.backward(_seed(y))
    assert a.grad.shape == sa and b.grad.shape == sb
    e = ag.einsum("...ij,...jk->...ik", leaf(*batch_a, n, k), leaf(*batch_b, k, m))
    assert e.shape == np.broadcast_shapes(batch_a, batch_b) + (n, m)
