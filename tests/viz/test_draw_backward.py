"""viz.draw_backward: nodes numbered in the engine's own visit order (a valid
topological order, checked on random graphs), gradients on the edges, leaf
totals, no side effects, freed graphs and errors."""
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core import viz

from .dot import Dot

NUMBERED = re.compile(r"^(\d+): (\w+)$")


def numbering(d):
    """node id -> visit number, for the numbered nodes."""
    out = {}
    for n in d.nodes:
        m = NUMBERED.match(d.title(n))
        if m:
            out[n] = int(m.group(1))
    return out


def assert_topological(d):
    """Every node is numbered before the nodes it sends gradients to; 1..n used once."""
    num = numbering(d)
    assert sorted(num.values()) == list(range(1, len(num) + 1))
    for a, b, _ in d.edges:
        if a in num and b in num:
            assert num[a] < num[b], (d.title(a), d.title(b))
    return num


def f_graph():
    x1 = ag.tensor(2.0, dtype=ag.float64, requires_grad=True)
    x2 = ag.tensor(5.0, dtype=ag.float64, requires_grad=True)
    x1.name, x2.name = "x1", "x2"
    steps = [ag.log(x1), x1 * x2, ag.sin(x2)]
    steps.append(steps[0] + steps[1])
    y = steps[3] - steps[2]
    return x1, x2, steps, y


def test_f_numbering_gradients_and_totals():
    x1, x2, _, y = f_graph()
    d = Dot(viz.draw_backward(y).source)
    num = assert_topological(d)
    assert sorted(d.title(n) for n in num) == ["1: SubBackward0", "2: SinBackward0", "3: AddBackward0",
                                                "4: MulBackward0", "5: LogBackward0"]
    assert d.title(d.id("ȳ = 1")) == "ȳ = 1"
    titles = {d.title(n).split(": ")[-1]: d.title(n) for n in d.nodes}
    sub, sin, add, mul, log = (titles[k] for k in ("SubBackward0", "SinBackward0", "AddBackward0",
                                                   "MulBackward0", "LogBackward0"))
    assert d.edge("ȳ = 1", sub) == {}
    assert d.edge(sub, add)["label"] == "1"
    assert d.edge(sub, sin)["label"] == "-1"
    assert d.edge(sin, "x2")["label"] == "-0.2837"  # -cos(5)
    assert d.edge(mul, "x1")["label"] == "5"
    assert d.edge(mul, "x2")["label"] == "2"
    assert d.edge(log, "x1")["label"] == "0.5"
    assert d.nodes[d.id("x1")]["lines"] == ["x1", "AccumulateGrad", "grad 5.5"]
    assert d.nodes[d.id("x2")]["lines"] == ["x2", "AccumulateGrad", "grad 1.7163"]


def test_numbering_is_the_engines_visit_order_and_nothing_runs_twice():
    x1, x2, steps, y = f_graph()
    seen = []
    for t in steps + [y]:
        t.register_hook(lambda g, t=t: seen.append(t.grad_fn.name()))
    steps[0].retain_grad()
    x1.register_hook(lambda g: seen.append("leaf hook"))
    d = Dot(viz.draw_backward(y).source)
    assert seen == [] and steps[0].grad is None and x1.grad is None  # no side effect
    y.backward()  # the graph was kept: the real pass runs, hooks fire in visit order
    assert x1.grad.item() == pytest.approx(5.5)
    order = sorted(numbering(d).items(), key=lambda kv: kv[1])
    assert [d.title(n).split(": ")[1] for n, _ in order] == seen[:-1]
    assert seen[-1] == "leaf hook"


def test_freed_graph_keeps_its_order_without_values():
    _, _, _, y = f_graph()
    before = numbering(Dot(viz.draw_backward(y).source))
    y.backward()
    g = viz.draw_backward(y)
    assert "freed" in g.source
    d = Dot(g.source)
    assert sorted(numbering(d).values()) == sorted(before.values())
    assert d.nodes[d.id("x1")]["lines"] == ["x1", "AccumulateGrad", "scalar float64"]
    assert all("label" not in e for a, _, e in d.edges if d.title(a) != "ȳ = 1")


