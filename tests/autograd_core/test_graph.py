"""graph.py (named edges and the walks) and observers.py (the hooks that
Function.apply and the engine call for tools that watch a computation)."""
import threading

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import graph, observers, viz
from autograd_core.function import Function
from autograd_core.graph import LEAF, Edge
from tests.helpers import run_threads


def small_graph():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = ag.tensor(3.0, requires_grad=True)
    c = ag.tensor([4.0, 5.0])  # needs no gradient
    u = a * b
    v = u + c
    w = (v * u).sum()
    return a, b, c, u, v, w


# -- edges --------------------------------------------------------------------------------
def test_edges_are_named():
    a, b, c, u, v, w = small_graph()
    e_a, e_b = graph.edges(u.grad_fn)
    assert isinstance(e_a, Edge) and e_a.is_leaf and e_a.node is a and e_a.output_nr == LEAF
    assert e_a.shape == (2,) and e_a.dtype == np.float32
    assert e_b.node is b and e_b.shape == ()
    e_u, e_c = graph.edges(v.grad_fn)
    assert not e_u.is_leaf and e_u.node is u.grad_fn and e_u.output_nr == 0
    assert e_c is None  # c needs no gradient
    node, nr, shape, dtype = e_u  # unpacks like a tuple
    assert (node, nr, shape, dtype) == (u.grad_fn, 0, (2,), np.float32)
    assert [tuple(e) for e in graph.inputs(v.grad_fn)] == [v.grad_fn._edges[0]]  # the stored edges: plain tuples


def test_edge_to_and_inputs():
    a, b, c, u, v, w = small_graph()
    assert graph.edge_to(a) == Edge(a, LEAF, (2,), np.dtype(np.float32))
    assert graph.edge_to(u) == Edge(u.grad_fn, 0, (2,), np.dtype(np.float32))
    assert graph.leaf_inputs(u.grad_fn) == [a, b]
    assert [e.node for e in graph.op_inputs(v.grad_fn)] == [u.grad_fn]
    assert len(graph.inputs(v.grad_fn)) == 1


def test_next_functions_from_named_edges():
    a, b, c, u, v, w = small_graph()
    (acc_a, n0), (acc_b, n1) = u.grad_fn.next_functions
    assert acc_a.variable is a and acc_b.variable is b and n0 == n1 == 0
    assert v.grad_fn.next_functions == ((u.grad_fn, 0), (None, 0))


# -- walks --------------------------------------------------------------------------------
def test_toposort_forward_order_and_leaves():
    a, b, c, u, v, w = small_graph()
    nodes, leaves = graph.toposort([w])
    assert nodes[-1] is w.grad_fn and nodes[0] is u.grad_fn
    pos = {n: i for i, n in enumerate(nodes)}
    for n in nodes:
        for e in graph.op_inputs(n):
            assert pos[e.node] < pos[n]
    assert leaves == [a, b]
    assert graph.toposort([a]) == ([], [a])
    assert graph.toposort([c]) == ([], [])


def test_dependencies_count_edges_into_each_node():
    a, b, c, u, v, w = small_graph()
    deps = graph.dependencies([w.grad_fn])
    assert deps[w.grad_fn] == 0
    assert deps[u.grad_fn] == 2  # used by v and by v * u
    assert deps[v.grad_fn] == 1
    assert a not in deps  # leaves are not counted


def test_reachable():
    a, b, c, u, v, w = small_graph()
    reach = graph.reachable([v])
    assert reach == {(id(v.grad_fn), 0), (id(u.grad_fn), 0)}
    assert graph.reachable([a]) == set()


def test_walks_are_iterative():
    x = ag.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(20000):
        y = y * 1.0
    nodes, leaves = graph.toposort([y])
    assert len(nodes) == 20000 and leaves == [x]
    assert len(graph.dependencies([y.grad_fn])) == 20000
    assert len(graph.reachable([y])) == 20000


# -- observers ----------------------------------------------------------------------------
def test_nobody_listens_by_default():
    assert not observers.call_observers and not observers.backward_observers


