"""``Function``: one differentiable operation and, once applied, one node of
the graph.

A subclass states the maths of its op in three static methods:

- ``forward(ctx, *args)`` computes the output;
- ``backward(ctx, *grad_outputs)`` returns one gradient per input of
  ``forward`` (``None`` for non-tensors), written with Tensor operations, so
  that ``create_graph=True`` differentiates it again;
- ``jvp(ctx, *tangents)`` returns the output tangent (forward mode).

Built-in ops subclass ``Op``: their ``forward`` receives and returns numpy
arrays. User functions subclass ``Function`` as in PyTorch: ``forward``
receives and returns Tensors and runs with grad recording off.

``apply`` runs ``forward`` and, when grad recording is on and some input
requires grad, makes the ``ctx`` object the output's ``grad_fn``: it keeps
the edges to the inputs' nodes, the inputs' shapes and dtypes (the engine
sums broadcast gradients back to them), and the tensors saved for backward
with their version counters.
"""
import traceback

import numpy as np

from . import grad_mode as _grad_mode
from . import graph as _graph
from . import observers as _observers
from .grad_mode import _state, no_grad
from .graph import LEAF
from .tensor import Tensor, of_array

# What a saved item is (the first field of ``(kind, object, version counter, version)``):
SAVED_INPUT = 0  # an input tensor, still connected to its graph
SAVED_OUTPUT = 1  # an output of the node: ``(array, output_nr)``, reconnected to the node when unpacked
SAVED_CONSTANT = 2  # anything else computed in forward (an array or a plain value)

_call_observers = _observers.call_observers  # non-empty while some thread records op calls
# numpy's names used on every op, bound once: numpy's module ``__getattr__`` keeps Python from
# caching attribute reads on it (about 300 instructions each, measured with callgrind)
_ndarray, _generic, _asarray = np.ndarray, np.generic, np.asarray
_FLOAT_SCALARS = frozenset({np.float16, np.float32, np.float64})


class AccumulateGrad:
    """The node at a leaf of the graph: it accumulates into ``variable.grad``.
    Shown by ``next_functions``; the engine accumulates into leaves directly."""

    def __init__(self, variable):
        self.variable = variable
        self.next_functions = ()

    def name(self):
        return "AccumulateGrad"

    def __repr__(self):
        return "<AccumulateGrad>"


