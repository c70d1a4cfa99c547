"""Backward rules as array code, where that is provably the rule.

An op's ``backward`` is written with Tensor operations. While the replayed
region runs a node's rule (``replay.Plan``), ``RuleRecorder`` records, through
the same observers as the forward capture, the op calls the rule makes. Every
array an op receives must be accounted for *by identity*: a gradient given
to the rule, an item the forward saved on its ctx (``ctx._saved``), an
attribute of the ctx, or the output of an earlier op of the rule; tuples, floats
and numpy scalars that are ctx attributes are read from the ctx too (``_by_identity``;
ints are interned, so an int stays a constant of the rule). The rule's results
must be such arrays as well. Anything else (an array the rule computed on
``._data`` outside ops, such as ReLU's mask; a value read into Python; a
random draw; an in-place write; a user Function) leaves the node's rule to
run as it is, always. Two recordings of the node on two calls must agree
(the same ops, the same constants) before ``build_rule`` turns it into one
generated function ``bwd(ctx, G)`` of arrays, with no Tensor per op.
"""
import ast
import functools
import inspect
import linecache
import types

import numpy as np

from ..function import Function
from ..observers import observe_calls, observe_reads
from ..random import default_generator
from ..tensor import Tensor
from .source import _arr, assign, expr
from .verify import _same_spec

_CTX_FIELDS = {"_saved", "_to_save", "_edges", "needs_input_grad", "_out_meta", "_trace", "_freed"}


_LAYOUT = frozenset({"shape", "dtype", "ndim", "size", "flags", "strides", "itemsize"})
_TO_PYTHON = frozenset({"item", "tolist", "any", "all", "numpy", "nonzero"})  # methods giving values to Python
_NP_VALUES = frozenset({"any", "all", "isnan", "isfinite", "count_nonzero", "nonzero", "flatnonzero", "argwhere",
                        "unique", "bincount", "array_equal", "allclose"})  # numpy functions of the same kind


def _op_call(call, fn):
    """Whether ``call`` is ``Cls.apply(...)`` or ``Cls.call(...)`` of an op class ``fn`` can name."""
    f = call.func
    if not (isinstance(f, ast.Attribute) and f.attr in ("apply", "call") and isinstance(f.value, ast.Name)):
        return False
    name, free = f.value.id, fn.__code__.co_freevars
    try:
        cls = fn.__closure__[free.index(name)].cell_contents if name in free else fn.__globals__.get(name)
    except ValueError:  # an empty cell
        return False
    return isinstance(cls, type) and issubclass(cls, Function)


def _reads(node, parent, fn):
    """Whether ``node`` (its parent ``parent``) may read values into Python (see ``reads_values``)."""
    if isinstance(node, ast.Attribute) and node.attr == "_data":
        layout = isinstance(parent, ast.Attribute) and parent.attr in _LAYOUT
        handed = isinstance(parent, ast.Call) and node in parent.args and _op_call(parent, fn)
        return not (layout or handed)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        f = node.func
        np_call = isinstance(f.value, ast.Name) and f.value.id in ("np", "numpy")
        return f.attr in _NP_VALUES if np_call else f.attr in _TO_PYTHON
    return False


def _tree(fn):
    """The syntax tree of ``fn``: its definition (or lambda) in its module's source, or None."""
    code = getattr(fn, "__code__", None)
    try:
        tree = _module_tree(inspect.getsourcefile(fn))
    except (OSError, TypeError, SyntaxError):
        return None
    found = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
             and min([n.lineno] + [d.lineno for d in getattr(n, "decorator_list", ())]) == code.co_firstlineno
             and getattr(n, "name", "<lambda>") == code.co_name]
    if not found:
        return None
    return ast.Module(body=[ast.Expr(n) if isinstance(n, ast.Lambda) else n for n in found], type_ignores=[])


@functools.cache
def _module_tree(filename):
    return ast.parse("".join(linecache.getlines(filename)))


