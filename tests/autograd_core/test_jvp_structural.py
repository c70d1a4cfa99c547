"""Forward mode of the structural families (reduce, reduce_prod,
reduce_softmax, reduce_sort, shape, shape_tile, join, index, linalg, einsum):
every ``jvp`` rule against the reverse-mode Jacobian (``check_jvp``) over the
dim/keepdim/shape cases of the gradcheck tests, the private helper ops of the
backward passes, multi-output tangents (None for indices), prod at zeros
(exact), float32 tangents, and forward-over-reverse (Hessian-vector products
through the backward passes, against reverse-over-reverse)."""
import math

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.function import Elementwise, Linear
from autograd_core.ops import (
    conv,
    einsum_op,
    index,
    join,
    linalg,
    pool,
    reduce,
    reduce_prod,
    reduce_sort,
    select,
    shape,
    shape_tile,
)
from tests.autograd_core.test_join import over_pads, pad_cases
from tests.autograd_core.test_linalg import EINSUM_CASES
from tests.autograd_core.test_reduce import DIMS, over_corrections, over_reductions, reduction, var_std
from tests.autograd_core.test_shape import SHAPE_CASES
from tests.helpers import check_jvp, leaf

A = np.arange(24.0).reshape(2, 3, 4)
MASK = A % 3 == 0


def _x(seed=0):
    return leaf(2, 3, 4, seed=seed)


def _tangent(y):
    return ag.forward.unpack_dual(y)[1]


def _dual(values, tangent, dtype=np.float64):
    return ag.forward.dual(ag.tensor(values, dtype=dtype), np.asarray(tangent, dtype=dtype))


# ---------------------------------------------------------------- reduce, reduce_prod
@over_reductions
def test_reductions(name, dim, keepdim):
    check_jvp(reduction(name, dim, keepdim), _x(seed=1))


@over_corrections
def test_var_std_corrections(correction, dim):
    for f in var_std(dim, correction):
        check_jvp(f, _x(seed=2))


def test_var_mean_and_std_mean():
    check_jvp(lambda a: ag.var_mean(a, 1, correction=0, keepdim=True), _x(seed=4))
    check_jvp(lambda a: ag.std_mean(a, (0, 2)), _x(seed=4))


@pytest.mark.parametrize("dim", [0, 1, 2, -1, -2])
def test_cumsum(dim):
    check_jvp(lambda a: ag.cumsum(a, dim), _x(seed=3))


@pytest.mark.parametrize("dim", [None, 0, 1, -1, (0, 1)])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("values", [[[1.5, 0.0, -2.0], [0.5, 3.0, -1.0]],
                                    [[0.0, 0.0, -2.0], [0.5, 0.0, -1.0]]])
def test_prod_with_zeros(values, dim, keepdim):
    check_jvp(lambda a: ag.prod(a, dim, keepdim), ag.tensor(values, dtype=ag.float64))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_prod_tangent_at_zeros_is_exact(dtype):
    # ẏ = Σ_i ẋ_i Π_{j≠i} x_j: with one zero only its own term survives
    y = ag.prod(_dual([2.0, 0.0, 3.0, 4.0], [5.0, 1.0, 7.0, 9.0], dtype))
    assert _tangent(y).dtype == dtype
    np.testing.assert_array_equal(_tangent(y).numpy(), 24.0)
    # with two zeros every term vanishes, even where a tangent is large
    y = ag.prod(_dual([[0.0, 0.0, 3.0], [0.0, 2.0, 3.0]], [[1e300, 1.0, 1.0], [1.0, 1.0, 1.0]]), 1)
    np.testing.assert_array_equal(_tangent(y).numpy(), [0.0, 6.0])


def test_reductions_of_0d_inputs():
    check_jvp(lambda a: a.prod(0) * a.sum() + a.cumsum(0) + a.mean(), leaf(seed=5))


