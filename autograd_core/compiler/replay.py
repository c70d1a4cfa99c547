"""Replay: a verified ``Tape`` turned into straight-line array code.

``build(tape)`` writes one Python function whose body has one line per
recorded op, ``v7 = K3.forward(c3, v2, v5)``: each op's own ``forward`` runs
on numpy arrays (``cls._arrays``), with a fresh ``ctx`` per op and no Tensor,
graph edge or observer test in between. Externals (parameters, buffers) are
read fresh from their tensors at every call (an optimizer's in-place update
is seen); recorded copy steps write running statistics back. Random ops that
draw inside ``forward`` (rrelu) draw fresh numbers, from the same generator.

When the recording has a backward structure and grad mode is on, the result
tensors share one graph node, ``CompiledBackward``, whose edges lead to the
gradient targets (the arguments and the external leaves that require grad).
Its ``backward`` replays the engine's own algorithm (``engine.py``: readiness
counts, the same LIFO order, the same summation order of gradients, the same
fitting of shapes and dtypes) over the recorded nodes, calling each op's own
``backward`` rule with the ctx its forward replay filled, so the gradients
are the eager ones bit for bit.
"""
import numpy as np

from ..engine import wrong_shape
from ..function import SAVED_CONSTANT, Function
from ..grad_mode import _state, no_grad
from ..graph import LEAF, Edge, dependencies
from ..ops.broadcast import SumToShape
from ..ops.convert import ToDtype
from ..tensor import Tensor
from .backward import RuleRecorder, build_rule
from .capture import _slots_of


def _arr(o):
    return o if type(o) is np.ndarray else np.asarray(o)


def _user_forward(cls, ctx, args):
    """A user Function (Tensors in and out): its forward under no_grad, outputs as arrays."""
    with no_grad():
        out = cls.forward(ctx, *[Tensor(a) if type(a) is np.ndarray else a for a in args])
    if isinstance(out, tuple):
        return tuple(_arr(o._data if isinstance(o, Tensor) else o) for o in out)
    return _arr(out._data if isinstance(out, Tensor) else out)


def _saved(ctx):
    """Pack ``ctx``'s saved items for its backward rule (all as constants:
    their version checks are made once for the whole region, see ``CompiledBackward``)."""
    items = ctx._to_save
    ctx._saved = [(SAVED_CONSTANT, x, None, None) for x in items]
    ctx._to_save = ()


def _view(a, shape, strides):
    return np.lib.stride_tricks.as_strided(a, shape, strides)


_REFS = {"s": "v{0}", "v": "_view(v{0}, {1!r}, {2!r})",  # forward: a slot, a view of a slot
         "g": "G[{0}]", "saved": "S[{0}][1]", "savedT": "S[{0}][1]._data", "attr": "c.{0}", "b": "b{0}"}  # rules


def expr(sp, env, name):
    """Source text of a recorded argument: a reference (``_REFS``), a tuple or list of them
    (``('q', type, items)``), or a constant put into ``env`` as ``name``."""
    kind = sp[0]
    if kind == "q":
        items = ", ".join(expr(x, env, f"{name}_{i}") for i, x in enumerate(sp[2]))
        return f"({items},)" if sp[1] is tuple else f"[{items}]"
    if kind == "c":
        env[name] = sp[1]
        return name
    return _REFS[kind].format(*sp[1:])


def assign(prefix, outs, multi, call):
    """Source lines giving the output slots ``outs`` (named ``prefix`` + number) the arrays of ``call``
    (``_arr`` called only on what is not an ndarray: a scalar a reduction returned)."""
    names = [f"{prefix}{s}" for s in outs]
    first = f"    {names[0]} = {call}" if not multi else f"    {', '.join(names)}, = {call}"
    return [first] + [f"    if {n}.__class__ is not _nd: {n} = _arr({n})" for n in names]


MISS = object()  # what a replay returns when a guard on a tensor read from outside fails


