"""Making tensors: ``tensor``, ``zeros``, ``ones``, ``full``, ``empty``,
``arange``, ``linspace``, ``eye``, the ``*_like`` variants and ``from_numpy``.
The random factories live in ``random.py``.

Every factory takes PyTorch's ``device=`` (None, ``'cpu'`` or a
``device``; another device raises, see ``device.py``); floating results
without a ``dtype`` have the default dtype (``set_default_dtype``)."""
import operator

import numpy as np

from .device import check_device
from .dtypes import get_default_dtype
from .tensor import Tensor, as_array

_INT64_MAX = np.iinfo(np.int64).max


def _dim(s):
    """``s`` as a dimension (an int, a numpy integer or a one-element integer tensor), or None."""
    if type(s) is int:
        return s
    if isinstance(s, (bool, np.bool_)):  # an index (True == 1) but never meant as a size
        return None
    try:
        return operator.index(s)
    except TypeError:
        return None


def size_arg(size, name, size_kw=None):
    """The shape tuple of a factory's ``*size`` (``zeros(2, 3)``, ``zeros((2, 3))``, ``zeros([2, 3])``,
    ``zeros(Size)``) or ``size=`` keyword, as PyTorch reads it: dimensions are ints (numpy integers and
    one-element integer tensors too), never floats, strings or bools (``TypeError``), and not negative
    (``RuntimeError``). No size at all is a 0-d tensor (PyTorch asks for one)."""
    if size_kw is not None:
        if size:
            raise TypeError(f"{name}() got multiple values for argument 'size'")
        size = (size_kw,)
    if len(size) == 1 and isinstance(size[0], (tuple, list, np.ndarray)):
        size = size[0]
    elif len(size) == 1 and _dim(size[0]) is None:
        raise TypeError(f"{name}(): argument 'size' (position 1) must be tuple of ints, not "
                        f"{type(size[0]).__name__}")
    shape = tuple(_dim(s) for s in size)
    for i, s in enumerate(shape):
        if s is None:
            raise TypeError(f"{name}(): argument 'size' (position 1) must be tuple of ints, but found element "
                            f"of type {type(size[i]).__name__} at pos {i}")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(shape)}")
        if s > _INT64_MAX:
            raise TypeError(f"{name}(): argument 'size' has a dimension {s} that does not fit in int64")
    return shape


def _size_kw(kw, name):
    """The ``size=`` keyword of a factory taking ``*size``; any other keyword is refused."""
    size = kw.pop("size", None)
    if kw:
        raise TypeError(f"{name}() got an unexpected keyword argument {next(iter(kw))!r}")
    return size


def _make(arr, requires_grad):
    return Tensor(arr, requires_grad=requires_grad)


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor that owns a copy of ``data`` (the default dtype for Python floats)."""
    check_device(device, "tensor")
    arr = np.array(as_array(data, dtype), copy=True)
    return _make(arr, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """``data`` as a tensor, sharing memory with a numpy array when it can."""
    check_device(device, "as_tensor")
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtype):
        return data
    return Tensor(as_array(data, dtype))


def from_numpy(array):
    """A tensor sharing memory with ``array`` (same dtype)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    return Tensor(array)


def zeros(*size, dtype=None, device=None, requires_grad=False, **kw):
    check_device(device, "zeros")
    shape = size_arg(size, "zeros", _size_kw(kw, "zeros"))
    return _make(np.zeros(shape, dtype or get_default_dtype()), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, **kw):
    check_device(device, "ones")
    shape = size_arg(size, "ones", _size_kw(kw, "ones"))
    return _make(np.ones(shape, dtype or get_default_dtype()), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, **kw):
    check_device(device, "empty")
    shape = size_arg(size, "empty", _size_kw(kw, "empty"))
    return _make(np.empty(shape, dtype or get_default_dtype()), requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    """``size`` filled with ``fill_value``; the dtype follows it (bool, int64, or the default float)."""
    check_device(device, "full")
    if dtype is None:
        dtype = as_array(fill_value).dtype
    if not isinstance(size, (tuple, list, np.ndarray)):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not {type(size).__name__}")
    return _make(np.full(size_arg((size,), "full"), fill_value, dtype), requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    check_device(device, "eye")
    return _make(np.eye(n, m, dtype=dtype or get_default_dtype()), requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """``arange(5)``, ``arange(1, 4, 0.5)``: int64 for integer arguments, else the default float."""
    check_device(device, "arange")
    if end is None:
        start, end = 0, start
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if ints else get_default_dtype()
    return _make(np.arange(start, end, step).astype(dtype), requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    check_device(device, "linspace")
    return _make(np.linspace(start, end, steps).astype(dtype or get_default_dtype()), requires_grad)


def zeros_like(input, dtype=None, device=None, requires_grad=False):
    return zeros(input.shape, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad)


def ones_like(input, dtype=None, device=None, requires_grad=False):
    return ones(input.shape, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad)


def empty_like(input, dtype=None, device=None, requires_grad=False):
    return empty(input.shape, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False):
    return full(input.shape, fill_value, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad)
