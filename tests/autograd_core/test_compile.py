"""ag.compile: PyTorch's spelling and arguments, soundness (what falls back to
eager and says why), guards and re-recording, and bit-identity on random op
compositions (hypothesis), outputs and gradients."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
import nn


def _same(a, b):
    a, b = np.asarray(a._data), np.asarray(b._data)
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)


def _x(shape=(3, 4), seed=0, grad=False):
    return ag.tensor(np.random.default_rng(seed).standard_normal(shape).astype(np.float32), requires_grad=grad)


def _calls(compiled, n, *args):
    return [compiled(*args) for _ in range(n)]


def _state(compiled):
    return [e["state"] for e in compiled.explain()]


# -- spelling ----------------------------------------------------------------------------
def test_torch_spelling_and_arguments():
    import autograd_core as torch

    model = torch.nn.Linear(4, 2)
    compiled = torch.compile(model, mode="reduce-overhead", fullgraph=False, dynamic=False)
    assert compiled._orig_mod is model and compiled.weight is model.weight
    assert list(compiled.parameters()) == list(model.parameters())
    assert torch.compile(model, disable=True) is model
    assert torch.compile(model, backend="eager") is model

    @torch.compile(mode="max-autotune")
    def f(x):
        return (x * 2).sum()

    assert f(_x()).item() == pytest.approx(float((_x()._data * 2).sum()))
    with pytest.raises(RuntimeError, match="Unrecognized mode"):
        torch.compile(model, mode="fast")
    with pytest.raises(RuntimeError, match="mode or options"):
        torch.compile(model, mode="default", options={})
    with pytest.raises(NotImplementedError, match="backend"):
        torch.compile(model, backend="cudagraphs")
    assert torch.compiler.explain(compiled) == []


def test_record_verify_replay_states():
    f = ag.compile(lambda x: (x.exp() + 1).log())
    x = _x()
    outs = _calls(f, 4, x)
    assert all(_same(o, outs[0]) for o in outs)
    info = f.explain()
    assert info[0]["state"] == "replay" and info[0]["calls"] == {"eager": 2, "replay": 2}
    assert info[0]["ops"] == 3 and info[0]["reason"] is None


# -- soundness: reading values, randomness, hooks, anomaly ---------------------------------
@pytest.mark.parametrize("read", ["item", "bool", "tolist", "numpy", "array"])
def test_reading_values_into_python_runs_eagerly(read):
    def f(x):
        s = x.sum()
        v = {"item": lambda: s.item() > 0, "bool": lambda: bool(s > 0), "tolist": lambda: s.tolist() > 0,
             "numpy": lambda: s.detach().numpy() > 0, "array": lambda: np.asarray(s) > 0}[read]()
        return x * 2 if v else x * 3

    compiled = ag.compile(f)
    with pytest.warns(RuntimeWarning, match="read a tensor's values into Python"):
        compiled(_x(seed=0))
    for seed in range(6):  # both branches: eager every time, always right
        assert _same(compiled(_x(seed=seed)), f(_x(seed=seed)))
    assert _state(compiled) == ["eager"]


def test_fullgraph_raises_instead_of_falling_back():
    compiled = ag.compile(lambda x: x * x.sum().item(), fullgraph=True)
    with pytest.raises(RuntimeError, match="fullgraph=True.*item"):
        compiled(_x())


def test_data_dependent_shapes_run_eagerly():
    compiled = ag.compile(lambda x: x[x > 0].sum())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for seed in range(4):
            assert _same(compiled(_x(seed=seed)), _x(seed=seed)[_x(seed=seed) > 0].sum())
    assert _state(compiled) == ["eager"]


def test_randn_inside_the_function_runs_eagerly():
    compiled = ag.compile(lambda x: x + ag.randn(3, 4))
    with pytest.warns(RuntimeWarning, match="random numbers"):
        outs = _calls(compiled, 4, _x())
    assert not _same(outs[2], outs[3])
    assert _state(compiled) == ["eager"]


def test_tensor_made_from_data_outside_ops_is_caught_by_verification():
    compiled = ag.compile(lambda x: x * ag.tensor(x._data.max()))  # values computed outside any op
    with pytest.warns(RuntimeWarning, match="changes between calls"):
        for seed in range(4):
            x = _x(seed=seed)
            assert _same(compiled(x), x * ag.tensor(x._data.max()))
    assert _state(compiled) == ["eager"]


def test_constant_made_inside_is_replayed():
    compiled = ag.compile(lambda x: x + ag.zeros(3, 4) + ag.tensor(2.0))
    outs = _calls(compiled, 4, _x())
    assert all(_same(o, outs[0]) for o in outs) and _state(compiled) == ["replay"]


def test_hooks_and_retain_grad_on_intermediates_run_eagerly():
    seen = []

    def f(x):
        y = x * 2
        y.register_hook(lambda g: seen.append(1))
        return y.sum()

    compiled = ag.compile(f)
    with pytest.warns(RuntimeWarning, match="hook or retain_grad"):
        for _ in range(3):
            compiled(_x(grad=True)).backward()
    assert seen == [1, 1, 1] and _state(compiled) == ["eager"]


def test_forward_mode_tangents_run_eagerly():
    """The replay computes on arrays, without tangents: a dual argument, or a tensor read from
    outside that gets a tangent after the recording (by an in-place op), runs eagerly."""
    from autograd_core.forward import dual, unpack_dual

    w = _x(seed=1)
    f = lambda x: (x * w).sin()  # noqa: E731
    compiled = ag.compile(f)
    _calls(compiled, 3, _x())
    tangent = _x(seed=2)
    with pytest.warns(RuntimeWarning, match="forward-mode tangent"):
        for _ in range(3):
            got, want = unpack_dual(compiled(dual(_x(), tangent))), unpack_dual(f(dual(_x(), tangent)))
            assert _same(got[0], want[0]) and got[1] is not None and _same(got[1], want[1])
    w.mul_(dual(ag.ones(3, 4), tangent))  # w now carries a tangent
    got, want = unpack_dual(compiled(_x())), unpack_dual(f(_x()))
    assert _same(got[0], want[0]) and got[1] is not None and _same(got[1], want[1])
    info = compiled.explain()  # the first key: its guard on w failed, it recorded again and could not replay
    assert [e["state"] for e in info] == ["eager", "eager"] and all("tangent" in e["reason"] for e in info)


def test_forward_hooks_and_anomaly_mode_run_eagerly():
    model = nn.Linear(4, 2)
    compiled = ag.compile(model)
    calls = []
    h = model.register_forward_hook(lambda m, i, o: calls.append(1))
    with pytest.warns(RuntimeWarning, match="forward hooks"):
        _calls(compiled, 3, _x())
    assert calls == [1, 1, 1]
    h.remove()
    with ag.detect_anomaly(), pytest.warns(RuntimeWarning, match="anomaly"):
        compiled(_x())


def test_double_backward_and_create_graph_raise():
    compiled = ag.compile(lambda x: (x * x).sum())
    x = _x(grad=True)
    for _ in range(2):
        compiled(x)
    y = compiled(x)
    y.backward(retain_graph=True)
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()
    with pytest.raises(RuntimeError, match="create_graph"):
        ag.grad(compiled(x), x, create_graph=True)


# -- guards ----------------------------------------------------------------------------------
def test_shapes_dtypes_grad_mode_are_guards_and_the_cache_is_limited():
    f = ag.compile(lambda x: x * 2 + 1)
    for n in range(1, 4):
        for _ in range(3):
            assert _same(f(_x((n, 2))), _x((n, 2)) * 2 + 1)
    x64 = ag.tensor(_x()._data.astype(np.float64))
    _calls(f, 3, x64)
    with ag.no_grad():
        _calls(f, 3, _x(grad=True))
    assert _state(f) == ["replay"] * 5
    f.cache_size_limit = 5
    with pytest.warns(RuntimeWarning, match="cache_size_limit"):
        assert _same(f(_x((7, 7))), _x((7, 7)) * 2 + 1)


def test_train_eval_and_replaced_parameters_are_guards():
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))
    compiled = ag.compile(model)
    x = _x()
    _calls(compiled, 3, x)
    model.eval()
    outs = _calls(compiled, 3, x)
    assert all(_same(o, model(x)) for o in outs)
    model[0].weight = nn.Parameter(ag.zeros(4, 4))
    outs = _calls(compiled, 3, x)
    assert all(_same(o, model(x)) for o in outs)
    assert _state(compiled) == ["replay"] * 3


def test_the_module_guard_is_cached_until_a_registry_changes(monkeypatch):
    from autograd_core.compiler import frontend

    walks = []
    walk = frontend._module_key
    monkeypatch.setattr(frontend, "_module_key", lambda m: walks.append(m) or walk(m))
    model = nn.Sequential(nn.Linear(4, 4), nn.ReLU())
    compiled = ag.compile(model)
    x = _x()
    _calls(compiled, 5, x)
    assert len(walks) == 1  # one walk, reused while nothing changed
    model._modules["1"] = nn.Tanh()  # a direct registry write is seen
    assert all(_same(o, model(x)) for o in _calls(compiled, 3, x))
    model[0]._parameters["bias"] = nn.Parameter(ag.ones(4))
    assert all(_same(o, model(x)) for o in _calls(compiled, 3, x))
    model[1].training = False  # a submodule's flag, assigned directly
    _calls(compiled, 3, x)
    assert len(walks) == 4 and _state(compiled) == ["replay"] * 4
    h = model[0]._forward_hooks
    model[0]._forward_hooks = dict(h)  # a registry that does not count its changes...
    _calls(compiled, 2, x)
    assert len(walks) == 6  # ...is walked on every call
    model[0]._forward_hooks[0] = (lambda m, i, o: None, False, False)
    with pytest.warns(RuntimeWarning, match="forward hooks"):
        compiled(x)


def test_parameters_updated_in_place_and_reassigned_data_are_read_fresh():
    model = nn.Linear(4, 3)
    compiled = ag.compile(model)
    x = _x()
    _calls(compiled, 3, x)
    with ag.no_grad():
        model.weight.mul_(2)
    assert _same(compiled(x), model(x))
    model.weight.data = ag.ones(3, 4)
    assert _same(compiled(x), model(x))


def test_a_parameter_changing_shape_is_recorded_again():
    model = nn.Linear(4, 3)
    compiled = ag.compile(model)
    x = _x()
    _calls(compiled, 3, x)
    model.bias.data = ag.ones(1)  # broadcasts: another recording
    outs = _calls(compiled, 3, x)
    assert all(_same(o, model(x)) for o in outs)


def test_a_parameter_changing_requires_grad_or_getting_a_hook_is_recorded_again():
    model = nn.Linear(4, 3)
    compiled = ag.compile(model)
    x = _x(grad=True)
    _calls(compiled, 3, x)
    model.weight.requires_grad_(False)  # no gradient to the weight any more
    for _ in range(3):
        out = compiled(x)
        out.sum().backward()
        assert _same(out, model(x)) and model.weight.grad is None
    seen = []
    model.weight.requires_grad_(True)
    model.weight.register_hook(lambda g: seen.append(1))
    with pytest.warns(RuntimeWarning, match="leaf tensor with hooks"):
        for _ in range(3):
            compiled(x).sum().backward()
    assert seen == [1, 1, 1]
    assert [e["calls"] for e in compiled.explain()] == [{"eager": 7, "replay": 2}]


def test_results_without_a_graph_node_keep_their_structure_and_identities():
    w = ag.tensor(np.ones((3, 4), np.float32))

    def f(x, k):
        y = x * 2
        return {"y": y, "again": [y, (x, w)], "k": k, "zeros": ag.zeros(2)}

    compiled = ag.compile(f)
    x = _x()
    with ag.no_grad():
        outs = _calls(compiled, 4, x, 7)
    for out in outs:
        assert set(out) == {"y", "again", "k", "zeros"} and out["k"] == 7
        assert out["again"][0] is out["y"] and out["again"][1][0] is x and out["again"][1][1] is w
        assert _same(out["y"], x * 2) and _same(out["zeros"], ag.zeros(2))
    assert outs[2]["zeros"] is not outs[3]["zeros"]  # a constant made inside is a new tensor per call
    assert _state(compiled) == ["replay"]


def test_a_step_that_returns_nothing_runs_once_per_call():
    """A replay's result of None is a result (not 'could not replay'): the step is not run again."""
    bn, ref = nn.BatchNorm1d(4), nn.BatchNorm1d(4)

    def step(x):
        bn(x)

    compiled = ag.compile(step)
    for _ in range(5):
        assert compiled(_x()) is None
        ref(_x())
    assert int(bn.num_batches_tracked.item()) == 5 and _same(bn.running_mean, ref.running_mean)
    assert [e["calls"] for e in compiled.explain()] == [{"eager": 2, "replay": 3}]