class Function:
    """Base of differentiable operations; subclass it for a custom op.

    >>> class Square(Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         (x,) = ctx.saved_tensors
    ...         return 2 * x * g
    """

    _arrays = False  # True for built-in ops: forward works on numpy arrays
    _is_view = False  # True when the outputs share memory with input 0 (a Tensor)
    # True for ops whose forward gives the same result on numpy scalars as on 0-d arrays (+ - * /):
    # a 0-d floating input reaches forward as a numpy scalar, whose arithmetic costs a sixth of a
    # ufunc call on a 0-d array (the same IEEE operation in the same dtype, so the same bits)
    _on_scalars = False

    _edges = ()
    _to_save = ()
    _saved = None
    _freed = False
    _hooks = None
    _retained = None
    _non_diff = None
    _out_meta = None
    _trace = None
    _in_jvp = False
    _jvp_args = None
    _out_tangents = None
    materialize_grads = True

    # -- the ctx interface ---------------------------------------------------
    def save_for_backward(self, *items):
        """Keep tensors (or, in a built-in op, arrays) for ``backward``."""
        self._to_save = items

    @property
    def saved_tensors(self):
        """The saved tensors, checked against in-place modification."""
        if self._freed:
            raise RuntimeError(
                f"Trying to backward through the graph a second time (or to access the saved "
                f"tensors of {self.name()} after they were freed). Saved tensors are freed "
                f"after backward; pass retain_graph=True to the first backward to keep them."
            )
        saved = self._saved
        if saved is None:
            return ()
        out = []
        for kind, obj, vc, version in saved:
            if vc is not None and vc[0] != version:
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been modified by "
                    f"an inplace operation: a tensor saved by {self.name()} is at version "
                    f"{vc[0]}; expected version {version}."
                )
            if kind == SAVED_INPUT:
                out.append(_primal(obj) if self._in_jvp and obj._tangent is not None else obj)
            elif kind == SAVED_OUTPUT:  # reconnect it to this node
                data, nr = obj
                t = of_array(data)
                if _state.grad and self._edges and data.dtype.kind == "f":  # a recorded float output
                    t._requires_grad = True
                    t._grad_fn = self
                    t._out_nr = nr
                if self._out_tangents is not None and not self._in_jvp:
                    t._tangent = self._out_tangents[nr]
                out.append(t)
            else:  # SAVED_CONSTANT
                out.append(Tensor(obj) if isinstance(obj, _ndarray) else obj)
        return tuple(out)

    def _snapshot_saved(self, t):
        """Before ``t`` is overwritten in place by this node's own output,
        keep a copy of it wherever this node saved it (PyTorch clones ``self``
        for ``x.mul_(y)`` the same way)."""
        for i, (kind, obj, _, _) in enumerate(self._saved or ()):
            if kind == SAVED_INPUT and obj is t:
                old = Tensor(t._data.copy())
                old._requires_grad, old._grad_fn, old._out_nr = t._requires_grad, t._grad_fn, t._out_nr
                self._saved[i] = (SAVED_INPUT, old, old._vc, 0)

    def mark_non_differentiable(self, *items):
        """Outputs that never require grad (indices, masks)."""
        self._non_diff = items

    def set_materialize_grads(self, value):
        """Whether missing output gradients reach ``backward`` as zeros (default) or None."""
        self.materialize_grads = bool(value)

    # -- the node interface --------------------------------------------------
    def name(self):
        return type(self).__name__ + "Backward0"

    def __repr__(self):
        return f"<{self.name()}>"

    @property
    def next_functions(self):
        """``((node, output_nr), ...)`` per input, as in PyTorch."""
        out = []
        for e in _graph.edges(self):
            if e is None:
                out.append((None, 0))
            elif e.is_leaf:
                out.append((AccumulateGrad(e.node), 0))
            else:
                out.append((e.node, e.output_nr))
        return tuple(out)

    def register_hook(self, fn):
        raise NotImplementedError("register hooks on tensors with Tensor.register_hook")

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError(f"{ctx.name()} has no backward rule")

    @staticmethod
    def jvp(ctx, *tangents):
        raise NotImplementedError(f"{type(ctx).__name__} has no jvp rule (forward mode)")

    # -- running -------------------------------------------------------------
    @classmethod
    def apply(cls, *args):
        if _call_observers:  # a recording (an evaluation trace, a capture) is listening
            out = _observers.observed_call(cls, args)
            if out is not _observers.PASS:
                return out
        ctx = cls()
        if not cls._arrays:
            return ctx._apply_on_tensors(args)
        fargs = []
        record = False
        dual = False
        scalars = cls._on_scalars
        for a in args:
            if isinstance(a, Tensor):
                d = a._data
                if scalars and not d.ndim:
                    s = d[()]
                    if type(s) in _FLOAT_SCALARS:
                        d = s
                fargs.append(d)
                if a._requires_grad:
                    record = True
                if a._tangent is not None:
                    dual = True
            elif isinstance(a, _generic):  # numpy scalars act as Python scalars
                fargs.append(a.item())
            else:
                fargs.append(a)
        try:
            out = cls.forward(ctx, *fargs)
        except ValueError as e:  # numpy's broadcasting errors, named after the op
            raise ValueError(f"{cls.__name__}: {e}") from None
        if type(out) is tuple:
            results = tuple(_wrap_output(o) for o in out)
            if ctx._is_view:
                for t in results:
                    t._vc = args[0]._vc
            if record and (not _grad_mode.grad_off_threads or _state.grad):
                ctx._record(args, fargs, out, results)
            if dual:
                ctx._push_tangents(args, fargs, out, results)
            return results
        result = of_array(out if type(out) is _ndarray else _asarray(out))
        if ctx._is_view:  # the output shares memory, so it shares the version counter
            result._vc = args[0]._vc
            result._track_view(args[0], (cls, *args[1:]))  # so in-place ops on it reach the base
        if record and (not _grad_mode.grad_off_threads or _state.grad):  # (grad mode on everywhere, or here)
            ctx._record(args, fargs, (out,), (result,))  # the raw output: saved items match it
        if dual:
            ctx._push_tangents(args, fargs, (out,), (result,))
        return result

    def _apply_on_tensors(self, args):
        """``apply`` of a user Function: forward on Tensors, without recording."""
        self.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        with no_grad():
            out = self.forward(self, *args)
        single = not isinstance(out, tuple)
        outs = (out,) if single else out
        results = tuple(_wrap_output(o) for o in outs)
        if _state.grad and any(self.needs_input_grad):
            self._record(args, args, outs, results)
        if any(isinstance(a, Tensor) and a._tangent is not None for a in args):
            self._push_tangents(args, args, outs, results)
        return results[0] if single else results

    def _push_tangents(self, args, fargs, outs, results):
        """Forward mode: give the outputs the tangent ``jvp(ctx, *input tangents)``.
        Tensor inputs without a tangent count as zero (a read-only broadcast
        zero, which costs no memory); ``jvp`` runs without
        recording a graph and sees its saved tensors without their tangents."""
        if self._to_save:  # not recorded: the saved items are packed here for jvp
            self._saved = [_pack(x, args, fargs, outs, results) for x in self._to_save]
            self._to_save = ()
        self._jvp_args = args  # what a Linear op re-applies to the tangents
        tangents = []
        for a in args:
            if not isinstance(a, Tensor):
                tangents.append(None)
            elif a._tangent is not None:
                tangents.append(a._tangent)
            else:
                tangents.append(Tensor(np.broadcast_to(np.zeros((), a._data.dtype), a._data.shape)))
        self._in_jvp = True
        try:
            with no_grad():
                out = self.jvp(self, *tangents)
        finally:
            self._in_jvp = False
            self._jvp_args = None
        outs_t = out if isinstance(out, tuple) else (out,)
        if len(outs_t) != len(results):
            raise RuntimeError(f"{self.name()}.jvp returned {len(outs_t)} tangents for "
                               f"{len(results)} outputs")
        for t, tan in zip(results, outs_t):
            if tan is None or t._data.dtype.kind != "f":
                continue
            if not isinstance(tan, Tensor):
                tan = Tensor(np.asarray(tan))
            if tan._data.shape != t._data.shape:
                tan = Tensor(np.broadcast_to(tan._data, t._data.shape))
            if tan._data.dtype != t._data.dtype:
                tan = Tensor(tan._data.astype(t._data.dtype))
            t._tangent = tan
        # a saved output unpacked in backward must carry its tangent (forward-over-reverse)
        self._out_tangents = [t._tangent for t in results]

    def _record(self, args, fargs, outs, results):
        """Connect this node to its inputs and outputs and keep what backward
        needs. Each input gets an edge ``(node, output_nr, shape, dtype)``
        (``(leaf, LEAF, shape, dtype)`` for a leaf; a plain tuple, read by
        name through ``graph.edges``), or None when it needs no gradient."""
        edges = []
        needs = []
        for a in args:
            if isinstance(a, Tensor) and a._requires_grad:
                d = a._data
                g = a._grad_fn
                edges.append((g, a._out_nr, d.shape, d.dtype) if g is not None else (a, LEAF, d.shape, d.dtype))
                needs.append(True)
            else:
                edges.append(None)
                needs.append(False)
        self._edges = edges
        self.needs_input_grad = tuple(needs)
        non_diff = self._non_diff
        for nr, t in enumerate(results):
            if t._data.dtype.kind != "f" or (non_diff and any(outs[nr] is n for n in non_diff)):
                continue
            t._requires_grad = True
            t._grad_fn = self
            t._out_nr = nr
        if len(results) > 1:
            self._out_meta = [(t._data.shape, t._data.dtype) for t in results]
        if self._to_save:
            self._saved = [_pack(x, args, fargs, outs, results) for x in self._to_save]
            self._to_save = ()
        if _grad_mode.anomaly_threads and _state.anomaly:
            self._trace = "".join(traceback.format_stack()[:-3])


