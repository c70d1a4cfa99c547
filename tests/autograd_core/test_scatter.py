"""scatter, scatter_reduce, index_add/index_copy/index_fill, take,
take_along_dim, nonzero/argwhere and the in-place methods: values against
loop references, gradients of both orders, jvp, ties, dtypes, errors, and
hypothesis properties (scatter/gather round trips, nonzero vs masked_select)."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from tests.helpers import check, check_jvp, leaf

IDX = np.array([[0, 1, 2, 0], [2, 0, 0, 1]])  # dim 0 into a (3, 4) input: repeats at (0, 0)?, (0, 1)...


def ref_scatter_reduce(x, dim, idx, src, reduce, include_self):
    """A loop over the index, as PyTorch's documentation states the op."""
    out = x.astype(np.float64 if x.dtype.kind == "f" else x.dtype).copy()
    groups = {}
    for pos in itertools.product(*map(range, idx.shape)):
        tgt = list(pos)
        tgt[dim] = idx[pos]
        groups.setdefault(tuple(tgt), []).append(src[pos])
    for tgt, vals in groups.items():
        vals = ([x[tgt]] if include_self else []) + vals
        if reduce == "sum":
            out[tgt] = sum(vals)
        elif reduce == "prod":
            out[tgt] = np.prod(vals)
        elif reduce == "mean":
            out[tgt] = sum(vals) / len(vals) if x.dtype.kind == "f" else sum(vals) // len(vals)
        elif reduce == "amax":
            out[tgt] = max(vals)
        else:
            out[tgt] = min(vals)
    return out


def ref_scatter(x, dim, idx, src):
    out = x.copy()
    for pos in itertools.product(*map(range, idx.shape)):
        tgt = list(pos)
        tgt[dim] = idx[pos]
        out[tuple(tgt)] = src[pos] if np.ndim(src) else src
    return out


# -- scatter ---------------------------------------------------------------------------------------
def test_scatter_values_and_gradients():
    x, s = leaf(3, 4), leaf(2, 5, seed=1)  # src larger than the index: its extra part gets zero gradient
    idx = ag.tensor(np.array([[0, 1, 2, 1], [2, 0, 1, 0]]))  # no duplicates: a well-defined result
    np.testing.assert_array_equal(ag.scatter(x, 0, idx, s)._data, ref_scatter(x._data, 0, idx._data, s._data))
    check(lambda x, s: ag.scatter(x, 0, idx, s), x, s)
    check_jvp(lambda x, s: x.scatter(0, idx, s), x, s)
    check(lambda x: ag.scatter(x, 1, ag.tensor([[3], [0], [1]]), value=2.5), x)
    np.testing.assert_array_equal(ag.scatter(x, -1, ag.tensor([[3], [0], [1]]), 2.5)._data,
                                  ref_scatter(x._data, 1, np.array([[3], [0], [1]]), 2.5))
    g = ag.grad(ag.scatter(x, 0, idx, s).sum(), s)[0]
    np.testing.assert_array_equal(g._data, np.pad(np.ones((2, 4)), ((0, 0), (0, 1))))


def test_scatter_in_place_reduce_and_errors():
    y = ag.zeros(2, 3, dtype=ag.int64)
    y.scatter_(1, ag.tensor([[2], [0]]), ag.tensor([[7], [8]]))
    np.testing.assert_array_equal(y._data, [[0, 0, 7], [8, 0, 0]])
    y.scatter_add_(1, ag.tensor([[2], [2]]), ag.tensor([[1], [1]]))
    np.testing.assert_array_equal(y._data, [[0, 0, 8], [8, 0, 1]])
    z = ag.ones(2, 2).scatter(0, ag.tensor([[1, 1]]), 3.0, reduce="multiply")
    np.testing.assert_array_equal(z._data, [[1, 1], [3, 3]])
    z = ag.ones(2, 2).scatter(0, ag.tensor([[1, 1]]), ag.ones(1, 2), reduce="add")
    np.testing.assert_array_equal(z._data, [[1, 1], [2, 2]])
    with pytest.raises(RuntimeError, match="dtype"):
        ag.scatter(ag.ones(2, 2), 0, ag.tensor([[0]]), ag.ones(1, 1, dtype=ag.float64))
    with pytest.raises(IndexError):
        ag.scatter(ag.ones(2, 2), 0, ag.tensor([[5]]), 1.0)
    with pytest.raises(IndexError):
        ag.scatter(ag.ones(2, 2), 0, ag.tensor([[0.5]]), 1.0)
    with pytest.raises(RuntimeError):
        ag.scatter(ag.ones(2, 2), 0, ag.tensor([[0, 1, 0]]), 1.0)
    with pytest.raises(RuntimeError, match="reduce"):
        ag.scatter(ag.ones(2, 2), 0, ag.tensor([[0]]), 1.0, reduce="max")
    x = leaf(2, 2)
    with pytest.raises(RuntimeError, match="leaf"):
        x.scatter_(0, ag.tensor([[0]]), 1.0)


