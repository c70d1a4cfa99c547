"""Capture: run a function eagerly once while recording, through the official
observers (``observers.observe_calls`` and ``observe_reads``), every top-level
op call it makes, into a ``Tape``.

A tape is a list of steps ``(op class, arguments, output slots, grad mode)``.
Every array the function handles gets a *slot*: the call's tensor arguments
(slots ``0 .. n_inputs-1``), tensors from outside the call (``externals``:
parameters, buffers, closure constants and tensors made outside ops during
the call, such as a dropout scale or an RNN's zero state), and the outputs of
the recorded ops. An array handed to an op is a slot's array itself or a
view of one, found by memory (``view_of``), or else a constant. An in-place
write that the library makes outside an op
(``Tensor._inplace`` copies an op's result into a tensor) is recorded as a
copy step when it copies the previous op's output into a tensor that needs no
gradient (a running statistic, a counter).

After the call the graph nodes the ops made are read (edges, saved-tensor
count, output metadata) into the backward structure the replay needs.

A capture *fails* (the call is not replayable, with the reason kept for
``explain()``) when the function reads tensor values into Python, draws
random numbers outside an op (the generator advanced between two op calls),
reads a tensor carrying a forward-mode tangent, modifies a tensor in place
other than as above, passes tensors to an op inside a list, selects elements
by a bool mask that is not a constant (an argument, an op's output such as
``x > 0``, a tensor read from outside, given inside an index: the number of
elements, so the result's shape, depends on the mask's values), registers a
hook or ``retain_grad`` on an intermediate, uses a tensor with autograd
history that is not an argument, hands an op an array that shares memory with
an argument's or an op output's array without being a view of its elements,
or returns (or writes in place) a tensor it made outside ops on such a view.
"""
import numpy as np

from ..grad_mode import _state
from ..graph import LEAF
from ..observers import observe_calls, observe_reads
from ..random import default_generator
from ..tensor import Tensor
from .memory import buffer_of, holder


class CaptureFailed(Exception):
    """The recording cannot be replayed; ``str(e)`` says why (names the op)."""


class Tape:
    """What one eager call did, in replayable form (see the module docstring)."""

    def __init__(self, n_inputs):
        self.n_inputs = n_inputs
        self.n_slots = n_inputs
        self.externals = []  # tensors from outside the call, in order of first use
        self.ext_slot = []  # the slot of each external
        self.steps = []  # (cls, args, out_slots, grad mode); args: ('s', slot) or ('c', value)
        self.copies = {}  # step index -> [(dst slot or None, slot of an argument or external or None)]: after
        # that step, copy the step's output into dst; bump the version of the argument or external
        self.nodes = {}  # step index -> node info (see ``backward_structure``)
        self.out_requires = {}  # slot -> requires_grad of an op output
        self.output = None  # the structure of the result, tensors replaced by ('slot', s)
        self.failure = None
        self.entry_grad = _state.grad  # grad mode when the call began

    def new_slot(self):
        self.n_slots += 1
        return self.n_slots - 1


_TANGENT = "a tensor carries a forward-mode tangent (dual tensor): the replay computes no tangents"


def _rng_state():
    return default_generator._rng.bit_generator.state["state"]