@pytest.mark.parametrize("p", [1, 2, 3, 0.5, 1.5, -1.0, math.inf, -math.inf, 0, "fro"])
@pytest.mark.parametrize("dim", [None, 1, -1, (0, 2)])
def test_norm(p, dim):
    check_jvp(lambda t: ag.norm(t, p, dim, keepdim=True), _x(seed=6))
    check_jvp(lambda t: t.norm(p, dim), _x(seed=6))


@pytest.mark.parametrize("p", [2, 3, 1.5, 0.5, math.inf])
def test_norm_at_zero_and_ties(p):
    x = ag.tensor([[0.0, 0.0, 0.0], [3.0, -3.0, 0.0]], dtype=ag.float64)
    check_jvp(lambda t: ag.norm(t, p, 1), x)
    assert np.all(np.isfinite(_tangent(ag.norm(ag.forward.dual(x, np.ones((2, 3))), p, 1)).numpy()))


def test_norm_0_has_zero_tangent():
    y = ag.norm(_dual([1.0, 0.0, -2.0], [1.0, 2.0, 3.0]), 0)
    assert y.item() == 2.0 and _tangent(y).item() == 0.0


# ---------------------------------------------------------------- reduce_softmax
@pytest.mark.parametrize("dim", [0, 1, 2, -1, -2])
def test_softmax_and_log_softmax(dim):
    check_jvp(lambda a: ag.softmax(a, dim), _x(seed=7))
    check_jvp(lambda a: ag.log_softmax(a, dim), _x(seed=7))


@pytest.mark.parametrize("dim", [0, 2, -1, (0, 2), (-1, 1), (0, 1, 2), None])
@pytest.mark.parametrize("keepdim", [False, True])
def test_logsumexp(dim, keepdim):
    check_jvp(lambda a: ag.logsumexp(a, dim, keepdim=keepdim), _x(seed=8))


def test_softmax_family_on_huge_logits_and_0d():
    x = ag.tensor([1000.0, 1001.0, 999.0], dtype=ag.float64)
    check_jvp(lambda a: ag.softmax(a, 0) + ag.log_softmax(a, 0) * ag.logsumexp(a, 0), x)
    check_jvp(lambda a: ag.logsumexp(a, 0) * ag.softmax(a, 0) + ag.log_softmax(a, 0), leaf(seed=9))


# ---------------------------------------------------------------- reduce_sort
@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
def test_amax_amin(dim, keepdim):
    check_jvp(lambda a: ag.amax(a, dim, keepdim), _x(seed=1))
    check_jvp(lambda a: ag.amin(a, dim, keepdim), _x(seed=1))


def test_amax_tangent_of_ties_is_their_mean():
    y = ag.amax(_dual([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], [[5.0, 1.0, 2.0], [3.0, 6.0, 9.0]]), 1)
    np.testing.assert_allclose(_tangent(y).numpy(), [1.5, 6.0])
    check_jvp(lambda a: a.max() * a.min(), ag.tensor([[3.0, 1.0], [3.0, -1.0]], dtype=ag.float64))
    check_jvp(lambda a: a.max() * a.min(), _x(seed=2))


@pytest.mark.parametrize("dim", [0, 1, 2, -1, -2])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_min_along_dim(dim, keepdim):
    check_jvp(lambda a: ag.max(a, dim, keepdim), _x(seed=3))
    check_jvp(lambda a: a.min(dim, keepdim=keepdim), _x(seed=3))


@pytest.mark.parametrize("dim", [0, 1, 2, -1, -2])
@pytest.mark.parametrize("descending", [False, True])
def test_sort(dim, descending):
    check_jvp(lambda a: ag.sort(a, dim, descending), _x(seed=4))


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("k", [1, 2])
def test_topk(dim, largest, k):
    check_jvp(lambda a: ag.topk(a, k, dim, largest), _x(seed=5))


def test_topk_unsorted_and_edge_sizes_and_0d():
    check_jvp(lambda a: ag.topk(a, 3, 1, sorted=False).values, _x(seed=6))
    check_jvp(lambda a: ag.topk(a, 4).values, _x(seed=6))
    assert _tangent(ag.topk(ag.forward.dual(_x().detach(), np.ones(A.shape)), 0).values).shape == (2, 3, 0)
    check_jvp(lambda a: a.max(0).values * a.sort().values + a.amax() + a.topk(1).values, leaf(seed=7))


