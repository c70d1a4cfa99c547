"""``WatchedDict``: an ordered dict that counts its changes.

``nn.Module`` keeps its parameters, buffers, submodules and forward hooks in
these (and counts assignments to ``training``), so one global counter,
``changes()``, moves whenever any module's structure, parameter identities,
training flag or hooks may have changed. A compiled module's guard on its
module tree (``frontend._module_key``: a walk over every submodule) is then
computed once and reused while the counter stands still; a tree with any
registry that is not a ``WatchedDict`` is walked on every call.
"""
from collections import OrderedDict

_changes = [0]


def changes():
    """The number of changes to every WatchedDict (and module training flag) so far."""
    return _changes[0]


def changed():
    """Count a change the dicts cannot see (a module's ``training`` assigned)."""
    _changes[0] += 1


class WatchedDict(OrderedDict):
    """An ``OrderedDict`` whose every mutation counts in ``changes()``; reads cost what they cost."""

    __slots__ = ()

    def __setitem__(self, key, value):
        _changes[0] += 1
        OrderedDict.__setitem__(self, key, value)

    def __delitem__(self, key):
        _changes[0] += 1
        OrderedDict.__delitem__(self, key)

    def pop(self, *args):
        _changes[0] += 1
        return OrderedDict.pop(self, *args)

    def popitem(self, last=True):
        _changes[0] += 1
        return OrderedDict.popitem(self, last)

    def clear(self):
        _changes[0] += 1
        OrderedDict.clear(self)

    def update(self, *args, **kwargs):
        _changes[0] += 1
        OrderedDict.update(self, *args, **kwargs)

    def setdefault(self, key, default=None):
        _changes[0] += 1
        return OrderedDict.setdefault(self, key, default)

    def move_to_end(self, key, last=True):
        _changes[0] += 1
        OrderedDict.move_to_end(self, key, last)

    def __ior__(self, other):
        _changes[0] += 1
        return OrderedDict.__ior__(self, other)
