"""Scale tests of the engine: very deep graphs backpropagate without recursion,
and graphs are freed by reference counting alone (no reference cycles), so that
a long training loop does not grow memory."""
import gc
import sys
import tracemalloc
import weakref

import numpy as np

import autograd_core as ag


class gc_off:
    """Run a block with the cyclic garbage collector off: whatever a cycle holds
    stays alive, so freed memory proves that reference counting freed it."""

    def __enter__(self):
        self.was = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc):
        if self.was:
            gc.enable()


def graph_nodes(t):
    """Every node reachable from ``t.grad_fn`` (iteratively: graphs may be deep)."""
    seen, stack = {}, [t.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen[id(node)] = node
        stack.extend(child for child, _ in node.next_functions if hasattr(child, "_edges"))
    return list(seen.values())


def test_chain_of_100k_ops_backpropagates_without_recursion():
    n = 100_000
    assert n > 10 * sys.getrecursionlimit()
    x = ag.tensor(0.5, dtype=ag.float64, requires_grad=True)
    y = x
    for _ in range(n // 2):
        y = y * 1.00001
        y = y + 0.5
    y.backward()
    want = 1.00001 ** (n // 2)  # the adds have derivative 1
    assert x.grad.dtype == np.float64
    np.testing.assert_allclose(x.grad.item(), want, rtol=1e-9)
    np.testing.assert_allclose(y.item(), 0.5 * want + 0.5 * sum(1.00001 ** k for k in range(n // 2)),
                               rtol=1e-9)


def test_chain_of_100k_float32_ops_keeps_float32():
    x = ag.tensor(np.ones(3, np.float32), requires_grad=True)
    y = x
    for _ in range(50_000):
        y = y * 1.0
        y = y - 0.0
    y.backward(ag.ones(3))
    assert y.dtype == np.float32 and x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad._data, np.ones(3, np.float32))


def test_deep_graph_is_freed_without_backward_or_gc():
    """Dropping the root of a 100k-op chain frees every node (no recursion crash,
    no cycle between tensors and nodes)."""
    with gc_off():
        x = ag.tensor(1.0, requires_grad=True)
        y = x * 2.0
        first = weakref.ref(y.grad_fn)
        for _ in range(100_000):
            y = y / 1.0
        last = weakref.ref(y.grad_fn)
        del y
        assert first() is None and last() is None


def test_graph_nodes_and_intermediates_die_right_after_backward():
    with gc_off():
        w = ag.tensor(np.linspace(-1, 1, 4, dtype=np.float32), requires_grad=True)
        x = ag.tensor(np.arange(12, dtype=np.float32).reshape(3, 4))
        y = ag.tensor(np.ones((3, 4), np.float32))
        d = w * x - y
        sq = d ** 2
        loss = sq.sum()
        nodes = graph_nodes(loss)
        assert len(nodes) >= 4  # mul, sub, pow, sum
        refs = [weakref.ref(n) for n in nodes] + [weakref.ref(t) for t in (d, sq, loss)]
        loss.backward()
        np.testing.assert_allclose(w.grad._data, (2 * (w._data * x._data - y._data) * x._data).sum(0),
                                   rtol=1e-6)
        del nodes, d, sq, loss
        assert [r() for r in refs] == [None] * len(refs)
        assert w.grad.grad_fn is None  # the gradient holds no graph either


def test_training_loop_does_not_grow_memory():
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.standard_normal((8, 4)).astype(np.float32))
    w_true = np.array([1.0, -2.0, 0.5, 3.0], np.float32)
    y = ag.tensor(x._data * w_true)
    w = ag.zeros(4, requires_grad=True)
    marks = {}
    tracemalloc.start()
    try:
        with gc_off():
            for step in range(1, 10_001):
                loss = ((w * x - y) ** 2).sum()
                loss.backward()
                with ag.no_grad():
                    w -= 0.01 * w.grad
                w.grad = None
                if step in (1_000, 10_000):
                    node = weakref.ref(loss.grad_fn)
                    del loss
                    assert node() is None  # the step's graph is gone without gc
                    marks[step] = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    # bytes: allocator free lists and caches settle at ~50 kB; a leak of 25 B per step would show
    assert abs(marks[10_000] - marks[1_000]) < 200_000, marks
    assert w.dtype == np.float32
    np.testing.assert_allclose(w._data, w_true, rtol=1e-4)  # and the loop did train
