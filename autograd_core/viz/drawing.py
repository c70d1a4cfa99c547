"""``draw_graph``: the forward graph of a computation.

One box per leaf (named from ``params`` or ``Tensor.name``), one per
elementary op (its ``Function`` class name), one per root; edges carry the
intermediate tensors (shape, and dtype when it is not the roots'; values and
gradients of small tensors on request). Tensors an op saved for backward are
marked (orange edges, or an orange border for a saved output).
``group_modules=model`` puts each submodule's ops and parameters in a
cluster (``collapse`` draws a module call as one box); see
``modules.watch``.
"""
import numpy as np

from ..formatting import fmt_meta, fmt_small
from ..graph import edges, toposort
from ..tensor import Tensor
from .dot import SAVED, Canvas, check_roots, multi, val
from .modules import check_group, module_paths, param_names
from .walk import known_values, run_backward, saved_info

MAX_SHOWN = 6  # values and gradients are printed for tensors with at most this many elements


def _consts(call):
    """The numeric constant arguments of a captured call: ``(·, 2)``."""
    if call is None:
        return None
    parts, numbers = [], False
    for a in call.args:
        if isinstance(a, Tensor):
            parts.append("·")
        elif isinstance(a, (int, float, np.number)) and not isinstance(a, bool):
            parts.append(fmt_small(np.asarray(a), 1))
            numbers = True
        elif a is None or isinstance(a, bool):
            continue
        else:
            parts.append("…")
    return f"({', '.join(parts)})" if numbers else None


def draw_graph(*roots, params=None, show_shapes=True, show_values=False, show_grads=False,
               group_modules=None, rankdir="TB", collapse=False, capture=None, max_shown=MAX_SHOWN):
    """The forward graph of ``roots`` as a ``graphviz.Digraph``.

    ``params``: names for leaves (a dict such as ``dict(model.named_parameters())``,
    ``(name, tensor)`` pairs or a Module); other leaves use the
    ``group_modules`` model's names, then ``Tensor.name``.
    ``show_values`` / ``show_grads``: values and gradients of tensors with at
    most ``max_shown`` elements. Intermediate values are those the ops saved,
    or all of them with ``capture=`` a ``viz.capture()`` record. Gradients are
    those of the sum of the roots, computed by the engine without touching
    ``.grad`` (a leaf shows its ``.grad`` when it has one); after a
    ``backward()`` that freed the graph only the leaves' ``.grad`` are shown.
    ``group_modules``: a model (or ``viz.watch(model)``): one cluster per
    module call; ``collapse=True`` (or a depth) draws each module call at that
    depth as one box. ``rankdir``: 'TB' (top to bottom) or 'LR'."""
    roots = check_roots(roots, "draw_graph")
    names = {}
    if group_modules is not None:
        check_group(group_modules)
        names = param_names(None, group_modules)
    names.update(param_names(params))  # params name leaves; the model names the rest
    nodes, leaves = toposort(roots)
    run = None
    if show_grads:
        run = run_backward(roots, [Tensor(np.ones(r.shape, r.dtype)) for r in roots], nodes, leaves)
    cv = Canvas()
    scope_of, box_of, box_params = _scopes(cv, group_modules, nodes, leaves, collapse)
    opt = dict(shapes=show_shapes, values=show_values, max_shown=max_shown, default=roots[0].dtype,
               vals=known_values(nodes, capture) if show_values else {}, run=run)
    ids = {}
    for leaf in leaves:
        if id(leaf) not in box_params:
            g = leaf.grad._data if leaf.grad is not None else run.leaf_grads.get(id(leaf)) if run else None
            lines = [names.get(id(leaf)) or leaf.name or "leaf", _meta(leaf, show_shapes),
                     val("= ", leaf._data, show_values, max_shown), val("grad ", g, show_grads, max_shown)]
            ids[id(leaf)] = cv.node("leaf", lines, scope_of.get(id(leaf)), "t")
    boxes = {}
    calls = capture.calls if capture is not None else {}
    for node in nodes:
        box = box_of.get(node)
        if box is None:
            slots, outs, _ = saved_info(node)
            saves = [f"input {i}" for i in sorted(slots)] + [f"output {i}" for i in sorted(outs)]
            tip = node.name() + (f" (saves {', '.join(saves)})" if saves else "")
            lines = [type(node).__name__, _consts(calls.get(id(node)))]
            ids[node] = cv.node("op_saved" if outs else "op", lines, scope_of.get(node), "op", tooltip=tip)
        else:
            if box not in boxes:
                lines = _box_lines(cv, box, leaves, box_params, show_shapes)
                boxes[box] = cv.node("module", lines, cv.box_parent.get(box), "m")
            ids[node] = boxes[box]
    _forward_edges(cv, nodes, ids, set(boxes.values()), box_of, scope_of, names, opt)
    for k, r in enumerate(roots):
        lines = [r.name or ("output" if len(roots) == 1 else f"output {k + 1}"), _meta(r, show_shapes),
                 val("= ", r._data, show_values, max_shown)]
        out = cv.node("output", lines, None, "out")
        src = ids[id(r)] if r.grad_fn is None else ids[r.grad_fn]
        cv.edge(src, out, [f"[{r._out_nr}]"] if r.grad_fn is not None and multi(r.grad_fn) else [])
    return cv.digraph(rankdir, run.note if run is not None else None)