def reads_values(fn, depth=3, seen=None):
    """Whether the source of ``fn``, or of a function of its module that it names (``depth``
    levels), may look at values in Python: ``._data`` other than its layout (shape, dtype,
    strides...) or than an argument handed as it is to an op (``Op.apply(g, x._data)``: the
    recorder checks that the op gets a saved array itself, and the replay hands it the same
    array), so any computation on it, ``bool``/``int``/``float`` of it, a comparison, a slice;
    ``.item()``, ``.tolist()``, ``.any()``, ``.nonzero()`` of anything (an array kept on the ctx);
    ``np.all``, ``np.nonzero``, ``np.unique``... (reads of a Tensor's values, ``item()``,
    ``bool(t)``, are seen when they happen, through ``observe_reads``). Its control flow or
    the constants it hands to ops could then depend on data that two recordings did not see,
    so its rule is never replayed as array code. Source that cannot be read counts as reading
    (all the lambdas on the line of a lambda are read)."""
    seen = set() if seen is None else seen
    fn = getattr(fn, "__func__", fn)
    if id(fn) in seen:
        return False
    seen.add(id(fn))
    code = getattr(fn, "__code__", None)
    tree = None if code is None else _tree(fn)
    if tree is None:
        return True
    if any(_reads(node, parent, fn) for parent in ast.walk(tree) for node in ast.iter_child_nodes(parent)):
        return True
    if depth == 0:
        return False
    g = getattr(fn, "__globals__", {})
    inner = [c for c in (cell.cell_contents for cell in fn.__closure__ or ()) if isinstance(c, types.FunctionType)]
    named = [g[n] for n in code.co_names if isinstance(g.get(n), types.FunctionType)]
    return any(reads_values(f, depth - 1, seen) for f in inner + named)


def rule_reads_values(cls):
    """``reads_values`` for the rule ``cls.backward`` runs (and ``derivative`` for Elementwise ops)."""
    fns = [cls.backward] + ([cls.derivative] if hasattr(cls, "derivative") else [])
    return any(reads_values(f) for f in fns)


class NotArrayCode(Exception):
    """The rule cannot be replayed as array code (the reason names the op)."""


def _by_identity(v):
    """Whether ``v`` is found among the ctx's attributes by identity: arrays, tuples and lists, and the
    floats and numpy scalars a forward keeps (``nll_loss``'s 'mean' denominator, the weight of the
    targets not ignored: a number of each call's data). Python ints, bools and strings are interned
    (the same object as a literal of the rule's), so those stay constants of the rule."""
    t = type(v)
    return t in (np.ndarray, tuple, list, float) or (isinstance(v, np.generic) and t is not np.bool_)