def test_call_observer_sees_top_level_calls_only():
    seen, outs = [], []

    def observer(cls, args):
        seen.append(cls.__name__)
        return outs.append

    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with observers.observe_calls(observer):
        y = ag.sin(x) * 2
    assert seen == ["Sin", "Mul"]
    assert outs[-1] is y
    assert not observers.call_observers
    ag.sin(x)
    assert seen == ["Sin", "Mul"]


def test_call_observers_nest():
    outer, inner = [], []
    x = ag.tensor(1.0)
    with observers.observe_calls(lambda cls, args: outer.append(cls.__name__)):
        ag.exp(x)
        with observers.observe_calls(lambda cls, args: inner.append(cls.__name__)):
            ag.log(x)
        ag.sin(x)
    assert outer == ["Exp", "Log", "Sin"] and inner == ["Log"]


def test_call_observers_are_per_thread():
    seen = {}
    barrier = threading.Barrier(3)

    def work(k):
        mine = seen[k] = []
        x = ag.tensor(float(k))
        with observers.observe_calls(lambda cls, args: mine.append(cls.__name__)):
            barrier.wait(timeout=30)
            for _ in range(k + 1):
                ag.exp(x)
            barrier.wait(timeout=30)

    run_threads(work, 3)
    assert seen == {k: ["Exp"] * (k + 1) for k in range(3)}
    assert not observers.call_observers


def test_a_raising_op_is_not_reported_done():
    done = []
    x = ag.tensor([1.0, 2.0])
    with observers.observe_calls(lambda cls, args: done.append):
        with pytest.raises(ValueError):
            x + ag.tensor([1.0, 2.0, 3.0])
    assert done == []


def test_backward_observer_sees_every_rule_and_can_replace_it():
    x = ag.tensor(2.0, requires_grad=True)
    y = ag.exp(x) * 3
    order = []

    def observer(node, grads, rule):
        order.append(node.name())
        return rule(grads)

    with observers.observe_backward(observer):
        y.backward(retain_graph=True)
    assert order == ["MulBackward0", "ExpBackward0"]
    assert x.grad.item() == pytest.approx(3 * np.exp(2.0), rel=1e-6)

    def doubled(node, grads, rule):
        return rule([g * 2 for g in grads])

    (g,) = ag.grad(y, [x], retain_graph=True)  # nobody watches: the plain rule
    with observers.observe_backward(doubled), observers.observe_backward(observer):
        (g2,) = ag.grad(y, [x], retain_graph=True)
    assert g2.item() == pytest.approx(4 * g.item(), rel=1e-6)  # two nodes, each doubling


def test_quiet_backward_observer_runs_no_tensor_hooks():
    x = ag.tensor(2.0, requires_grad=True)
    h = x * 3
    h.retain_grad()
    calls = []
    h.register_hook(lambda g: calls.append("h"))
    x.register_hook(lambda g: calls.append("x"))
    y = h * h
    with observers.observe_backward(lambda node, grads, rule: rule(grads), quiet=True):
        (g,) = ag.grad(y, [x], retain_graph=True)
    assert calls == [] and h.grad is None
    assert g.item() == pytest.approx(36.0)
    y.backward()
    assert calls == ["h", "x"] and h.grad.item() == pytest.approx(12.0)


def test_nothing_is_patched():
    apply = Function.__dict__["apply"]
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    node = y.grad_fn
    with viz.capture():
        ag.trace(lambda t: (t * t).sum(), [1.0, 2.0])
    viz.draw_backward(y)
    assert Function.__dict__["apply"] is apply
    assert "backward" not in vars(node) and "_hooks" not in vars(node)


def test_backward_observers_are_per_thread():
    seen = {}
    barrier = threading.Barrier(3)

    def work(k):
        mine = seen[k] = []
        x = ag.tensor(1.0, requires_grad=True)
        y = x
        for _ in range(k + 1):
            y = ag.exp(y)

        def observer(node, grads, rule):
            mine.append(node.name())
            return rule(grads)

        with observers.observe_backward(observer):
            barrier.wait(timeout=30)
            ag.grad(y, [x])
            barrier.wait(timeout=30)

    run_threads(work, 3)
    assert seen == {k: ["ExpBackward0"] * (k + 1) for k in range(3)}
    assert not observers.backward_observers
