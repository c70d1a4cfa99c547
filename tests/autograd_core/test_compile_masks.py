"""ag.compile with masks: comparisons, logic, tests and arg-reductions are ops
the capture sees, so a function that builds a mask from its inputs replays,
recomputing the mask from each call's inputs (values and gradients bit-identical
to eager); eager comparisons keep their results, dtypes and errors while a
recording listens; reading a comparison into Python still runs eagerly."""
import operator
import threading
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core.forward import dual, unpack_dual
from autograd_core.observers import observe_calls


def _same(a, b):
    a, b = np.asarray(a._data), np.asarray(b._data)
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)


def _x(seed, shape=(4, 5), dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _tokens(seed, shape=(4, 5)):
    return np.random.default_rng(100 + seed).integers(0, 4, shape)


def _with_nonfinite(seed):
    x = _x(seed)
    x.flat[seed % x.size] = np.nan  # a different place each call
    x.flat[(3 * seed + 1) % x.size] = np.inf if seed % 2 else -np.inf
    return x


def _check(f, make_inputs, calls=7):
    """``f`` compiled and eager over ``calls`` calls with new values each time: results and the
    gradients of the float inputs bit-identical, no fallback (warnings are errors), replaying."""
    compiled = ag.compile(f)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="ag.compile")
        for seed in range(calls):
            arrays = make_inputs(seed)
            eager_in = [ag.tensor(a.copy(), requires_grad=a.dtype.kind == "f") for a in arrays]
            comp_in = [ag.tensor(a.copy(), requires_grad=a.dtype.kind == "f") for a in arrays]
            ref, out = f(*eager_in), compiled(*comp_in)
            assert _same(ref, out), f"call {seed}: values differ"
            if ref.requires_grad:
                seed_grad = ag.tensor(np.linspace(-1, 1, ref.numel()).reshape(ref.shape).astype(ref.dtype))
                ref.backward(seed_grad)
                out.backward(seed_grad)
                for a, b in zip(eager_in, comp_in):
                    if a.requires_grad:
                        assert (a.grad is None) == (b.grad is None)
                        assert a.grad is None or _same(a.grad, b.grad), f"call {seed}: gradients differ"
    info = compiled.explain()
    assert [e["state"] for e in info] == ["replay"], info
    assert info[0]["calls"]["replay"] == calls - 2
    return compiled


MASKED = {
    "gt_float_times_x": (lambda x: (x > 0).float() * x, lambda s: [_x(s)]),
    "where_gt_leaky": (lambda x: ag.where(x > 0, x, 0.1 * x), lambda s: [_x(s)]),
    "masked_fill_eq_pad_tokens": (lambda x, t: x.masked_fill(t == 0, 0.0), lambda s: [_x(s), _tokens(s)]),
    "masked_fill_ne_method": (lambda x, t: x.masked_fill(t.ne(2), -1.0), lambda s: [_x(s), _tokens(s)]),
    "lt_le_ge_functions": (lambda x: ag.lt(x, 0.5).float() * x + ag.le(x, -0.5).float() - ag.ge(x, x.mean()) * x,
                           lambda s: [_x(s)]),
    "ne_eq_between_tensors": (lambda x, y: ag.where(ag.ne(x > y, y > 0), x, y) * ag.eq(x.sign(), y.sign()),
                              lambda s: [_x(s), _x(s + 50)]),
    "bitwise_on_bools": (lambda x: x.masked_fill((x < -0.5) | (x > 0.5), 0.0) * ((x > 0) ^ (x > 1))
                         + ag.where(~(x > 0) & (x > -1), x, 2 * x), lambda s: [_x(s)]),
    "bitwise_on_integers": (lambda x, t: x.masked_fill((t & 1) == 0, 0.0) + ((t | 4) ^ 1).float() * x,
                            lambda s: [_x(s), _tokens(s)]),
    "logical_ops": (lambda x: ag.where(ag.logical_and(x >= 0, x <= 1), x, 0.0)
                    + ag.logical_or(x > 1, x < -1) * x - ag.logical_xor(x > 0, x > 0.5) * x
                    + ag.logical_not(x > 0).float(), lambda s: [_x(s)]),
    "isnan_isinf_isfinite": (lambda x: x.masked_fill(ag.isnan(x) | ag.isinf(x), 0.0)
                             + ag.isfinite(x).float() + ag.isinf(x).float(), lambda s: [_with_nonfinite(s)]),
    "isclose": (lambda x, y: ag.where(ag.isclose(x, x.round(decimals=1), atol=0.02), x, y),
                lambda s: [_x(s), _x(s + 50)]),
    "any_all": (lambda x: x * (x > 1).any(dim=1, keepdim=True) + (x > -1).all(dim=0).float() + (x > 2).any().float(),
                lambda s: [_x(s)]),
    "argmax_accuracy": (lambda x, t: (x.argmax(1) == t[:, 0]).float().mean() + (x * x).sum(),
                        lambda s: [_x(s), _tokens(s)]),
    "argmin_argsort_gather": (lambda x: x.gather(1, x.argsort(1, descending=True)) * (x.argmin(0) > 1).float(),
                              lambda s: [_x(s)]),
}


