"""ag.compile soundness: library code that once computed arrays from tensor values outside
ops (a padding mask, an additive attention mask, a data-dependent shape) made those arrays
constants of the replay when the two recorded calls happened to agree, so later calls
replayed stale values. Each test compiles a function, makes the first two calls agree on
that value, then changes it: the compiled results (and gradients) must be the eager ones,
replayed where the computation is made of ops, run eagerly (with the fallback warning)
where the result's shape depends on values."""
import copy
import warnings

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from autograd_core.compiler.backward import rule_reads_values
from autograd_core.ops.arith import Mul
from autograd_core.ops.pool import MaxPool2d
from autograd_core.tensor import Tensor


def _same(a, b):
    a, b = np.asarray(a._data), np.asarray(b._data)
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)


def _replayed(compiled, calls):
    info = compiled.explain()
    assert [e["state"] for e in info] == ["replay"], info
    assert info[0]["calls"]["replay"] == calls - 2


# -- F.embedding(padding_idx): the padding mask is made by ops and always applied -----------
EMB_TOKENS = [[[1, 2, 3], [3, 1, 2]], [[2, 3, 1], [1, 1, 3]],  # calls 1 and 2: no padding token
              [[0, 2, 0], [3, 0, 1]], [[1, 2, 3], [0, 0, 0]], [[0, 1, 2], [2, 3, 3]]]


def _embedding_grads(emb, tokens_list, f):
    grads = []
    for tokens in tokens_list:
        emb.weight.grad = None
        f(ag.tensor(np.array(tokens))).sum().backward()
        grads.append(emb.weight.grad._data.copy())
    return grads


def test_embedding_padding_row_gets_no_gradient_on_replay():
    emb = nn.Embedding(4, 2, padding_idx=0)
    eager = _embedding_grads(emb, EMB_TOKENS, emb)
    compiled = ag.compile(emb)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        got = _embedding_grads(emb, EMB_TOKENS, compiled)
    for call, (e, c) in enumerate(zip(eager, got)):
        assert np.array_equal(e[0], [0, 0]), call  # the padding row: no gradient
        assert np.array_equal(e, c), f"call {call}: padding row {c[0]} (eager {e[0]})"
    _replayed(compiled, len(EMB_TOKENS))


def test_embedding_padding_values_and_gradients_bit_identical():
    w = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)

    def f(tokens, weight):
        return F.embedding(tokens, weight, padding_idx=-1) * 2

    compiled = ag.compile(f)
    for call, tokens in enumerate([[1, 2], [2, 3], [4, 1], [4, 4], [0, 3]]):
        outs = []
        for fn in (f, compiled):
            weight = ag.tensor(w.copy(), requires_grad=True)
            out = fn(ag.tensor(np.array(tokens)), weight)
            out.backward(ag.tensor(np.linspace(-1, 1, out.numel()).reshape(out.shape).astype(np.float32)))
            outs.append((out, weight.grad))
        assert _same(outs[0][0], outs[1][0]) and _same(outs[0][1], outs[1][1]), call
        assert not outs[0][1]._data[4].any()  # padding_idx -1 is row 4
    _replayed(compiled, 5)


# -- MultiheadAttention: bool masks become additive masks by ops ------------------------------
@pytest.mark.parametrize("which", ["key_padding_mask", "attn_mask"])
def test_multihead_attention_bool_mask_recomputed_on_replay(which):
    ag.manual_seed(0)
    mha = nn.MultiheadAttention(4, 2, batch_first=True)
    x = ag.tensor(np.random.default_rng(1).standard_normal((2, 3, 4)).astype(np.float32))
    same = [[False, False, True], [False, True, True]]
    masks = [same, same, [[True, False, False], [False, False, False]], [[False, True, False], [True, True, False]]]
    if which == "attn_mask":  # (L, S) = (3, 3)
        masks = [m + [[False, False, False]] for m in masks]

    def f(x, mask):
        return mha(x, x, x, need_weights=False, **{which: mask})[0]

    compiled = ag.compile(f)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for call, m in enumerate(masks):
            e, c = f(x, ag.tensor(np.array(m))), compiled(x, ag.tensor(np.array(m)))
            assert _same(e, c), f"call {call}: {c._data.ravel()[:3]} (eager {e._data.ravel()[:3]})"
    _replayed(compiled, len(masks))


def test_multihead_attention_float_mask_of_other_dtype_recomputed():
    ag.manual_seed(0)
    mha = nn.MultiheadAttention(4, 2, batch_first=True)
    x = ag.tensor(np.random.default_rng(1).standard_normal((2, 3, 4)).astype(np.float32))
    rng = np.random.default_rng(2)
    same = rng.standard_normal((3, 3))
    masks = [same, same, rng.standard_normal((3, 3)), rng.standard_normal((3, 3))]

    def f(x, mask):
        return mha(x, x, x, need_weights=False, attn_mask=mask)[0]

    compiled = ag.compile(f)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for call, m in enumerate(masks):  # float64 masks added to float32 scores
            assert _same(f(x, ag.tensor(m)), compiled(x, ag.tensor(m))), call
    _replayed(compiled, len(masks))