# -- scatter_reduce --------------------------------------------------------------------------------
@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_values_gradients_and_jvp(reduce, include_self):
    x, s = leaf(3, 4, low=0.5, high=2), leaf(2, 4, seed=1, low=0.5, high=2)
    idx = ag.tensor(IDX)
    out = ag.scatter_reduce(x, 0, idx, s, reduce, include_self=include_self)
    np.testing.assert_allclose(out._data, ref_scatter_reduce(x._data, 0, IDX, s._data, reduce, include_self))
    check(lambda x, s: ag.scatter_reduce(x, 0, idx, s, reduce, include_self=include_self), x, s)
    check_jvp(lambda x, s: x.scatter_reduce(0, idx, s, reduce, include_self=include_self), x, s)
    s5 = leaf(3, 5, seed=3, low=0.5, high=2)  # src larger than the index, along dim 1
    idx1 = ag.tensor([[3, 3, 0], [1, 2, 1], [0, 0, 0]])
    np.testing.assert_allclose(ag.scatter_reduce(x, 1, idx1, s5, reduce, include_self=include_self)._data,
                               ref_scatter_reduce(x._data, 1, idx1._data, s5._data, reduce, include_self))
    check(lambda x, s: ag.scatter_reduce(x, 1, idx1, s, reduce, include_self=include_self), x, s5)


@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_prod_with_zeros(include_self):
    """One zero in a group: the gradient of the zero is the product of the others (exact)."""
    x = ag.tensor([[2.0, 0.0, 3.0]], dtype=ag.float64, requires_grad=True)
    s = ag.tensor([[0.0, 5.0, 4.0, 0.0]], dtype=ag.float64, requires_grad=True)
    idx = ag.tensor([[0, 1, 2, 2]])
    out = ag.scatter_reduce(x, 1, idx, s, "prod", include_self=include_self)
    np.testing.assert_array_equal(out._data, ref_scatter_reduce(x._data, 1, idx._data, s._data, "prod", include_self))
    assert ag.gradcheck(lambda x, s: ag.scatter_reduce(x, 1, idx, s, "prod", include_self=include_self), (x, s))


@pytest.mark.parametrize("reduce", ["amax", "amin"])
def test_scatter_reduce_ties_share_the_gradient_evenly(reduce):
    """PyTorch's convention: every value equal to the result (the input's own when included, and
    each src value) gets ȳ / (number of such values)."""
    x = ag.tensor([1.0, 5.0], dtype=ag.float64, requires_grad=True)
    s = ag.tensor([1.0, 1.0, 5.0, 2.0], dtype=ag.float64, requires_grad=True)
    idx = ag.tensor([0, 0, 1, 1])
    out = ag.scatter_reduce(x, 0, idx, s, reduce)
    gx, gs = ag.grad(out.sum(), (x, s))
    if reduce == "amax":  # slot 0: max(1, 1, 1) → thirds; slot 1: max(5, 5, 2) → halves
        np.testing.assert_allclose(gx._data, [1 / 3, 1 / 2])
        np.testing.assert_allclose(gs._data, [1 / 3, 1 / 3, 1 / 2, 0])
    else:  # slot 1: min(5, 5, 2) = 2 → only src[3]
        np.testing.assert_allclose(gx._data, [1 / 3, 0])
        np.testing.assert_allclose(gs._data, [1 / 3, 1 / 3, 0, 1])
    gx, gs = ag.grad(ag.scatter_reduce(x, 0, idx, s, reduce, include_self=False).sum(), (x, s))
    np.testing.assert_allclose(gx._data, [0, 0])  # excluded: no share for the input


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
def test_scatter_reduce_integers(reduce):
    x = np.array([[3, -4, 7]], np.int64)
    s = np.array([[2, 5, -3, 9]], np.int64)
    idx = np.array([[0, 0, 2, 0]])
    for incl in (True, False):
        out = ag.scatter_reduce(ag.tensor(x), 1, ag.tensor(idx), ag.tensor(s), reduce, include_self=incl)
        assert out.dtype == np.int64
        np.testing.assert_array_equal(out._data, ref_scatter_reduce(x, 1, idx, s, reduce, incl))
    y = ag.tensor(x.copy())
    y.scatter_reduce_(1, ag.tensor(idx), ag.tensor(s), reduce)
    np.testing.assert_array_equal(y._data, ref_scatter_reduce(x, 1, idx, s, reduce, True))


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
def test_scatter_reduce_keeps_float32(reduce):
    x, s = ag.ones(3, 4, requires_grad=True), ag.ones(2, 4, requires_grad=True)
    y = ag.scatter_reduce(x, 0, ag.tensor(IDX), s, reduce)
    y.sum().backward()
    assert y.dtype == x.grad.dtype == s.grad.dtype == np.float32


