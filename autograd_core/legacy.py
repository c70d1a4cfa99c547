"""The legacy tensor types of PyTorch: ``FloatTensor``, ``DoubleTensor``,
``HalfTensor``, ``LongTensor``, ``IntTensor``, ``ShortTensor``,
``CharTensor``, ``ByteTensor`` and ``BoolTensor``.

``FloatTensor(2, 3)`` makes a tensor of that size (zero-filled here; PyTorch
leaves it uninitialised), ``FloatTensor([1, 2])`` one from data; each is a
``Tensor`` of its dtype, and ``isinstance(t, FloatTensor)`` checks the dtype,
as in PyTorch. ``t.type()`` gives these names, ``t.type(LongTensor)`` converts.
"""
import numpy as np

from .device import check_device
from .size import Size
from .tensor import Tensor, as_array


class _LegacyType(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype


class _Legacy(metaclass=_LegacyType):
    dtype = None

    def __new__(cls, *args, device=None):
        check_device(device, cls.__name__)
        if not args:
            return Tensor(np.empty((0,), cls.dtype))
        if len(args) == 1 and isinstance(args[0], Size) or all(_is_int(a) for a in args):
            shape = tuple(args[0]) if isinstance(args[0], Size) else tuple(int(a) for a in args)
            return Tensor(np.zeros(shape, cls.dtype))
        if len(args) == 1:
            return Tensor(np.array(as_array(args[0], cls.dtype), copy=True))
        raise TypeError(f"{cls.__name__}(): expected sizes (ints) or one sequence of data, got {args}")


def _is_int(a):
    return isinstance(a, (int, np.integer)) and not isinstance(a, bool)


def _legacy(name, dtype):
    doc = f"A {np.dtype(dtype).name} tensor (legacy constructor)."
    return _LegacyType(name, (_Legacy,), {"dtype": np.dtype(dtype), "__doc__": doc})


FloatTensor = _legacy("FloatTensor", np.float32)
DoubleTensor = _legacy("DoubleTensor", np.float64)
HalfTensor = _legacy("HalfTensor", np.float16)
LongTensor = _legacy("LongTensor", np.int64)
IntTensor = _legacy("IntTensor", np.int32)
ShortTensor = _legacy("ShortTensor", np.int16)
CharTensor = _legacy("CharTensor", np.int8)
ByteTensor = _legacy("ByteTensor", np.uint8)
BoolTensor = _legacy("BoolTensor", np.bool_)