class _Recorder:
    def __init__(self, inputs, watch):
        self.tape = Tape(len(inputs))
        self.slot_of = {id(t): i for i, t in enumerate(inputs)}
        self.array_slot = {id(t._data): i for i, t in enumerate(inputs)}  # an op given ``t._data`` itself
        self.keep = list(inputs) + list(watch)  # holds every seen tensor: ids stay unique during the capture
        self.array_owner = {id(t._data): t for t in self.keep}
        self.memory = {}  # id of a buffer (``memory.buffer_of``) -> [(array, tensor)]: the slots' arrays on it
        for t in self.keep:
            self.on_buffer(t)
        self.touched = {}  # id -> (tensor, its values after the last op): tensors that op read
        self.watched = [(t, t._vc, t._vc[0]) for t in self.keep]
        self.tensor_of_slot = dict(enumerate(inputs))
        self.rng = _rng_state()
        self.last_out = None  # the slots of the previous op's outputs
        if any(t._tangent is not None for t in inputs):
            self.fail(_TANGENT)

    def fail(self, why):
        if self.tape.failure is None:
            self.tape.failure = why

    def check_between(self, where):
        """What happened since the previous op: random draws, in-place writes."""
        if _rng_state() != self.rng:
            self.fail(f"random numbers were drawn outside an op ({where}); dropout and randn in a "
                      f"compiled function run eagerly")
        for k, (t, vc, version) in enumerate(self.watched):
            if vc[0] != version:
                self.watched[k] = (t, vc, vc[0])
                self.inplace(t, where)

    def inplace(self, t, where):
        seen = self.touched.get(id(t))
        if seen is not None and np.array_equal(t._data, seen[1], equal_nan=t._data.dtype.kind in "fc"):
            # the last op changed it in its forward (replayed); the version bump came after it
            self.tape.copies.setdefault(len(self.tape.steps) - 1, []).append((None, self.slot(t)))
            return
        src = self.last_out[0] if self.last_out and len(self.last_out) == 1 else None
        src_t = self.tensor_of_slot.get(src)
        ok = (src_t is not None and not t._requires_grad and t._data.shape == src_t._data.shape
              and np.array_equal(t._data, src_t._data.astype(t._data.dtype, copy=False),
                                 equal_nan=t._data.dtype.kind in "fc"))
        if not ok:
            self.fail(f"a tensor was modified in place outside an op or with autograd history ({where})")
            return
        dst = self.slot(t)  # a tensor made outside ops on a view of an argument or op output fails here
        bump = dst if dst < self.tape.n_inputs or dst in self.tape.ext_slot else None
        self.tape.copies.setdefault(len(self.tape.steps) - 1, []).append((dst, bump))

    def on_buffer(self, t):
        """Index ``t``'s array (a slot's) by the buffer it lies in, for ``view_of``."""
        self.memory.setdefault(id(buffer_of(t._data)), []).append((t._data, t))

    def slot(self, t):
        s = self.slot_of.get(id(t))
        if s is None and not t._requires_grad and t._tangent is None:
            # a new tensor on the array of a known slot (``y.detach()``, ``Tensor(y._data)``) is that
            # slot: the replay passes that slot's array, as eager mode passes the same array
            s = self.array_slot.get(id(t._data))
            if s is not None:
                self.slot_of[id(t)] = s
                self.keep.append(t)
                return s
            view = self.view_tensor(t)
            if view is not None and self.per_call(view[1]):
                self.fail("a tensor made outside ops on a view of the array of an argument or of an op's output "
                          "is returned or modified in place: the replay makes no such tensor")
        if s is None:
            s = self.tape.new_slot()
            self.slot_of[id(t)] = s
            self.keep.append(t)
            self.tape.externals.append(t)
            self.tape.ext_slot.append(s)
            self.tensor_of_slot[s] = t
            self.array_slot.setdefault(id(t._data), s)
            self.on_buffer(t)
            self.watched.append((t, t._vc, t._vc[0]))
            if t._tangent is not None:
                self.fail(_TANGENT)
        return s

    def per_call(self, s):
        """Whether slot ``s`` holds memory of this call only: an argument's or an op output's."""
        return s < self.tape.n_inputs or s not in self.tape.ext_slot

    def owner(self, a):
        """``('s', slot)`` when ``a`` is a slot's array, else ``view_of(a)``."""
        s = self.array_slot.get(id(a))
        if s is None and id(a) in self.array_owner:
            s = self.slot(self.array_owner[id(a)])
        return ("s", s) if s is not None else self.view_of(a)

    def view_of(self, a):
        """``('v', slot, shape, strides, offset, (shape, strides) of the slot's array)`` when every element
        of ``a`` is an element of a slot's array (``memory.holder``: by buffer and byte range, not by
        ``.base``); the replay takes that view of the slot's array of each call (``source._view``).
        Else None; and when ``a`` shares memory with an argument's or an op output's array (memory of
        this call only) without being such a view, the capture fails."""
        held, others = holder(a, self.memory.get(id(buffer_of(a)), ()))
        if held is not None:
            arr, t, offset = held
            return ("v", self.slot(t), a.shape, a.strides, offset, (arr.shape, arr.strides))
        if any(id(t) in self.slot_of and self.per_call(self.slot_of[id(t)]) for t in others):
            self.fail(f"an array of shape {a.shape} and dtype {a.dtype} shares memory with an argument's or an "
                      f"op output's array without being a view of its elements")
        return None

    def view_tensor(self, t):
        """``view_of`` the array of a new tensor made outside ops (``Tensor(y._data[1:])``) on no slot's
        array itself; None for any other tensor."""
        if (id(t) in self.slot_of or t._requires_grad or t._tangent is not None
                or id(t._data) in self.array_slot or id(t._data) in self.array_owner):
            return None
        return self.view_of(t._data)

    def arg(self, a, cls):
        """An argument as ``('s', slot)``, ``('v', slot, ...)`` (a view of a slot's array: ``view_of``),
        ``('q', type, [specs])`` (a tuple or list holding those) or ``('c', value)``."""
        if isinstance(a, Tensor):
            view = self.view_tensor(a)
            if view is not None and self.per_call(view[1]):
                return view
            return ("s", self.slot(a))  # on a view of a tensor from outside: a tensor from outside itself
        if type(a) is np.ndarray:
            return self.owner(a) or ("c", a)
        if type(a) in (list, tuple):
            if any(isinstance(x, Tensor) for x in a):
                self.fail(f"{cls.__name__} takes tensors inside a list")
            specs = [self.arg(x, cls) for x in a]
            if all(sp[0] == "c" for sp in specs):
                return ("c", a)
            return ("q", type(a), specs)
        return ("c", a.item() if isinstance(a, np.generic) else a)

    def selects_by_mask(self, spec):
        """Whether a bool array of a slot (or a view of one) is inside a tuple or list argument:
        an index (``x[mask]``, ``masked_select``), whose result's shape depends on the mask's values."""
        return any(sp[0] == "q" and any(self.tensor_of_slot[s]._data.dtype == np.bool_ for s in _slots_of(sp[2]))
                   for sp in spec)

    def on_call(self, cls, args):
        self.check_between(f"before {cls.__name__}")
        spec = [self.arg(a, cls) for a in args]
        if self.selects_by_mask(spec):
            self.fail(f"{cls.__name__} selects elements by a bool mask computed or given in the call: the shape "
                      f"of its result depends on the mask's values (a data-dependent shape, as nonzero's)")
        grad = _state.grad

        def done(out):
            outs = out if isinstance(out, tuple) else (out,)
            slots = []
            for o in outs:
                s = self.tape.new_slot()
                self.slot_of[id(o)] = s
                self.keep.append(o)
                self.tensor_of_slot[s] = o
                self.array_slot.setdefault(id(o._data), s)
                self.on_buffer(o)
                self.watched.append((o, o._vc, o._vc[0]))
                self.tape.out_requires[s] = o._requires_grad
                slots.append(s)
            self.tape.steps.append((cls, tuple(spec), tuple(slots), grad, len(outs) > 1 or isinstance(out, tuple)))
            self.touched = {}
            for sp in _slots_of(spec):
                t = self.tensor_of_slot[sp]
                if not t._requires_grad:
                    self.touched[id(t)] = (t, np.array(t._data, copy=True))
            self.last_out = slots
            self.rng = _rng_state()

        return done

    def on_read(self, t, what):
        self.fail(f"{what}() read a tensor's values into Python (after "
                  f"{self.tape.steps[-1][0].__name__ if self.tape.steps else 'the start'}); "
                  f"control flow may depend on them")