@pytest.mark.parametrize("name", sorted(MASKED))
def test_masked_functions_replay_bit_identical(name):
    f, make = MASKED[name]
    _check(f, make)


def test_a_mask_equal_in_both_recordings_is_recomputed_at_every_replay():
    """The two recorded calls have no NaN (the same, all-False mask); later calls do: the
    replay must not keep the recorded mask as a constant."""
    compiled = _check(lambda x: x.masked_fill(ag.isnan(x), 0.0) * 2,
                      lambda s: [_x(0) if s < 2 else _with_nonfinite(s)])
    out = compiled(ag.tensor(np.array([np.nan, 1.0, np.nan], np.float32)))
    np.testing.assert_array_equal(out._data, [0.0, 2.0, 0.0])


def test_a_training_step_with_a_padding_mask_replays():
    emb = ag.nn.Embedding(6, 3)
    lin = ag.nn.Linear(3, 2)

    def loss(tokens, y):
        h = emb(tokens)
        keep = (tokens != 0).unsqueeze(-1)
        pooled = (h * keep).sum(1) / keep.sum(1).clamp(min=1)
        return ag.nn.functional.cross_entropy(lin(pooled), y)

    compiled = ag.compile(loss)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="ag.compile")
        for seed in range(5):
            tokens = ag.tensor(np.random.default_rng(seed).integers(0, 6, (8, 7)))
            y = ag.tensor(np.random.default_rng(seed).integers(0, 2, 8))
            ref = loss(tokens, y)
            ref.backward()
            grads = [p.grad.clone() for p in (*emb.parameters(), *lin.parameters())]
            for p in (*emb.parameters(), *lin.parameters()):
                p.grad = None
            out = compiled(tokens, y)
            out.backward()
            assert _same(ref, out)
            assert all(_same(g, p.grad) for g, p in zip(grads, (*emb.parameters(), *lin.parameters())))
            for p in (*emb.parameters(), *lin.parameters()):
                p.grad = None
    assert [e["state"] for e in compiled.explain()] == ["replay"]


@pytest.mark.parametrize("read", ["allclose", "equal", "bool"])
def test_comparisons_read_into_python_still_run_eagerly(read):
    def f(x):
        flag = {"allclose": lambda: ag.allclose(x, x.abs()), "equal": lambda: ag.equal(x > 0, x > -10),
                "bool": lambda: bool((x > 0).all())}[read]()
        return x * 2 if flag else x * 3

    compiled = ag.compile(f)
    with pytest.warns(RuntimeWarning, match=f"{read if read != 'bool' else '__bool__'}.*read a tensor's values"):
        compiled(ag.tensor(np.abs(_x(0))))
    for seed in range(5):  # both branches: eager every time, always right
        x = ag.tensor(np.abs(_x(seed)) if seed % 2 else _x(seed))
        assert _same(compiled(x), f(x))
    assert [e["state"] for e in compiled.explain()] == ["eager"]


