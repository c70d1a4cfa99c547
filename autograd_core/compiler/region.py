"""The graph node of a replayed region and its backward.

The result tensors of a replay with a graph share one node,
``CompiledBackward``, whose edges lead to the gradient targets (the arguments
and the external leaves that require grad). Its ``backward`` replays the
engine's own algorithm (``engine.py``: readiness counts, the same LIFO order,
the same summation order of gradients, the same fitting of shapes and dtypes)
over the recorded nodes, calling each op's own ``backward`` rule with the ctx
its forward replay filled, so the gradients are the eager ones bit for bit.

``Plan._walk`` is that algorithm, written once over an ``act`` that does its
arithmetic: ``_Arrays`` on arrays, or ``_Source``, which writes the code that
would. Once every rule the walk meets is array code (``backward.py``), the
walk is written out as one straight-line function per pattern of output
gradients given, and later backwards call it: no loop, no readiness counts.
"""
import numpy as np

from ..engine import wrong_shape
from ..function import Function
from ..grad_mode import _state
from ..graph import LEAF, Edge, dependencies
from ..ops.broadcast import SumToShape
from ..ops.convert import ToDtype
from ..tensor import Tensor
from .backward import RuleRecorder, build_rule


class CompiledBackward(Function):
    """The graph node of a replayed region (see the module docstring). Its
    ``_saved`` holds the ctxs of the region's ops, freed by the engine after
    backward like any node's saved tensors."""

    materialize_grads = False
    plan = None  # the Plan of the region
    versions = ()  # (version counter, version) of every tensor the region's ops read
    _roots = ()  # per output number: ('n', step, nr) or ('t', target)

    def name(self):
        return "CompiledFunctionBackward"

    @staticmethod
    def backward(self, *gouts):
        if self._freed or self._saved is None:
            raise RuntimeError("Trying to backward through the graph of a compiled function a second "
                               "time; pass retain_graph=True to the first backward to keep it.")
        if _state.grad:
            raise RuntimeError("create_graph=True through an ag.compile'd function is not supported: "
                               "call it with compile disabled (disable=True) for higher-order gradients")
        for vc, version in self.versions:
            if vc[0] != version:
                raise RuntimeError("one of the variables needed for gradient computation has been "
                                   "modified by an inplace operation (inside a compiled function's "
                                   f"region): version {vc[0]}; expected version {version}.")
        return self.plan.run(self._saved, self._roots, gouts)


class _Proxy:
    __slots__ = ("step", "_edges")

    def __init__(self, step):
        self.step = step