def _pack(x, args, fargs, outs, results):
    """A saved item as ``(kind, object, version counter, version)``: an input
    tensor (``SAVED_INPUT``), an output (``SAVED_OUTPUT``, object ``(array,
    output_nr)``) or a constant (``SAVED_CONSTANT``)."""
    if type(x) is float:  # a Python number (a 0-d input reaches forward as a numpy scalar)
        return (SAVED_CONSTANT, x, None, None)
    for a, fa in zip(args, fargs):
        if x is fa and isinstance(a, Tensor):
            return (SAVED_INPUT, a, a._vc, a._vc[0])
    for nr, o in enumerate(outs):
        if x is o:
            t = results[nr]
            return (SAVED_OUTPUT, (t._data, nr), t._vc, t._vc[0])
    return (SAVED_CONSTANT, x, None, None)


def _primal(t):
    """``t`` without its tangent: an alias sharing data, graph node and version."""
    p = Tensor(t._data)
    p._requires_grad, p._grad_fn, p._out_nr, p._vc = t._requires_grad, t._grad_fn, t._out_nr, t._vc
    return p


class Op(Function):
    """Base of the built-in ops: ``forward`` takes and returns numpy arrays."""

    _arrays = True


class Elementwise(Op):
    """An op y = f(x_1, ..., x_n) applied element by element: its rule is the
    local derivative, stated once as ``derivative(ctx, v_1, ..., v_n)``,
    which returns ``∂f/∂x_i · v_i`` for each input (a single value for one
    input; None where ``v_i`` is None). Both modes follow from it:

        backward:  x̄_i = ∂f/∂x_i · ȳ          (every v_i = ȳ)
        jvp:       ẏ   = Σ_i ∂f/∂x_i · ẋ_i    (v_i = ẋ_i)

    The engine sums each x̄_i back to its input's shape (broadcasting).
    """

    @staticmethod
    def derivative(ctx, *v):
        raise NotImplementedError(f"{type(ctx).__name__} states no derivative")

    @staticmethod
    def backward(ctx, g):
        needs = ctx.needs_input_grad
        if len(needs) == 1:
            return ctx.derivative(ctx, g)
        return ctx.derivative(ctx, *[g if n else None for n in needs])

    @staticmethod
    def jvp(ctx, *tangents):
        if len(tangents) == 1:
            return ctx.derivative(ctx, tangents[0])
        total = None
        for term in ctx.derivative(ctx, *tangents):
            if term is not None:
                total = term if total is None else total + term
        return total