def _forward_edges(cv, nodes, ids, boxes, box_of, scope_of, names, opt):
    """The edges into each op (or module box): from its inputs, and from the
    tensors it saved that need no gradient (drawn as constants)."""
    drawn = set()
    for node in nodes:
        slots, _, others = saved_info(node)
        dst = ids[node]
        for o in others:
            if id(o) not in ids:
                lines = [names.get(id(o)) or o.name or "constant", _meta(o, opt["shapes"]),
                         val("= ", o._data, opt["values"], opt["max_shown"])]
                ids[id(o)] = cv.node("const", lines, scope_of.get(node), "c")
            if (ids[id(o)], dst) not in drawn:
                drawn.add((ids[id(o)], dst))
                cv.edge(ids[id(o)], dst, color=SAVED)
        for i, e in enumerate(edges(node)):
            if e is None:
                continue
            leaf = e.is_leaf
            src = ids.get(id(e.node) if leaf else e.node)
            if src is None or (src == dst and dst in boxes):
                continue  # a parameter folded into its module's box, or an edge inside a box
            key = (src, dst, id(e.node), e.output_nr)
            if dst in boxes and key in drawn:
                continue
            drawn.add(key)
            lines = [] if leaf else _edge_lines(e, opt)
            attrs = dict(color=SAVED, penwidth="1.5") if i in slots and node not in box_of else {}
            cv.edge(src, dst, lines, **attrs)


def _meta(t, on):
    return fmt_meta(t.shape, t.dtype) if on else None


def _edge_lines(e, opt):
    """Label of an edge from an op's output: which output, shape, value, gradient."""
    child, nr = e.node, e.output_nr
    lines = [f"[{nr}]" if multi(child) else None]
    if opt["shapes"] and (len(e.shape) or np.dtype(e.dtype) != opt["default"]):
        lines.append(fmt_meta(e.shape, e.dtype, opt["default"]))
    lines.append(val("= ", opt["vals"].get((id(child), nr)), True, opt["max_shown"]))
    run = opt["run"]
    if run is not None and run.values and child in run.incoming:
        lines.append(val("grad ", run.incoming[child][nr], True, opt["max_shown"]))
    return lines


def _scopes(cv, group, nodes, leaves, collapse):
    """Declare the module clusters; return where each node and parameter goes:
    ``scope_of`` (node or id(leaf) -> scope), ``box_of`` (node -> collapsed
    scope) and ``box_params`` (id(leaf) -> collapsed scope)."""
    if group is None:
        if collapse:
            raise ValueError("draw_graph: collapse needs group_modules=model")
        return {}, {}, {}
    cv.model_names = param_names(None, group)  # the model's own names, whatever ``params`` says
    param_paths = {i: n.rpartition(".")[0] for i, n in cv.model_names.items()}
    paths, types, parents = module_paths(group, nodes, param_paths)
    depth = 1 if collapse is True else int(collapse or 0)

    def level(s):
        d = 0
        while parents.get(s) is not None:
            s, d = parents[s], d + 1
        return d

    def boxed(s):
        if not depth or s not in types or level(s) < depth:
            return None
        while level(s) > depth:
            s = parents[s]
        return s

    for s, t in types.items():
        cv.scopes[s] = (f"{s}: {t}" if s else t, parents.get(s))
    scope_of, box_of, box_params = {}, {}, {}
    for n, s in paths.items():
        b = boxed(s)
        if b is not None:
            box_of[n] = b
        elif s in types:
            scope_of[n] = s
    for leaf in leaves:
        s = param_paths.get(id(leaf))
        if s is not None and s in types:
            b = boxed(s)
            if b is not None:
                box_params[id(leaf)] = b
            else:
                scope_of[id(leaf)] = s
    cv.types = types
    cv.box_parent = {b: parents.get(b) for b in set(box_of.values())}
    return scope_of, box_of, box_params


def _box_lines(cv, box, leaves, box_params, show_shapes):
    """A collapsed module call: ``conv1: Conv2d`` and its parameters."""
    lines = [f"{box}: {cv.types[box]}"]
    for leaf in leaves:
        if box_params.get(id(leaf)) == box:
            name = cv.model_names[id(leaf)]
            name = name[len(box) + 1:] if name.startswith(box + ".") else name
            lines.append(f"{name} {fmt_meta(leaf.shape, leaf.dtype, leaf.dtype)}" if show_shapes else name)
    return lines