class Plan:
    """The backward structure of a tape, run like ``engine._run`` (same order, same sums)."""

    def __init__(self, tape, targets):
        self.tape = tape
        self.nodes = tape.nodes
        self.targets = list(targets)  # the slots of the gradient targets, in the order of the node's edges
        self.target_index = {s: k for k, s in enumerate(targets)}
        self.n_targets = len(targets)
        self._deps = {}
        self.rules = {}  # step -> generated array code of its rule, or False: run the rule itself
        self.pending = {}  # step -> the first RuleRecorder, waiting for a second recording to agree
        self.why = {}  # step -> why its rule runs as Tensor code
        self.straight = {}  # (roots, which output gradients are None) -> generated walk, or False: walk
        self._proxies = {j: _Proxy(j) for j in self.nodes}  # stand-ins with ``_edges`` for graph.dependencies
        for j, p in self._proxies.items():
            p._edges = [None if e is None or e[0] != "n" else Edge(self._proxies[e[1]], e[2], e[3], e[4])
                        for e in self.nodes[j][1]]

    def dependencies(self, starts):
        """``graph.dependencies`` over the recorded nodes (by step index), cached per set of starts."""
        key = tuple(starts)
        deps = self._deps.get(key)
        if deps is None:
            deps = {p.step: c for p, c in dependencies([self._proxies[j] for j in starts]).items()}
            self._deps[key] = deps
        return dict(deps)

    def rule(self, j, ctx, grads):
        """Node ``j``'s input gradients (arrays or None) from its output gradients (arrays or None):
        by its generated array code once two recordings agreed, else by its own rule (recorded)."""
        fn = self.rules.get(j)
        if fn:
            return fn(ctx, grads)
        tensors = [None if g is None else Tensor(g) for g in grads]
        if fn is False:
            results = ctx.backward(ctx, *tensors)
        else:
            rec = RuleRecorder(ctx, tensors)
            results = rec.record(tensors)
            first = self.pending.pop(j, None)
            if rec.failure is not None or (first is not None and not rec.same_as(first)):
                self.rules[j] = False
                self.why[j] = rec.failure or "the rule ran differently on two calls"
            elif first is None:
                self.pending[j] = rec
            else:
                self.rules[j] = build_rule(rec)
        if type(results) is not tuple:
            results = (results,)
        return tuple(None if r is None else r._data if isinstance(r, Tensor) else np.asarray(r) for r in results)

    def run(self, ctxs, roots, gouts):
        """The region's input gradients (Tensors or None, per target) from its output gradients
        ``gouts`` (Tensors or None): by the straight-line code of this pattern of ``gouts`` once
        it is written, else by the walk on arrays (which records the rules not yet settled)."""
        gouts = [None if g is None else g._data for g in gouts]
        key = (roots, tuple(g is None for g in gouts))
        fn = self.straight.get(key)
        if fn is None:
            fn = self.straight[key] = self._write(roots, key[1])
        if fn:
            return fn(ctxs, gouts)
        if fn is None:
            del self.straight[key]  # a rule still pending: try again next time
        return self._walk(roots, gouts, _Arrays(self, ctxs))

    def _write(self, roots, nones):
        """The straight-line function of the walk for output gradients given where ``nones`` is
        False; None while a rule it meets is pending, False when one runs as Tensor code."""
        src = _Source(self)
        try:
            result = self._walk(roots, [None if n else f"G[{k}]" for k, n in enumerate(nones)], src)
        except _Unsettled as e:
            return e.args[0]
        return src.function(result)

    def _walk(self, roots, gouts, act):
        """The engine's loop (``engine._run``) over the recorded nodes; ``act`` does its
        arithmetic (see the module docstring). Returns ``act.result`` of the targets' gradients."""
        nodes = self.nodes
        leaves = {}
        buffers = {}
        for root, g in zip(roots, gouts):
            if g is None:
                continue
            if root[0] == "t":
                leaves[root[1]] = g if root[1] not in leaves else act.add(leaves[root[1]], g)
            else:
                _add(act, buffers, nodes, root[1], root[2], g)
        deps = self.dependencies(list(buffers))
        ready = [n for n in buffers if deps.get(n, 0) == 0]
        while ready:
            j = ready.pop()
            grads = buffers.pop(j, None)
            edges, meta, materialize = nodes[j][1], nodes[j][3], nodes[j][4]
            results = None
            if grads is not None and any(g is not None for g in grads):
                if meta and materialize:
                    grads = [act.zeros(s, d) if g is None else g for g, (s, d) in zip(grads, meta)]
                results = act.rule(j, grads)
            for i, e in enumerate(edges):
                if e is None:
                    continue
                g = None if results is None else results[i]
                if g is not None:
                    g = act.fit(j, g, e[-2], e[-1])
                if e[0] == "t":
                    if g is not None:
                        t = e[1]
                        leaves[t] = g if t not in leaves else act.add(leaves[t], g)
                    continue
                child = e[1]
                if g is not None:
                    if child not in buffers and nodes[child][3] is None:
                        buffers[child] = [g]
                    else:
                        _add(act, buffers, nodes, child, e[2], g)
                d = deps[child] - 1
                deps[child] = d
                if d == 0:
                    ready.append(child)
        return act.result([leaves.get(s) for s in self.targets])


class _Unsettled(Exception):
    """A rule the walk meets is not array code: args[0] is None (pending) or False (never)."""