@pytest.mark.parametrize("fn,axis,keepdim", [
    (lambda a: ag.max(a, 1), 1, False), (lambda a: ag.min(a, 0, True), 0, True),
    (lambda a: ag.sort(a, -1, True), 2, True), (lambda a: ag.topk(a, 2, 1), 1, True),
])
def test_multi_output_tangents_are_taken_at_the_indices(fn, axis, keepdim):
    v = np.random.default_rng(0).standard_normal(A.shape)
    values, indices = fn(ag.forward.dual(_x(seed=8).detach(), v))
    assert _tangent(indices) is None and indices.dtype == np.int64
    idx = indices.numpy() if keepdim else np.expand_dims(indices.numpy(), axis)
    want = np.take_along_axis(v, idx, axis)
    np.testing.assert_array_equal(_tangent(values).numpy(), want if keepdim else want.squeeze(axis))


# ---------------------------------------------------------------- shape, shape_tile
@pytest.mark.parametrize("i", range(len(SHAPE_CASES)))
def test_shape_ops(i):
    check_jvp(SHAPE_CASES[i], leaf(2, 3, 4, seed=i))
    check_jvp(lambda x: SHAPE_CASES[i](x.permute(2, 1, 0)), leaf(4, 3, 2, seed=i))  # non-contiguous


def test_view_of_a_dual_with_a_non_contiguous_tangent():
    x = ag.forward.dual(ag.tensor(A), np.asfortranarray(A * 2.0))  # the tangent is not C-contiguous
    y = x.view(6, 4)
    np.testing.assert_array_equal(_tangent(y).numpy(), (A * 2.0).reshape(6, 4))


# ---------------------------------------------------------------- join
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat(dim):
    shapes = {0: [(2, 3, 4), (1, 3, 4), (3, 3, 4)], 1: [(2, 3, 4), (2, 1, 4), (2, 2, 4)],
              -1: [(2, 3, 4), (2, 3, 1), (2, 3, 2)]}[dim]
    check_jvp(lambda a, b, c: ag.cat((a, b, c), dim=dim), *(leaf(*s, seed=k) for k, s in enumerate(shapes)))


def test_cat_of_non_contiguous_inputs_and_constants():
    check_jvp(lambda a, b: ag.concatenate([a.t(), b], 1), leaf(3, 2), leaf(2, 4, seed=1))
    const = ag.tensor(A[:, :1])
    check_jvp(lambda a: ag.cat([const, a, const], 1), _x())
    ints = ag.tensor(np.ones((2, 1, 4), np.int64))
    y = ag.cat([ints, ag.forward.dual(ag.tensor(A), np.ones(A.shape))], 1)
    np.testing.assert_array_equal(_tangent(y).numpy()[:, 0], 0.0)
    np.testing.assert_array_equal(_tangent(y).numpy()[:, 1:], 1.0)


@pytest.mark.parametrize("dim", [0, 2, -1, -4])
def test_stack(dim):
    check_jvp(lambda a, b: ag.stack([a, b.permute(0, 1, 2)], dim), _x(), _x(seed=1))


@pytest.mark.parametrize("k", [0, 1, 2])
def test_split_with_only_some_pieces_used(k):
    check_jvp(lambda x: x.split(3, 1)[k], leaf(2, 7, seed=k))
    check_jvp(lambda x: x.split([2, 0, 3], -1)[k] * 2.0, leaf(3, 5, seed=k))


