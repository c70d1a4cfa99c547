"""Gradient-recording switches: ``no_grad``, ``enable_grad``, ``set_grad_enabled``,
``is_grad_enabled`` and ``detect_anomaly``.

All are context managers and decorators, as in PyTorch. The state is module
global (one thread of training, like PyTorch's default).
"""
import functools

# _state[0]: is grad recording on; _state[1]: is anomaly detection on.
# A list so that hot paths read it without attribute lookups on a module.
_state = [True, False]


def is_grad_enabled():
    """True when operations on tensors that require grad record a graph."""
    return _state[0]


class _Switch:
    """Base of the context managers: sets a flag on enter, restores it on exit."""

    _slot = 0

    def __init__(self, mode=None):
        self.mode = mode
        self._prev = []

    def __enter__(self):
        self._prev.append(_state[self._slot])
        _state[self._slot] = self.mode
        return self

    def __exit__(self, *exc):
        _state[self._slot] = self._prev.pop()
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with type(self)(*self._args()):
                return fn(*args, **kwargs)

        return wrapper

    def _args(self):
        return ()


class no_grad(_Switch):
    """Disable graph recording: results do not require grad."""

    def __init__(self):
        super().__init__(False)


class enable_grad(_Switch):
    """Enable graph recording inside a ``no_grad`` region."""

    def __init__(self):
        super().__init__(True)


class set_grad_enabled(_Switch):
    """Set graph recording on or off. Takes effect at once, like PyTorch, so
    ``set_grad_enabled(False)`` works as a plain call too."""

    def __init__(self, mode):
        super().__init__(bool(mode))
        self._prev.append(_state[0])
        _state[0] = self.mode

    def __enter__(self):
        return self

    def __call__(self, fn):
        _state[0] = self._prev.pop()  # used as a decorator: undo the call's effect
        return super().__call__(fn)

    def _args(self):
        return (self.mode,)


class detect_anomaly(_Switch):
    """Anomaly detection: each op remembers where in user code it was created,
    and a NaN or Inf produced in backward raises a ``RuntimeError`` naming the
    op and that place."""

    _slot = 1

    def __init__(self, check_nan=True):
        super().__init__(bool(check_nan))


def is_anomaly_enabled():
    """True inside ``detect_anomaly``."""
    return _state[1]
