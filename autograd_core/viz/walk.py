"""Reading the recorded graph for the drawings (the walk over it, forward
order and leaves, is ``graph.toposort``).

``saved_info(node)`` tells which inputs and outputs a node saved for
backward, ``known_values`` which intermediate values can still be read
(saved tensors, a ``capture``), and ``capture()`` records every op call made
in its block, so that a drawing can show all intermediate values and the
constant arguments of each op.

``run_backward`` runs the engine's own reverse pass over the graph with each
node's ``backward`` observed (``observers.observe_backward``): it returns
the order in which the engine visits the nodes, the gradient entering each
node and the gradient it sends along each edge. The observer is quiet:
tensor hooks and ``retain_grad`` do not run in that pass, and nothing is
accumulated into any ``.grad``; the graph is kept (``retain_graph=True``).
When the saved tensors are gone (a ``backward`` without ``retain_graph``
ran) or cannot be used, the pass runs with zero placeholders instead of the
real rules: the order is still the engine's, only the values are missing.
"""
from contextlib import contextmanager

import numpy as np

from .. import engine
from ..function import SAVED_INPUT, SAVED_OUTPUT
from ..graph import edges
from ..observers import observe_backward
from ..ops.broadcast import sum_to_shape
from ..tensor import Tensor
from ..tracing.record import recording


def _live(item):
    _, _, vc, version = item
    return vc is None or vc[0] == version


def saved_info(node):
    """``(slots, outputs, others)``: the input slots whose tensor the node
    saved, the output numbers it saved, and saved input tensors that are not
    on an edge (inputs that need no gradient, e.g. a network's images)."""
    slots, outputs, others = set(), set(), []
    for kind, obj, _, _ in node._saved or ():
        if kind == SAVED_OUTPUT:
            _, nr = obj
            outputs.add(nr)
        elif kind == SAVED_INPUT:
            found = False
            for i, e in enumerate(edges(node)):
                if e is not None and (e.node is obj if e.is_leaf else
                                      e.node is obj.grad_fn and e.output_nr == obj._out_nr):
                    slots.add(i)
                    found = True
            if not found and all(o is not obj for o in others):
                others.append(obj)
    return slots, outputs, others


def known_values(nodes, captured=None):
    """Values of intermediate tensors keyed by ``(id(node), output_nr)``:
    from a capture, then from tensors saved for backward (unchanged since)."""
    vals = {}
    if captured is not None:
        vals.update(captured.values)
    for node in nodes:
        for item in node._saved or ():
            if not _live(item):
                continue
            kind, obj, _, _ = item
            if kind == SAVED_OUTPUT:
                data, nr = obj
                vals.setdefault((id(node), nr), data)
            elif kind == SAVED_INPUT and obj.grad_fn is not None:
                vals.setdefault((id(obj.grad_fn), obj._out_nr), obj._data)
    return vals


class Captured:
    """The op calls recorded by ``capture()``: ``values[(id(node), nr)]`` is
    the output value of a node as it was made, ``calls[id(node)]`` the call
    (its arguments, constants included)."""

    def __init__(self):
        self.tape = []
        self.values, self.calls = {}, {}

    def _index(self):
        for c in self.tape:
            for nr, (node, out_nr) in enumerate(c.nodes):
                if node is not None:
                    self.values[(id(node), out_nr)] = c.values[nr]
                    self.calls[id(node)] = c


@contextmanager
def capture():
    """Record every op call of the block (in this thread) for ``draw_graph``:

    >>> with viz.capture() as cap:
    ...     y = ag.log(x1) + x1 * x2 - ag.sin(x2)
    >>> viz.draw_graph(y, show_values=True, capture=cap)
    """
    cap = Captured()
    try:
        with recording(cap.tape):
            yield cap
    finally:
        cap._index()


def _placeholder(edge):
    """A zero gradient of an edge's shape and dtype that costs no memory."""
    if edge is None:
        return None
    return Tensor(np.broadcast_to(np.zeros((), edge.dtype), edge.shape))


class BackwardRun:
    """What ``run_backward`` saw: ``order`` (nodes in the engine's visit
    order), ``incoming[node]`` (gradients of its outputs), ``flows[node]``
    (the gradient sent along each input edge, fitted to the input's shape),
    ``leaf_grads[id(leaf)]`` (total per leaf), ``values`` (whether the
    gradients are real) and ``note`` (why not)."""

    def __init__(self):
        self.order, self.incoming, self.flows, self.leaf_grads = [], {}, {}, {}
        self.values, self.note = True, None


def run_backward(roots, seeds, nodes, leaves, values=True):
    """Run the engine over the graph of ``roots`` (seeds: one gradient per
    root) and observe it; see the module docstring."""
    run = BackwardRun()
    if values and any(n._freed for n in nodes):
        values = False
        run.note = "the graph was freed by backward(): gradients along it are not shown"
    if values:
        try:
            _observe(run, roots, seeds, nodes, leaves, real=True)
            return run
        except RuntimeError as e:  # modified in place since forward, or a rule that cannot run
            run = BackwardRun()
            run.note = f"gradients not shown: {str(e).splitlines()[0]}"
    run.values = False
    _observe(run, roots, seeds, nodes, leaves, real=False)
    return run


def _observe(run, roots, seeds, nodes, leaves, real):
    """Run ``engine.grad`` with every node's rule observed (quietly: no tensor
    hook or ``retain_grad`` runs) and fill ``run``."""

    def observer(node, grads, rule):
        run.order.append(node)
        run.incoming[node] = tuple(None if g is None else g._data for g in grads)
        if real:
            res = rule(grads)
            res = res if type(res) is tuple else (res,)
        else:
            res = tuple(_placeholder(e) for e in edges(node))
        flows = []
        for e, g in zip(edges(node), res):
            if e is None or g is None:
                flows.append(None)
                continue
            arr = g._data if isinstance(g, Tensor) else np.asarray(g)
            if arr.shape != e.shape:
                arr = sum_to_shape(Tensor(arr), e.shape)._data
            flows.append(arr)
        run.flows[node] = flows
        return res

    with observe_backward(observer, quiet=True):
        grads = engine.grad(roots, leaves, seeds, retain_graph=True, allow_unused=True)
    for leaf, g in zip(leaves, grads):
        if g is not None:
            run.leaf_grads[id(leaf)] = g._data