def test_split_and_chunk_all_pieces_and_tangent_tuple():
    check_jvp(lambda x: ag.cat(list(reversed(x.split([2, 3]))), 0), leaf(5, 3))
    check_jvp(lambda x: x.split(2, 0), leaf(5, 3))  # every piece, as a tuple
    check_jvp(lambda x: x.chunk(2, 0)[1], leaf(5, 3))
    check_jvp(lambda x: x.chunk(3, 1)[0] + x.chunk(3, 1)[2], leaf(2, 6))
    pieces = ag.forward.dual(ag.tensor(A), A + 1.0).split(3, 2)
    np.testing.assert_array_equal(_tangent(pieces[1]).numpy(), A[..., 3:] + 1.0)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_unbind(dim):
    check_jvp(lambda x: ag.unbind(x, dim)[1], _x())
    check_jvp(lambda x: ag.stack(x.unbind(dim)[::-1], dim), _x())


@over_pads
def test_pad_every_mode(pad, mode):
    for f, x in pad_cases(pad, mode):
        check_jvp(f, x)


def test_constant_pad_value_has_no_tangent_and_negative_pads_crop():
    check_jvp(lambda x: ag.pad(x, (1, -2, -1, 0), value=3.0), leaf(2, 3, 4))
    check_jvp(lambda x: ag.pad(x, (-1, -1)), leaf(2, 3))
    y = ag.pad(_dual([1.0, 2.0], [4.0, 5.0]), (1, 1), value=7.0)
    np.testing.assert_array_equal(_tangent(y).numpy(), [0.0, 4.0, 5.0, 0.0])


# ---------------------------------------------------------------- index
INDEXES = [
    1, -1, (0, 2), (1, -1, 2), slice(None, None, 2), (slice(None), slice(None, None, -2), slice(1, 3)),
    (None, 1, None), (Ellipsis, 1), (0, Ellipsis, None), [1, 0, 1], (slice(None), [2, 0, 2, 2]),
    ag.tensor([[1, 1], [0, 1]]), (ag.tensor([0, 1]), slice(None), np.array([3, 3])),
    (ag.tensor(1), slice(1, None)), ag.tensor(MASK), MASK[..., 0], (slice(None), MASK[0, :, 0]),
    (ag.tensor([True, False]), Ellipsis, [0, 0]), ([[0], [1]], None, [1, 2], slice(0, 2)), [],
]


@pytest.mark.parametrize("i", range(len(INDEXES)))
def test_getitem(i):
    check_jvp(lambda x: x[INDEXES[i]], leaf(2, 3, 4, seed=i))
    check_jvp(lambda x: x.permute(2, 1, 0)[INDEXES[i]], leaf(4, 3, 2, seed=i))


@pytest.mark.parametrize("idx", [[[3, -1, 0], [0, 0, 2]], [1], [2, 2, 2, -2], [1, 1, 0, 1]])
def test_getitem_with_repeated_integer_indices(idx):
    check_jvp(lambda x: x[idx], leaf(4, 20))
    y = _dual(np.arange(4.0), [1.0, 10.0, 100.0, 1000.0])[ag.tensor([2, 2, 0, -1])]
    np.testing.assert_array_equal(_tangent(y).numpy(), [100.0, 100.0, 1.0, 1000.0])


def test_getitem_with_boolean_masks():
    check_jvp(lambda x: x[x._data > 0], _x(seed=3))
    check_jvp(lambda x: x[ag.tensor(MASK)] * 2.0 + x[MASK][::-1], _x(seed=4))
    check_jvp(lambda x: x[True], _x(seed=5))


def test_narrow_index_select_masked_select():
    check_jvp(lambda x: x.narrow(2, 1, 3), _x())
    check_jvp(lambda x: x.t().narrow(0, 0, 2), leaf(3, 4))
    for dim in (0, 1, -1):
        check_jvp(lambda x, dim=dim: ag.index_select(x, dim, ag.tensor([1, 0, 1])), _x(seed=dim % 3))
    check_jvp(lambda x: x.masked_select(ag.tensor(MASK)), _x())
    check_jvp(lambda x: x[0].masked_select(ag.tensor(MASK)), _x())


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_gather(dim):
    idx = np.random.default_rng(dim + 10).integers(0, A.shape[dim], (2, 2, 3))
    check_jvp(lambda x: ag.gather(x, dim, ag.tensor(idx)), _x())
    check_jvp(lambda x: ag.gather(x.permute(2, 1, 0), dim, idx), leaf(4, 3, 2))


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("src_shape", [(2, 2, 3), (2, 3, 4)])
def test_scatter_add(dim, src_shape):
    idx = np.random.default_rng(0).integers(0, A.shape[dim], (2, 2, 3))
    check_jvp(lambda x, s: ag.scatter_add(x, dim, ag.tensor(idx), s), _x(), leaf(*src_shape, seed=1))
    const = ag.tensor(np.ones(src_shape))
    check_jvp(lambda x: ag.scatter_add(x, dim, ag.tensor(idx), const), _x())


