"""Shared-memory slots through which a forked worker hands batches to the
main process without copying them through a pipe.

``Slots(n, size)`` maps ``n`` slots of ``size`` bytes of anonymous shared
memory, plus one state byte per slot (0 free, 1 taken), before the worker is
forked, so both processes see the same pages. The worker takes a free slot
(``acquire``), copies the arrays of a batch into it and sends only their
offsets on the pipe; the main process wraps the slot's memory in a ctypes
object and builds the batch's arrays on it (``lease``): no copy, and no page
is faulted in again, since slots are reused. When the last array built on a
slot is garbage-collected, the ctypes object dies and a finalizer marks the
slot free. With no free slot (the user keeps many batches) or a batch larger
than a slot, the worker sends through the pipe instead.
"""
import ctypes
import mmap
import weakref

import numpy as np

ALIGN = 64


def offsets(sizes):
    """Where each buffer starts in a slot (each aligned to 64 bytes) and the total."""
    out, pos = [], 0
    for s in sizes:
        out.append(pos)
        pos += -(-s // ALIGN) * ALIGN
    return out, pos


class Slots:
    def __init__(self, n, size):
        self.n, self.size = n, size
        self.mem = mmap.mmap(-1, n * size)  # MAP_SHARED | MAP_ANONYMOUS: shared with forked children
        self._state_mem = mmap.mmap(-1, n)
        self.state = np.frombuffer(self._state_mem, np.uint8)

    def acquire(self):
        """A free slot, now taken; None if there is none (worker side)."""
        free = np.flatnonzero(self.state == 0)
        if not len(free):
            return None
        i = int(free[0])
        self.state[i] = 1
        return i

    def write(self, i, raws):
        """Copy the buffers ``raws`` into slot ``i`` (worker side)."""
        view = np.frombuffer(self.mem, np.uint8, self.size, i * self.size)
        for off, raw in zip(offsets([r.nbytes for r in raws])[0], raws):
            view[off:off + raw.nbytes] = np.frombuffer(raw, np.uint8)

    def lease(self, i, sizes):
        """Arrays of uint8 over the buffers of slot ``i``; the slot is freed
        when they are all gone (main process side)."""
        whole = (ctypes.c_char * self.size).from_buffer(self.mem, i * self.size)
        weakref.finalize(whole, self.state.__setitem__, i, 0)
        base = np.frombuffer(whole, np.uint8)
        return [base[off:off + s] for off, s in zip(offsets(sizes)[0], sizes)]
