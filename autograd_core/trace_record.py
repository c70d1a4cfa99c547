"""Recording for evaluation traces (``trace.py``): the op calls a function
makes, the graph its outputs depend on, and the trace's inputs and seeds.

``recording(tape)`` wraps ``Function.apply`` while it is active (in the
calling thread only; one recording at a time) and appends each top-level
call: the op class, its arguments with their values and graph positions at
call time, and its outputs with their values, graph nodes and tangents at
that time (an in-place op may later move a tensor to another node). Calls
made inside an op (a jvp rule, a user Function's forward) are not top level.
"""
import threading
from contextlib import contextmanager

import numpy as np

from .function import Function
from .tensor import Tensor


class Call:
    __slots__ = ("cls", "args", "keys", "arrays", "outputs", "out_keys", "nodes", "values", "tangents")


_lock = threading.RLock()


def key(t):
    """A tensor's place in the graph: its (node, output number), or itself for a leaf."""
    return (id(t.grad_fn), t._out_nr) if t.grad_fn is not None else id(t)


@contextmanager
def recording(tape):
    """Append every top-level ``Function.apply`` call of this thread to ``tape``
    (calls made inside an op, e.g. by a jvp rule, are not top level)."""
    original = Function.__dict__["apply"]
    thread = threading.get_ident()
    depth = [0]

    def apply(cls, *args):
        if depth[0] or threading.get_ident() != thread:
            return original.__get__(None, cls)(*args)
        c = Call()
        c.cls, c.args = cls, args
        c.keys = [key(a) if isinstance(a, Tensor) else None for a in args]
        c.arrays = [np.array(a._data, copy=True) if isinstance(a, Tensor) else None for a in args]
        depth[0] += 1
        try:
            out = original.__get__(None, cls)(*args)
        finally:
            depth[0] -= 1
        c.outputs = out if isinstance(out, tuple) else (out,)
        # as they are now: an in-place op may later give an output another node and value
        c.out_keys = [key(o) for o in c.outputs]
        c.nodes = [(o.grad_fn, o._out_nr) for o in c.outputs]
        c.values = [np.array(o._data, copy=True) for o in c.outputs]
        c.tangents = [None if o._tangent is None else np.array(o._tangent._data) for o in c.outputs]
        tape.append(c)
        return out

    with _lock:  # one recording at a time, so that each restores what it replaced
        Function.apply = classmethod(apply)
        try:
            yield
        finally:
            Function.apply = original


def alias(v):
    """A tensor standing for step v's output in the graph (as it was when made),
    retaining its gradient."""
    t = Tensor(v.value)
    t.requires_grad = True
    t.grad_fn, t._out_nr = v._call.nodes[v._nr]
    t.retain_grad()
    return t


def as_leaf(x, k):
    if isinstance(x, Tensor):
        if x.dtype.kind != "f":
            raise TypeError(f"trace: input {k} must be a floating point tensor, got {x.dtype}")
        data, name = x._data, x.name
    else:
        arr = np.asarray(x)
        if arr.dtype.kind not in "fiub":
            raise TypeError(f"trace: input {k} must be a tensor, an array or a number, "
                            f"got {type(x).__name__}")
        keep = arr.dtype.kind == "f" and isinstance(x, (np.ndarray, np.generic))
        data, name = (arr if keep else arr.astype(np.float64)), None
    return Tensor(np.array(data, copy=True), requires_grad=True, name=name or f"x{k + 1}")


def directions(spec, values, what, per):
    """The seed arrays (one per input or output), checked against their shapes."""
    if spec is None:
        out = [np.zeros_like(v) for v in values]
        if out[0].size:
            out[0].flat[0] = 1
        return out
    if isinstance(spec, (tuple, list)) and len(spec) == len(values):
        items = spec
    elif len(values) == 1:
        items = [spec]
    else:
        raise ValueError(f"trace: {what} needs one entry per {per} ({len(values)}), got {spec!r}")
    out = []
    for k, (s, v) in enumerate(zip(items, values)):
        arr = np.asarray(s._data if isinstance(s, Tensor) else s, dtype=v.dtype)
        try:
            out.append(np.array(np.broadcast_to(arr, v.shape)))
        except ValueError:
            raise ValueError(f"trace: {what} entry {k} has shape {arr.shape}; the {per} has shape "
                             f"{v.shape}") from None
    return out


def reachable(outs):
    """The (node, output number) pairs the outputs depend on, through the edges."""
    reach, seen, stack = set(), set(), []
    for o in outs:
        if o.grad_fn is not None:
            reach.add((id(o.grad_fn), o._out_nr))
            if id(o.grad_fn) not in seen:
                seen.add(id(o.grad_fn))
                stack.append(o.grad_fn)
    while stack:
        for e in stack.pop()._edges:
            if e is None or e[1] < 0:
                continue
            reach.add((id(e[0]), e[1]))
            if id(e[0]) not in seen:
                seen.add(id(e[0]))
                stack.append(e[0])
    return reach
