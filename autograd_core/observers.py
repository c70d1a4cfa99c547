"""Observers of the computation: the official hooks that ``Function.apply``
and the engine call, for tools that watch a computation (evaluation traces,
the numbered backward pass, captures for drawings). Nothing is patched.

- ``observe_calls(observer)``: while the block runs, every top-level op call
  of the calling thread is reported: ``observer(cls, args)`` runs before the
  op and returns None or a callable ``done(out)``, which runs with the op's
  output when it returns (not when it raises). Calls made inside an op (a
  jvp rule, a user Function's forward, another observer) are not top level.
- ``observe_backward(observer, quiet=False)``: every node the engine visits
  in a backward pass of the calling thread goes through
  ``observer(node, grads, rule)``, which returns the node's input gradients;
  ``rule(grads)`` runs the node's own ``backward`` (or the next observer).
  ``quiet=True`` also switches off tensor hooks and ``retain_grad`` for
  those passes, so a tool can run the engine without side effects.
- ``observe_reads(observer)``: every top-level read of a tensor's values
  into Python in the calling thread (``item()``, ``bool()``, ``tolist()``,
  ``numpy()``, ``__array__``, ``__index__``) calls ``observer(tensor, what)``
  first; ``ag.compile`` uses it to refuse replaying a function whose control
  flow may depend on values. Reads inside an op are not top level.

Subscriptions are per thread and nest: several recordings in one thread
all see its calls; recordings in other threads see none of them. When
nobody listens, the cost on the hot path is one test of an empty list.
"""
import threading
from contextlib import contextmanager

call_observers = []  # (thread ident, observer): read by Function.apply
backward_observers = []  # (thread ident, observer, quiet): read by the engine once per pass
read_observers = []  # (thread ident, observer): read by the Tensor methods that give values to Python

_lock = threading.Lock()
_local = threading.local()  # depth: > 0 while a top-level call of this thread is reported


@contextmanager
def _subscribed(registry, entry):
    with _lock:
        registry.append(entry)
    try:
        yield
    finally:
        with _lock:
            for i in range(len(registry) - 1, -1, -1):
                if registry[i] is entry:
                    del registry[i]
                    break


def observe_calls(observer):
    """Report this thread's top-level op calls to ``observer`` in the block (see the module docstring)."""
    return _subscribed(call_observers, (threading.get_ident(), observer))


def observe_backward(observer, quiet=False):
    """Route this thread's backward rules through ``observer`` in the block (see the module docstring)."""
    return _subscribed(backward_observers, (threading.get_ident(), observer, quiet))


def observe_reads(observer):
    """Report this thread's top-level reads of tensor values to ``observer`` in the block."""
    return _subscribed(read_observers, (threading.get_ident(), observer))


def value_read(tensor, what):
    """Called by a Tensor method named ``what`` that hands values to Python, when some thread observes reads."""
    if getattr(_local, "depth", 0):
        return
    me = threading.get_ident()
    for entry in tuple(read_observers):
        if entry[0] == me:
            entry[1](tensor, what)


PASS = object()  # returned by ``observed_call`` when the call is not reported: apply runs as usual


def observed_call(cls, args):
    """Called by ``Function.apply`` when some thread observes calls: report a
    top-level call of this thread and return its output, or ``PASS``."""
    if getattr(_local, "depth", 0):
        return PASS
    me = threading.get_ident()
    mine = [entry[1] for entry in tuple(call_observers) if entry[0] == me]
    if not mine:
        return PASS
    _local.depth = 1  # the op's own calls, and the observers', are not top level
    try:
        dones = [observer(cls, args) for observer in mine]
        out = cls.apply(*args)
        for done in dones:
            if done is not None:
                done(out)
    finally:
        _local.depth = 0
    return out


def backward_watch():
    """For the engine, once per pass: ``(run, quiet)`` where ``run(node,
    grads)`` applies the node's rule through this thread's observers, or
    None when nobody watches this thread."""
    me = threading.get_ident()
    mine = [entry for entry in tuple(backward_observers) if entry[0] == me]
    if not mine:
        return None
    quiet = any(entry[2] for entry in mine)
    observers = [entry[1] for entry in mine]

    def run(node, grads):
        def step(k, gs):
            if k == len(observers):
                return node.backward(node, *gs)
            return observers[k](node, gs, lambda g: step(k + 1, g))

        return step(0, grads)

    return run, quiet
