"""Parameter containers: ``ParameterList`` and ``ParameterDict``, as in
PyTorch. Tensors put into them are wrapped in ``Parameter``; the entries are
registered parameters named by position ('0', '1', ...) or key, so they are
the state-dict keys and ``parameters()`` sees them."""
from autograd_core.tensor import Tensor

from .containers import _KeyedEntries, _position
from .module import Module
from .parameter import Parameter


def _as_parameter(value):
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value)
    return value


def _param_line(key, p):
    size = "x".join(str(s) for s in p.shape)
    return f"({key}): Parameter containing: [{p.dtype} of size {size}]"


class ParameterList(Module):
    """A list of parameters (tensors given are wrapped in ``Parameter``)."""

    def __init__(self, values=None):
        super().__init__()
        if values is not None:
            self.extend(values)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ParameterList(list(self._parameters.values())[idx])
        return self._parameters[str(_position(idx, len(self), "ParameterList"))]

    def __setitem__(self, idx, value):
        self.register_parameter(str(_position(idx, len(self), "ParameterList")), _as_parameter(value))

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters.values())

    def append(self, value):
        self.register_parameter(str(len(self)), _as_parameter(value))
        return self

    def extend(self, values):
        for v in values:
            self.append(v)
        return self

    __iadd__ = extend

    def extra_repr(self):
        return "\n".join(_param_line(k, p) for k, p in self._parameters.items())


class ParameterDict(_KeyedEntries):
    """An ordered dict of parameters (tensors given are wrapped in ``Parameter``)."""

    def __init__(self, parameters=None):
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    @property
    def _entries(self):
        return self._parameters

    def __setitem__(self, key, value):
        self.register_parameter(key, _as_parameter(value))

    def update(self, parameters):
        pairs = parameters.items() if hasattr(parameters, "items") else parameters
        for key, p in pairs:
            self[key] = p

    def get(self, key, default=None):
        return self._parameters[key] if key in self._parameters else default

    def popitem(self):
        """Remove and return the last (key, parameter) pair inserted."""
        key = next(reversed(self._parameters))
        return key, self.pop(key)

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def copy(self):
        """A new ParameterDict holding the same parameter objects."""
        return ParameterDict(self._parameters.items())

    @classmethod
    def fromkeys(cls, keys, default=None):
        return cls((k, default) for k in keys)

    def __reversed__(self):
        return reversed(self._parameters)

    def __or__(self, other):
        out = self.copy()
        out.update(other)
        return out

    def __ror__(self, other):
        out = ParameterDict(other)
        out.update(self)
        return out

    def __ior__(self, other):
        self.update(other)
        return self

    def extra_repr(self):
        return "\n".join(_param_line(k, p) for k, p in self._parameters.items())
