"""Gradient buckets of ``DistributedDataParallel``: averaging across ranks
while backward is still running.

Parameters are grouped into buckets in the reverse order of
``module.parameters()`` (roughly the order backward produces their
gradients), one dtype per bucket, the first bucket up to 1 MB (or ``bucket_cap_mb`` if
smaller) and the others up to ``bucket_cap_mb`` (PyTorch's defaults: 1 MB
and 25 MB; a bucket closes once it reaches its cap). Each bucket is
one flat array. A parameter's post-accumulate-grad hook copies its ``.grad``
into its slice; when every parameter of a bucket is in, the bucket's
all-reduce (a sum) starts without blocking, in bucket order on every rank
(MPI matches collectives by order, so a bucket ready early waits for the
buckets before it). When the last bucket has started, the reducer waits for
all of them and writes ``sum / world_size`` back into each ``.grad`` (every
hook in between tests the buckets in flight: MPI moves a transfer on only
inside its calls):

    ḡ_p = (1/N) Σ_r g_p^(r)

which is the gradient of the mean loss over the N ranks' batches together.
"""
import time

import numpy as np

import autograd_core.distributed as dist
from autograd_core.tensor import Tensor

FIRST_BUCKET_BYTES = 1 << 20


def assign_buckets(params, cap_bytes, first_cap_bytes=FIRST_BUCKET_BYTES):
    """Lists of parameter indices, reverse parameter order, one dtype per bucket."""
    buckets, open_ = [], {}  # dtype -> (indices, bytes) of the bucket being filled
    for i in reversed(range(len(params))):
        a = params[i]._data
        idx, size = open_.get(a.dtype, ([], 0))
        idx.append(i)
        size += a.nbytes
        cap = min(first_cap_bytes, cap_bytes) if not buckets else cap_bytes
        if size >= cap:
            buckets.append(idx)
            open_.pop(a.dtype, None)
        else:
            open_[a.dtype] = (idx, size)
    buckets.extend(idx for idx, _ in open_.values())
    return buckets


class Bucket:
    """One flat array holding the gradients of some parameters, end to end."""

    def __init__(self, params, indices):
        self.indices = indices
        dtype = params[indices[0]]._data.dtype
        sizes = [params[i]._data.size for i in indices]
        self.offsets = dict(zip(indices, np.cumsum([0] + sizes[:-1]).tolist()))
        self.flat = Tensor(np.zeros(sum(sizes), dtype))
        self.pending = len(indices)
        self.work = None

    def view(self, i, shape):
        o = self.offsets[i]
        return self.flat._data[o:o + int(np.prod(shape, dtype=np.int64))].reshape(shape)


class Reducer:
    """Averages the gradients of ``params`` over the group, bucket by bucket, during backward."""

    def __init__(self, params, names, group, cap_bytes):
        self.params, self.names, self.group = params, names, group
        self.buckets = [Bucket(params, idx) for idx in assign_buckets(params, cap_bytes)]
        self.where = {i: b for b in self.buckets for i in b.indices}
        self.active = False  # a synced backward is expected (set by DDP's forward)
        self.handles = [p.register_post_accumulate_grad_hook(self._hook(i)) for i, p in enumerate(params)]
        self.used = None  # find_unused_parameters: the locally used mask, being summed over ranks
        self.stats = {"bytes": 0, "wait_s": 0.0, "launch_times": [], "finish_time": None}

    # -- one backward pass -----------------------------------------------------------
    def prepare(self, unused=None):
        """A synced backward follows. ``unused``: indices of parameters the
        forward did not reach (find_unused_parameters): ready at once."""
        if self.active and self.ready:  # a backward delivered some gradients, not all
            self._unfinished()
        self.active = True
        self.next = 0
        self.ready = set()
        self.stats.update(bytes=0, wait_s=0.0, launch_times=[], finish_time=None)
        for b in self.buckets:
            b.pending = len(b.indices)
            b.work = None
        if unused is not None:
            mask = np.ones(len(self.params), np.int32)
            mask[list(unused)] = 0
            self.used = Tensor(mask)
            self.used_work = dist.all_reduce(self.used, group=self.group, async_op=True)
            for i in unused:
                self._mark(i)

    def _hook(self, i):
        def hook(p):
            if self.active:
                self._mark(i)
        return hook

    def _mark(self, i):
        if i in self.ready:
            raise RuntimeError(f"DistributedDataParallel: parameter {self.names[i]} was marked ready twice in one "
                               "backward pass (a second backward through the same forward, or a parameter used "
                               "after find_unused_parameters declared it unused)")
        self.ready.add(i)
        b = self.where[i]
        p = self.params[i]
        out = b.view(i, p._data.shape)
        if p.grad is None:
            out[...] = 0
        else:
            np.copyto(out, p.grad._data)
        b.pending -= 1
        for launched in self.buckets[:self.next]:  # MPI moves a transfer on only inside its calls
            launched.work.is_completed()
        while self.next < len(self.buckets) and self.buckets[self.next].pending == 0:
            nb = self.buckets[self.next]
            nb.work = dist.all_reduce(nb.flat, group=self.group, async_op=True)
            self.stats["bytes"] += nb.flat._data.nbytes
            self.stats["launch_times"].append(time.perf_counter())
            self.next += 1
        if self.next == len(self.buckets):
            self._finish()

    def _finish(self):
        t0 = time.perf_counter()
        for b in self.buckets:
            b.work.wait()
        if self.used is not None:
            self.used_work.wait()
        self.stats["wait_s"] = time.perf_counter() - t0
        n = self.group.size()
        for b in self.buckets:
            np.divide(b.flat._data, n, out=b.flat._data)
            for i in b.indices:
                p = self.params[i]
                if self.used is not None and self.used._data[i] == 0:
                    continue  # no rank used it: its .grad stays as it was
                if p.grad is None:
                    p.grad = Tensor(b.view(i, p._data.shape).copy())
                else:
                    np.copyto(p.grad._data, b.view(i, p._data.shape))
        self.used = None
        self.active = False
        self.stats["finish_time"] = time.perf_counter()

    def _unfinished(self):
        missing = [self.names[i] for i in range(len(self.params)) if i not in self.ready]
        raise RuntimeError(
            "DistributedDataParallel: expected to have finished reduction in the prior iteration before starting a "
            "new one. This error indicates that your module has parameters that were not used in producing loss "
            "(or that backward was not called). You can enable unused parameter detection by passing the keyword "
            "argument `find_unused_parameters=True` to DistributedDataParallel. Parameters which did not receive "
            f"grad for rank {self.group.rank()}: {', '.join(missing)}")

    def remove(self):
        for h in self.handles:
            h.remove()
