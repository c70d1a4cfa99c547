"""Evaluation traces (Wengert lists): ``ag.trace(f, *inputs)``.

A function made of autograd_core operations is, at a given input, a list of
elementary steps (Griewank's evaluation trace; lecture notes 004):

    v_{1-n} … v_0 = x_1 … x_n                 (inputs)
    v_i = φ_i(v_j, v_k, constants)            (intermediates, i = 1 … l)
    y = v_l

``trace`` runs ``f`` once recording every top-level op call (the op, its
arguments and its output values), then walks the graph from the outputs
through the nodes' edges to keep the steps ``y`` depends on. Steps are
numbered by depth (longest path from the inputs), ties in evaluation order,
which is the lecture's numbering. The trace holds three tables:

- forward primal trace: each v_i with its op and value;
- forward tangent trace: v̇_i = Σ ∂φ_i/∂v_j · v̇_j for a seed direction ẋ,
  computed by running ``f`` again on ``ag.forward.dual`` inputs;
- reverse adjoint trace: from v̄_l = ȳ down to the inputs, each step
  v̄_j += v̄_i · ∂φ_i/∂v_j with its value (the vector-Jacobian product of that
  one op, by the engine's reverse mode); ``Variable.adjoint`` holds the total
  from one ``backward`` through the whole graph (``retain_grad``).

Recording (``record.py``) subscribes to the op calls of the calling thread
(``observers.observe_calls``) while ``f`` runs; recordings nest and run in
several threads at once. ``f`` must be deterministic: the tangent run must
make the same op calls.
"""
import numpy as np

from .. import formatting as F
from ..engine import backward as _backward
from ..engine import grad as _grad
from ..forward import dual
from ..grad_mode import enable_grad, no_grad
from ..graph import reachable
from ..tensor import Tensor
from . import render as R
from .record import alias, as_leaf, directions, key, recording

__all__ = ["trace", "Trace", "Variable", "AdjointStep"]


def trace(f, *inputs, seed=None, adjoint_seed=None):
    """The evaluation trace of ``f`` at ``inputs`` (Tensors, arrays or numbers;
    numbers and integer data become float64). ``seed``: the tangent direction
    ẋ, one entry per input (default: 1 on the first element of the first
    input). ``adjoint_seed``: ȳ, one entry per output (default: 1 for a
    scalar output; otherwise 1 on the first element of the first output).
    ``trace(A)`` of a matrix Tensor is PyTorch's ``torch.trace``: Σ A_ii."""
    if isinstance(f, Tensor) and not inputs:
        return f.trace()
    return Trace(f, inputs, seed, adjoint_seed)


class Variable:
    """One line v_i of the Wengert list: ``index``, ``op`` (op class name, None
    for inputs), ``operands`` (v-indices), ``constants`` ((slot, value) pairs),
    ``expr``/``tangent_expr`` (the rules as text), ``value``, ``tangent``,
    ``adjoint``."""

    def __init__(self, index, name, op=None, call=None, nr=0, slots=(), depth=0):
        self.index, self.name, self.op = index, name, op
        self._call, self._nr, self._slots, self._depth = call, nr, slots, depth
        self.operands, self.constants = (), ()
        self.expr = self.tangent_expr = None
        self.value = self.tangent = self.adjoint = None

    def __repr__(self):
        return f"<{R.vname(self.index)} = {self.expr or self.name} = {F.fmt_value(self.value)}>"


class AdjointStep:
    """One step v̄_target (+)= v̄_source · ∂v_source/∂v_target of the reverse
    sweep: ``term`` is the product, ``value`` the adjoint after the step;
    ``source`` is None for the seeds ȳ."""

    def __init__(self, target, source, accumulate, rhs, term, value):
        self.target, self.source, self.accumulate = target, source, accumulate
        self.rhs, self.term, self.value = rhs, term, value

    @property
    def text(self):
        return f"{R.vname(self.target, R.BAR)} {'+=' if self.accumulate else '='} {self.rhs}"

    def __repr__(self):
        return f"<{self.text}: {F.fmt_value(self.value)}>"