SELECTIONS = {"getitem": lambda x, m: x[m] * 2, "getitem_with_a_slice": lambda x, m: x[m[:, 0], 1:].sum(0),
              "masked_select": lambda x, m: ag.masked_select(x, m).sum()}


@pytest.mark.parametrize("name", sorted(SELECTIONS))
@pytest.mark.parametrize("mask_from", ["comparison", "argument"])
def test_selecting_by_a_mask_of_the_call_is_a_data_dependent_shape(name, mask_from):
    """The number of elements selected depends on the mask's values: the call runs eagerly
    (replayed, its shape would be the recorded one), whether the mask is computed or given."""
    select = SELECTIONS[name]
    f = (lambda x: select(x, x > 0)) if mask_from == "comparison" else select
    compiled = ag.compile(f)
    with pytest.warns(RuntimeWarning, match="selects elements by a bool mask"):
        for seed in [0, 0, 1, 2, 3]:  # the first two calls agree: the mask's count is the same
            args = [ag.tensor(_x(seed))] + ([] if mask_from == "comparison" else [ag.tensor(_x(seed) > 0)])
            assert _same(compiled(*args), f(*args))
    assert [e["state"] for e in compiled.explain()] == ["eager"]


def test_selecting_by_a_constant_mask_or_by_indices_replays():
    keep = ag.tensor(np.array([True, False, True, True, False]))
    _check(lambda x: x[:, keep] * 2 + x[x.argmax(0), :2].sum(), lambda s: [_x(s)])


def test_a_comparison_in_the_compiled_backward_region_needs_no_rule():
    """The comparison's output needs no gradient: it is no node of the recorded backward, and
    no gradient reaches the product it compares (its rule is never run: 'pending'); the rules
    the gradients meet become array code and the walk straight-line code, as without a mask."""
    compiled = _check(lambda x, w: ag.where(x @ w > 0, x @ w, 0.0).sum(1), lambda s: [_x(s), _x(s + 9, (5, 3))])
    backward = compiled.explain()[0]["backward"]
    assert backward == {"0:MatMul": "pending", "2:MatMul": "array", "3:Where": "array", "4:Sum": "array"}
    (entry,) = compiled._cache.values()
    assert entry.plan.straight and all(entry.plan.straight.values())


# -- random compositions -----------------------------------------------------------------
MASKS = [lambda y: y > 0, lambda y: y <= y.mean(), lambda y: ag.isfinite(y) & (y != 0.25),
         lambda y: ag.logical_or(y < -0.5, y >= 0.5), lambda y: ~(y.abs() < 0.3),
         lambda y: y.argmax(-1, keepdim=True) == 0, lambda y: ag.isclose(y, y.round(), atol=0.2)]
USES = [lambda y, m: m.float() * y, lambda y, m: ag.where(m, y, 0.5 * y), lambda y, m: y.masked_fill(m, 0.0),
        lambda y, m: y + m.to(y.dtype), lambda y, m: y.tanh() * m.logical_not()]


