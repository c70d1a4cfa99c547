"""Messages from a worker to the main process over a pipe, without copies of
the arrays they hold.

A message is pickled with protocol 5 and out-of-band buffers: the pickle
itself is small, and the memory of each contiguous numpy array travels as is.
On the pipe:

    uint64 length of the pickle, uint32 number of buffers n, int32 slot,
    n x uint64 buffer sizes, the pickle, then the n buffers unless slot >= 0

With ``slots`` (shared memory, see ``slots.py``) the buffers are copied once
into a free slot and the main process builds the arrays on it (slot >= 0).
Otherwise the worker writes the buffers straight from the arrays' memory and
the main process reads each one straight into a new uninitialised array,
which becomes the memory of the received (writable) array. ``multiprocessing.Connection``
would copy a batch four times (into the pickle, into a ``BytesIO`` while
reading, out of it, and out of the pickle). A ``Tensor`` crosses as its array
and its ``requires_grad`` flag (a leaf, without graph).
"""
import collections
import copyreg
import io
import os
import pickle
import struct

import numpy as np

from autograd_core.tensor import Tensor

from .slots import offsets

_HEAD = struct.Struct("!QIi")
SMALL = 1 << 16


def _rebuild_tensor(data, requires_grad):
    return Tensor(data, requires_grad=requires_grad)


def _reduce_tensor(t):
    return _rebuild_tensor, (t._data, t.requires_grad)


class _Pickler(pickle.Pickler):
    # a tensor crosses as its array (out of band) and requires_grad: a leaf, no graph
    dispatch_table = collections.ChainMap({Tensor: _reduce_tensor}, copyreg.dispatch_table)


def _write_all(fd, data):
    view = memoryview(data).cast("B")
    while view:
        view = view[os.write(fd, view):]


def send(fd, obj, slots=None):
    """Write ``obj`` on the pipe ``fd`` (raises what pickling raises, before
    anything is written, and ``BrokenPipeError`` if the reader is gone)."""
    buffers, out = [], io.BytesIO()
    _Pickler(out, protocol=5, buffer_callback=buffers.append).dump(obj)
    body = out.getbuffer()
    raws = [b.raw() for b in buffers]
    sizes = [r.nbytes for r in raws]
    slot = -1
    if slots is not None and raws and sum(sizes) >= SMALL and offsets(sizes)[1] <= slots.size:
        slot = slots.acquire()
        if slot is None:
            slot = -1
        else:
            slots.write(slot, raws)
            raws = []
    head = _HEAD.pack(len(body), len(sizes), slot) + struct.pack(f"!{len(sizes)}Q", *sizes)
    if sum(r.nbytes for r in raws) < SMALL:  # one write: one wake-up of the reader
        _write_all(fd, b"".join([head, body, *raws]))
        return
    _write_all(fd, head + body)
    for r in raws:
        _write_all(fd, r)


def _read_into(f, view):
    while view:
        n = f.readinto(view)
        if not n:
            raise EOFError("the worker's pipe closed in the middle of a message")
        view = view[n:]


def _read(f, n):
    buf = bytearray(n)
    _read_into(f, memoryview(buf))
    return buf


def recv(f, slots=None):
    """Read one message from ``f`` (an unbuffered binary file on the pipe);
    ``EOFError`` when the pipe is closed."""
    first = f.read(_HEAD.size)
    if not first:
        raise EOFError("the worker's pipe is closed")
    head = bytes(first)
    if len(head) < _HEAD.size:
        head += bytes(_read(f, _HEAD.size - len(head)))
    body_len, n, slot = _HEAD.unpack(head)
    sizes = struct.unpack(f"!{n}Q", _read(f, 8 * n)) if n else ()
    body = _read(f, body_len)
    if slot >= 0:
        buffers = slots.lease(slot, sizes)
    else:
        buffers = []
        for size in sizes:
            buf = np.empty(size, np.uint8)
            _read_into(f, memoryview(buf))
            buffers.append(buf)
    return pickle.loads(body, buffers=buffers)