def _guard_lines(tape, externals):
    """Read every external's array into its slot; for a tensor read from outside (not a replay's
    own constant), return MISS unless it has the shape, dtype and requires_grad it was recorded
    with and no hooks (the dtype compared by identity first: numpy's builtin dtypes are shared)."""
    lines, env = [], {}
    for k, (s, t, const) in enumerate(zip(tape.ext_slot, externals, tape.constant)):
        if const:
            lines.append(f"    v{s} = E[{k}]._data")
            continue
        env[f"S{k}"], env[f"D{k}"] = t._data.shape, t._data.dtype
        lines += [f"    e = E[{k}]", f"    v{s} = e._data",
                  f"    if (v{s}.shape != S{k} or (v{s}.dtype is not D{k} and v{s}.dtype != D{k})"
                  f" or e._requires_grad != {bool(t._requires_grad)} or e._hooks):",
                  "        return _MISS"]
    return lines, env


def _result_expr(spec, tape, env, lines, name, roots):
    """Source text of the call's result (``capture._structure``): an op's output wrapped once in
    a Tensor per slot, an argument or a parameter itself, a per-call constant copied. ``roots``
    (None when the replay makes no graph node) gets ``('n', step, nr)`` for each output that
    requires grad, in the order they are met; that output's node is ``_node``, output number
    its place in ``roots``."""
    kind, v = spec
    if kind == "const":
        env[name] = v
        return name
    if kind in ("list", "tuple", "dict"):
        items = [_result_expr(x[1] if kind == "dict" else x, tape, env, lines, f"{name}_{i}", roots)
                 for i, x in enumerate(v)]
        if kind == "dict":
            for i, (k, _) in enumerate(v):
                env[f"{name}_k{i}"] = k
            return "{" + ", ".join(f"{name}_k{i}: {x}" for i, x in enumerate(items)) + "}"
        return f"[{', '.join(items)}]" if kind == "list" else f"({''.join(x + ', ' for x in items)})"
    if v < tape.n_inputs:
        return f"I[{v}]"
    if v in tape.ext_slot:
        k = tape.ext_slot.index(v)
        return f"_T(v{v}.copy())" if tape.constant[k] else f"E[{k}]"
    line = f"    o{v} = _T(v{v})"
    if line not in lines:
        lines.append(line)
        if roots is not None and tape.out_requires[v]:
            step = next(j for j, st in enumerate(tape.steps) if v in st[2])
            lines.append(f"    o{v}._requires_grad, o{v}._grad_fn, o{v}._out_nr = True, _node, {len(roots)}")
            roots.append(("n", step, tape.steps[step][2].index(v)))
    return f"o{v}"


def _node_lines(tape, plan, env, result_lines, roots):
    """Make the region's graph node (``region_node``): edges to the gradient targets, and the
    version of every argument and external its ops read (checked by its backward)."""
    def tensor(s):
        return f"I[{s}]" if s < tape.n_inputs else f"E[{tape.ext_slot.index(s)}]"

    read = sorted(set(plan.targets) | {s for j in tape.nodes for s in _slots_of(tape.steps[j][1])})
    read = [tensor(s) for s in read if s < tape.n_inputs or s in tape.ext_slot]
    env["P"], env["R"], env["_region"] = plan, tuple(roots), region_node
    lines = [f"    _node = _region(P, C, R, [{', '.join(tensor(s) for s in plan.targets)}], "
             f"[{', '.join(f'({t}._vc, {t}._vc[0])' for t in read)}])"]
    if len(roots) > 1:
        meta = ", ".join(f"(v{tape.steps[j][2][nr]}.shape, v{tape.steps[j][2][nr]}.dtype)" for _, j, nr in roots)
        result_lines.append(f"    _node._out_meta = [{meta}]")
    return lines