@settings(max_examples=30, deadline=None)
@given(ops=st.lists(st.tuples(st.integers(0, len(MASKS) - 1), st.integers(0, len(USES) - 1)), min_size=1, max_size=5),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_random_mask_compositions_bit_identical(ops, dtype):
    def f(x):
        y = x
        for m, u in ops:
            y = USES[u](y, MASKS[m](y))
        return y * x

    _check(f, lambda s: [_x(s, (3, 4), dtype)], calls=5)


# -- eager comparisons are the same while a recording listens ------------------------------
EAGER = [
    lambda: ag.tensor([1, 2, 3], dtype=ag.int32) > 2.5,
    lambda: ag.tensor([1, 2, 3], dtype=ag.uint8) == ag.tensor([1, -2, 3], dtype=ag.int8),
    lambda: ag.tensor([True, False]) < 1,
    lambda: ag.tensor([0.1, 0.2], dtype=ag.float32) == 0.1,
    lambda: ag.tensor([0.1, 0.2], dtype=ag.float32) == np.float64(0.1),
    lambda: ag.tensor([1.0, 2.0]) >= np.array([[1.0], [3.0]]),
    lambda: operator.lt(2, ag.tensor([1, 2, 3])),
    lambda: np.array([3.0, 2.0, 1.0]) > ag.tensor([1.0, 2.0, 3.0]),
    lambda: ag.tensor([[1.0, 2.0]]) != [1.0, 3.0],
    lambda: ag.eq(np.array([1, 2]), 2),
    lambda: ag.tensor([5, 3], dtype=ag.int16) & 6,
    lambda: ag.tensor([True, False]) ^ True,
    lambda: ~ag.tensor([1, -2]),
    lambda: ag.logical_and(ag.tensor([0.0, 2.0]), ag.tensor([1, 1])),
    lambda: ag.logical_not(ag.tensor([0, 3])),
    lambda: ag.isclose(ag.tensor([1.0, np.nan]), ag.tensor([1.0 + 1e-9, np.nan]), equal_nan=True),
    lambda: ag.isnan(ag.tensor([1.0, np.nan])) | ag.isinf(ag.tensor([np.inf, 0.0])),
    lambda: ag.any(ag.tensor([[0.0, 1.0], [0.0, 0.0]]), dim=-1, keepdim=True),
    lambda: ag.all(ag.tensor(1.0), dim=0),
    lambda: ag.argmax(ag.tensor([[1.0, 5.0], [7.0, 2.0]]), keepdim=True),
    lambda: ag.argmin(ag.tensor([[1.0, 5.0], [7.0, 2.0]]), dim=0),
    lambda: ag.argsort(ag.tensor([3.0, 1.0, 3.0]), descending=True),
    lambda: ag.tensor([1.0, 2.0], requires_grad=True) > 1,
]
ERRORS = [
    (lambda: ag.lt(ag.zeros(2), ag.zeros(3)), RuntimeError, r"lt: the shapes \(2,\) and \(3,\) cannot be broadcast"),
    (lambda: ag.logical_or(ag.zeros(2), ag.zeros(3)), RuntimeError, "logical_or: the shapes"),
    (lambda: ag.eq(ag.zeros(2), "a"), TypeError, "eq: expected a Tensor, a number or an array, got str"),
    (lambda: ag.ones(2) & ag.ones(2), NotImplementedError, "bitwise_and: only bool and integer"),
    (lambda: ~ag.ones(2), TypeError, "bitwise_not: only bool and integer"),
    (lambda: ag.argmax(ag.zeros(2, 3), dim=2), IndexError, "argmax: dimension out of range"),
    (lambda: ag.argmin(ag.zeros(0)), RuntimeError, "argmin: cannot take the argmin of an empty tensor"),
    (lambda: ag.any(ag.zeros(2), dim=1), IndexError, "any: dimension out of range"),
]


def _listening():
    return observe_calls(lambda cls, args: None)


@pytest.mark.parametrize("k", range(len(EAGER)))
def test_eager_results_are_the_same_while_a_recording_listens(k):
    plain = EAGER[k]()
    with _listening():
        seen = EAGER[k]()
    assert isinstance(seen, ag.Tensor) and _same(plain, seen)
    assert not seen.requires_grad and seen.grad_fn is None


@pytest.mark.parametrize("k", range(len(ERRORS)))
def test_eager_errors_are_the_same_while_a_recording_listens(k):
    fn, err, match = ERRORS[k]
    with pytest.raises(err, match=match):
        fn()
    with _listening(), pytest.raises(err, match=match):
        fn()


def test_none_compares_unequal_while_a_recording_listens():
    a = ag.tensor([1, 2])
    with _listening():
        assert (a == None) is False  # noqa: E711
        assert (a != None) is True  # noqa: E711


def test_comparisons_are_reported_to_a_recording_and_carry_no_tangent():
    calls = []
    x = ag.tensor([-1.0, 2.0], requires_grad=True)
    with observe_calls(lambda cls, args: calls.append(cls.__name__)):
        mask = x > 0
        idx = x.argmax()
    assert calls == ["Gt", "ArgMax"] and mask.grad_fn is None and idx.grad_fn is None
    d = dual(ag.tensor([-1.0, 2.0]), ag.tensor([1.0, 1.0]))
    with _listening():
        m, i = d > 0, d.argmax()
    assert unpack_dual(m)[1] is None and unpack_dual(i)[1] is None
    np.testing.assert_array_equal(m._data, [False, True])


def test_comparisons_in_other_threads_during_a_capture():
    compiled = ag.compile(lambda x: ag.where(x > 0, x, 0.0))
    errors = []

    def other():
        try:
            for seed in range(50):
                x = ag.tensor(_x(seed))
                assert _same(x > 0, ag.tensor(_x(seed) > 0))
        except AssertionError as e:  # pragma: no cover - reported below
            errors.append(e)

    t = threading.Thread(target=other)
    t.start()
    for seed in range(6):
        x = ag.tensor(_x(seed))
        assert _same(compiled(x), ag.tensor(np.where(_x(seed) > 0, _x(seed), np.float32(0.0))))
    t.join()
    assert not errors


def test_an_evaluation_trace_with_a_mask():
    tr = ag.trace(lambda x: ag.where(x > 0, x, 0.1 * x).sum(), np.array([-1.0, 2.0]))
    assert [v.op for v in tr.intermediates] == ["Mul", "Where", "Sum"]
    np.testing.assert_allclose(tr[tr.outputs[0]].value, 1.9)
    np.testing.assert_allclose(tr.inputs[0].adjoint, [0.1, 1.0])


# -- the eager shortcut past the dtype rules -------------------------------------------------
DTYPES = [np.bool_, np.int8, np.uint8, np.int32, np.int64, np.float16, np.float32, np.float64]


@pytest.mark.parametrize("dtype", DTYPES)
def test_operands_left_as_they_are_give_the_promoted_result(dtype):
    """Comparisons skip ``promote`` where it would not change the operands; every operand kind
    gives what comparing the promoted operands gives (values and dtype)."""
    from autograd_core.ops._util import promote
    from autograd_core.ops.compare import Eq, Gt, LogicalXor

    a = np.array([0, 1, 2, 3], dtype=dtype)
    others = [a[::-1].copy(), np.array(2, dtype), np.array([1.5, 0.5, 3, 2], np.float32), np.array(1, np.int64),
              True, False, 0, 2, -1, 300, 1.5, 2.0, float("nan")]
    for op in (Gt, Eq, LogicalXor):
        for b in others:
            want = op.ufunc(*promote(a, b))
            got = op.compute(a, b)
            assert got.dtype == want.dtype and np.array_equal(got, want), (op, dtype, b)


def test_numpy_scalars_compare_as_python_numbers():
    """As in every op (and PyTorch): a float32 tensor equals the float64 scalar 0.1 as it equals 0.1."""
    x = ag.tensor([0.1, 0.2], dtype=ag.float32)
    np.testing.assert_array_equal((x == np.float64(0.1))._data, (x == 0.1)._data)
    assert (x == np.float64(0.1))._data.tolist() == [True, False]
    assert (ag.tensor([1, 2], dtype=ag.int32) > np.float32(1.5))._data.tolist() == [False, True]
