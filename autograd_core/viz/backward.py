"""``draw_backward``: the reverse pass as the engine runs it.

The picture that explains reverse mode: the seed ȳ enters the root's node;
every node (``SubBackward0``, ``MulBackward0`` ...) is numbered in the order
the engine visits it (a topological order: a node comes after every node
that uses its outputs) and sends along each of its edges the gradient
ā_k = ȳ · ∂y/∂a_k of its input a_k; the leaves (``AccumulateGrad``) show the
total they receive, the sum over all paths. The order and the gradients are
observed on the engine itself (``walk.run_backward``).
"""
import numpy as np

from ..formatting import fmt_meta, fmt_small
from ..graph import edges, toposort
from ..tensor import Tensor
from .dot import Canvas, check_roots, multi, val
from .modules import param_names
from .walk import run_backward

MAX_SHOWN = 6


def draw_backward(root, gradient=None, params=None, show_grads=True, rankdir="TB", max_shown=MAX_SHOWN):
    """The backward pass of ``root`` as a ``graphviz.Digraph``.

    Nodes are numbered in the engine's visit order; edges carry the gradient
    each node sends to its inputs (values for tensors with at most
    ``max_shown`` elements, shapes otherwise). ``gradient``: the seed ȳ
    (default ones, like ``backward()`` of a scalar). ``params`` names the
    leaves (a dict or a Module). Nothing is accumulated into ``.grad``, no
    hook runs and the graph is kept; a graph already freed by ``backward()``
    is drawn with its order but without gradient values."""
    (root,) = check_roots((root,), "draw_backward")
    if root.grad_fn is None:
        raise ValueError("draw_backward: the tensor is a leaf; there is no backward graph to draw")
    seed = np.ones(root.shape, root.dtype) if gradient is None else \
        np.asarray(gradient._data if isinstance(gradient, Tensor) else gradient, root.dtype)
    if seed.shape != root.shape:
        raise ValueError(f"draw_backward: gradient has shape {seed.shape}; the root has shape "
                         f"{tuple(root.shape)}")
    names = param_names(params)
    nodes, leaves = toposort([root])
    run = run_backward([root], [Tensor(seed)], nodes, leaves, values=show_grads)
    values = run.values and show_grads
    cv = Canvas()
    number = {n: k for k, n in enumerate(run.order, 1)}
    shown = fmt_small(seed, max_shown)
    seed_id = cv.node("seed", ["ȳ" + (f" = {shown}" if shown else ""),
                               fmt_meta(seed.shape, seed.dtype) if seed.ndim else None], None, "seed")
    ids = {}
    for n in reversed(nodes):
        k = number.get(n)
        lines = [f"{k}: {n.name()}"] if k else [n.name(), "(no gradient)"]
        ids[n] = cv.node("op" if k else "idle", lines, None, "op")
    for leaf in leaves:
        total = val("grad ", run.leaf_grads.get(id(leaf)), values, max_shown)
        lines = [names.get(id(leaf)) or leaf.name or "leaf", "AccumulateGrad",
                 total or fmt_meta(leaf.shape, leaf.dtype)]
        ids[id(leaf)] = cv.node("leaf", lines, None, "t")
    cv.edge(seed_id, ids[root.grad_fn], [f"[{root._out_nr}]" if multi(root.grad_fn) else None])
    for n in reversed(nodes):
        flows = run.flows.get(n) if values else None
        for i, e in enumerate(edges(n)):
            if e is None:
                continue
            text = val("", flows[i], True, max_shown) if flows is not None else None
            if text is None and len(e.shape):
                text = fmt_meta(e.shape, e.dtype, root.dtype)
            child = ids[id(e.node)] if e.is_leaf else ids[e.node]
            which = f"[{e.output_nr}]" if not e.is_leaf and multi(e.node) else None
            cv.edge(ids[n], child, [which, text])
    return cv.digraph(rankdir, run.note)
