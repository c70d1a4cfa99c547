"""Collectives on tensors, in ``torch.distributed``'s shape, over MPI.

Every collective works in place on the tensor's own array when that array is
C-contiguous (MPI reads and writes it through the buffer protocol: no copy);
a non-contiguous tensor goes through a contiguous copy that is written back.
``async_op=True`` returns a ``Work`` whose ``wait()`` finishes the operation;
otherwise the call returns when it is done. Waiting polls the nonblocking MPI
request and raises ``DistBackendError`` after the group's timeout, naming the
collective and the rank, instead of blocking for ever on a rank that failed.

Reductions (``ReduceOp``): SUM, AVG (the sum divided by the world size, for
floating tensors), PRODUCT, MIN, MAX, BAND, BOR, BXOR (integers).
"""
import enum
import time

import numpy as np

from ..tensor import Tensor
from .group import DistBackendError, _mpi, resolve

_DTYPES = {np.dtype(t) for t in (np.float32, np.float64, np.int8, np.int16, np.int32, np.int64, np.uint8)}


class ReduceOp(enum.Enum):
    SUM = "SUM"
    AVG = "AVG"
    PRODUCT = "PROD"
    MIN = "MIN"
    MAX = "MAX"
    BAND = "BAND"
    BOR = "BOR"
    BXOR = "BXOR"


class Work:
    """An operation in flight (``async_op=True``): ``wait()`` finishes it."""

    def __init__(self, request, name, group, finish=None):
        self._request, self._name, self._group, self._finish = request, name, group, finish
        self._done = False

    def is_completed(self):
        if not self._done and self._request.Test():
            self._complete()
        return self._done

    def wait(self, timeout=None):
        """Block until the operation is done; raise ``DistBackendError`` after
        ``timeout`` (default: the group's) seconds."""
        if self._done:
            return True
        limit = self._group.timeout if timeout is None else (
            timeout.total_seconds() if hasattr(timeout, "total_seconds") else float(timeout))
        start = time.monotonic()
        deadline = start + limit
        request = self._request
        while not request.Test():  # each Test also moves the transfer on (MPI progresses inside calls)
            now = time.monotonic()
            # spin as MPI's blocking calls do; past 20 ms yield the core to ranks that share it,
            # past a second a rank is far behind: nap
            waited = now - start
            if waited > 0.02:
                time.sleep(0 if waited < 1.0 else 1e-3)
            if now > deadline:
                raise DistBackendError(
                    f"[rank {self._group.rank()}] {self._name} timed out after {limit:g} s waiting for the other "
                    f"ranks (world size {self._group.size()}): a rank failed or never reached this collective")
        self._complete()
        return True

    def _complete(self):
        self._done = True
        if self._finish is not None:
            self._finish()
            self._finish = None


def _array(tensor, name):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(tensor).__name__}")
    a = tensor._data
    if a.dtype not in _DTYPES:
        raise TypeError(f"{name}: tensors of dtype {a.dtype} are not supported (float32, float64 and "
                        "integer types are)")
    return a


def _buffer(tensor, name):
    """(contiguous array MPI works on, function that writes it back into ``tensor``)."""
    a = _array(tensor, name)
    if a.flags.c_contiguous and a.flags.writeable:
        return a, lambda: _bump(tensor)
    buf = np.ascontiguousarray(a)

    def back():
        np.copyto(tensor._data, buf)
        _bump(tensor)
    return buf, back


def _bump(tensor):
    tensor._vc[0] += 1  # written in place, as by an in-place op


def _mpi_op(op, name, dtype):
    if not isinstance(op, ReduceOp):
        raise TypeError(f"{name}: op must be a dist.ReduceOp, got {op!r}")
    if op is ReduceOp.AVG and dtype.kind != "f":
        raise TypeError(f"{name}: ReduceOp.AVG needs a floating-point tensor, got {dtype}")
    if op in (ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR) and dtype.kind == "f":
        raise TypeError(f"{name}: {op.name} needs an integer tensor, got {dtype}")
    return getattr(_mpi(), "SUM" if op is ReduceOp.AVG else op.value)


def _averaging(op, buf, n):
    """What finishes a reduction: AVG divides the sum by the world size."""
    if op is ReduceOp.AVG:
        return lambda: np.divide(buf, n, out=buf)
    return lambda: None


