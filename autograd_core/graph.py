"""The recorded graph: named edges and the walks over them.

A node (a ``Function`` applied with grad recording on) keeps one entry per
input of ``forward`` in ``node._edges``: None for an input that needs no
gradient, otherwise an ``Edge``

    Edge(node, output_nr, shape, dtype)

naming where the input's gradient goes: output ``output_nr`` of the op node
``node`` that made the input, or, for a leaf tensor, the tensor itself with
``output_nr == LEAF`` (``edge.is_leaf``). ``shape`` and ``dtype`` are the
input's; the engine sums and casts each gradient back to them.

``Edge`` is a namedtuple, so the engine unpacks it at tuple speed; every
other reader uses the names. The walks are iterative (a graph of any depth
works):

- ``dependencies(nodes)``: for each op node reachable from ``nodes``, the
  number of edges into it (the engine's readiness count);
- ``toposort(roots)``: the op nodes in forward order (each after the nodes
  that made its inputs) and the leaves in the order first met;
- ``leaf_uses(nodes, keep)``: the number of edges from ``nodes`` into each
  leaf that ``keep`` accepts (leaves whose gradient is finished early);
- ``reachable(tensors)``: the ``(id(node), output_nr)`` outputs the tensors
  depend on;
- ``inputs(node)`` / ``op_inputs(node)`` / ``leaf_inputs(node)``: a node's
  edges, all of them or only those from ops / from leaves.
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


_new = tuple.__new__


def edge_to(t):
    """The edge to tensor ``t`` (which requires grad): to its node's output, or to ``t`` itself for a leaf."""
    d = t._data
    g = t.grad_fn
    if g is None:
        return _new(Edge, (t, LEAF, d.shape, d.dtype))
    return _new(Edge, (g, t._out_nr, d.shape, d.dtype))


def inputs(node):
    """The node's edges that carry a gradient (inputs that need none are left out)."""
    return [e for e in node._edges if e is not None]


def op_inputs(node):
    """The edges from op nodes into ``node``."""
    return [e for e in node._edges if e is not None and e.output_nr >= 0]


def leaf_inputs(node):
    """The leaf tensors on ``node``'s edges."""
    return [e.node for e in node._edges if e is not None and e.output_nr < 0]


def dependencies(starts):
    """For every op node reachable from ``starts`` (nodes), the number of edges into it."""
    deps = dict.fromkeys(starts, 0)
    stack = list(starts)
    while stack:
        for edge in stack.pop()._edges:
            if edge is None or edge.output_nr < 0:
                continue
            child = edge.node
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
            if edge is not None and edge.output_nr < 0 and keep(edge.node):
                k = id(edge.node)
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
            if e.is_leaf:
                leaves.setdefault(id(e.node), e.node)
            elif e.node not in seen:
                seen.add(e.node)
                stack.append((e.node, 0))
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
