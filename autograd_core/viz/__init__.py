"""Pictures of computations: the forward graph, the backward pass, rendering.

    from autograd_core import viz
    g = viz.draw_graph(loss, params=model)       # a graphviz.Digraph (shown inline in Jupyter)
    viz.render(g, "graph.svg")                   # or .png / .pdf

``draw_graph(*roots)`` draws the graph the roots were computed by: one box
per leaf (named from ``params`` or ``Tensor.name``), one per elementary op
(its ``Function`` class name), one per root; edges carry the intermediate
tensors (shape, and dtype when it is not the roots'; values and gradients
of small tensors on request). Tensors an op saved for backward are marked
(orange edges, or an orange border for a saved output). ``group_modules=model``
puts each submodule's ops and parameters in a cluster (``collapse`` draws a
module call as one box); see ``viz.watch``.

``draw_backward(root)`` draws the reverse pass as the engine runs it: the
nodes (``MulBackward0`` ...) numbered in the order the engine visits them, a
topological order from the root to the leaves, edges labelled with the
gradient each node sends to its inputs (their values for small tensors,
their shapes otherwise), and each leaf's total (``AccumulateGrad``).

``render(graph, path)`` runs Graphviz's ``dot`` when it is on PATH, else
``graphviz-pure`` (a pip-installed port of Graphviz, a dependency); the
drawings are ``render.Digraph``s, whose Jupyter display and ``pipe`` make the
same choice. Without either program a clear error says how to install one,
and the DOT source is written next to the requested file.

The package: ``drawing.py`` (``draw_graph``), ``backward.py``
(``draw_backward``), ``walk.py`` (what the drawings read from the graph and
observe of the engine), ``modules.py`` (which module made which node),
``dot.py`` (boxes, colours, the DOT canvas), ``render.py`` (running
``dot`` or ``graphviz-pure``). The graph walks themselves are ``autograd_core.graph``'s.
"""
from .backward import draw_backward
from .drawing import draw_graph
from .modules import ModuleWatch, watch
from .render import GraphvizNotFoundError, render
from .walk import capture

__all__ = ["draw_graph", "draw_backward", "render", "watch", "capture", "ModuleWatch",
           "GraphvizNotFoundError"]