class _Arrays:
    """The walk's arithmetic on arrays."""

    def __init__(self, plan, ctxs):
        self.plan, self.ctxs = plan, ctxs

    @staticmethod
    def add(a, b):
        return a + b

    @staticmethod
    def zeros(shape, dtype):
        return np.zeros(shape, dtype)

    def rule(self, j, grads):
        ctx = self.ctxs[j]
        results = self.plan.rule(j, ctx, grads)
        n = len(self.plan.nodes[j][1])
        if len(results) != n:
            raise RuntimeError(f"function {ctx.name()} returned {len(results)} gradients; "
                               f"expected {n} (one per input of forward)")
        return results

    def fit(self, j, g, shape, dtype):
        return g if g.shape == shape and g.dtype == dtype else _fit(self.ctxs[j], g, shape, dtype)

    @staticmethod
    def result(grads):
        return tuple(None if g is None else Tensor(g) for g in grads)


class _Source:
    """The walk's arithmetic written as source lines of ``bwd(C, G)`` (``C`` the ctxs, ``G`` the
    output gradients as arrays), each value a local name; a rule's results are None where its
    generated code returns None (``build_rule``), and a shape or dtype is still checked per call."""

    def __init__(self, plan):
        self.plan = plan
        self.lines = ["def bwd(C, G):"]
        self.env = {"_fit": _fit, "_zeros": np.zeros, "_T": Tensor}

    def _let(self, text):
        name = f"g{len(self.lines)}"
        self.lines.append(f"    {name} = {text}")
        return name

    def _const(self, value):
        name = f"k{len(self.env)}"
        self.env[name] = value
        return name

    def _free(self, names):
        """Drop consumed values (as the walk does when it moves on), so that peak memory is the walk's."""
        names = [n for n in names if n is not None and n.startswith("g")]
        if names:
            self.lines.append(f"    del {', '.join(names)}")

    def add(self, a, b):
        out = self._let(f"{a} + {b}")
        self._free([a, b])
        return out

    def zeros(self, shape, dtype):
        return self._let(f"_zeros({self._const(shape)}, {self._const(dtype)})")

    def rule(self, j, grads):
        fn = self.plan.rules.get(j)
        if not fn or len(fn.nones) != len(self.plan.nodes[j][1]):
            raise _Unsettled(None if fn is None else False)
        self.env[f"B{j}"] = fn
        r = self._let(f"B{j}(C[{j}], [{', '.join('None' if g is None else g for g in grads)}])")
        self._free(grads)
        out = [None if none else self._let(f"{r}[{i}]") for i, none in enumerate(fn.nones)]
        self._free([r])
        return out

    def fit(self, j, g, shape, dtype):
        s, d = self._const(shape), self._const(dtype)
        self.lines.append(f"    if {g}.shape != {s} or {g}.dtype != {d}: {g} = _fit(C[{j}], {g}, {s}, {d})")
        return g

    @staticmethod
    def result(grads):
        return "(" + "".join(("None" if g is None else f"_T({g})") + ", " for g in grads) + ")"

    def function(self, result):
        src = "\n".join(self.lines + [f"    return {result}"])
        exec(compile(src, f"<ag.compile backward of {len(self.plan.nodes)} nodes>", "exec"), self.env)  # noqa: S102
        fn = self.env["bwd"]
        fn.source = src
        return fn


def _fit(node, g, shape, dtype):
    """``engine._fit`` on arrays (no graph is built here): the same ops' forwards, the same numbers."""
    if g.shape != shape:
        try:
            g = SumToShape.forward(SumToShape(), g, tuple(shape))
        except ValueError:
            raise wrong_shape(node, g.shape, shape) from None
    if g.dtype != dtype:
        g = ToDtype.forward(ToDtype(), g, np.dtype(dtype))
    return g


def _add(act, buffers, nodes, j, nr, g):
    grads = buffers.get(j)
    if grads is None:
        grads = buffers[j] = [None] * nodes[j][2]
    grads[nr] = g if grads[nr] is None else act.add(grads[nr], g)


def region_node(plan, ctxs, roots, targets, versions):
    """A CompiledBackward node for one replay: edges to the current target tensors."""
    node = CompiledBackward()
    edges = []
    for t in targets:
        d = t._data
        g = t._grad_fn
        edges.append(Edge(g, t._out_nr, d.shape, d.dtype) if g is not None else Edge(t, LEAF, d.shape, d.dtype))
    node._edges = edges
    node.needs_input_grad = (True,) * len(edges)
    node._saved = ctxs
    node.plan = plan
    node._roots = roots
    node.versions = versions
    return node