class Trace:
    """The evaluation trace of a function; ``trace[i]`` is the Variable v_i
    (i from 1-n to l). Print it, or use ``to_markdown()`` / ``_repr_html_()``."""

    precision = 3

    def __init__(self, f, inputs, seed=None, adjoint_seed=None):
        if not callable(f):
            raise TypeError(f"trace: f must be callable, got {type(f).__name__}")
        if not inputs:
            raise ValueError("trace: give at least one input")
        self.fname = getattr(f, "__name__", "f").strip("<>").replace("lambda", "f")
        leaves = [as_leaf(x, k) for k, x in enumerate(inputs)]
        n = len(leaves)
        tape = []
        with enable_grad(), recording(tape):
            out = f(*leaves)
        outs = list(out) if isinstance(out, (tuple, list)) else [out]
        for k, o in enumerate(outs):
            if not isinstance(o, Tensor) or o.dtype.kind != "f":
                raise TypeError(f"trace: f must return a floating point Tensor or a tuple of them; "
                                f"output {k} is {o!r:.60}")
        self.inputs = [Variable(i - n + 1, t.name) for i, t in enumerate(leaves)]
        kmap = {id(t): v for t, v in zip(leaves, self.inputs)}
        for t, v in zip(leaves, self.inputs):
            v.value = np.array(t._data)
        self.intermediates = self._steps(tape, kmap, reachable(outs))
        self.variables = self.inputs + self.intermediates
        self.outputs = []
        for k, o in enumerate(outs):
            v = kmap.get(key(o))
            if v is None:
                raise ValueError(f"trace: output {k} of f does not depend on its inputs")
            self.outputs.append(v.index)
        self._names(tape)
        self.seed = directions(seed, [v.value for v in self.inputs], "seed", "input")
        self._tangents(f, tape)
        self.adjoint_seed = directions(adjoint_seed, [self[i].value for i in self.outputs],
                                        "adjoint_seed", "output")
        self._adjoints(leaves, outs)

    def __getitem__(self, i):
        n = len(self.inputs)
        if not isinstance(i, (int, np.integer)) or not 1 - n <= i <= len(self.intermediates):
            raise IndexError(f"trace: no variable v_{i}; indices run from {1 - n} to "
                             f"{len(self.intermediates)}")
        return self.variables[i + n - 1]

    def __len__(self):
        return len(self.variables)

    def __iter__(self):
        return iter(self.variables)

    # -- building -------------------------------------------------------------
    def _steps(self, tape, kmap, reach):
        """The recorded calls the outputs depend on, as Variables numbered by depth."""
        steps = []
        for pos, c in enumerate(tape):
            for nr, out_key in enumerate(c.out_keys):
                if out_key not in reach:  # not a step of the outputs (or not differentiable)
                    continue
                slots = tuple(j for j, ak in enumerate(c.keys) if ak is not None and ak in kmap)
                if not slots:  # computed from constants only: a constant
                    continue
                operands = tuple(kmap[c.keys[j]] for j in slots)  # Variables until numbered
                v = Variable(None, None, c.cls.__name__, c, nr, slots,
                             1 + max(u._depth for u in operands))
                v._pos, v.value, v.operands = pos, c.values[nr], operands
                kmap[out_key] = v
                steps.append(v)
        steps.sort(key=lambda v: (v._depth, v._pos, v._nr))
        for i, v in enumerate(steps, 1):
            v.index, v.name = i, R.vname(i)
        for v in steps:
            v.operands = tuple(u.index for u in v.operands)
        return steps

    def _names(self, tape):
        """Display names of each call's arguments and the primal rules."""
        self.constants = []
        const_names = {}
        for v in self.intermediates:
            c = v._call
            names, consts = [], []
            for k, a in enumerate(c.args):
                if k in v._slots:
                    names.append(R.vname(v.operands[v._slots.index(k)]))
                    consts.append(None)
                elif isinstance(a, Tensor):
                    arr = c.arrays[k]
                    consts.append(arr)
                    if arr.size == 1:
                        names.append(F.fmt_constant(arr, self.precision))
                    else:
                        if id(a) not in const_names:
                            const_names[id(a)] = a.name or f"c{len(const_names) + 1}"
                            self.constants.append((R.input_name(const_names[id(a)]), arr))
                        names.append(R.input_name(const_names[id(a)]))
                else:
                    consts.append(a)
                    number = isinstance(a, (int, float, np.number)) and not isinstance(a, bool)
                    names.append(F.fmt_constant(a, self.precision) if number else repr(a))
            v._names, v._consts = names, consts
            v.constants = tuple((k, x) for k, x in enumerate(consts) if k not in v._slots)
            shown = list(consts)
            if v.op in ("Sum", "Mean") and consts[1] == tuple(range(c.arrays[0].ndim)) and not consts[2]:
                shown[1] = None  # a full reduction: sum(v) rather than sum(v, dim=(0, 1))
            v.expr = R.primal_text(v.op, names, shown, len(c.outputs), v._nr)
            v.tangent_expr = R.join_terms(R.tangent_terms(v.op, names, v._slots, R.vname(v.index), shown,
                                                          len(c.outputs), v._nr))

    def _tangents(self, f, tape):
        """Forward mode: run f on dual inputs and read each step's output tangent."""
        tape2 = []
        duals = [dual(Tensor(np.array(v.value)), s) for v, s in zip(self.inputs, self.seed)]
        try:
            with no_grad(), recording(tape2):
                f(*duals)
        except NotImplementedError as e:
            raise NotImplementedError(f"trace: the tangent trace runs f in forward mode: {e}") from None
        if [c.cls for c in tape2] != [c.cls for c in tape]:
            raise RuntimeError("trace: f made different op calls on dual inputs (forward mode) than on "
                               "the first run; f must be deterministic")
        for v, s in zip(self.inputs, self.seed):
            v.tangent = s
        for v in self.intermediates:
            t = tape2[v._pos].tangents[v._nr]
            v.tangent = np.zeros_like(v.value) if t is None else t

    def _adjoints(self, leaves, outs):
        """Reverse mode: total adjoints from one backward (retain_grad on every
        step), and the sweep step by step, one op's vector-Jacobian product each."""
        aliases = [alias(v) for v in self.intermediates]
        # only the trace's own leaves accumulate: tensors f closes over keep their .grad
        _backward(outs, [Tensor(s) for s in self.adjoint_seed], inputs=leaves)
        for v, a in zip(self.intermediates, aliases):
            g = a.grad
            v.adjoint = np.zeros_like(v.value) if g is None else np.array(g._data)
        for v, t in zip(self.inputs, leaves):
            v.adjoint = np.zeros_like(v.value) if t.grad is None else np.array(t.grad._data)
        self.steps = []
        acc = {}

        def add(i, source, rhs, term):
            first = i not in acc
            acc[i] = np.array(term) if first else acc[i] + term
            self.steps.append(AdjointStep(i, source, not first, rhs, np.array(term), np.array(acc[i])))

        m = len(self.outputs)
        for k, (i, s) in enumerate(zip(self.outputs, self.adjoint_seed)):
            add(i, None, R.output_name(k, m, R.BAR), s)
        for v in reversed(self.intermediates):
            g = acc.get(v.index, np.zeros_like(v.value))
            c = v._call
            wrt = {k: Tensor(np.array(c.arrays[k]), requires_grad=True) for k in v._slots}
            args = [wrt[k] if k in wrt else Tensor(c.arrays[k]) if c.arrays[k] is not None else a
                    for k, a in enumerate(c.args)]
            with enable_grad():
                out = c.cls.apply(*args)
            out = out[v._nr] if isinstance(out, tuple) else out
            grads = _grad(out, list(wrt.values()), Tensor(np.asarray(g, dtype=out.dtype)), allow_unused=True)
            y, gname = R.vname(v.index), R.vname(v.index, R.BAR)
            for k, i, gk in zip(v._slots, v.operands, grads):
                term = np.zeros_like(self[i].value) if gk is None else gk._data
                add(i, v.index, R.adjoint_term(v.op, v._names, k, y, gname, v._consts), term)
        self._swept = acc

    # -- output ---------------------------------------------------------------
    def _sections(self):
        p = self.precision
        fv = lambda a: F.fmt_value(a, p)  # noqa: E731
        m = len(self.outputs)
        primal = [(name, "=", "constant", fv(a), None) for name, a in self.constants]
        primal += [(R.vname(v.index), "=", R.input_name(v.name), fv(v.value), None) for v in self.inputs]
        primal += [(R.vname(v.index), "=", v.expr, fv(v.value), None) for v in self.intermediates]
        primal += [(R.output_name(k, m), "=", R.vname(i), fv(self[i].value), None)
                   for k, i in enumerate(self.outputs)]
        tangent = [(R.vname(v.index, R.DOT), "=", R.input_name(v.name, R.DOT), fv(v.tangent), None)
                   for v in self.inputs]
        tangent += [(R.vname(v.index, R.DOT), "=", v.tangent_expr, fv(v.tangent), None)
                    for v in self.intermediates]
        tangent += [(R.output_name(k, m, R.DOT), "=", R.vname(i, R.DOT), fv(self[i].tangent), None)
                    for k, i in enumerate(self.outputs)]
        adjoint = [(R.vname(s.target, R.BAR), "+=" if s.accumulate else "=", s.rhs, fv(s.value),
                    fv(s.term) if s.accumulate else None) for s in self.steps]
        adjoint += [(R.input_name(v.name, R.BAR), "=", R.vname(v.index, R.BAR),
                     fv(self._swept.get(v.index, v.adjoint)), None) for v in self.inputs]
        seed_t = ", ".join(f"{R.input_name(v.name, R.DOT)} = {fv(s)}" for v, s in zip(self.inputs, self.seed))
        seed_a = ", ".join(f"{R.output_name(k, m, R.BAR)} = {fv(s)}" for k, s in enumerate(self.adjoint_seed))
        return [("Forward primal trace", primal), (f"Forward tangent trace ({seed_t})", tangent),
                (f"Reverse adjoint trace ({seed_a})", adjoint)]

    def _title(self):
        return f"Evaluation trace of {self.fname}({', '.join(R.input_name(v.name) for v in self.inputs)})"

    def __str__(self):
        return R.to_text(self._title(), self._sections())

    __repr__ = __str__

    def to_markdown(self):
        """The three tables as Markdown."""
        return R.to_markdown(self._title(), self._sections())

    def _repr_html_(self):
        return R.to_html(self._title(), self._sections())