def test_scatter_reduce_errors_and_empty():
    with pytest.raises(RuntimeError, match="reduce"):
        ag.scatter_reduce(ag.ones(3), 0, ag.tensor([0]), ag.ones(1), "max")
    with pytest.raises(TypeError):
        ag.scatter_reduce(ag.ones(3), 0, ag.tensor([0]), 1.0, "sum")
    x = leaf(3)
    out = ag.scatter_reduce(x, 0, ag.tensor(np.zeros(0, np.int64)), leaf(0), "amax")
    np.testing.assert_array_equal(out._data, x._data)
    check(lambda x: ag.scatter_reduce(x, 0, ag.tensor(np.zeros(0, np.int64)), ag.zeros(0, dtype=ag.float64), "prod"),
          x)


# -- index_add, index_copy, index_fill -------------------------------------------------------------
def test_index_add_copy_fill():
    x, s = leaf(3, 4), leaf(3, 2, seed=1)
    idx = ag.tensor([3, 1])
    ref = x._data.copy()
    ref[:, [3, 1]] += 2 * s._data
    np.testing.assert_allclose(ag.index_add(x, 1, idx, s, alpha=2)._data, ref)
    ref = x._data.copy()
    ref[:, [3, 1]] = s._data
    np.testing.assert_array_equal(x.index_copy(1, idx, s)._data, ref)
    ref = x._data.copy()
    ref[:, [3, 1]] = -1
    np.testing.assert_array_equal(x.index_fill(1, idx, -1)._data, ref)
    check(lambda x, s: ag.index_add(x, 1, idx, s, alpha=2), x, s)
    check(lambda x, s: ag.index_copy(x, 1, idx, s), x, s)
    check_jvp(lambda x, s: ag.index_copy(x, 1, idx, s) * ag.index_add(x, 1, idx, s), x, s)
    v = ag.tensor(0.5, dtype=ag.float64, requires_grad=True)
    check(lambda x, v: ag.index_fill(x, 0, ag.tensor([0, 2]), v), x, v)
    check_jvp(lambda x, v: ag.index_fill(x, 0, ag.tensor([0, 2]), v), x, v)
    # repeated indices add up in index_add
    dup = ag.index_add(ag.zeros(3), 0, ag.tensor([1, 1, 1]), ag.ones(3))
    np.testing.assert_array_equal(dup._data, [0, 3, 0])


def test_index_in_place_and_errors():
    y = ag.zeros(3, 2, dtype=ag.int32)
    y.index_add_(0, ag.tensor([0, 2]), ag.ones(2, 2, dtype=ag.int32))
    y.index_fill_(1, ag.tensor([1]), 9)
    y.index_copy_(0, ag.tensor([1]), ag.tensor([[4, 4]], dtype=ag.int32))
    np.testing.assert_array_equal(y._data, [[1, 9], [4, 4], [1, 9]])
    assert y.dtype == np.int32
    m = ag.ones(2, 2)
    m.masked_fill_(ag.tensor([[True, False], [False, True]]), 0.0)
    np.testing.assert_array_equal(m._data, [[0, 1], [1, 0]])
    with pytest.raises(RuntimeError, match="source"):
        ag.index_add(ag.zeros(3, 2), 0, ag.tensor([0]), ag.ones(2, 2))
    with pytest.raises(IndexError):
        ag.index_copy(ag.zeros(3, 2), 0, ag.tensor([3]), ag.ones(1, 2))
    with pytest.raises(IndexError):
        ag.index_fill(ag.zeros(3, 2), 0, ag.tensor([[0]]), 1.0)
    with pytest.raises(RuntimeError, match="dtype"):
        ag.index_add(ag.zeros(3), 0, ag.tensor([0]), ag.ones(1, dtype=ag.float64))


