"""The recorded graph: named edges and the walks over them.

A node (a ``Function`` applied with grad recording on) keeps one entry per
input of ``forward`` in ``node._edges``: None for an input that needs no
gradient, otherwise the edge

    (node, output_nr, shape, dtype)

naming where the input's gradient goes: output ``output_nr`` of the op node
``node`` that made the input, or, for a leaf tensor, the tensor itself with
``output_nr == LEAF``. ``shape`` and ``dtype`` are the input's; the engine
sums and casts each gradient back to them.

The stored edges are plain tuples: ``Function.apply`` makes one per input of
every op, and a named tuple costs 5% of the per-op time of a scalar chain
(3,600 of 72,000 instructions, counted with callgrind). Only this module and
the engine's loop read them by position; every other reader asks for named
views, ``Edge(node, output_nr, shape, dtype)`` with ``edge.is_leaf``:

- ``edges(node)``: all of a node's edges, None where an input needs no gradient;
- ``inputs(node)`` / ``op_inputs(node)`` / ``leaf_inputs(node)``: the edges
  that carry a gradient, all of them or only those from ops / the leaves;
- ``edge_to(t)``: the edge a new node would record for tensor ``t``.

The walks are iterative (a graph of any depth works):

- ``dependencies(nodes)``: for each op node reachable from ``nodes``, the
  number of edges into it (the engine's readiness count);
- ``toposort(roots)``: the op nodes in forward order (each after the nodes
  that made its inputs) and the leaves in the order first met;
- ``leaf_uses(nodes, keep)``: the number of edges from ``nodes`` into each
  leaf that ``keep`` accepts (leaves whose gradient is finished early);
- ``reachable(tensors)``: the ``(id(node), output_nr)`` outputs the tensors
  depend on.
"""
from collections import namedtuple

LEAF = -1  # the output_nr of an edge into a leaf tensor


class Edge(namedtuple("Edge", "node output_nr shape dtype")):
    """Where one input's gradient goes: output ``output_nr`` of op node
    ``node``, or the leaf tensor ``node`` when ``output_nr == LEAF``."""

    __slots__ = ()

    @property
    def is_leaf(self):
        return self.output_nr < 0


_NODE, _NR = 0, 1  # positions in a stored edge (node, output_nr, shape, dtype)
_named = Edge._make


def edge_to(t):
    """The edge to tensor ``t`` (which requires grad): to its node's output, or to ``t`` itself for a leaf."""
    d = t._data
    g = t._grad_fn
    if g is None:
        return Edge(t, LEAF, d.shape, d.dtype)
    return Edge(g, t._out_nr, d.shape, d.dtype)


def edges(node):
    """The node's edges, named, one per input of ``forward`` (None where an input needs no gradient)."""
    return [None if e is None else _named(e) for e in node._edges]


def inputs(node):
    """The node's edges that carry a gradient (inputs that need none are left out)."""
    return [_named(e) for e in node._edges if e is not None]


def op_inputs(node):
    """The edges from op nodes into ``node``."""
    return [_named(e) for e in node._edges if e is not None and e[_NR] >= 0]


def leaf_inputs(node):
    """The leaf tensors on ``node``'s edges."""
    return [e[_NODE] for e in node._edges if e is not None and e[_NR] < 0]


def dependencies(starts):
    """For every op node reachable from ``starts`` (nodes), the number of edges into it."""
    deps = dict.fromkeys(starts, 0)
    stack = list(starts)
    while stack:
        for edge in stack.pop()._edges:
            if edge is None or edge[_NR] < 0:
                continue
            child = edge[_NODE]
            c = deps.get(child)
            if c is None:
                deps[child] = 1
                stack.append(child)
            else:
                deps[child] = c + 1
    return deps


def leaf_uses(nodes, keep):
    """For the leaves ``keep(leaf)`` accepts, the number of edges from ``nodes`` into each (by ``id``)."""
    uses = {}
    for node in nodes:
        for edge in node._edges:
            if edge is not None and edge[_NR] < 0 and keep(edge[_NODE]):
                k = id(edge[_NODE])
                uses[k] = uses.get(k, 0) + 1
    return uses


def toposort(roots):
    """``(nodes, leaves)`` reachable from the tensors ``roots``: op nodes in
    forward order (every node after the nodes that made its inputs), leaf
    tensors that require grad in the order first met."""
    nodes, leaves, seen = [], {}, set()
    for r in roots:
        if r.grad_fn is None:
            if r.requires_grad:
                leaves.setdefault(id(r), r)
            continue
        if r.grad_fn in seen:
            continue
        seen.add(r.grad_fn)
        stack = [(r.grad_fn, 0)]
        while stack:
            node, i = stack[-1]
            edges = node._edges
            if i == len(edges):
                stack.pop()
                nodes.append(node)
                continue
            stack[-1] = (node, i + 1)
            e = edges[i]
            if e is None:
                continue
            child = e[_NODE]
            if e[_NR] < 0:
                leaves.setdefault(id(child), child)
            elif child not in seen:
                seen.add(child)
                stack.append((child, 0))
    return nodes, list(leaves.values())


def reachable(tensors):
    """The ``(id(node), output_nr)`` pairs of the op outputs ``tensors`` depend on (their own included)."""
    reach, seen, stack = set(), set(), []
    for t in tensors:
        if t.grad_fn is not None:
            reach.add((id(t.grad_fn), t._out_nr))
            if id(t.grad_fn) not in seen:
                seen.add(id(t.grad_fn))
                stack.append(t.grad_fn)
    while stack:
        for e in op_inputs(stack.pop()):
            reach.add((id(e.node), e.output_nr))
            if id(e.node) not in seen:
                seen.add(id(e.node))
                stack.append(e.node)
    return reach