def build(tape, externals, plan):
    """The replay function ``run(I, E)`` of ``tape`` (``I`` the call's tensors, ``E`` the
    externals): its result, or MISS when a guard fails (``_guard_lines``). With a ``plan``
    (the recording has a backward and grad mode is on) the outputs that require grad share one
    ``CompiledBackward`` node holding the ops' ctxs; without one no ctx is kept."""
    guards, env = _guard_lines(tape, externals)
    env.update({"_view": _view, "_arr": _arr, "_nd": np.ndarray, "_user": _user_forward, "_saved": _saved,
                "_st": _state, "_copyto": np.copyto, "_MISS": MISS, "_T": Tensor})
    lines = ["def run(I, E):", *guards]
    for i in range(tape.n_inputs):
        lines.append(f"    v{i} = I[{i}]._data")
    if plan is not None:
        lines.append(f"    C = [None] * {len(tape.steps)}")
    mode = tape.entry_grad
    for j, (cls, spec, outs, grad, multi) in enumerate(tape.steps):
        env[f"K{j}"] = cls
        args = [expr(sp, env, f"A{j}_{n}") for n, sp in enumerate(spec)]
        if grad != mode:
            lines.append(f"    _st.grad = {grad}")
            mode = grad
        node = tape.nodes.get(j)
        lines.append(f"    c = K{j}()")
        if node is not None or not cls._arrays:
            env[f"N{j}"] = node[0] if node is not None else (False,) * len(spec)
            lines.append(f"    c.needs_input_grad = N{j}")
        if cls._arrays:
            env[f"F{j}"] = cls.forward
            call = f"F{j}(c, {', '.join(args)})"
        else:
            call = f"_user(K{j}, c, ({', '.join(args)},))"
        lines.extend(assign("v", outs, multi, call))
        if node is not None and plan is not None:
            lines.append(f"    _saved(c); C[{j}] = c")
        for dst, ext in tape.copies.get(j, ()):
            if dst is not None:
                lines.append(f"    _copyto(v{dst}, v{outs[0]}, casting='same_kind')")
            if ext is not None:
                lines.append(f"    E[{ext}]._vc[0] += 1")
    if tape.steps and mode != tape.entry_grad:
        lines.append(f"    _st.grad = {tape.entry_grad}")
    roots = None if plan is None else []
    result_lines = []
    result = _result_expr(tape.output, tape, env, result_lines, "R_", roots)
    if plan is not None:
        lines += _node_lines(tape, plan, env, result_lines, roots)
    lines += result_lines
    lines.append(f"    return {result}")
    src = "\n".join(lines)
    code = compile(src, f"<ag.compile replay of {len(tape.steps)} ops>", "exec")
    exec(code, env)  # noqa: S102 -- the source is generated above from the recorded op classes
    run = env["run"]
    run.source = src
    return run


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
                self.rules[j] = build_rule(rec, _arr, expr, assign)
        if type(results) is not tuple:
            results = (results,)
        return tuple(None if r is None else r._data if isinstance(r, Tensor) else np.asarray(r) for r in results)

    def run(self, ctxs, roots, gouts):
        """The engine's loop (``engine._run``) over the recorded nodes, on arrays."""
        nodes = self.nodes
        leaves = {}
        buffers = {}
        for root, g in zip(roots, gouts):
            if g is None:
                continue
            g = g._data
            if root[0] == "t":
                leaves[root[1]] = g if root[1] not in leaves else leaves[root[1]] + g
            else:
                _add(buffers, nodes, root[1], root[2], g)
        deps = self.dependencies(list(buffers))
        ready = [n for n in buffers if deps.get(n, 0) == 0]
        while ready:
            j = ready.pop()
            grads = buffers.pop(j, None)
            nig, edges, n_out, meta, materialize = nodes[j]
            results = None
            if grads is not None and any(g is not None for g in grads):
                if meta and materialize:
                    grads = [np.zeros(s, d) if g is None else g for g, (s, d) in zip(grads, meta)]
                ctx = ctxs[j]
                results = self.rule(j, ctx, grads)
                if len(results) != len(edges):
                    raise RuntimeError(f"function {ctx.name()} returned {len(results)} gradients; "
                                       f"expected {len(edges)} (one per input of forward)")
            for i, e in enumerate(edges):
                if e is None:
                    continue
                g = None if results is None else results[i]
                shape, dtype = e[-2], e[-1]
                if g is not None and (g.shape != shape or g.dtype != dtype):
                    g = _fit(ctx, g, shape, dtype)
                if e[0] == "t":
                    if g is not None:
                        t = e[1]
                        leaves[t] = g if t not in leaves else leaves[t] + g
                    continue
                child = e[1]
                if g is not None:
                    if child not in buffers and nodes[child][3] is None:
                        buffers[child] = [g]
                    else:
                        _add(buffers, nodes, child, e[2], g)
                d = deps[child] - 1
                deps[child] = d
                if d == 0:
                    ready.append(child)
        out = [None] * self.n_targets
        for s, g in leaves.items():
            out[self.target_index[s]] = Tensor(g)
        return tuple(out)


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


def _add(buffers, nodes, j, nr, g):
    grads = buffers.get(j)
    if grads is None:
        grads = buffers[j] = [None] * nodes[j][2]
    grads[nr] = g if grads[nr] is None else grads[nr] + g


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
