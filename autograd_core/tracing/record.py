"""Recording for evaluation traces (``evaluation.py``): the op calls a
function makes, and the trace's inputs and seeds.

``recording(tape)`` subscribes to the op calls of the calling thread
(``observers.observe_calls``) while it is active and appends each top-level
call: the op class, its arguments with their values and graph positions at
call time, and its outputs with their values, graph nodes and tangents at
that time (an in-place op may later move a tensor to another node). Calls
made inside an op (a jvp rule, a user Function's forward) are not top level.
Recordings nest (each sees the calls of its block) and run in several
threads at once (each sees its own thread's calls).
"""
from contextlib import contextmanager

import numpy as np

from ..observers import observe_calls
from ..tensor import Tensor


class Call:
    __slots__ = ("cls", "args", "keys", "arrays", "outputs", "out_keys", "nodes", "values", "tangents")


def key(t):
    """A tensor's place in the graph: its (node, output number), or itself for a leaf."""
    return (id(t.grad_fn), t._out_nr) if t.grad_fn is not None else id(t)


@contextmanager
def recording(tape):
    """Append every top-level op call of this thread to ``tape`` while the block runs."""

    def observer(cls, args):
        c = Call()
        c.cls, c.args = cls, args
        c.keys = [key(a) if isinstance(a, Tensor) else None for a in args]
        c.arrays = [np.array(a._data, copy=True) if isinstance(a, Tensor) else None for a in args]

        def done(out):
            c.outputs = out if isinstance(out, tuple) else (out,)
            # as they are now: an in-place op may later give an output another node and value
            c.out_keys = [key(o) for o in c.outputs]
            c.nodes = [(o.grad_fn, o._out_nr) for o in c.outputs]
            c.values = [np.array(o._data, copy=True) for o in c.outputs]
            c.tangents = [None if o._tangent is None else np.array(o._tangent._data) for o in c.outputs]
            tape.append(c)

        return done

    with observe_calls(observer):
        yield


def alias(v):
    """A tensor standing for step v's output in the graph (as it was when made),
    retaining its gradient."""
    t = Tensor(v.value)
    t._requires_grad = True
    t._grad_fn, t._out_nr = v._call.nodes[v._nr]
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
