"""Verification: two recordings of calls with the same guards must agree
before either is replayed.

A tensor an op read that the capture had not seen before (not an argument,
not an op's output) is either *persistent* (the same object in both calls: a
parameter, a buffer, a closure constant; its array is read fresh at every
replay) or made during the call outside any op (a dropout scale, an RNN's
zero state): then it must hold the same values in both calls and becomes a
constant of the replay, unless it is modified in place during the call (a
replay would carry its values over to the next call). Values that differ mean they were computed from data
outside the ops (or drawn at random), and the call is not replayed; nor is it
when the two are new tensors on the memory of one array (``w.detach()`` or
``Tensor(w._data.T)`` of a tensor no op read: its values may change later). (A new tensor on an op's output or an
argument, ``y.detach()``, is that tensor's slot: ``capture.slot``.) The op
sequence, the non-tensor arguments, the in-place copies, the graph structure
and the result's structure must be equal too (a non-tensor argument that
changes, such as a momentum computed from a counter, shows the same thing).
"""
import numpy as np

from ..tensor import Tensor
from .memory import buffer_of


def same(a, b):
    """Whether two recorded non-tensor values are equal (exactly, NaN equal to NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return (a.shape == b.shape and a.dtype == b.dtype
                and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, Tensor):
        return a is b
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, float) and a != a:
        return b != b
    try:
        return bool(a == b)
    except Exception:  # an object whose == does not give a truth value
        return a is b


def _same_spec(a, b):
    if a[0] != b[0]:
        return False
    if a[0] == "c":
        return same(a[1], b[1])
    if a[0] == "q":
        return a[1] is b[1] and len(a[2]) == len(b[2]) and all(_same_spec(x, y) for x, y in zip(a[2], b[2]))
    return a == b


def _reader(tape, s):
    """``"j, Op"``: the first op of ``tape`` that reads slot ``s`` (for the reasons given)."""
    return next((f"{j}, {st[0].__name__}" for j, st in enumerate(tape.steps) if ("s", s) in st[1]), "?, ?")


def verify(t1, t2):
    """None when tapes ``t1`` and ``t2`` agree (see the module docstring), else the reason.
    On success ``t1.constant`` is set: per external, whether it is a per-call constant."""
    if len(t1.steps) != len(t2.steps):
        return f"the two recorded calls ran different numbers of ops ({len(t1.steps)}, {len(t2.steps)})"
    for j, (s1, s2) in enumerate(zip(t1.steps, t2.steps)):
        name = s1[0].__name__
        if s1[0] is not s2[0]:
            return f"op {j} differs between calls ({name}, then {s2[0].__name__}): data-dependent control flow"
        if s1[2:] != s2[2:] or len(s1[1]) != len(s2[1]):
            return f"op {j} ({name}) is used differently between calls"
        for n, (a1, a2) in enumerate(zip(s1[1], s2[1])):
            if not _same_spec(a1, a2):
                return f"argument {n} of op {j} ({name}) changes between calls: computed from values outside ops"
    if t1.ext_slot != t2.ext_slot:
        return "the tensors read from outside differ between calls"
    constant = []
    for e1, e2, s in zip(t1.externals, t2.externals, t1.ext_slot):
        if e1 is e2:
            constant.append(False)
            continue
        d1, d2 = e1._data, e2._data
        if buffer_of(d1) is buffer_of(d2):  # new tensors on persistent memory (``w.detach()``, ``Tensor(w._data.T)``
            # of a tensor no op read): not a constant, and the two recordings' values are the same memory's
            return (f"a tensor made outside an op (read by op {_reader(t1, s)}) shares the array of a "
                    f"tensor from outside (detach(), Tensor(t._data)): its values may change between calls")
        if e1._requires_grad or e2._requires_grad or not same(d1, d2):
            return (f"a tensor made outside an op (read by op {_reader(t1, s)}) changes between calls: "
                    f"its values depend on data or on random numbers")
        constant.append(True)
    if t1.copies != t2.copies or t1.nodes != t2.nodes or t1.out_requires != t2.out_requires:
        return "the graph recorded differs between calls"
    per_call = {s for s, const in zip(t1.ext_slot, constant) if const}
    written = sorted({s for copies in t1.copies.values() for _, s in copies if s in per_call})
    if written:
        return (f"a tensor made outside an op during the call (read by op {_reader(t1, written[0])}) is modified "
                f"in place: a replay would keep its values from one call to the next")
    if not same(t1.output, t2.output):
        return "the result's structure or constants differ between calls"
    t1.constant = constant
    return None