def test_gradients_flow_to_inputs_with_history_and_through_multiple_outputs():
    def f(a, b):
        return a * b, (a + b).tanh()

    compiled = ag.compile(f)
    for _ in range(6):
        a0, b0 = _x(seed=1, grad=True), _x(seed=2, grad=True)
        ref = [None, None]
        for k, fn in enumerate((f, compiled)):
            a = a0 * 1.5  # an input with autograd history
            p, q = fn(a, b0)
            (p.sum() + (q * q).sum()).backward()
            ref[k] = (a0.grad.clone(), b0.grad.clone())
            a0.grad = b0.grad = None
        assert _same(ref[0][0], ref[1][0]) and _same(ref[0][1], ref[1][1])
    assert _state(compiled) == ["replay"]


def test_only_one_output_used():
    def f(x):
        return x.sin(), x.cos() * 3

    compiled = ag.compile(f)
    for _ in range(4):
        x1, x2 = _x(grad=True), _x(grad=True)
        f(x1)[1].sum().backward()
        compiled(x2)[1].sum().backward()
        assert _same(x1.grad, x2.grad)


# -- random compositions -------------------------------------------------------------------
UNARY = [lambda t: t.tanh(), lambda t: t.relu(), lambda t: t.exp().clamp(max=5.0), lambda t: t * t,
         lambda t: t.sigmoid(), lambda t: (t.abs() + 1).log(), lambda t: t.sum(0, keepdim=True) + t,
         lambda t: t.softmax(-1), lambda t: t.t() @ t, lambda t: t.mean(1, keepdim=True) * t, lambda t: t[1:] - t[:-1]]