# -- scaled_dot_product_attention: masks and fully masked rows by ops ---------------------------
def test_sdpa_bool_mask_and_fully_masked_rows_recomputed():
    rng = np.random.default_rng(3)
    q, k, v = (ag.tensor(rng.standard_normal((2, 3, 4)).astype(np.float32), requires_grad=True) for _ in range(3))
    same = np.ones((3, 3), bool)
    dead_row = same.copy()
    dead_row[1] = False  # query 1 attends to nothing: zero weights, zero output
    masks = [same, same, np.tril(same), dead_row, np.triu(same)]
    compiled = ag.compile(F.scaled_dot_product_attention)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for call, m in enumerate(masks):
            outs = []
            for fn in (F.scaled_dot_product_attention, compiled):
                for t in (q, k, v):
                    t.grad = None
                out = fn(q, k, v, attn_mask=ag.tensor(m))
                out.sum().backward()
                outs.append([out, q.grad, k.grad, v.grad])
            for e, c in zip(*outs):
                assert _same(e, c), f"call {call}: {c._data.ravel()[:3]} (eager {e._data.ravel()[:3]})"
    _replayed(compiled, len(masks))


# -- data-dependent shapes: nonzero, argwhere, unique run eagerly ------------------------------
@pytest.mark.parametrize("fn", [
    lambda x: x.nonzero().sum(), lambda x: ag.argwhere(x).float().sum(), lambda x: ag.nonzero(x, as_tuple=True)[0],
    lambda x: x.unique(), lambda x: ag.unique(x, return_counts=True)[1], lambda x: x.unique_consecutive(),
    lambda x: ag.bincount(x)])
def test_value_dependent_shapes_fall_back(fn):
    inputs = [[0, 1, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]]
    compiled = ag.compile(fn)
    with pytest.warns(RuntimeWarning, match="read a tensor's values into Python"):
        for call, xs in enumerate(inputs):
            x = ag.tensor(np.array(xs))
            c = compiled(x)
            assert _same(fn(x), c), f"call {call}: {c._data} (eager {fn(x)._data})"
    assert [e["state"] for e in compiled.explain()] == ["eager"]


# -- signbit and the shifts are ops ------------------------------------------------------------
@pytest.mark.parametrize("fn", [
    lambda x, s: x.signbit().float() * x, lambda x, s: (s << 2) + (s >> 1) + (3 << s) + (64 >> s),
    lambda x, s: ag.bitwise_left_shift(s, s) - ag.bitwise_right_shift(-s, 1)])
def test_signbit_and_shifts_recomputed_on_replay(fn):
    xs = [[-1.0, 2.0, -0.0], [-3.0, 1.0, -0.5], [1.0, -2.0, 0.0], [4.0, -0.0, -1.0]]
    ss = [[1, 2, 3], [1, 2, 3], [0, 5, 1], [3, 0, 2]]
    compiled = ag.compile(fn)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for call, (x, s) in enumerate(zip(xs, ss)):
            if call == 1:
                x = xs[0]  # the first two calls agree
            args = ag.tensor(np.array(x, np.float32)), ag.tensor(np.array(s))
            assert _same(fn(*args), compiled(*args)), call
    _replayed(compiled, len(xs))


# -- losses: masks and weights from the call's tensors -------------------------------------------
def test_kl_div_zero_targets_recomputed_on_replay():
    rng = np.random.default_rng(4)
    targets = [rng.uniform(0.1, 1, (3, 4)), rng.uniform(0.1, 1, (3, 4)),  # calls 1 and 2: no zero target
               np.where(rng.uniform(size=(3, 4)) < 0.5, 0.0, 0.5), np.zeros((3, 4))]

    def f(x, t):
        return F.kl_div(F.log_softmax(x, 1), t, reduction="batchmean")

    compiled = ag.compile(f)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for call, t in enumerate(targets):
            x = rng.standard_normal((3, 4))
            e, c = f(ag.tensor(x), ag.tensor(t)), compiled(ag.tensor(x), ag.tensor(t))
            assert _same(e, c), f"call {call}: {c.item()} (eager {e.item()})"
    _replayed(compiled, len(targets))


def test_cross_entropy_probability_targets_read_the_class_weight_each_call():
    rng = np.random.default_rng(5)
    weight = ag.tensor([1.0, 2.0, 0.5])

    def f(x, t):
        return F.cross_entropy(x, t, weight=weight)

    compiled = ag.compile(f)
    x, t = ag.tensor(rng.standard_normal((4, 3))), ag.tensor(rng.dirichlet(np.ones(3), 4))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for call in range(4):
            if call == 2:
                weight._data[...] = [0.1, 3.0, 1.0]  # changed in place after the recordings
            assert _same(f(x, t), compiled(x, t)), call


