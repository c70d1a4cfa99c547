"""Indexing: __getitem__ (basic, advanced, masks, mixed), narrow,
index_select, gather, scatter_add, masked_fill, masked_select: values against
numpy, gradients (first and second order), repeated indices, views and
version counters, dtypes, errors, and consistency with __setitem__."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from tests.helpers import check, check_jvp, leaf

A = np.arange(24.0).reshape(2, 3, 4)
MASK = A % 3 == 0


def ones_grad(y, x):
    (g,) = ag.grad(y, x, ag.ones_like(y))
    return g


# index as given to the tensor, and as given to numpy
INDEXES = [
    (1, 1), (-1, -1), ((0, 2), (0, 2)), ((1, -1, 2), (1, -1, 2)),
    (slice(None, None, 2), slice(None, None, 2)),
    ((slice(None), slice(None, None, -2), slice(1, 3)), (slice(None), slice(None, None, -2), slice(1, 3))),
    ((None, 1, None), (None, 1, None)), ((Ellipsis, 1), (Ellipsis, 1)),
    ((0, Ellipsis, None), (0, Ellipsis, None)),
    ([1, 0, 1], [1, 0, 1]), ((slice(None), [2, 0, 2, 2]), (slice(None), [2, 0, 2, 2])),
    (ag.tensor([[1, 1], [0, 1]]), np.array([[1, 1], [0, 1]])),
    ((ag.tensor([0, 1]), slice(None), np.array([3, 3])), ([0, 1], slice(None), [3, 3])),
    ((ag.tensor(1), slice(1, None)), (1, slice(1, None))),
    (ag.tensor(MASK), MASK), (MASK[..., 0], MASK[..., 0]),
    ((slice(None), MASK[0, :, 0]), (slice(None), MASK[0, :, 0])),
    ((ag.tensor([True, False]), Ellipsis, [0, 0]), (np.array([True, False]), Ellipsis, [0, 0])),
    (([[0], [1]], None, [1, 2], slice(0, 2)), ([[0], [1]], None, [1, 2], slice(0, 2))),
    ([], []),
]


@pytest.mark.parametrize("i", range(len(INDEXES)))
def test_getitem_values_match_numpy(i):
    index, np_index = INDEXES[i]
    out = ag.tensor(A)[index]
    expected = A[np_index]
    assert out.shape == np.shape(expected)
    np.testing.assert_array_equal(out._data, expected)


@pytest.mark.parametrize("i", range(len(INDEXES)))
def test_getitem_gradients(i):
    index, _ = INDEXES[i]
    check(lambda x: x[index], leaf(2, 3, 4, seed=i))
    check(lambda x: x.permute(2, 1, 0)[index], leaf(4, 3, 2, seed=i))  # a non-contiguous input


def test_getitem_of_a_non_contiguous_input():
    check(lambda x: x.permute(2, 1, 0)[[0, 0, 3], 1:], leaf(2, 3, 4))
    check(lambda x: x.t()[::-1, 1], leaf(3, 4))


def test_repeated_indices_accumulate():
    x = leaf(4)
    y = x[[0, 2, 0, 0, 3]]
    np.testing.assert_array_equal(ones_grad(y, x)._data, [3.0, 0.0, 1.0, 1.0])
    (g,) = ag.grad(y, x, ag.tensor([1.0, 2.0, 4.0, 8.0, 16.0], dtype=ag.float64))
    np.testing.assert_array_equal(g._data, [13.0, 0.0, 2.0, 16.0])


@pytest.mark.parametrize("idx", [[[3, -1, 0], [0, 0, 2]], [1], [2, 2, 2, -2], []])
def test_repeated_rows_of_long_rows_accumulate(idx):  # the sort-and-sum path of the backward
    x = leaf(4, 3, 5)
    idx = np.array(idx, dtype=np.int64)
    y = x[ag.tensor(idx)]
    w = np.random.default_rng(2).standard_normal(y.shape)
    (g,) = ag.grad(y, x, ag.tensor(w))
    expected = np.zeros((4, 3, 5))
    np.add.at(expected, idx, w)
    np.testing.assert_allclose(g._data, expected, rtol=1e-12, atol=1e-12)
    check(lambda x: x[idx], x)


def test_getitem_of_0d_result_is_a_tensor():
    x = leaf(2, 3)
    y = x[1, 2]
    assert isinstance(y, ag.Tensor) and y.shape == () and y.item() == x._data[1, 2]
    expected = np.zeros((2, 3))
    expected[1, 2] = 1
    np.testing.assert_array_equal(ones_grad(y, x)._data, expected)


@pytest.mark.parametrize("index", [1, (slice(1, None), None), (Ellipsis, 0), (0, 1), ag.tensor(1)])
def test_basic_indexing_is_a_view_sharing_the_version_counter(index):
    x = leaf(2, 3)
    before = x._data.copy()
    y = x[index]
    assert np.shares_memory(y._data, x._data)
    with ag.no_grad():
        y.add_(1.0)
    assert x._version == 1
    changed = before.copy()
    changed[index._data if isinstance(index, ag.Tensor) else index] += 1
    np.testing.assert_array_equal(x._data, changed)


@pytest.mark.parametrize("index", [[0, 1], ag.tensor([True, False]), (slice(None), [2])])
def test_advanced_indexing_is_a_copy(index):
    x = leaf(2, 3)
    y = x[index]
    assert not np.shares_memory(y._data, x._data) and y._vc is not x._vc


def test_getitem_keeps_float32():
    x = ag.tensor(np.ones((3, 4), np.float32), requires_grad=True)
    for index in (1, [0, 0], ag.tensor([[True] * 4] * 3), (slice(None), None)):
        y = x[index]
        assert y.dtype == np.float32
        (g,) = ag.grad(y, x, ag.ones_like(y))
        assert g.dtype == np.float32


@pytest.mark.parametrize("index, exc, match", [
    (ag.tensor([0.0, 1.0]), IndexError, "integer or bool.*float32"),
    ((0, np.array([1.5])), IndexError, "float64 at position 1"),
    ([0.5], IndexError, "integer or bool"),
    (1.0, IndexError, "float at position 0"),
    ("a", IndexError, "str"),
    (5, IndexError, r"out of bounds.*\[2, 3, 4\]"),
    (([0, 1], [0, 1, 2]), IndexError, "broadcast"),
])
def test_getitem_errors(index, exc, match):
    with pytest.raises(exc, match=match):
        ag.tensor(A)[index]


@settings(max_examples=50, deadline=None)
@given(n=st.integers(1, 6), data=st.data())
def test_gradient_of_repeated_indices_equals_add_at_counts(n, data):
    idx = np.array(data.draw(st.lists(st.integers(-n, n - 1), min_size=0, max_size=12)), dtype=np.int64)
    x = ag.tensor(np.random.default_rng(0).standard_normal((n, 2)), requires_grad=True)
    y = x[ag.tensor(idx)]
    np.testing.assert_array_equal(y._data, x._data[idx])
    w = np.random.default_rng(1).standard_normal(y.shape)
    (g,) = ag.grad(y, x, ag.tensor(w))
    expected = np.zeros((n, 2))
    np.add.at(expected, idx, w)
    np.testing.assert_allclose(g._data, expected, rtol=1e-12, atol=1e-12)
    counts = np.bincount(idx % n, minlength=n)
    np.testing.assert_array_equal(ones_grad(y, x)._data[:, 0], counts)


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_gradient_of_repeated_mixed_indices(data):
    rows = np.array(data.draw(st.lists(st.integers(0, 2), min_size=1, max_size=6)))
    cols = np.array(data.draw(st.lists(st.integers(0, 3), min_size=len(rows), max_size=len(rows))))
    x = ag.tensor(np.zeros((3, 4)), requires_grad=True)
    y = x[ag.tensor(rows), None, cols]
    assert y.shape == (len(rows), 1)
    expected = np.zeros((3, 4))
    np.add.at(expected, (rows, cols), 1.0)
    np.testing.assert_array_equal(ones_grad(y, x)._data, expected)


# -- setitem goes through index_put, whose backward uses getitem ----------------------------------
@pytest.mark.parametrize("index, v_shape", [
    (1, (3,)), ((slice(None), [0, 2]), (3, 1)), (ag.tensor([True, False, True]), (3,)),
    (ag.tensor([2, 0]), (2, 3)), ((ag.tensor(0), [1, 2]), (2,)),
])
def test_setitem_gradients_are_consistent_with_getitem(index, v_shape):
    def fn(x, v):
        y = x * 1.0
        y[index] = v
        return y

    x, v = leaf(3, 3), leaf(*v_shape, seed=1)
    check(fn, x, v)


# -- narrow ----------------------------------------------------------------------------------------
def test_narrow():
    x = leaf(2, 3, 4)
    np.testing.assert_array_equal(x.narrow(-1, 1, 2)._data, x._data[..., 1:3])
    np.testing.assert_array_equal(ag.narrow(x, 1, -2, 2)._data, x._data[:, 1:3])
    check(lambda x: x.narrow(2, 1, 3), x)
    check(lambda x: x.t().narrow(0, 0, 2), leaf(3, 4))
    y = x.narrow(0, 1, 1)
    with ag.no_grad():
        y.mul_(0.0)
    assert x._version == 1 and np.all(x._data[1] == 0)


@pytest.mark.parametrize("args, exc, match", [
    ((1, 2, 2), RuntimeError, r"start \(2\) \+ length \(2\) exceeds the size 3.*\[2, 3, 4\]"),
    ((1, 4, 0), IndexError, "start"), ((3, 0, 1), IndexError, "out of range"),
    ((0, 0, -1), RuntimeError, "length"),
])
def test_narrow_errors(args, exc, match):
    with pytest.raises(exc, match=match):
        ag.tensor(A).narrow(*args)


# -- index_select, gather, scatter_add -------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_index_select(dim):
    x = leaf(2, 3, 4)
    idx = ag.tensor([1, 0, 1])
    np.testing.assert_array_equal(x.index_select(dim, idx)._data, np.take(x._data, [1, 0, 1], dim))
    check(lambda x: ag.index_select(x, dim, idx), x)
    counts = np.array([1.0, 2.0]).reshape([-1 if d == dim % 3 else 1 for d in range(3)])
    np.testing.assert_array_equal(ones_grad(x.index_select(dim, idx), x)._data[
        tuple(slice(0, 2) if d == dim % 3 else slice(None) for d in range(3))],
        np.broadcast_to(counts, [2 if d == dim % 3 else A.shape[d] for d in range(3)]))
    assert x.index_select(dim, ag.tensor(1)).shape[dim] == 1


def gather_ref(a, dim, idx):
    out = np.empty(idx.shape)
    for pos in np.ndindex(idx.shape):
        src = list(pos)
        src[dim] = idx[pos]
        out[pos] = a[tuple(src)]
    return out


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_gather(dim):
    x = leaf(2, 3, 4)
    rng = np.random.default_rng(dim + 10)
    idx = rng.integers(0, A.shape[dim], (2, 2, 3))  # smaller than the input in the other dims
    out = x.gather(dim, ag.tensor(idx))
    np.testing.assert_array_equal(out._data, gather_ref(x._data, dim % 3, idx))
    check(lambda x: ag.gather(x, dim, ag.tensor(idx)), x)
    check(lambda x: ag.gather(x.permute(2, 1, 0), dim, idx), leaf(4, 3, 2))  # non-contiguous
    full = rng.integers(0, A.shape[dim], A.shape)
    np.testing.assert_array_equal(x.gather(dim, full)._data, np.take_along_axis(x._data, full, dim))


def test_gather_repeated_indices_accumulate():
    x = leaf(2, 3)
    y = x.gather(1, ag.tensor([[0, 0, 0, 2], [1, 1, 2, 2]]))
    np.testing.assert_array_equal(ones_grad(y, x)._data, [[3.0, 0.0, 1.0], [0.0, 2.0, 2.0]])


def scatter_add_ref(a, dim, idx, src):
    out = a.copy()
    for pos in np.ndindex(idx.shape):
        dst = list(pos)
        dst[dim] = idx[pos]
        out[tuple(dst)] += src[pos]
    return out


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("src_shape", [(2, 2, 3), (2, 3, 4)])
def test_scatter_add(dim, src_shape):
    x, src = leaf(2, 3, 4), leaf(*src_shape, seed=1)
    idx = np.random.default_rng(0).integers(0, A.shape[dim], (2, 2, 3))
    out = x.scatter_add(dim, ag.tensor(idx), src)
    np.testing.assert_allclose(out._data, scatter_add_ref(x._data, dim % 3, idx, src._data), rtol=1e-12)
    check(lambda x, s: ag.scatter_add(x, dim, ag.tensor(idx), s), x, src)


@pytest.mark.parametrize("fn, exc, match", [
    (lambda x: x.gather(1, ag.tensor([[0, 1]])), RuntimeError, r"\[1, 2\].*\[2, 3, 4\]"),
    (lambda x: x.gather(1, ag.tensor([[[0, 3]]])), IndexError, "index 3 is out of bounds for dim 1"),
    (lambda x: x.gather(1, ag.tensor([[[-1]]])), IndexError, "index -1"),
    (lambda x: x.gather(1, ag.tensor([[[0.0]]])), IndexError, "float32"),
    (lambda x: x.gather(3, ag.tensor([[[0]]])), IndexError, "out of range"),
    (lambda x: x.index_select(0, ag.tensor([[0]])), IndexError, "1-d"),
    (lambda x: x.index_select(0, ag.tensor([2])), IndexError, "out of bounds for dim 0 with size 2"),
    (lambda x: x.index_select(0, ag.tensor([0.0])), IndexError, "integer"),
    (lambda x: x.scatter_add(0, ag.tensor([[[0, 1]]]), ag.tensor([[[1.0]]])), RuntimeError, "src of shape"),
])
def test_index_op_errors(fn, exc, match):
    with pytest.raises(exc, match=match):
        fn(ag.tensor(A))


# -- masked_fill, masked_select --------------------------------------------------------------------
@pytest.mark.parametrize("mask", [MASK, MASK[0], MASK[:, :1], MASK[0, 0]])
def test_masked_fill(mask):
    x, v = leaf(2, 3, 4), leaf(seed=1)
    out = x.masked_fill(ag.tensor(mask), -1.5)
    np.testing.assert_array_equal(out._data, np.where(mask, -1.5, x._data))
    check(lambda x: ag.masked_fill(x, ag.tensor(mask), 2.0), x)
    check(lambda x, v: x.masked_fill(mask, v), x, v)
    (gv,) = ag.grad(x.masked_fill(ag.tensor(mask), v), v, ag.ones_like(x))
    assert gv.item() == np.broadcast_to(mask, A.shape).sum()


def test_masked_fill_keeps_dtypes():
    x = ag.tensor(np.ones((2, 2), np.float32), requires_grad=True)
    y = x.masked_fill(ag.tensor([True, False]), ag.tensor(2.0, dtype=ag.float64))
    assert y.dtype == np.float32 and y.tolist() == [[2.0, 1.0], [2.0, 1.0]]
    y.backward(ag.ones_like(y))
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [[0.0, 1.0], [0.0, 1.0]]
    assert ag.tensor([1, 2]).masked_fill(ag.tensor([False, True]), 7).tolist() == [1, 7]


@pytest.mark.parametrize("mask, value, match", [
    (ag.tensor([1, 0, 1, 0]), 0.0, "bool.*int64"),
    (np.ones((3, 2), bool), 0.0, r"\[3, 2\].*\[2, 3, 4\]"),
    (np.ones((2, 2, 3, 4), bool), 0.0, r"\[2, 2, 3, 4\] cannot be broadcast to the input's shape"),
    (MASK, ag.tensor([1.0, 2.0]), "0-d"),
])
def test_masked_fill_errors(mask, value, match):
    with pytest.raises(RuntimeError, match=match):
        ag.tensor(A).masked_fill(mask, value)


def test_masked_select():
    x = leaf(2, 3, 4)
    np.testing.assert_array_equal(x.masked_select(ag.tensor(MASK))._data, x._data[MASK])
    row = MASK[0, 0]
    y = ag.masked_select(x[0, 0], ag.tensor(np.stack([row, ~row])))  # the input is broadcast
    np.testing.assert_array_equal(y._data, np.broadcast_to(x._data[0, 0], (2, 4))[np.stack([row, ~row])])
    check(lambda x: x.masked_select(ag.tensor(MASK)), x)
    check(lambda x: x[0].masked_select(ag.tensor(MASK)), x)
    with pytest.raises(RuntimeError, match=r"\[3\].*\[2, 3, 4\]"):
        x.masked_select(ag.tensor([True, False, True]))


# -- PyTorch's order of dims: ints select first, then advanced indices ------------------------------
# The rule: apply the ints, slices, None (and a bool scalar, as a new dim) first; then the advanced
# indices, broadcast together to B, index the dims of that result: B takes their place if they are
# adjacent there, else B comes first. Each expected value is written as that two-step index (numpy
# agrees with the rule when no int meets an advanced index).
B = np.arange(60.0).reshape(3, 4, 5)
IDX, IDX2, M5 = [1, 3], [2, 0], np.array([True, False, True, True, False])
M45 = (B[0] % 3) == 1

ORDER = [
    ((0, slice(None), ag.tensor(IDX)), (4, 2), lambda b: b[0][:, IDX]),  # numpy: (2, 4)
    ((0, Ellipsis, IDX), (4, 2), lambda b: b[0][..., IDX]),
    ((slice(None), 0, IDX), (3, 2), lambda b: b[:, 0][:, IDX]),
    ((IDX2, slice(None), 0), (2, 4), lambda b: b[:, :, 0][IDX2]),
    ((IDX2, 0, IDX), (2,), lambda b: b[:, 0][IDX2, IDX]),
    ((0, IDX, IDX), (2,), lambda b: b[0][IDX, IDX]),
    ((0, slice(None), [[0, 1], [2, 3]]), (4, 2, 2), lambda b: b[0][:, [[0, 1], [2, 3]]]),
    ((None, 0, slice(None), IDX), (1, 4, 2), lambda b: b[None][:, 0][:, :, IDX]),  # numpy: (2, 1, 4)
    ((1, [[0], [2]], None, IDX), (2, 2, 1), lambda b: b[1][:, None][[[0], [2]], :, IDX]),
    ((0, slice(None), M5), (4, 3), lambda b: b[0][:, M5]),  # numpy: (3, 4)
    ((slice(None), 1, ag.tensor(M5)), (3, 3), lambda b: b[:, 1][:, M5]),
    ((0, ag.tensor(M45)), (int(M45.sum()),), lambda b: b[0][M45]),
    ((slice(None), True, slice(None), 0), (3, 1, 4), lambda b: b[:, :, 0][:, None]),  # numpy: (1, 3, 4)
    ((slice(None), False, 0), (3, 0, 5), lambda b: b[:, 0][:, None][:, :0]),
    ((ag.tensor(0), slice(None), ag.tensor(IDX)), (4, 2), lambda b: b[0][:, IDX]),  # a 0-d tensor is an int
    ((np.int64(2), slice(1, None), IDX2, None), (3, 2, 1), lambda b: b[2][1:][:, IDX2][..., None]),
    ((range(3), [0, 1, 2]), (3, 5), lambda b: b[[0, 1, 2], [0, 1, 2]]),
    (([0, 1], [1, 2]), (2, 5), lambda b: b[[0, 1], [1, 2]]),  # a tuple of lists
    ((slice(None), range(1, 3), 4), (3, 2), lambda b: b[:, :, 4][:, [1, 2]]),
    ([2, 0], (2, 4, 5), lambda b: b[[2, 0]]),
    ((ag.tensor([[1, 1]]), 2, slice(None, None, 2)), (1, 2, 3), lambda b: b[:, 2][[[1, 1]], ::2]),
]


@pytest.mark.parametrize("i", range(len(ORDER)))
def test_mixed_int_and_advanced_indices_follow_pytorch_order(i):
    index, shape, expected = ORDER[i]
    out = ag.tensor(B)[index]
    assert tuple(out.shape) == shape
    np.testing.assert_array_equal(out.numpy(), expected(B))


@pytest.mark.parametrize("i", range(len(ORDER)))
def test_mixed_indices_gradients_and_setitem_agree(i):
    index, shape, _ = ORDER[i]
    check(lambda x: x[index], leaf(3, 4, 5, seed=i))
    # __setitem__ writes where __getitem__ reads, with the same layout of the value
    v = np.arange(1.0, 1.0 + int(np.prod(shape))).reshape(shape)
    y = ag.zeros(3, 4, 5, dtype=ag.float64)
    y[index] = ag.tensor(v)
    if v.size == 0 or len(set(np.ravel(ag.tensor(B)[index].numpy()))) < v.size:
        return  # nothing written, or an element picked twice (the last write wins)
    np.testing.assert_array_equal(y[index].numpy(), v)
    assert y.numpy().sum() == v.sum()

    def put(x, w):
        z = x * 1.0
        z[index] = w
        return z

    check(put, leaf(3, 4, 5, seed=i), leaf(*shape, seed=i + 1))


def test_index_put_and_its_jvp_follow_the_same_order():
    x, w = leaf(3, 4, 5), leaf(4, 2, seed=1)
    y = x.index_put((0, slice(None), ag.tensor(IDX)), w)
    np.testing.assert_array_equal(y.detach().numpy()[0][:, IDX], w.detach().numpy())
    check_jvp(lambda x, w: x.index_put((0, slice(None), ag.tensor(IDX)), w), x, w)
    check_jvp(lambda x: x[0, :, IDX] * 2.0, x)


def test_lists_and_ranges_index_like_tensors():
    x = ag.tensor(B)
    n = 3
    target = ag.tensor([4, 0, 2])
    np.testing.assert_array_equal(x[range(n), 1, target].numpy(), B[[0, 1, 2], 1, [4, 0, 2]])
    np.testing.assert_array_equal(x[[True, False, True]].numpy(), B[[0, 2]])
    np.testing.assert_array_equal(x[[ag.tensor(2), ag.tensor(0)]].numpy(), B[[2, 0]])
    logits = leaf(3, 5)
    picked = logits[range(3), [4, 0, 2]]
    (g,) = ag.grad(picked.sum(), logits)
    expected = np.zeros((3, 5))
    expected[[0, 1, 2], [4, 0, 2]] = 1
    np.testing.assert_array_equal(g.numpy(), expected)