def test_modified_saved_tensor_still_draws_the_order():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    y = (h * h).sum()
    with ag.no_grad():
        h.add_(1)  # h was saved by the second Mul
    g = viz.draw_backward(y)
    assert "gradients not shown" in g.source and "inplace" in g.source
    assert len(numbering(Dot(g.source))) == 3


def test_vector_root_seed_and_shapes():
    x = ag.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    w = ag.tensor(np.ones((4, 3)), requires_grad=True)
    w.name = "w"
    y = ag.tanh(x @ w)
    d = Dot(viz.draw_backward(y, params={"W": w}).source)
    seed = d.id("ȳ")
    assert d.nodes[seed]["lines"] == ["ȳ", "(3, 3) float64"]  # too many values to print
    assert d.title(d.id("W")) == "W"  # params name the leaves
    mm = [n for n in d.nodes if d.title(n).endswith("MatMulBackward0")][0]
    assert d.edge(d.title(mm), "leaf")["label"] == "(3, 4)"
    d = Dot(viz.draw_backward(y, gradient=np.full((3, 3), 2.0)).source)
    assert d.title(d.id("ȳ")) == "ȳ"
    d = Dot(viz.draw_backward(y.sum(), show_grads=False).source)
    assert d.nodes[d.id("w")]["lines"] == ["w", "AccumulateGrad", "(4, 3) float64"]  # Tensor.name


def test_multi_output_edges_are_labelled():
    x = ag.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    a, b = ag.split(x, 2)
    d = Dot(viz.draw_backward((a * b).sum()).source)
    mul = [n for n in d.nodes if d.title(n).endswith("MulBackward0")][0]
    labels = sorted(e["label"] for s, _, e in d.edges if s == mul)
    assert labels == ["[0]\\n[3, 4]", "[1]\\n[1, 2]"]


def test_errors():
    x = ag.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="leaf"):
        viz.draw_backward(x)
    with pytest.raises(ValueError, match="does not require grad"):
        viz.draw_backward(ag.ones(1))
    with pytest.raises(ValueError, match="gradient has shape"):
        viz.draw_backward(x * 2, gradient=np.ones(3))


OPS = [
    lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b, lambda a, b: a / (b * b + 1),
    lambda a, b: ag.tanh(a) * b, lambda a, b: ag.maximum(a, b), lambda a, b: ag.exp(-a * a) + ag.sin(b),
]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(OPS) - 1), st.integers(0, 10 ** 6), st.integers(0, 10 ** 6)),
                min_size=1, max_size=25), st.integers(1, 3))
def test_numbering_is_topological_on_random_graphs(steps, n_inputs):
    rng = np.random.default_rng(0)
    values = [ag.tensor(rng.standard_normal(2), dtype=ag.float64, requires_grad=True)
              for _ in range(n_inputs)]
    for k, v in enumerate(values):
        v.name = f"in{k}"
    for op, i, j in steps:
        values.append(OPS[op](values[i % len(values)], values[j % len(values)]))
    y = values[-1].sum() + sum(v.sum() for v in values[n_inputs:-1][:3])  # several heads, shared nodes
    d = Dot(viz.draw_backward(y).source)
    num = assert_topological(d)
    assert len(num) == sum("Backward" in d.title(n) for n in d.nodes)
    grads = ag.grad(y, values[:n_inputs], allow_unused=True)  # the graph was kept
    for k, g in enumerate(grads):
        found = d.ids(f"in{k}")
        assert len(found) == (g is not None)
        if g is not None:
            shown = d.nodes[found[0]]["lines"][2]
            expected = np.array([float(v) for v in re.findall(r"-?[\d.]+(?:e-?\d+)?", shown)])
            np.testing.assert_allclose(expected, g._data, rtol=1e-3, atol=1e-3)