def capture(fn, args, kwargs, inputs, watch=()):
    """Run ``fn(*args, **kwargs)`` eagerly, recording into a Tape; return ``(result, tape)``.
    ``watch``: tensors (a module's parameters and buffers) whose in-place changes count even
    when no op reads them."""
    rec = _Recorder(inputs, watch)
    with observe_calls(rec.on_call), observe_reads(rec.on_read):
        result = fn(*args, **kwargs)
        rec.check_between("at the end")
    tape = rec.tape
    tape.output = _structure(result, rec)
    if tape.failure is None:
        try:
            backward_structure(tape, rec)
        except CaptureFailed as e:
            tape.failure = str(e)
    return result, tape


def _slots_of(spec):
    for sp in spec:
        if sp[0] in "sv":
            yield sp[1]
        elif sp[0] == "q":
            yield from _slots_of(sp[2])


def _structure(x, rec):
    if isinstance(x, Tensor):
        return ("slot", rec.slot(x))
    if isinstance(x, (list, tuple)) and type(x) in (list, tuple):
        return (type(x).__name__, [_structure(v, rec) for v in x])
    if type(x) is dict:
        return ("dict", [(k, _structure(v, rec)) for k, v in x.items()])
    return ("const", x)


def backward_structure(tape, rec):
    """For each step whose outputs got a graph node: ``(needs_input_grad, edges,
    n_out_meta, out_meta, materialize)``, an edge being None, ``('n', step, nr,
    shape, dtype)`` (another step's node) or ``('t', slot, shape, dtype)`` (a
    gradient target: an argument or an external leaf)."""
    step_of = {}
    for j, (_, _, slots, _, _) in enumerate(tape.steps):
        node = next((rec.tensor_of_slot[s]._grad_fn for s in slots if tape.out_requires[s]), None)
        if node is not None:
            step_of[id(node)] = j
    nonleaf_inputs = {(id(t._grad_fn), t._out_nr): i for i, t in enumerate(rec.keep[:tape.n_inputs])
                      if t._grad_fn is not None}
    for j, (cls, _, slots, _, _) in enumerate(tape.steps):
        node = next((rec.tensor_of_slot[s]._grad_fn for s in slots if tape.out_requires[s]), None)
        if node is None:
            continue
        if step_of.get(id(node)) != j:
            raise CaptureFailed(f"{cls.__name__}: an output took another op's place in the graph (in-place op)")
        if node._hooks or node._retained:
            raise CaptureFailed(f"{cls.__name__}: a hook or retain_grad() on an intermediate tensor")
        edges = []
        for e in node._edges:
            if e is None:
                edges.append(None)
                continue
            e_node, e_nr, e_shape, e_dtype = e
            if e_nr == LEAF:
                s = rec.slot_of.get(id(e_node))
                if s is None or s >= tape.n_inputs and s not in tape.ext_slot:
                    raise CaptureFailed(f"{cls.__name__}: a leaf the capture did not see")
                if e_node._hooks or getattr(e_node, "_post_hooks", None):
                    raise CaptureFailed(f"{cls.__name__}: a leaf tensor with hooks")
                edges.append(("t", s, e_shape, e_dtype))
            elif id(e_node) in step_of:
                edges.append(("n", step_of[id(e_node)], e_nr, e_shape, e_dtype))
            elif (id(e_node), e_nr) in nonleaf_inputs:
                edges.append(("t", nonleaf_inputs[(id(e_node), e_nr)], e_shape, e_dtype))
            else:
                raise CaptureFailed(f"{cls.__name__}: uses a tensor with autograd history from outside "
                                    f"the function that is not one of its arguments")
        meta = node._out_meta
        tape.nodes[j] = (node.needs_input_grad, tuple(edges), len(meta) if meta else 1, meta, node.materialize_grads)
