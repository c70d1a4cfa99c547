"""Replay: a verified ``Tape`` turned into straight-line array code.

``build(tape, externals, plan)`` writes one Python function whose body has
one line per recorded op, ``v7 = F3(c, v2, v5)`` (``F3`` the op's own
``forward``): each runs on numpy arrays (``cls._arrays``), with a fresh
``ctx`` per op and no Tensor, graph edge or observer test in between.
Externals (parameters, buffers) are read fresh from their tensors at every
call (an optimizer's in-place update is seen), after their guards, written
out as code; recorded copy steps write running statistics back. Random ops
that draw inside ``forward`` (rrelu) draw fresh numbers, from the same
generator. The function ends by wrapping the result: one Tensor per output,
and, when the recording has a backward structure and grad mode is on, one
graph node for the outputs that require grad (``region.CompiledBackward``,
holding the ops' ctxs).
"""
import numpy as np

from ..function import SAVED_CONSTANT
from ..grad_mode import _state, no_grad
from ..tensor import Tensor
from .capture import _slots_of
from .region import region_node
from .source import _arr, _view, assign, expr


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


MISS = object()  # what a replay returns when a guard on a tensor read from outside fails


def _guard_lines(tape, externals):
    """Read every external's array into its slot; for a tensor read from outside (not a replay's
    own constant), return MISS unless it has the shape, dtype and requires_grad it was recorded
    with, no hooks and no forward-mode tangent (the dtype compared by identity first: numpy's
    builtin dtypes are shared)."""
    lines, env = [], {}
    for k, (s, t, const) in enumerate(zip(tape.ext_slot, externals, tape.constant)):
        if const:
            lines.append(f"    v{s} = E[{k}]._data")
            continue
        env[f"S{k}"], env[f"D{k}"] = t._data.shape, t._data.dtype
        lines += [f"    e = E[{k}]", f"    v{s} = e._data",
                  f"    if (v{s}.shape != S{k} or (v{s}.dtype is not D{k} and v{s}.dtype != D{k})"
                  f" or e._requires_grad != {bool(t._requires_grad)} or e._hooks or e._tangent is not None):",
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


def _tensor(tape, s):
    """Source text of the tensor of slot ``s``, an argument or an external."""
    return f"I[{s}]" if s < tape.n_inputs else f"E[{tape.ext_slot.index(s)}]"


def _node_lines(tape, plan, env, result_lines, roots):
    """Make the region's graph node (``region_node``): edges to the gradient targets, and the
    version of every argument and external its ops read (checked by its backward)."""
    read = sorted(set(plan.targets) | {s for j in tape.nodes for s in _slots_of(tape.steps[j][1])})
    read = [_tensor(tape, s) for s in read if s < tape.n_inputs or s in tape.ext_slot]
    env["P"], env["R"], env["_region"] = plan, tuple(roots), region_node
    lines = [f"    _node = _region(P, C, R, [{', '.join(_tensor(tape, s) for s in plan.targets)}], "
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
        for dst, bump in tape.copies.get(j, ()):
            if dst is not None:
                lines.append(f"    _copyto(v{dst}, v{outs[0]}, casting='same_kind')")
            if bump is not None:
                lines.append(f"    {_tensor(tape, bump)}._vc[0] += 1")
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