def _sign_targets(rng, shape):
    return np.where(rng.uniform(size=shape) < 0.5, -1.0, 1.0)


LOSSES = {  # loss(x, t) and its targets; the first two calls take the same target
    "hinge_embedding": (lambda x, t: F.hinge_embedding_loss(x, t), _sign_targets),
    "cosine_embedding": (lambda x, t: F.cosine_embedding_loss(x, x.flip(0) + 1, t[:, 0]), _sign_targets),
    "margin_ranking": (lambda x, t: F.margin_ranking_loss(x, x.flip(1), t), _sign_targets),
    "poisson_nll_full": (lambda x, t: F.poisson_nll_loss(x, t, full=True),
                         lambda rng, shape: rng.integers(0, 4, shape).astype(np.float64)),
    "gaussian_nll_small_var": (lambda x, t: F.gaussian_nll_loss(x, t[:, :1], (x * x).sum(1) / 10),
                               lambda rng, shape: rng.standard_normal(shape)),
    "multi_margin": (lambda x, t: F.multi_margin_loss(x, t[:, 0], weight=ag.tensor([1.0, 2.0, 0.5, 1.5])),
                     lambda rng, shape: rng.integers(0, shape[1], shape)),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_losses_recompute_target_masks_on_replay(name):
    loss, make_target = LOSSES[name]
    rng = np.random.default_rng(6)
    shape = (3, 4)
    first = make_target(rng, shape)
    targets = [first, first] + [make_target(rng, shape) for _ in range(4)]
    xs = [rng.standard_normal(shape) for _ in targets]
    xs[2][0] = 0.0  # gaussian_nll: a variance below eps in a later call only
    compiled = ag.compile(loss)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for call, (x, t) in enumerate(zip(xs, targets)):
            outs = []
            for fn in (loss, compiled):
                xt = ag.tensor(x, requires_grad=True)
                out = fn(xt, ag.tensor(t))
                out.backward()
                outs.append((out, xt.grad))
            assert _same(outs[0][0], outs[1][0]), f"call {call}: {outs[1][0].item()} (eager {outs[0][0].item()})"
            assert _same(outs[0][1], outs[1][1]), f"call {call}: gradients differ"
    _replayed(compiled, len(targets))


def test_multilabel_margin_loss_falls_back():
    targets = [[[1, 2, -1, 0]], [[1, 2, -1, 0]], [[3, -1, 0, 0]], [[0, 1, 2, 3]]]
    x = ag.tensor(np.random.default_rng(7).standard_normal((1, 4)))
    compiled = ag.compile(F.multilabel_margin_loss)
    with pytest.warns(RuntimeWarning, match="multilabel_margin_loss\\(\\) read a tensor's values"):
        for call, t in enumerate(targets):
            t = ag.tensor(np.array(t))
            assert _same(F.multilabel_margin_loss(x, t), compiled(x, t)), call
    assert [e["state"] for e in compiled.explain()] == ["eager"]


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_falls_back(mode):
    bag = nn.EmbeddingBag(5, 2, mode=mode)
    tokens = [[1, 2, 3, 4], [1, 2, 3, 4], [0, 0, 4, 1], [3, 3, 3, 2]]
    offsets = [[0, 2], [0, 2], [0, 1], [0, 3]]
    compiled = ag.compile(bag)
    with pytest.warns(RuntimeWarning, match="embedding_bag\\(\\) read a tensor's values"):
        for call, (t, o) in enumerate(zip(tokens, offsets)):
            args = ag.tensor(np.array(t)), ag.tensor(np.array(o))
            assert _same(bag(*args), compiled(*args)), call
    assert [e["state"] for e in compiled.explain()] == ["eager"]


def test_one_hot_recomputed_on_replay_and_reads_values_without_num_classes():
    labels = [[0, 2, 1], [0, 2, 1], [1, 1, 0], [2, 0, 2]]

    def f(y, x):
        return (F.one_hot(y, 3).float() * x).sum()

    compiled = ag.compile(f)
    x = ag.tensor(np.arange(9.0).reshape(3, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for call, y in enumerate(labels):
            y = ag.tensor(np.array(y))
            assert _same(f(y, x), compiled(y, x)), call
    _replayed(compiled, len(labels))
    compiled = ag.compile(lambda y: F.one_hot(y))
    with pytest.warns(RuntimeWarning, match="one_hot\\(\\) read a tensor's values"):
        for y in labels:
            y = ag.tensor(np.array(y))
            assert _same(F.one_hot(y), compiled(y))


# -- ops that computed on arrays outside ops in their forward -------------------------------------
def _x_with_zeros(rng, call):
    x = rng.standard_normal((3, 4))
    x[0, :call % 4] = 0.0  # calls 0 and 1 agree on the zeros (none, ...); later calls have more
    return x if call > 1 else rng.standard_normal((3, 4))


OPS = {  # f(x, i) with x float (3, 4) and i an int64 index tensor
    "count_nonzero": (lambda x, i: ag.count_nonzero(x, 1) * x.sum(1), lambda rng, c: _x_with_zeros(rng, c)),
    "nanmean": (lambda x, i: ag.nanmean(ag.where(x == 0, float("nan"), x), 1), _x_with_zeros),
    "cosine_similarity_zero_rows": (lambda x, i: ag.cosine_similarity(ag.where((x == 0).any(1, keepdim=True), 0.0, x),
                                                                     x.flip(0), 1), _x_with_zeros),
    "index_fill": (lambda x, i: x.index_fill(1, i, -1.0), lambda rng, c: rng.standard_normal((3, 4))),
    "take_along_dim_negative": (lambda x, i: ag.take_along_dim(x, i.reshape(1, -1) - 2, 1),
                                lambda rng, c: rng.standard_normal((3, 4))),
    "take_along_dim_flat": (lambda x, i: ag.take_along_dim(x, i), lambda rng, c: rng.standard_normal((3, 4))),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_ops_recompute_on_replay(name):
    fn, make_x = OPS[name]
    rng = np.random.default_rng(8)
    indices = [[0, 1], [0, 1], [3, 2], [1, 1], [2, 0]]  # the first two calls agree
    compiled = ag.compile(fn)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for call, i in enumerate(indices):
            x = make_x(rng, call)
            outs = []
            for f in (fn, compiled):
                xt = ag.tensor(x, requires_grad=True)
                out = f(xt, ag.tensor(np.array(i)))
                out.sum().backward()
                outs.append((out, xt.grad))
            assert _same(outs[0][0], outs[1][0]), f"call {call}: {outs[1][0]._data} (eager {outs[0][0]._data})"
            assert _same(outs[0][1], outs[1][1]), f"call {call}: gradients differ"
    _replayed(compiled, len(indices))


@pytest.mark.parametrize("fn", [lambda i: ag.rot90(i.reshape(2, 2), 4, (0, 1)) * 2,
                                lambda i: ag.cartesian_prod(i) + 1])
def test_integer_copies_are_ops(fn):
    compiled = ag.compile(fn)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for call, i in enumerate([[1, 2, 3, 4], [1, 2, 3, 4], [5, 6, 7, 8], [0, 0, 1, 1]]):
            i = ag.tensor(np.array(i))
            assert _same(fn(i), compiled(i)), call
    _replayed(compiled, 4)


@pytest.mark.parametrize("fn", [lambda r: ag.repeat_interleave(r),
                                lambda r: ag.tensor([1.0, 2.0]).repeat_interleave(r)])
def test_repeat_interleave_by_a_tensor_falls_back(fn):
    compiled = ag.compile(fn)
    with pytest.warns(RuntimeWarning, match="repeat_interleave\\(\\) read a tensor's values"):
        for call, r in enumerate([[1, 2], [1, 2], [2, 1], [0, 3]]):
            r = ag.tensor(np.array(r))
            assert _same(fn(r), compiled(r)), call
    assert [e["state"] for e in compiled.explain()] == ["eager"]


@pytest.mark.parametrize("fn", [
    lambda x: F.max_pool3d(x, 2, return_indices=True), lambda x: F.max_pool3d(x[0], 2, 1),
    lambda x: F.adaptive_max_pool2d(x[:, :, 0], 2, return_indices=True),
    lambda x: F.avg_pool3d((x * 10).to(ag.int64), 2)])
def test_pool3d_argmax_and_integer_average_recomputed_on_replay(fn):
    rng = np.random.default_rng(9)
    first = rng.standard_normal((2, 2, 3, 4, 4))
    xs = [first, first] + [rng.standard_normal((2, 2, 3, 4, 4)) for _ in range(3)]
    compiled = ag.compile(fn)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for call, x in enumerate(xs):
            outs = []
            for f in (fn, compiled):
                xt = ag.tensor(x, requires_grad=True)
                out = f(xt)
                out = out if isinstance(out, tuple) else (out,)
                if out[0].requires_grad:
                    out[0].sum().backward()
                outs.append(out + (xt.grad,))
            for e, c in zip(*outs):
                assert (e is None) == (c is None) and (e is None or _same(e, c)), call
    _replayed(compiled, len(xs))


@pytest.mark.parametrize("fn", [lambda x, q: ag.quantile(x, 0.3, 1), lambda x, q: ag.nanquantile(x, q, 1),
                                lambda x, q: ag.quantile(x, q, interpolation="midpoint")])
def test_quantile_ranks_recomputed_on_replay(fn):
    rng = np.random.default_rng(10)
    xs = [rng.standard_normal((3, 5)) for _ in range(5)]
    for call in (2, 4):
        xs[call][1, :call] = np.nan  # NaNs only after the recordings
    qs = [[0.25, 0.5], [0.25, 0.5], [0.1, 0.9], [0.0, 1.0], [0.5, 0.75]]
    qs[1] = qs[0]
    compiled = ag.compile(fn)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for call, (x, q) in enumerate(zip(xs, qs)):
            args = ag.tensor(x), ag.tensor(np.array(q))
            assert _same(fn(*args), compiled(*args)), call
    _replayed(compiled, len(xs))


def test_quantile_of_an_input_that_requires_grad_backpropagates_when_compiled():
    """The ranks are a NonDifferentiable op: while a recording listens it runs through ``apply``, and
    its float output must still need no gradient (it had a node without a backward rule)."""
    rng = np.random.default_rng(11)
    fn = lambda x: ag.quantile(x, 0.3, 1).sum()  # noqa: E731
    compiled = ag.compile(fn)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for call in range(4):
            x = rng.standard_normal((3, 5))
            grads = []
            for f in (fn, compiled):
                t = ag.tensor(x, requires_grad=True)
                f(t).backward()
                grads.append(t.grad)
            assert _same(*grads), call
    _replayed(compiled, 4)


def test_mean_loss_denominator_follows_the_ignored_targets_on_replay():
    """nll_loss's 'mean' divides by the weight of the targets not ignored, a number its forward keeps
    on the ctx: the compiled backward must read it per call, not keep the recorded one (the rules are
    recorded on the first two replays, calls 3 and 4, which ignore one target each; later calls ignore
    none, two or three)."""
    rng = np.random.default_rng(12)
    lin = nn.Linear(4, 3)
    fn = lambda x, t: F.cross_entropy(lin(x), t, ignore_index=0)  # noqa: E731
    targets = [[1, 2, 1, 2], [2, 1, 2, 2], [0, 1, 2, 1], [1, 2, 0, 2], [1, 2, 2, 1], [0, 1, 2, 0], [0, 0, 0, 1]]
    compiled = ag.compile(fn)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for call, t in enumerate(targets):
            x, t = ag.tensor(rng.standard_normal((4, 4)).astype(np.float32)), ag.tensor(np.array(t))
            grads = []
            for f in (fn, compiled):
                lin.weight.grad = None
                f(x, t).backward()
                grads.append(lin.weight.grad)
            assert _same(*grads), f"call {call}: {grads[1]._data} (eager {grads[0]._data})"
    _replayed(compiled, len(targets))


def test_binary_cross_entropy_checks_its_input_range_on_every_replay():
    """PyTorch raises when a probability is outside [0, 1] (NaN too); the check is an op, so a
    compiled loss still raises after the recordings instead of returning NaN."""
    fn = lambda p, t: F.binary_cross_entropy(p, t)  # noqa: E731
    t = ag.tensor(np.array([1.0, 0.0, 1.0], np.float32))
    compiled = ag.compile(fn)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for call in range(3):
            p = ag.tensor(np.array([0.2, 0.5, 0.9], np.float32) + 0.01 * call)
            assert _same(fn(p, t), compiled(p, t)), call
        for bad in (1.5, -0.1, np.nan):
            p = ag.tensor(np.array([0.2, bad, 0.9], np.float32))
            for f in (fn, compiled):
                with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
                    f(p, t)
        p = ag.tensor(np.array([0.3, 0.6, 0.7], np.float32))
        assert _same(fn(p, t), compiled(p, t))  # and it goes on replaying
    _replayed(compiled, 4)


def test_gaussian_nll_loss_checks_its_variance_on_every_replay():
    """PyTorch raises ValueError for a negative variance (a NaN passes); the check is an op."""
    fn = lambda x, v: F.gaussian_nll_loss(x, ag.zeros(3), v)  # noqa: E731
    x = ag.tensor(np.array([0.5, -0.2, 0.1], np.float32))
    compiled = ag.compile(fn)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for call in range(3):
            v = ag.tensor(np.array([1.0, 2.0, 0.5], np.float32) + call)
            assert _same(fn(x, v), compiled(x, v)), call
        for f in (fn, compiled):
            with pytest.raises(ValueError, match="var has negative entry"):
                f(x, ag.tensor(np.array([1.0, -1.0, np.nan], np.float32)))
            f(x, ag.tensor(np.array([1.0, np.nan, 2.0], np.float32)))  # NaN alone passes, as in PyTorch
    _replayed(compiled, 4)


# -- value-dependent library code that must (and does) make a compiled call run eagerly ----------
FALLBACKS = {  # module factory, input maker
    "batch_norm_cumulative_momentum": (lambda: nn.BatchNorm1d(3, momentum=None),
                                       lambda rng: rng.standard_normal((4, 3))),
    "instance_norm_tracked": (lambda: nn.InstanceNorm1d(3, track_running_stats=True),
                              lambda rng: rng.standard_normal((2, 3, 5))),
    "embedding_max_norm": (lambda: nn.Embedding(5, 3, max_norm=0.5), lambda rng: rng.integers(0, 5, (2, 3))),
}


@pytest.mark.parametrize("name", sorted(FALLBACKS))
def test_value_dependent_modules_run_eagerly(name):
    make, make_x = FALLBACKS[name]
    ag.manual_seed(0)
    eager = make()
    compiled = ag.compile(copy.deepcopy(eager))
    rng = np.random.default_rng(11)
    first = make_x(rng)
    with pytest.warns(RuntimeWarning, match="ag.compile"):
        for call, x in enumerate([first, first, make_x(rng), make_x(rng)]):
            assert _same(eager(ag.tensor(x)), compiled(ag.tensor(x))), call
    assert all(e["state"] == "eager" for e in compiled.explain()), compiled.explain()
    for a, b in zip(eager.state_dict().values(), compiled.state_dict().values()):
        assert _same(a, b)


@pytest.mark.parametrize("pool, unpool, shape", [(F.max_pool2d, F.max_unpool2d, (2, 2, 4, 4)),
                                                 (F.max_pool3d, F.max_unpool3d, (1, 2, 2, 4, 4))])
def test_max_unpool_reads_each_calls_indices(pool, unpool, shape):
    def fn(x):
        y, idx = pool(x, 2, return_indices=True)
        return unpool(y * 2, idx, 2)

    rng = np.random.default_rng(12)
    first = rng.standard_normal(shape)
    compiled = ag.compile(fn)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for call, x in enumerate([first, first, rng.standard_normal(shape), rng.standard_normal(shape)]):
            assert _same(fn(ag.tensor(x)), compiled(ag.tensor(x))), call
    _replayed(compiled, 4)


# -- detach() inside a compiled function ---------------------------------------------------------
def test_detach_of_an_op_result_is_replayed_from_each_call():
    def f(x):
        return x * (x * 2).detach() + ag.Tensor((x + 1)._data)

    compiled = ag.compile(f)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for call, v in enumerate([1.0, 1.0, 3.0, -2.0]):  # the first two calls agree
            outs = []
            for fn in (f, compiled):
                x = ag.tensor(np.full(2, v), requires_grad=True)
                out = fn(x)
                out.sum().backward()
                outs.append((out, x.grad))
            assert _same(outs[0][0], outs[1][0]), f"call {call}: {outs[1][0]._data} (eager {outs[0][0]._data})"
            assert _same(outs[0][1], outs[1][1]), call
    _replayed(compiled, 4)


def test_detach_of_a_tensor_from_outside_runs_eagerly():
    w = ag.tensor(np.ones(2), requires_grad=True)

    def f(x):
        return x * w.detach()

    compiled = ag.compile(f)
    with pytest.warns(RuntimeWarning, match="shares the array of a tensor from outside"):
        for call in range(4):
            x = ag.tensor(np.full(2, 1.0 + call))
            assert _same(f(x), compiled(x)), call
            with ag.no_grad():
                w.add_(1.0)  # an optimizer step between calls


# -- views of an op's output taken outside ops: found by memory, not by ``.base`` -------------------
VIEWED = {  # an op output that does not own its memory; quantile views it outside ops (q._data.reshape(-1))
    "slice_at_an_offset": lambda q: q[1:],  # GetItem: a view of the argument's array, 8 bytes in
    "roll": lambda q: q.roll(1),  # a view of an array the op made and does not return
    "max_values": lambda q: q.reshape(2, 2).max(1)[0],
}


@pytest.mark.parametrize("name", sorted(VIEWED))
def test_view_of_an_op_output_that_owns_no_memory_is_recomputed_on_replay(name):
    view = VIEWED[name]
    assert view(ag.tensor(np.zeros(4)))._data.base is not None  # the case: numpy's .base skips the op output

    def f(x, q):
        return ag.quantile(x, view(q), 1)

    rng = np.random.default_rng(13)
    qs = [[0.1, 0.5, 0.9, 0.2], [0.1, 0.5, 0.9, 0.2], [0.0, 0.0, 1.0, 0.7], [0.3, 0.25, 0.75, 0.1]]
    compiled = ag.compile(f)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for call, q in enumerate(qs):
            args = ag.tensor(rng.standard_normal((3, 4))), ag.tensor(np.array(q))
            e, c = f(*args), compiled(*args)
            assert _same(e, c), f"call {call}: {c._data.ravel()} (eager {e._data.ravel()})"
    _replayed(compiled, len(qs))


def test_tensor_made_on_a_view_of_an_op_output():
    def f(x):
        y = x * 2
        return x[:2] * ag.Tensor(y._data[1:])  # read by an op: the replay takes the view of each call's y

    def g(x):
        return ag.Tensor((x * 2)._data[1:])  # returned: the replay has no such tensor, the call runs eagerly

    compiled, returned = ag.compile(f), ag.compile(g)
    with pytest.warns(RuntimeWarning, match="view of the array of an argument or of an op's output"):
        for call, v in enumerate([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [3.0, -1.0, 0.5], [-2.0, 4.0, 1.0]]):
            x = ag.tensor(np.array(v))
            assert _same(f(x), compiled(x)), f"call {call}: {compiled(x)._data} (eager {f(x)._data})"
            assert _same(g(x), returned(x)), call
    _replayed(compiled, 4)
    assert [e["state"] for e in returned.explain()] == ["eager"]


def test_tensor_made_on_a_view_of_a_parameter_runs_eagerly():
    w = ag.tensor(np.arange(4.0).reshape(2, 2), requires_grad=True)

    def f(x):
        return x @ ag.Tensor(w._data.T)  # a new tensor at each call on the parameter's memory: not a constant

    compiled = ag.compile(f)
    with pytest.warns(RuntimeWarning, match="shares the array of a tensor from outside"):
        for call in range(4):
            x = ag.tensor(np.full((1, 2), 1.0 + call))
            assert _same(f(x), compiled(x)), f"call {call}: {compiled(x)._data} (eager {f(x)._data})"
            with ag.no_grad():
                w.add_(1.0)  # an optimizer step between calls
    assert [e["state"] for e in compiled.explain()] == ["eager"]


def test_capture_owner_finds_views_by_buffer_and_byte_range():
    from autograd_core.compiler.capture import _Recorder
    from autograd_core.compiler.source import _view

    big = np.arange(48.0).reshape(4, 12)
    x = ag.Tensor(big[:, ::2])  # an argument that is itself a strided view of memory it does not own
    rec = _Recorder([x], ())
    a = x._data
    assert rec.owner(a) == ("s", 0)
    for view in (a[1:, ::-1], a.T, a[2], a[None, 1:, 2:4], np.broadcast_to(a[3], (2, 6)), a.reshape(4, 3, 2)[..., 1]):
        spec = rec.owner(view)
        assert spec[:2] == ("v", 0), spec
        got = _view(a, *spec[2:])
        assert np.shares_memory(got, view) and np.array_equal(got, view) and got.strides == view.strides
    assert rec.owner(np.arange(6.0)) is None and rec.tape.failure is None  # unrelated memory: a constant
    r = ag.Tensor(np.arange(10.0)[::-1])  # its first element is its last byte: views start before it
    view = r._data[5:]
    back = _Recorder([r], ()).owner(view)
    assert back[:2] == ("v", 0) and back[4] < 0 and np.array_equal(_view(r._data, *back[2:]), view)
    assert rec.owner(big[:, 1::2]) is None  # x's buffer, but none of x's elements: refused, never a constant
    assert "shares memory" in rec.tape.failure
    rec = _Recorder([x], ())
    assert rec.owner(a.view(np.int64)) is None and "shares memory" in rec.tape.failure  # reinterpreted bytes
    rec = _Recorder([x], ())
    assert rec.owner(big) is None and "shares memory" in rec.tape.failure  # more than x: never a constant
    with pytest.raises(RuntimeError, match="layout"):  # a replayed array laid out otherwise: never read blindly
        _view(a.copy(order="F"), *spec[2:])


def test_tensor_made_in_the_call_and_modified_in_place_is_not_a_constant():
    def f(x):
        z = ag.zeros(3)  # made outside ops at every call: the same values in the two recorded calls
        z.add_(x.sum())  # then changed in place: a replay that kept z would add to the last call's z
        return z * 1

    compiled = ag.compile(f)
    with pytest.warns(RuntimeWarning, match="modified in place"):
        for call, v in enumerate([1.0, 1.0, 2.0, 2.0, -1.0]):
            x = ag.tensor(np.full(3, v))
            assert _same(f(x), compiled(x)), f"call {call}: {compiled(x)._data} (eager {f(x)._data})"
    assert [e["state"] for e in compiled.explain()] == ["eager"]


def test_running_statistics_given_as_arguments_are_updated_on_replay():
    def f(x, rm, rv):
        return F.batch_norm(x, rm, rv, training=True)  # the op updates rm and rv in place

    compiled = ag.compile(f)
    eager_stats, compiled_stats = (ag.zeros(3), ag.ones(3)), (ag.zeros(3), ag.ones(3))
    rng = np.random.default_rng(14)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for call in range(4):
            x = ag.tensor(rng.standard_normal((4, 3)))
            assert _same(f(x, *eager_stats), compiled(x, *compiled_stats)), call
            for e, c in zip(eager_stats, compiled_stats):
                assert _same(e, c) and e._version == c._version == call + 1, call
    _replayed(compiled, 4)


# -- backward rules: an array handed straight to an op is no read of values -----------------------
def _hands_saved_array(ctx, g):
    (x,) = ctx.saved_tensors
    return Mul.apply(g, x._data), Mul.apply(ctx.saved_tensors[0]._data, g)


def _uses_layout(ctx, g):
    (x,) = ctx.saved_tensors
    return Mul.apply(g, np.ones(x._data.shape, x._data.dtype))


def _compares(ctx, g):  # LeakyReLU's old rule: a mask computed on the values outside ops
    (x,) = ctx.saved_tensors
    return g * Tensor((x._data > 0).astype(x.dtype))


def _item(ctx, g):
    return g * ctx.saved_tensors[0]._data.item()


def _as_float(ctx, g):
    return g * float(ctx.saved_tensors[0]._data.sum())


def _branches(ctx, g):
    (x,) = ctx.saved_tensors
    return g if np.all(x._data) else g * 0


def _slices(ctx, g):  # a view made outside ops: not the array the op was given
    return Mul.apply(g, ctx.saved_tensors[0]._data[1:])


def _shape_from_data(ctx, g):
    return g.reshape(int(ctx.saved_tensors[0]._data.max()), -1)


def _kept_array_any(ctx, g):
    return g * 0 if ctx.mask.any() else g


def _kept_array_nonzero(ctx, g):
    return Mul.apply(g, np.nonzero(ctx.mask)[0])


def _not_an_op(ctx, g):  # np.sign is no op: its result is computed from the values
    return Mul.apply(g, np.sign(ctx.saved_tensors[0]._data))


@pytest.mark.parametrize("rule, reads", [
    (_hands_saved_array, False), (_uses_layout, False), (_compares, True), (_item, True), (_as_float, True),
    (_branches, True), (_slices, True), (_shape_from_data, True), (_kept_array_any, True),
    (_kept_array_nonzero, True), (_not_an_op, True)])
def test_rule_reads_values_only_where_values_reach_python(rule, reads):
    assert rule_reads_values(type("Rule", (), {"backward": staticmethod(rule)})) is reads


def test_max_pool2d_rule_hands_its_saved_indices_to_the_scatter():
    x = ag.tensor(np.random.default_rng(15).standard_normal((2, 3, 6, 6)), requires_grad=True)
    y, idx = F.max_pool2d(x, 2, return_indices=True)
    assert not hasattr(y.grad_fn, "idx") and not rule_reads_values(MaxPool2d)  # no copy of the indices on the ctx
    y.sum().backward(retain_graph=True)
    ref = np.zeros(x.shape).reshape(2, 3, -1)
    np.put_along_axis(ref, idx._data.reshape(2, 3, -1), 1.0, axis=2)
    assert _same(x.grad, ag.tensor(ref.reshape(x.shape)))
    idx.add_(0)  # the indices changed in place: the saved tensor's version check refuses the backward
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_rules_handing_saved_indices_to_ops_replay_as_array_code_with_eager_bits():
    def f(x):
        y, idx = F.max_pool2d(x, 2, return_indices=True)
        return (ag.cummax(y.flatten(1), 1).values * 2).sum() + idx.float().sum()

    compiled = ag.compile(f)
    rng = np.random.default_rng(16)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for call in range(6):  # calls 3 and 4 record the rules, 5 and 6 replay them as array code
            x = rng.standard_normal((2, 3, 4, 4))
            outs = []
            for fn in (f, compiled):
                xt = ag.tensor(x, requires_grad=True)
                out = fn(xt)
                out.backward()
                outs.append((out, xt.grad))
            assert _same(outs[0][0], outs[1][0]) and _same(outs[0][1], outs[1][1]), call
    rules = compiled.explain()[0]["backward"]
    assert {k.split(":")[1] for k in rules} >= {"MaxPool2d", "CumExtremum"} and set(rules.values()) == {"array"}, rules


def test_counter_that_is_a_view_is_updated_on_replay():
    store = {True: np.zeros(3), False: np.zeros(3)}
    counters = {k: ag.Tensor(v[1:2]) for k, v in store.items()}  # a buffer on part of a larger array

    def step(compiled):
        def f(x):
            counters[compiled].add_(1)  # no gradient: the op's result copied into the counter's memory
            return x * counters[compiled]
        return f

    eager, compiled = step(False), ag.compile(step(True))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for call in range(4):
            x = ag.tensor(np.full(2, 1.0 + call))
            assert _same(eager(x), compiled(x)), call
            assert np.array_equal(store[False], store[True]) and store[True][1] == call + 1, call
            assert counters[True]._version == counters[False]._version
    _replayed(compiled, 4)