@pytest.mark.parametrize("mask", [MASK, MASK[0], MASK[:, :1], MASK[0, 0]])
def test_masked_fill(mask):
    check_jvp(lambda x: ag.masked_fill(x, ag.tensor(mask), 2.0), _x())
    check_jvp(lambda x, v: x.masked_fill(mask, v), _x(), leaf(seed=1))


# ---------------------------------------------------------------- linalg, einsum
MATMUL_CASES = [
    ((3,), (3,)), ((3,), (3, 4)), ((2, 3), (3,)), ((2, 3), (3, 4)), ((2, 2, 3), (3, 4)),
    ((3, 4), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((3,), (2, 3, 4)), ((2, 3, 4), (4,)),
]


@pytest.mark.parametrize("sa,sb", MATMUL_CASES)
def test_matmul(sa, sb):
    check_jvp(ag.matmul, leaf(*sa, seed=1), leaf(*sb, seed=2))
    b = ag.tensor(np.random.default_rng(3).standard_normal(sb))
    check_jvp(lambda a: a @ b, leaf(*sa, seed=1))  # only one operand carries a tangent


def test_mm_bmm_mv_dot_outer():
    check_jvp(ag.mm, leaf(2, 3), leaf(3, 4, seed=1))
    check_jvp(ag.bmm, leaf(2, 2, 3), leaf(2, 3, 4, seed=1))
    check_jvp(ag.mv, leaf(2, 3), leaf(3, seed=1))
    check_jvp(ag.dot, leaf(3), leaf(3, seed=1))
    check_jvp(ag.outer, leaf(2), leaf(3, seed=1))
    check_jvp(lambda v: ag.outer(v, v), leaf(3, seed=2))


def test_matmul_tangent_when_no_input_has_a_nonzero_tangent_is_zero():
    a = ag.forward.dual(leaf(2, 3).detach(), np.zeros((2, 3)))
    y = a @ ag.tensor(np.ones((3, 4)))
    np.testing.assert_array_equal(_tangent(y).numpy(), np.zeros((2, 4)))


@pytest.mark.parametrize("eq,shapes", EINSUM_CASES)
def test_einsum(eq, shapes):
    ops = [leaf(*s, seed=k) for k, s in enumerate(shapes)]
    check_jvp(lambda *o: ag.einsum(eq, *o), *ops)


def test_einsum_with_a_constant_operand_and_a_repeated_operand():
    w = ag.tensor(np.random.default_rng(1).standard_normal((3, 4)))
    check_jvp(lambda x: ag.einsum("ij,jk,kl->il", x, w, w.T), leaf(2, 3))
    check_jvp(lambda x: ag.einsum("i,ij,j->", x, w, ag.ones(4, dtype=ag.float64)), leaf(3))
    check_jvp(lambda x: ag.einsum("i,i,i->i", x, x, x), leaf(4))


# ---------------------------------------------------------------- the helper ops of backward passes
def test_helper_ops_of_backward_passes():
    idx = np.array([[2, 0], [1, 0], [0, 2]])  # distinct along the axis
    check_jvp(lambda g: reduce_sort.ScatterAlong.apply(g, idx, 1, (3, 3)), leaf(3, 2))
    check_jvp(lambda x: reduce_sort.GatherAlong.apply(x, idx, 1), leaf(3, 3))
    rows = ([0, 2, 0, -1],)
    check_jvp(lambda g: index.IndexScatter.apply(g, (3, 2), rows, index._INTS), leaf(4, 2))
    check_jvp(lambda g: index.IndexScatter.apply(g, (4, 8), (np.array([0, 0, 1, 0, 3]), Ellipsis),
                                                 index._INTS), leaf(5, 8))  # the sorted-rows path
    check_jvp(lambda g: index.IndexScatter.apply(g, (2, 3), (MASK[0, :2, :3],), index._MASK), leaf(2))
    check_jvp(lambda g: shape_tile.FoldRepeat.apply(g, (2, 1, 3), (3, 2)), leaf(2, 3, 6))
    for mode in ("reflect", "replicate", "circular"):
        check_jvp(lambda g, m=mode: join.PadFold.apply(g, ((1, 1), (2, 1)), m), leaf(5, 7))
    check_jvp(lambda x: reduce.ReverseCumsum.apply(x, 1), leaf(2, 4))
    zeros = ag.tensor([[0.0, 2.0, 0.0], [1.5, 0.0, 3.0]], dtype=ag.float64)
    check_jvp(lambda x: reduce_prod.ProdOthers.apply(x), zeros)
    check_jvp(lambda x: reduce_prod.ProdOthers.apply(x), leaf(2, 4))
    check_jvp(lambda x: linalg.reshape(x, (3, 2)), leaf(2, 3))
    check_jvp(lambda x: linalg._mT(x), leaf(2, 3, 4))
    check_jvp(lambda x: einsum_op.EinsumView.apply(x, (("ij",), "ji")), leaf(2, 3))


# ---------------------------------------------------------------- dtypes
@pytest.mark.parametrize("fn", [
    lambda a: a.sum(1), lambda a: a.var(0), lambda a: a.prod(-1), lambda a: a.norm(3, 0),
    lambda a: ag.softmax(a, 1), lambda a: ag.logsumexp(a, 0), lambda a: a.max(1).values,
    lambda a: a.sort(0).values, lambda a: a.amax(), lambda a: a.T.reshape(-1), lambda a: a.repeat(2, 1),
    lambda a: ag.cat([a, a], 0), lambda a: a.split(2, 1)[1], lambda a: ag.pad(a, (1, 1), "reflect"),
    lambda a: a[[0, 0, 2]], lambda a: a @ a.T, lambda a: ag.einsum("ij,kj->ik", a, a),
    lambda a: ag.prod(a * ag.tensor([[1.0, 0.0, 1.0, 1.0]]), 1),
])
def test_float32_tangents_stay_float32(fn):
    x = ag.forward.dual(leaf(3, 4, seed=7, dtype=np.float32).detach(),
                        np.random.default_rng(0).standard_normal((3, 4)))
    y = fn(x)
    assert y.dtype == np.float32 and _tangent(y).dtype == np.float32
    check_jvp(fn, leaf(3, 4, seed=7))


# ---------------------------------------------------------------- forward-over-reverse
def _sq(y):
    """Σ (w ⊙ y)² for fixed weights w, written with ops whose backward and jvp
    are in these families (and Mul)."""
    v = y.reshape(-1) * W[:y.numel()]
    return ag.dot(v, v)


def _check_hvp(fn, *xs, seed=0):
    """H·v by forward-over-reverse (ag.grad on dual inputs) equals H·v by
    reverse-over-reverse (ag.grad of the create_graph gradient)."""
    rng = np.random.default_rng(seed)
    vs = [rng.standard_normal(x.shape) for x in xs]
    leaves = [x.detach().requires_grad_() for x in xs]
    gs = ag.grad(fn(*leaves), leaves, create_graph=True)
    want = ag.grad(gs, leaves, [ag.tensor(v) for v in vs], allow_unused=True)
    duals = [ag.forward.dual(x.detach().requires_grad_(), v) for x, v in zip(xs, vs)]
    got = ag.grad(fn(*duals), duals)
    for g, w in zip(got, want):
        t = _tangent(g)
        assert t is not None
        np.testing.assert_allclose(t.numpy(), 0.0 if w is None else w.numpy(), rtol=1e-10, atol=1e-10)


W = ag.tensor(np.random.default_rng(42).standard_normal(200))
Z = np.ones(A.shape)
Z[0, 0, 0] = Z[0, 1, 0] = Z[1, 1, 3] = 0.0
Z = ag.tensor(Z)


@pytest.mark.parametrize("fn", [
    lambda x: _sq(x[[1, 1, 0]]),
    lambda x: _sq(x[ag.tensor(MASK)]),
    lambda x: _sq(x.gather(2, ag.tensor([[[0, 0, 3]] * 3] * 2))),
    lambda x: _sq(ag.sort(x, 1).values),
    lambda x: _sq(ag.topk(x, 2, -1).values),
    lambda x: _sq(ag.max(x, 0).values),
    lambda x: _sq(ag.cat(list(x.split([1, 2], 1))[::-1], 1)),
    lambda x: _sq(ag.stack(x.unbind(2), 0)),
    lambda x: _sq(ag.pad(x, (1, 2, 2, 1), "reflect")),
    lambda x: _sq(ag.pad(x, (2, 1), "replicate")),
    lambda x: _sq(ag.pad(x, (1, 3, 0, 1), "circular")),
    lambda x: _sq(ag.pad(x, (1, -1), value=2.0)),
    lambda x: _sq(x.repeat(2, 1, 2).flip(1).permute(2, 0, 1)),
    lambda x: _sq(ag.cumsum(x, 1)),
    lambda x: _sq(x[0] @ x[1].T) + _sq(ag.einsum("bij,bkj->bik", x, x)),
    lambda x: ag.dot(ag.prod(x * Z, (0, 2)), W[:3]),  # groups with one, two and no zeros
    lambda x: _sq(ag.amax(x, 1, keepdim=True)),
    lambda x: _sq(ag.amin(x, (0, 2))),
    # backward passes that read a saved output or use elementwise ops
    lambda x: _sq(ag.sum(x, 1)) + _sq(ag.mean(x, (0, 2), keepdim=True)),
    lambda x: _sq(ag.var(x, 1)) + _sq(ag.std(x, (0, 2), keepdim=True)),
    lambda x: _sq(ag.prod(x, 2)),
    lambda x: _sq(ag.norm(x, 2, 1)) + _sq(ag.norm(x, 3, (0, 2))) + _sq(ag.norm(x, 1.5, -1)),
    lambda x: _sq(ag.norm(x, math.inf, 1)) + _sq(ag.norm(x, 1, 0)),
    lambda x: _sq(ag.softmax(x, 1)) + _sq(ag.log_softmax(x, -1)),
    lambda x: _sq(ag.logsumexp(x, (0, 2))) + ag.logsumexp(x, None),
    lambda x: _sq(ag.masked_fill(x, ag.tensor(MASK), 2.0)) + _sq(ag.scatter_add(x, 1, ag.tensor(
        [[[0, 2, 2, 1]]] * 2), x[:, :1])),
])
def test_forward_over_reverse(fn):
    _check_hvp(fn, _x(seed=11))


def test_forward_over_reverse_of_prod_at_zeros_is_exact():
    # the Hessian of x0 x1 x2 at (0, 0, 3) is [[0, 3, 0], [3, 0, 0], [0, 0, 0]]
    x = ag.forward.dual(ag.tensor([0.0, 0.0, 3.0], dtype=ag.float64, requires_grad=True), [1.0, 2.0, 4.0])
    (g,) = ag.grad(x.prod(), x)
    np.testing.assert_array_equal(_tangent(g).numpy(), [6.0, 3.0, 0.0])
    _check_hvp(lambda t: ag.prod(t), ag.tensor([0.0, 0.0, 3.0, 2.0], dtype=ag.float64))


def test_forward_over_reverse_of_matmul_with_vectors():
    _check_hvp(lambda a, b: _sq(a @ b), leaf(3), leaf(2, 3, 4, seed=1))
    _check_hvp(lambda a, b: _sq(b @ a), leaf(4), leaf(2, 3, 4, seed=1))
    _check_hvp(lambda a, b: ag.dot(a @ b, a), leaf(3), leaf(3, 3, seed=1))


# ---------------------------------------------------------------- rules stated once
LINEAR_OPS = [shape.Reshape, shape.Squeeze, shape.Unsqueeze, shape.Permute, shape.Transpose, shape_tile.Repeat,
              shape_tile.FoldRepeat, shape_tile.Flip, join.Cat, join.Split, join.Stack, join.Unbind, join.ModePad,
              join.PadFold, reduce.Sum, reduce.Mean, reduce.Cumsum, reduce.ReverseCumsum, reduce_sort.ScatterAlong,
              reduce_sort.GatherAlong, conv.ChannelSum, pool.MaxUnpoolAdd, pool.PoolGather, pool.AvgPool2d,
              pool.AvgPool2dAdjoint, pool.AdaptiveAvgPool2d, pool.AdaptiveAvgPool2dAdjoint]


@pytest.mark.parametrize("op", LINEAR_OPS, ids=lambda op: op.__name__)
def test_linear_ops_state_only_their_adjoint(op):
    assert issubclass(op, Linear) and op.jvp is Linear.jvp and op.backward is not Linear.backward


@pytest.mark.parametrize("op", [select.Where, select.Clamp, select.Maximum, select.Minimum],
                         ids=lambda op: op.__name__)
def test_selection_ops_state_only_their_derivative(op):
    assert issubclass(op, Elementwise) and op.jvp is Elementwise.jvp and op.backward is Elementwise.backward
    assert op.derivative is not Elementwise.derivative


def test_hand_written_rules_where_the_op_is_not_re_applied():
    # view reshapes its tangent (which need not be contiguous); constant padding is affine
    assert "jvp" in vars(shape.View) and "jvp" in vars(join.ConstantPad) and not issubclass(join.ConstantPad, Linear)
    y = ag.pad(ag.forward.dual(ag.tensor(A), np.ones(A.shape)), (1, 1), value=5.0)
    np.testing.assert_array_equal(_tangent(y).numpy()[..., 1:-1], 1.0)
    np.testing.assert_array_equal(_tangent(y).numpy()[..., [0, -1]], 0.0)


def test_linear_ops_reapply_their_non_tensor_arguments():
    """The tangent of a Linear op is the op re-applied with the same shapes,
    dims, sizes and flags as the primal call."""
    v = np.random.default_rng(3).standard_normal(A.shape)
    x = ag.forward.dual(ag.tensor(A), v)
    cases = [
        (x.reshape(-1, 4), v.reshape(-1, 4)), (x.reshape(4, -1).T, v.reshape(4, -1).T),
        (x.squeeze(), v), (x.unsqueeze(1), v[:, None]), (x.permute(2, 0, 1), v.transpose(2, 0, 1)),
        (x.sum((0, 2), keepdim=True), v.sum((0, 2), keepdims=True)), (x.mean(-1), v.mean(-1)),
        (x.cumsum(1), v.cumsum(1)), (x.repeat(1, 2, 1, 3), np.tile(v, (1, 2, 1, 3))),
        (x.flip((0, 2)), v[::-1, :, ::-1]), (ag.pad(x, (2, 1), "reflect"), np.pad(v, ((0, 0), (0, 0), (2, 1)),
                                                                                  "reflect")),
        (ag.stack([x, 2.0 * x], 1), np.stack([v, 2.0 * v], 1)),
        (ag.cat([x, x[:, :1]], 1), np.concatenate([v, v[:, :1]], 1)),
    ]
    for y, want in cases:
        np.testing.assert_allclose(_tangent(y).numpy(), want, rtol=1e-15, atol=1e-15)
    for pieces, want in [(x.split([1, 2], 1), np.split(v, [1], 1)), (x.chunk(2, -1), np.split(v, 2, -1)),
                         (x.unbind(1), list(np.moveaxis(v, 1, 0)))]:
        assert len(pieces) == len(want)
        for p, w in zip(pieces, want):
            np.testing.assert_array_equal(_tangent(p).numpy(), w)