# -- take, take_along_dim, nonzero -----------------------------------------------------------------
def test_take_and_take_along_dim():
    x = leaf(3, 4)
    idx = ag.tensor([[0, -1], [5, 5]])
    np.testing.assert_array_equal(ag.take(x, idx)._data, np.take(x._data, idx._data))
    check(lambda x: ag.take(x, idx), x)
    check_jvp(lambda x: x.take(idx), x)
    with pytest.raises(IndexError):
        ag.take(x, ag.tensor([12]))
    order = ag.argsort(x, 1)
    np.testing.assert_array_equal(ag.take_along_dim(x, order, 1)._data, np.sort(x._data, 1))
    np.testing.assert_array_equal(x.take_along_dim(ag.tensor([[0], [3], [1]]), dim=1)._data,
                                  np.take_along_axis(x._data, np.array([[0], [3], [1]]), 1))
    np.testing.assert_array_equal(ag.take_along_dim(x, ag.tensor([11, 0]))._data, x._data.reshape(-1)[[11, 0]])
    b = ag.tensor([[0], [0], [0]])  # (3, 1) broadcast against (1, 4) except along dim 0
    row = leaf(1, 4)
    np.testing.assert_array_equal(ag.take_along_dim(row, b, 0)._data, np.repeat(row._data, 3, 0))
    check(lambda row: ag.take_along_dim(row, b, 0), row)
    with pytest.raises(RuntimeError, match="broadcast"):
        ag.take_along_dim(x, ag.tensor([[0], [1]]), 1)
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        ag.take_along_dim(x, ag.tensor([0]), 1)


def test_nonzero_and_argwhere():
    x = ag.tensor([[0, 1.5, 0], [2, 0, -1]])
    np.testing.assert_array_equal(ag.nonzero(x)._data, np.argwhere(x._data))
    assert ag.nonzero(x).dtype == np.int64 and ag.argwhere(x).shape == (3, 2)
    rows, cols = x.nonzero(as_tuple=True)
    np.testing.assert_array_equal(rows._data, [0, 1, 1])
    assert ag.nonzero(ag.tensor(3.0)).shape == (1, 0) and ag.nonzero(ag.tensor(0)).shape == (0, 0)
    assert len(ag.nonzero(ag.tensor(3.0), as_tuple=True)) == 1
    assert ag.nonzero(ag.zeros(0, 3)).shape == (0, 2)


# -- properties ------------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4), st.integers(1, 5), st.integers(0, 2 ** 16), st.integers(0, 1))
def test_scatter_then_gather_is_identity_on_a_permutation(rows, cols, seed, dim):
    """Writing src at a permutation along dim and gathering it back gives src."""
    rng = np.random.default_rng(seed)
    shape = (rows, cols)
    perm = np.stack([rng.permutation(shape[dim]) for _ in range(shape[1 - dim])], 1 - dim)
    src = ag.tensor(rng.standard_normal(shape))
    out = ag.scatter(ag.zeros(*shape, dtype=ag.float64), dim, ag.tensor(perm), src)
    np.testing.assert_array_equal(ag.gather(out, dim, ag.tensor(perm))._data, src._data)
    # and scatter_reduce sum agrees with scatter_add on any index
    idx = ag.tensor(rng.integers(0, shape[dim], shape))
    x = ag.tensor(rng.standard_normal(shape))
    np.testing.assert_allclose(ag.scatter_reduce(x, dim, idx, src, "sum")._data,
                               ag.scatter_add(x, dim, idx, src)._data)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 3), min_size=0, max_size=3), st.integers(0, 2 ** 16))
def test_nonzero_agrees_with_masked_select(shape, seed):
    rng = np.random.default_rng(seed)
    x = ag.tensor(rng.integers(-1, 2, shape).astype(np.float64))
    coords = ag.nonzero(x)
    assert coords.shape == (int(np.count_nonzero(x._data)), len(shape))
    picked = x[tuple(coords._data.T)] if len(shape) else x.reshape(-1)[: coords.shape[0]]
    np.testing.assert_array_equal(picked._data, ag.masked_select(x, x != 0)._data)
    np.testing.assert_array_equal(ag.argwhere(x)._data, coords._data)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(0, 1),
       st.sampled_from(["sum", "prod", "mean", "amax", "amin"]), st.booleans(), st.integers(0, 2 ** 16))
def test_scatter_reduce_agrees_with_a_loop(rows, cols, dim, reduce, include_self, seed):
    """Any index (repeats, untouched positions), small integer values (so ties happen), float and int."""
    rng = np.random.default_rng(seed)
    shape = (rows, cols)
    idx_shape = tuple(rng.integers(1, n + 1) for n in shape)
    idx = rng.integers(0, shape[dim], idx_shape)
    x, s = rng.integers(-3, 4, shape), rng.integers(-3, 4, idx_shape)
    for dt in (np.float64, np.int64):
        out = ag.scatter_reduce(ag.tensor(x.astype(dt)), dim, ag.tensor(idx), ag.tensor(s.astype(dt)), reduce,
                                include_self=include_self)
        np.testing.assert_allclose(out._data, ref_scatter_reduce(x.astype(dt), dim, idx, s.astype(dt), reduce,
                                                                 include_self))