class Linear(Op):
    """An op that is linear in its tensor inputs jointly (reshape, transpose,
    sum, slicing, cat, pad, ...): its Jacobian is the op itself, so forward
    mode applies the op to the tangents, ẏ = f(ẋ_1, ..., ẋ_n), with the
    same non-tensor arguments. Only ``backward`` (the adjoint) is written."""

    @staticmethod
    def jvp(ctx, *tangents):
        args = [t if isinstance(a, Tensor) else a for a, t in zip(ctx._jvp_args, tangents)]
        return type(ctx).apply(*args)


def _wrap_output(o):
    if isinstance(o, Tensor):
        return of_array(o._data)
    if type(o) is not _ndarray:
        o = _asarray(o)
    return of_array(o)


def once_differentiable(backward):
    """Decorator for a ``backward`` that is not itself differentiable (it calls
    a raw kernel). Under ``create_graph=True`` it raises a clear error.
    Use it below ``@staticmethod``."""

    def wrapper(ctx, *grads):
        if _state.grad:
            raise RuntimeError(
                f"{ctx.name()} is once_differentiable: its backward cannot be differentiated "
                f"again (create_graph=True)."
            )
        return backward(ctx, *grads)

    wrapper.__name__ = backward.__name__
    wrapper.__doc__ = backward.__doc__
    return wrapper