BINARY = [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b.exp(), lambda a, b: ag.maximum(a, b),
          lambda a, b: a / (b * b + 1)]


@settings(max_examples=40, deadline=None)
@given(ops=st.lists(st.tuples(st.integers(0, len(UNARY) - 1), st.integers(0, len(BINARY) - 1), st.booleans()),
                    min_size=1, max_size=6),
       rows=st.integers(2, 4), cols=st.integers(1, 3), dtype=st.sampled_from([np.float32, np.float64]))
def test_random_compositions_bit_identical(ops, rows, cols, dtype):
    w = ag.tensor(np.linspace(-1, 1, rows * cols).reshape(rows, cols).astype(dtype), requires_grad=True)

    def f(x):
        y = x
        for u, b, mix in ops:
            y2 = UNARY[u](y)
            y = BINARY[b](y2, w) if mix and y2.shape == w.shape else y2
        return y.sum() + (x * w).sum()

    compiled = ag.compile(f)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="ag.compile")  # a fallback fails the example, with its reason
        warnings.filterwarnings("ignore", message="overflow")
        _check_compositions(f, compiled, w, rows, cols, dtype)


def _check_compositions(f, compiled, w, rows, cols, dtype):
    for seed in range(6):  # calls 3-4 record the backward rules, 5-6 replay them as array code
        x = ag.tensor(np.random.default_rng(seed).standard_normal((rows, cols)).astype(dtype), requires_grad=True)
        xc = ag.tensor(x._data.copy(), requires_grad=True)
        ref, out = f(x), compiled(xc)
        assert _same(ref, out)
        ref.backward()
        gw = w.grad.clone()
        w.grad = None
        out.backward()
        assert _same(x.grad, xc.grad) and _same(gw, w.grad)
        w.grad = None
    assert _state(compiled) == ["replay"]