def _check_world_sized(name, big, small, g):
    """``big`` must hold one ``small`` per rank, of the same dtype."""
    if big._data.size != small._data.size * g.size() or big._data.dtype != small._data.dtype:
        raise ValueError(f"{name}: a tensor of shape {tuple(big.shape)} ({big._data.dtype}) does not hold "
                         f"{g.size()} tensors of shape {tuple(small.shape)} ({small._data.dtype}), one per rank")


def _run(request, name, g, finish, async_op):
    work = Work(request, name, g, finish)
    if async_op:
        return work
    work.wait()
    return None


def _then(*steps):
    def run():
        for s in steps:
            s()
    return run


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """``tensor`` ← op over ranks of ``tensor``, on every rank (in place)."""
    g = resolve(group)
    buf, back = _buffer(tensor, "all_reduce")
    mpi_op = _mpi_op(op, "all_reduce", buf.dtype)
    request = g.comm.Iallreduce(_mpi().IN_PLACE, buf, op=mpi_op)
    return _run(request, "all_reduce", g, _then(_averaging(op, buf, g.size()), back), async_op)


def broadcast(tensor, src=None, group=None, async_op=False, group_src=None):
    """``tensor`` ← rank ``src``'s ``tensor``, on every rank."""
    g = resolve(group)
    src = group_src if src is None else src
    if src is None or not 0 <= src < g.size():
        raise ValueError(f"broadcast: src must be a rank in [0, {g.size() - 1}], got {src}")
    buf, back = _buffer(tensor, "broadcast")
    request = g.comm.Ibcast(buf, root=src)
    return _run(request, "broadcast", g, back, async_op)


def _check_like(name, what, t, ref):
    _array(t, name)
    if t._data.shape != ref.shape or t._data.dtype != ref.dtype:
        raise ValueError(f"{name}: {what} has shape {tuple(t.shape)} and dtype {t._data.dtype}; expected "
                         f"shape {tuple(ref.shape)} and dtype {ref.dtype}")


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """``tensor_list[r]`` ← rank r's ``tensor``, on every rank."""
    g = resolve(group)
    src = np.ascontiguousarray(_array(tensor, "all_gather"))
    if len(tensor_list) != g.size():
        raise ValueError(f"all_gather: tensor_list has {len(tensor_list)} tensors; the world has {g.size()} ranks")
    for i, t in enumerate(tensor_list):
        _check_like("all_gather", f"tensor_list[{i}]", t, src)
    out = np.empty((g.size(),) + src.shape, src.dtype)
    request = g.comm.Iallgather(src, out)

    def scatter():
        for t, part in zip(tensor_list, out):
            np.copyto(t._data, part)
            _bump(t)
    return _run(request, "all_gather", g, scatter, async_op)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """``output_tensor`` (world size × the input's first dimension) ← the ranks' inputs, concatenated."""
    g = resolve(group)
    src = np.ascontiguousarray(_array(input_tensor, "all_gather_into_tensor"))
    buf, back = _buffer(output_tensor, "all_gather_into_tensor")
    _check_world_sized("all_gather_into_tensor", output_tensor, input_tensor, g)
    request = g.comm.Iallgather(src, buf)
    return _run(request, "all_gather_into_tensor", g, back, async_op)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``input`` over ranks; rank r gets the r-th of the world-size equal slices in ``output``."""
    g = resolve(group)
    src = np.ascontiguousarray(_array(input, "reduce_scatter"))
    buf, back = _buffer(output, "reduce_scatter")
    _check_world_sized("reduce_scatter", input, output, g)
    mpi_op = _mpi_op(op, "reduce_scatter", buf.dtype)
    request = g.comm.Ireduce_scatter_block(src, buf, op=mpi_op)
    return _run(request, "reduce_scatter", g, _then(_averaging(op, buf, g.size()), back), async_op)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """``output`` on rank r ← op over ranks of their ``input_list[r]``."""
    g = resolve(group)
    if len(input_list) != g.size():
        raise ValueError(f"reduce_scatter: input_list has {len(input_list)} tensors; the world has {g.size()} ranks")
    ref = _array(output, "reduce_scatter")
    for i, t in enumerate(input_list):
        _check_like("reduce_scatter", f"input_list[{i}]", t, ref)
    stacked = Tensor(np.stack([t._data for t in input_list]))
    return reduce_scatter_tensor(output, stacked, op, group, async_op)


def barrier(group=None, async_op=False, device_ids=None, timeout=None):
    """Return when every rank has entered the barrier."""
    g = resolve(group)
    work = Work(g.comm.Ibarrier(), "barrier", g)
    if async_op:
        return work
    work.wait(timeout)
    return None
