"""``Size``: a tensor's shape, as ``torch.Size`` (a tuple of ints with
``numel()``); ``t.shape`` and ``t.size()`` return one. Slicing gives a
``Size``, adding tuples gives a plain tuple (as in PyTorch)."""
import math


class Size(tuple):
    """A shape: a tuple of ints."""

    __slots__ = ()

    def __new__(cls, sizes=()):
        sizes = tuple(sizes)
        if not all(type(s) is int for s in sizes):
            sizes = tuple(_as_int(s) for s in sizes)
        return tuple.__new__(cls, sizes)

    def numel(self):
        """The number of elements of a tensor of this shape."""
        return math.prod(self)

    def __getitem__(self, item):
        out = tuple.__getitem__(self, item)
        return Size(out) if isinstance(item, slice) else out

    def __repr__(self):
        return f"torch.Size({list(self)})"

    def __reduce__(self):
        return (Size, (tuple(self),))


def _as_int(s):
    if hasattr(s, "__index__"):
        return s.__index__()
    raise TypeError(f"torch.Size() takes an iterable of 'int' (item 0 is '{type(s).__name__}')")
