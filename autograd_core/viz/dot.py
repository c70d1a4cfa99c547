"""DOT building blocks for the drawings (``drawing.py``, ``backward.py``):
label text, the colours of each kind of box, and a ``Canvas`` that collects
nodes (each in an optional module scope) and edges, then writes them into a
``graphviz.Digraph`` (``render.Digraph``) with one nested cluster per module scope.

Kinds of boxes: a leaf that requires grad (a parameter or an input, light
blue), an op (grey, rounded; orange border when it saved its output for
backward), a constant input an op saved (dashed), an output (green), a
collapsed module (one box per module call) and, in backward drawings, the
seed gradient (yellow). Edges that carry a tensor saved for backward by the
op they enter are orange.
"""
import numpy as np

from ..formatting import fmt_small
from ..tensor import Tensor
from .render import Digraph

SAVED = "#e8590c"
STYLE = {
    "leaf": dict(shape="box", style="filled", fillcolor="#d0ebff"),
    "op": dict(shape="box", style="rounded,filled", fillcolor="#e9ecef"),
    "op_saved": dict(shape="box", style="rounded,filled", fillcolor="#e9ecef", color=SAVED, penwidth="2"),
    "idle": dict(shape="box", style="rounded,filled,dashed", fillcolor="#f8f9fa", fontcolor="#868e96"),
    "const": dict(shape="box", style="dashed"),
    "output": dict(shape="box", style="filled", fillcolor="#d3f9d8"),
    "module": dict(shape="box3d", style="filled", fillcolor="#e7f5ff"),
    "seed": dict(shape="box", style="filled", fillcolor="#fff3bf"),
}
CLUSTER = dict(style="rounded,filled", fillcolor="#f8f9fa", color="#adb5bd", labeljust="l", fontsize="11",
               fontname="Helvetica")


def text(s):
    """User text made safe inside a DOT label (lines are joined with \\n)."""
    return str(s).replace("\\", "\\\\")


def label(*lines):
    return "\\n".join(text(x) for x in lines if x)


def val(prefix, arr, on, max_shown):
    """``prefix`` + the values of a small array, or None."""
    s = fmt_small(arr, max_shown) if on else None
    return None if s is None else prefix + s


def multi(node):
    """Whether a node has several floating outputs (its edges then say which)."""
    meta = node._out_meta
    return meta is not None and sum(np.dtype(d).kind == "f" for _, d in meta) > 1


def check_roots(roots, who):
    """The tensors to draw, as a list; each must have been recorded."""
    if not roots:
        raise TypeError(f"{who}: give at least one tensor")
    for i, r in enumerate(roots):
        if not isinstance(r, Tensor):
            raise TypeError(f"{who}: argument {i} is a {type(r).__name__}, not a Tensor")
        if not r.requires_grad:
            raise ValueError(f"{who}: tensor {i} (shape {tuple(r.shape)}) does not require grad, so no "
                             f"graph was recorded for it")
    return list(roots)


class Canvas:
    """Nodes and edges of one drawing; ``digraph()`` writes the DOT."""

    def __init__(self):
        self.nodes = []  # (scope, id, label, attrs)
        self.edges = []  # (src, dst, attrs)
        self._ids = {}
        self.scopes = {}  # scope -> (title, parent scope)

    def new_id(self, prefix):
        k = self._ids[prefix] = self._ids.get(prefix, 0) + 1
        return f"{prefix}{k}"

    def node(self, kind, lines, scope=None, prefix="n", **extra):
        nid = self.new_id(prefix)
        self.nodes.append((scope, nid, label(*lines), {**STYLE[kind], **extra}))
        return nid

    def edge(self, src, dst, lines=(), **attrs):
        lab = label(*lines)
        if lab:
            attrs["label"] = lab
        self.edges.append((src, dst, attrs))

    def digraph(self, rankdir="TB", note=None):
        if rankdir not in ("TB", "LR", "BT", "RL"):
            raise ValueError(f"rankdir must be 'TB', 'LR', 'BT' or 'RL', got {rankdir!r}")
        g = Digraph(
            graph_attr=dict(rankdir=rankdir, nodesep="0.25", ranksep="0.35"),
            node_attr=dict(fontname="Helvetica", fontsize="11", height="0.3"),
            edge_attr=dict(fontname="Helvetica", fontsize="9", arrowsize="0.7"))
        if note:
            g.attr(label=text(note), labelloc="b", fontsize="10", fontname="Helvetica")
        members = {}
        for scope, nid, lab, attrs in self.nodes:
            members.setdefault(scope, []).append((nid, lab, attrs))
        children = {}
        wanted = set()
        for s in list(members):  # every scope that holds a node, and the scopes around it
            while s is not None and s not in wanted:
                wanted.add(s)
                s = self.scopes[s][1]
        for s in self.scopes:  # in the order they were declared
            if s in wanted:
                children.setdefault(self.scopes[s][1], []).append(s)
        for nid, lab, attrs in members.get(None, ()):
            g.node(nid, lab, **attrs)
        counter = [0]

        def emit(parent, scope):
            counter[0] += 1
            with parent.subgraph(name=f"cluster_{counter[0]}") as c:
                c.attr(label=text(self.scopes[scope][0]), **CLUSTER)
                for nid, lab, attrs in members.get(scope, ()):
                    c.node(nid, lab, **attrs)
                for child in children.get(scope, ()):
                    emit(c, child)

        for top in children.get(None, ()):
            emit(g, top)
        for src, dst, attrs in self.edges:
            g.edge(src, dst, **attrs)
        return g