class RuleRecorder:
    """Records one call of ``ctx.backward(ctx, *grads)`` (see the module docstring)."""

    def __init__(self, ctx, grads):
        self.ctx = ctx
        self.failure = None
        if rule_reads_values(type(ctx)):
            self.failure = f"{ctx.name()}: its rule's source may look at values (._data, .any(), ...)"
        self.known = {}  # id(object) -> source
        for i, g in enumerate(grads):
            if g is not None:
                self.known[id(g)] = ("g", i)
                self.known.setdefault(id(g._data), ("g", i))
        for k, (_, obj, _, _) in enumerate(ctx._saved or ()):
            if isinstance(obj, np.ndarray):
                self.known.setdefault(id(obj), ("saved", k))
            elif isinstance(obj, Tensor):
                self.known.setdefault(id(obj._data), ("savedT", k))
        for name, v in vars(ctx).items():
            if name not in _CTX_FIELDS and _by_identity(v):
                self.known.setdefault(id(v), ("attr", name))
        self.steps = []
        self.seen = []  # (tensor, version counter, version): an in-place write fails the recording
        self.n = 0
        self.rng = default_generator._rng.bit_generator.state["state"]

    def source(self, a, cls):
        if isinstance(a, Tensor):
            self.seen.append((a, a._vc, a._vc[0]))
            s = self.known.get(id(a)) or self.known.get(id(a._data))
            if s is None:
                raise NotArrayCode(f"{cls}: a tensor made outside ops in the rule")
            return s
        s = self.known.get(id(a)) if _by_identity(a) else None
        if s is not None:
            return s
        if isinstance(a, np.ndarray):
            raise NotArrayCode(f"{cls}: an array computed outside ops in the rule")
        if type(a) in (list, tuple):
            items = [self.source(x, cls) for x in a]
            return ("q", type(a), items) if any(i[0] != "c" for i in items) else ("c", a)
        return ("c", a.item() if isinstance(a, np.generic) else a)

    def on_call(self, cls, args):
        if self.failure is not None:
            return None
        try:
            if not cls._arrays:
                raise NotArrayCode(f"{cls.__name__}: a user Function in the rule")
            spec = tuple(self.source(a, cls.__name__) for a in args)
        except NotArrayCode as e:
            self.failure = str(e)
            return None

        def done(out):
            outs = out if isinstance(out, tuple) else (out,)
            slots = []
            for o in outs:
                self.known[id(o)] = ("b", self.n)
                self.known.setdefault(id(o._data), ("b", self.n))
                self.seen.append((o, o._vc, o._vc[0]))
                slots.append(self.n)
                self.n += 1
            self.steps.append((cls, spec, tuple(slots), isinstance(out, tuple)))

        return done

    def on_read(self, t, what):
        self.failure = self.failure or f"{what}() read values into Python in the rule"

    def record(self, grads):
        """Run the rule while recording; return its results (as the rule returned them)."""
        with observe_calls(self.on_call), observe_reads(self.on_read):
            results = self.ctx.backward(self.ctx, *grads)
        if default_generator._rng.bit_generator.state["state"] != self.rng:
            self.failure = self.failure or "random numbers drawn in the rule"
        if any(vc[0] != v for _, vc, v in self.seen):
            self.failure = self.failure or "an in-place write in the rule"
        out = results if type(results) is tuple else (results,)
        try:
            self.results = tuple(None if r is None else self.source(r, "result") for r in out)
            if any(r is not None and r[0] not in ("g", "saved", "savedT", "attr", "b") for r in self.results):
                raise NotArrayCode("a result that is not an array of the rule")
        except NotArrayCode as e:
            self.failure = self.failure or str(e)
        return results

    def same_as(self, other):
        return (len(self.steps) == len(other.steps) and self.results == other.results
                and all(a[0] is b[0] and a[2:] == b[2:] and len(a[1]) == len(b[1])
                        and all(_same_spec(x, y) for x, y in zip(a[1], b[1])) for a, b in zip(self.steps, other.steps)))


def build_rule(rec):
    """The generated ``bwd(c, G)`` of a verified recording: its results as arrays (or None in the
    places ``bwd.nones`` marks: the same on every call)."""
    env = {"_arr": _arr, "_nd": np.ndarray}
    lines = ["def bwd(c, G):", "    S = c._saved"]
    for j, (cls, spec, outs, multi) in enumerate(rec.steps):
        env[f"K{j}"] = cls
        call = f"K{j}.forward(K{j}(), {', '.join(expr(sp, env, f'A{j}_{n}') for n, sp in enumerate(spec))})"
        lines.extend(assign("b", outs, multi, call))
    res = ", ".join("None" if r is None else expr(r, env, "R") for r in rec.results)
    lines.append(f"    return ({res},)")
    src = "\n".join(lines)
    exec(compile(src, f"<ag.compile backward rule of {rec.ctx.name()}>", "exec"), env)  # noqa: S102 -- generated above
    fn = env["bwd"]
    fn.source = src
    fn.nones = tuple(r is None for r in rec.results)
    return fn