def test_no_grad_block_inside_the_function():
    def f(x, w):
        with ag.no_grad():
            scale = (w * w).sum()  # no gradient through this
        return (x * w * scale).sum()

    compiled = ag.compile(f)
    for _ in range(4):
        x, w1, w2 = _x(), _x(seed=3, grad=True), _x(seed=3, grad=True)
        a, b = f(x, w1), compiled(x, w2)
        a.backward()
        b.backward()
        assert _same(a, b) and _same(w1.grad, w2.grad)
    assert _state(compiled) == ["replay"] and ag.is_grad_enabled()


def test_in_place_ops_on_tensors_with_history_run_eagerly():
    def f(x):
        y = x * 2
        y.relu_()
        return y.sum()

    compiled = ag.compile(f)
    with pytest.warns(RuntimeWarning, match="in place"):
        for _ in range(3):
            x1, x2 = _x(grad=True), _x(grad=True)
            f(x1).backward()
            compiled(x2).backward()
            assert _same(x1.grad, x2.grad)
    assert _state(compiled) == ["eager"]


def test_generated_code_has_one_line_per_op():
    f = ag.compile(lambda x: (x * 2).exp())
    _calls(f, 3, _x())
    src = next(iter(f._cache.values())).run.source
    assert "Mul" not in src and src.count(" = F") == 2  # v1 = F0(c, v0): each op's forward, bound once


