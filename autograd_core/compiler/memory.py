"""Memory: the buffer an array lies in, and whether one array is a view of another's elements,
found by addresses. numpy's ``.base`` cannot say it: it points at the array owning the memory,
past an array that owns none (an op's output that is a view of its input or of a work array),
so a view of such an output does not name it."""
import numpy as np


def buffer_of(a):
    """The object owning ``a``'s memory: the end of its ``.base`` chain (an ndarray, or the object an
    array was made on, such as ``as_strided``'s holder or a buffer)."""
    while getattr(a, "base", None) is not None:
        a = a.base
    return a


def address(a):
    return a.__array_interface__["data"][0]


def bounds(a):
    """The byte range [lo, hi) a non-empty array spans."""
    lo = hi = address(a)
    for n, st in zip(a.shape, a.strides):
        if st < 0:
            lo += st * (n - 1)
        else:
            hi += st * (n - 1)
    return lo, hi + a.itemsize


_BRUTE_FORCE = 1 << 22  # elements: above this a sparse array is not searched element by element


def _offsets(shape, strides):
    out = np.zeros((), np.int64)
    for n, st in zip(shape, strides):
        out = np.add.outer(out, np.arange(n, dtype=np.int64) * st)
    return out.ravel()


def elements_of(a, arr, offset):
    """Whether every element of ``a`` (same dtype, inside ``arr``'s byte range, ``offset`` bytes from
    ``arr``'s first element) is an element of ``arr``: on an element boundary when ``arr`` covers its
    range densely (contiguous up to the order and sign of its axes), else by the sets of offsets."""
    size = a.itemsize
    if offset % size or any(st % size for n, st in zip(a.shape, a.strides) if n > 1):
        return False
    step = size
    for st, n in sorted((abs(st), n) for n, st in zip(arr.shape, arr.strides) if n > 1):
        if st != step:
            break
        step *= n
    else:
        return True
    if a.size + arr.size > _BRUTE_FORCE:
        return False
    return bool(np.isin(_offsets(a.shape, a.strides) + offset, _offsets(arr.shape, arr.strides)).all())


def holder(a, candidates):
    """Among ``candidates`` ((array, key) pairs on ``a``'s buffer), ``((array, key, offset), others)``:
    the smallest array of ``a``'s dtype whose elements include all of ``a``'s (the most direct owner;
    None if none, or if ``a`` is empty), ``offset`` the bytes from its first element to ``a``'s; and
    the keys of the other arrays that share bytes with ``a``."""
    if a.size == 0:
        return None, []
    lo, hi = bounds(a)
    best, others = None, []
    for arr, key in candidates:
        if arr is a or arr.size == 0:
            continue
        alo, ahi = bounds(arr)
        if hi <= alo or ahi <= lo:
            continue
        offset = address(a) - address(arr)
        if (arr.dtype == a.dtype and alo <= lo and hi <= ahi and (best is None or ahi - alo < best[0])
                and elements_of(a, arr, offset)):
            if best is not None:
                others.append(best[2])
            best = (ahi - alo, arr, key, offset)
        else:
            others.append(key)
    return (None if best is None else best[1:]), others
