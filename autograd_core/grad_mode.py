"""Gradient-recording switches: ``no_grad``, ``enable_grad``,
``set_grad_enabled``, ``inference_mode``, ``is_grad_enabled``,
``is_inference_mode_enabled`` and ``detect_anomaly``.

All are context managers and decorators, as in PyTorch. The state is **per
thread**, as in PyTorch: a ``no_grad`` region in one thread does not stop
another thread from recording its graph, and a new thread starts with grad
recording on and anomaly detection off. The state lives in one
``threading.local`` object, ``_state``, whose named fields the hot paths read
(``_state.grad``).
"""
import functools
import threading


class _ThreadState(threading.local):
    """The switches of the calling thread (class attributes are the defaults
    every new thread starts with)."""

    grad = True  # is grad recording on
    anomaly = False  # is anomaly detection on
    inference = False  # inside inference_mode(True)


_state = _ThreadState()

# Counts kept as the flags change (``_set``): the threads with grad recording off, and those with
# anomaly detection on. While a count is 0 every thread has the default, and ``Function.apply``
# need not read its thread's flag (a ``threading.local`` read costs about 700 instructions, one
# or two per op, measured with callgrind). A count may stay above 0 after a thread ends with a
# flag changed: that only costs the read again.
grad_off_threads = 0
anomaly_threads = 0
_count_lock = threading.Lock()


def _set(field, value):
    """Set the calling thread's flag ``field`` to ``value`` (a bool), keeping the counts."""
    global anomaly_threads
    if field == "grad":
        _set_grad(value)
        return
    old = getattr(_state, field)
    setattr(_state, field, value)
    if old == value or field == "inference":
        return
    with _count_lock:
        anomaly_threads += 1 if value else -1


def _set_grad(value):
    """``_set("grad", value)``, the common case spelled out (``no_grad`` around every evaluation step)."""
    global grad_off_threads
    if _state.grad == value:
        return
    _state.grad = value
    with _count_lock:
        grad_off_threads += -1 if value else 1


def is_grad_enabled():
    """True when operations on tensors that require grad record a graph."""
    return _state.grad


def is_inference_mode_enabled():
    """True inside ``inference_mode()``."""
    return _state.inference


def on_arrays(*tensors):
    """Whether a backward may be computed on the arrays alone: nobody
    differentiates it (grad recording is off, so no graph is recorded, and
    none of ``tensors``, None allowed, carries a forward-mode tangent), so
    only its value matters."""
    if _state.grad:
        return False
    for t in tensors:
        if t is not None and t._tangent is not None:
            return False
    return True


class _Switch:
    """Base of the context managers: sets the calling thread's flags on enter,
    restores them on exit. ``_fields`` names the flags; ``_values`` gives
    their values inside the region."""

    _fields = ("grad",)

    def __init__(self, *values):
        self._values = values
        self._prev = []

    def __enter__(self):
        self._prev.append(tuple(getattr(_state, f) for f in self._fields))
        for f, v in zip(self._fields, self._values):
            _set(f, v)
        return self

    def __exit__(self, *exc):
        for f, v in zip(self._fields, self._prev.pop()):
            _set(f, v)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.clone():
                return fn(*args, **kwargs)

        return wrapper

    def clone(self):
        """A fresh switch with the same values (a decorator enters one per call,
        so recursive and concurrent calls each restore their own state)."""
        new = _Switch(*self._values)
        new._fields = self._fields
        return new


class _GradSwitch(_Switch):
    """A switch of the grad flag alone, with the generic loops of ``_Switch`` spelled out."""

    def __enter__(self):
        self._prev.append((_state.grad,))
        _set_grad(self._values[0])
        return self

    def __exit__(self, *exc):
        _set_grad(self._prev.pop()[0])
        return False


class no_grad(_GradSwitch):
    """Disable graph recording: results do not require grad."""

    def __init__(self):
        self._values = (False,)
        self._prev = []


class enable_grad(_GradSwitch):
    """Enable graph recording inside a ``no_grad`` region."""

    def __init__(self):
        self._values = (True,)
        self._prev = []


class set_grad_enabled(_Switch):
    """Set graph recording on or off. Takes effect at once, like PyTorch, so
    ``set_grad_enabled(False)`` works as a plain call too."""

    def __init__(self, mode):
        super().__init__(bool(mode))
        self._prev.append((_state.grad,))
        _set("grad", self._values[0])

    def __enter__(self):
        return self

    def __call__(self, fn):
        _set("grad", self._prev.pop()[0])  # used as a decorator: undo the call's effect
        return super().__call__(fn)


class inference_mode(_Switch):
    """``inference_mode(mode=True)``: like ``no_grad`` (no graph is recorded),
    and ``is_inference_mode_enabled()`` reports it. Context manager and
    decorator (with or without parentheses), as in PyTorch."""

    _fields = ("grad", "inference")

    def __new__(cls, mode=True):
        if callable(mode):  # @inference_mode without parentheses
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode=True):
        if mode:
            super().__init__(False, True)
        else:  # inference_mode(False): grad mode stays as it is
            self._fields = ("inference",)
            super().__init__(False)


class detect_anomaly(_Switch):
    """Anomaly detection: each op remembers where in user code it was created,
    and a NaN or Inf produced in backward raises a ``RuntimeError`` naming the
    op and that place."""

    _fields = ("anomaly",)

    def __init__(self, check_nan=True):
        super().__init__(bool(check_nan))


class set_detect_anomaly(detect_anomaly):
    """``set_detect_anomaly(mode)``: as ``detect_anomaly`` and, like
    ``set_grad_enabled``, effective at once when called."""

    def __init__(self, mode, check_nan=True):
        super().__init__(bool(mode))
        self._prev.append((_state.anomaly,))
        _set("anomaly", self._values[0])

    def __enter__(self):
        return self


def is_anomaly_enabled():
    """True inside ``detect_anomaly``."""
    return _state.anomaly