def test_backward_rules_become_array_code_where_provable():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    compiled = ag.compile(model)
    for _ in range(6):
        compiled(_x()).sum().backward()
    rules = compiled.explain()[0]["backward"]
    assert rules and all(v == "array" for v in rules.values())
    assert any("ReLU" in k for k in rules)  # its mask is made by an op (ThresholdBackward)
    model = nn.Sequential(nn.Linear(4, 8), nn.LeakyReLU(), nn.Linear(8, 2))
    compiled = ag.compile(model)
    for _ in range(6):
        compiled(_x()).sum().backward()
    leaky = [v for k, v in compiled.explain()[0]["backward"].items() if "LeakyReLU" in k]
    assert leaky and "may look at values" in leaky[0]  # its slope is computed on ._data: the rule itself runs


def test_the_backward_walk_becomes_straight_line_code_per_pattern_of_output_gradients():
    w = ag.tensor(np.linspace(-1, 1, 12).reshape(3, 4).astype(np.float32), requires_grad=True)

    def f(x):
        h = (x * w).relu()
        return (h + w).sum(), (h * h).sum(0)

    compiled = ag.compile(f)
    grads = []
    for k in range(8):  # 3-4 record the rules, 5 writes the straight-line code, 6-8 reuse it
        for fn in (f, compiled):
            x = _x(seed=k, grad=True)
            a, b = fn(x)
            (a + b.sum() if k % 3 else a).backward()  # some calls leave the second output unused
            grads.append((x.grad, w.grad))
            w.grad = None
    for (x1, w1), (x2, w2) in zip(grads[::2], grads[1::2]):
        assert _same(x1, x2) and _same(w1, w2)
    plan = next(iter(compiled._cache.values())).plan
    assert sorted(k[1] for k in plan.straight) == [(False, False), (False, True)]
    assert all(fn and "del " in fn.source for fn in plan.straight.values())  # consumed gradients are freed
    leaky = ag.compile(nn.Sequential(nn.Linear(4, 3), nn.LeakyReLU()))
    for _ in range(6):
        leaky(_x()).sum().backward()
    assert list(next(iter(leaky._compiled._cache.values())).plan.straight.values()) == [False]  # a Tensor rule: walk


def test_a_rule_that_branches_on_values_is_never_array_code():
    """prod's backward divides by x when no entry is zero, else takes another formula: a branch
    on values that two recordings without zeros would not see; the rule runs itself every time."""
    from autograd_core.compiler.backward import rule_reads_values
    from autograd_core.ops.reduce_prod import Prod

    assert rule_reads_values(Prod)
    compiled = ag.compile(lambda x: x.prod(1).sum())
    for k in range(6):
        data = np.arange(1.0, 13.0).reshape(3, 4) + k
        if k == 5:
            data[1, 2] = 0.0  # a zero appears after the recordings
        x1, x2 = ag.tensor(data, requires_grad=True), ag.tensor(data, requires_grad=True)
        x1.prod(1).sum().backward()
        compiled(x2).backward()
        assert _same(x1.grad, x2.grad)


def test_grad_mode_is_restored_after_a_replay_that_ends_in_no_grad():
    def f(x):
        y = x * 2
        with ag.no_grad():
            return y + 1

    compiled = ag.compile(f)
    for _ in range(4):
        assert _same(compiled(_x()), f(_x())) and ag.is_grad_enabled()
    assert _state(compiled) == ["replay"]
