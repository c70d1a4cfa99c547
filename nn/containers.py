"""Module containers: ``Sequential``, ``ModuleList`` and ``ModuleDict``, as in
PyTorch (``ParameterList`` and ``ParameterDict`` are in
``parameter_containers.py``).

Their entries are ordinary registered submodules (or parameters) whose
names are their positions ('0', '1', ...) or keys, so state-dict keys read
``'0.weight'`` or ``'blocks.2.bias'``. Deleting from a ``Sequential`` or a
``ModuleList`` renumbers the rest.
"""
import operator
from collections import OrderedDict

from .module import Module


def _position(idx, n, kind):
    """A non-negative position from a possibly negative index."""
    idx = operator.index(idx)
    if not -n <= idx < n:
        raise IndexError(f"index {idx} is out of range for a {kind} of length {n}")
    return idx % n


class _IndexedModules(Module):
    """Shared by Sequential and ModuleList: modules named '0', '1', ..."""

    def _renumber(self, modules):
        self._modules.clear()
        for i, m in enumerate(modules):
            self._modules[str(i)] = m

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __setitem__(self, idx, module):
        key = list(self._modules)[_position(idx, len(self), type(self).__name__)]
        setattr(self, key, module)

    def __delitem__(self, idx):
        mods = list(self._modules.values())
        if isinstance(idx, slice):
            del mods[idx]
        else:
            del mods[_position(idx, len(mods), type(self).__name__)]
        self._renumber(mods)

    def append(self, module):
        """Add ``module`` at the end."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        for m in modules:
            self.append(m)
        return self

    def insert(self, index, module):
        """Insert ``module`` before position ``index`` (as ``list.insert``)."""
        if not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        mods = list(self._modules.values())
        mods.insert(operator.index(index), module)  # list semantics
        self._renumber(mods)
        return self

    def pop(self, index=-1):
        m = self[index]
        del self[index]
        return m

    def __dir__(self):
        return [k for k in super().__dir__() if not k.isdigit()]


class Sequential(_IndexedModules):
    """Calls its modules in order, each on the previous one's output.
    ``Sequential(m0, m1, ...)`` names them '0', '1', ...;
    ``Sequential(OrderedDict(name=module, ...))`` keeps the names."""

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for key, m in args[0].items():
                self.add_module(key, m)
        else:
            for i, m in enumerate(args):
                self.add_module(str(i), m)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        return list(self._modules.values())[_position(idx, len(self), "Sequential")]

    def __add__(self, other):
        if not isinstance(other, Sequential):
            raise ValueError(f"add operator supports only objects of Sequential class, got "
                             f"{type(other).__name__}")
        return Sequential(*self, *other)

    def __iadd__(self, other):
        if not isinstance(other, Sequential):
            raise ValueError(f"add operator supports only objects of Sequential class, but {type(other).__name__} "
                             "is given.")
        for m in list(other):
            self.append(m)
        return self

    def __mul__(self, other):
        """The modules repeated ``other`` times (the same module objects, as in PyTorch)."""
        if not isinstance(other, int) or isinstance(other, bool) or other <= 0:
            raise ValueError(f"Non-positive multiplication factor {other!r} for Sequential")
        return Sequential(*(list(self) * other))

    __rmul__ = __mul__

    def __imul__(self, other):
        self._renumber(list(self * other))
        return self

    def forward(self, input):
        for m in self:
            input = m(input)
        return input


class ModuleList(_IndexedModules):
    """A list of submodules (registered, so their parameters are seen); no forward."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ModuleList(list(self._modules.values())[idx])
        return self._modules[str(_position(idx, len(self), "ModuleList"))]

    def __iadd__(self, modules):
        return self.extend(modules)

    def __add__(self, other):
        return ModuleList(list(self) + list(other))

    def __repr__(self):
        """Runs of equal children print once: ``(0-2): 3 x Linear(...)``."""
        reprs = [repr(m) for m in self]
        if not reprs:
            return "ModuleList()"
        lines, start = [], 0
        for i in range(1, len(reprs) + 1):
            if i == len(reprs) or reprs[i] != reprs[start]:
                text = reprs[start].replace("\n", "\n  ")
                n = i - start
                lines.append(f"({start}): {text}" if n == 1 else f"({start}-{i - 1}): {n} x {text}")
                start = i
        return "ModuleList(\n  " + "\n  ".join(lines) + "\n)"


class _KeyedEntries(Module):
    """Shared by ModuleDict and ParameterDict: the dict methods over the
    registered entries ``self._entries`` (``_modules`` or ``_parameters``),
    whose keys are the names in the state dict. Subclasses define the
    ``_entries`` property."""

    def __getitem__(self, key):
        return self._entries[key]

    def __delitem__(self, key):
        del self._entries[key]

    def __len__(self):
        return len(self._entries)

    def __iter__(self):
        return iter(self._entries)

    def __contains__(self, key):
        return key in self._entries

    def keys(self):
        return self._entries.keys()

    def items(self):
        return self._entries.items()

    def values(self):
        return self._entries.values()

    def clear(self):
        self._entries.clear()

    def pop(self, key):
        entry = self[key]
        del self[key]
        return entry


class ModuleDict(_KeyedEntries):
    """An ordered dict of submodules (keys are the names in the state dict)."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    @property
    def _entries(self):
        return self._modules

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def update(self, modules):
        pairs = modules.items() if hasattr(modules, "items") else modules
        for key, m in pairs:
            self[key] = m
