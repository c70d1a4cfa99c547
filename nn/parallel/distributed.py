"""``DistributedDataParallel``: the same model on every rank, each rank on
its own share of the batch, gradients averaged across ranks during backward.

    dist.init_process_group("mpi")
    model = DistributedDataParallel(model)        # rank 0's weights everywhere
    loss_fn(model(x_shard), y_shard).backward()   # p.grad = mean over ranks
    opt.step()                                     # identical step on every rank

After construction every rank holds rank 0's parameters and buffers; each
synced backward leaves every parameter's ``.grad`` equal, on every rank, to
the average of the ranks' gradients (``reducer.py``: buckets all-reduced as
soon as their gradients are in, overlapping the rest of backward). With equal
shard sizes and a loss that is a mean over the batch, that is the gradient of
the mean loss over the whole global batch, so N ranks with batch B train like
one process with batch N·B.

``no_sync()`` skips the averaging for gradient accumulation (the gradients
add up locally; the next synced backward averages the sum).
``find_unused_parameters=True`` walks the graph of the forward's outputs and
counts the parameters it does not reach as ready. The state dict is the
wrapped module's under the ``module.`` prefix, as in PyTorch.
``check_reduction``, ``gradient_as_bucket_view`` and ``static_graph`` are
accepted for PyTorch's signature and change nothing here (the gradients are
copied into the buckets and back; the graph is walked only for
``find_unused_parameters``).
"""
import zlib
from contextlib import contextmanager

import numpy as np

import autograd_core.distributed as dist
from autograd_core.distributed.group import resolve
from autograd_core.grad_mode import is_grad_enabled
from autograd_core.graph import toposort
from autograd_core.tensor import Tensor

from ..module import Module
from .reducer import Reducer


class DistributedDataParallel(Module):
    """Data parallelism over the ranks of ``process_group`` (default: the world)."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True,
                 init_sync=True, process_group=None, bucket_cap_mb=None, find_unused_parameters=False,
                 check_reduction=False, gradient_as_bucket_view=False, static_graph=False):
        super().__init__()
        if device_ids is not None or output_device is not None:
            raise ValueError("DistributedDataParallel: device_ids and output_device are for CUDA; this engine runs "
                             "on 'cpu' (leave them None)")
        if dim != 0:
            raise ValueError(f"DistributedDataParallel: only dim=0 is supported, got {dim}")
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: expected an nn.Module, got {type(module).__name__}")
        group = dist.group.WORLD if process_group is None else process_group
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        if not named:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter "
                               "that requires a gradient.")
        self.module = module
        self.process_group = group
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.require_backward_grad_sync = True
        self.static_graph = static_graph
        self._check_same_model(named)
        if init_sync:
            self._broadcast([p for _, p in module.named_parameters()] + list(module.buffers()))
        cap = 25 if bucket_cap_mb is None else bucket_cap_mb
        self.reducer = Reducer([p for _, p in named], [n for n, _ in named], resolve(group),
                               int(cap * (1 << 20)))

    def _check_same_model(self, named):
        """Every rank must wrap the same parameter shapes (a mismatch would mix unrelated gradients)."""
        shapes = np.array([len(named), sum(p._data.size for _, p in named),
                           zlib.crc32(repr([(n, p._data.shape, str(p._data.dtype)) for n, p in named]).encode())],
                          np.int64)
        lo, hi = Tensor(shapes.copy()), Tensor(shapes.copy())
        dist.all_reduce(lo, dist.ReduceOp.MIN, group=self.process_group)
        dist.all_reduce(hi, dist.ReduceOp.MAX, group=self.process_group)
        if not (np.array_equal(lo._data, shapes) and np.array_equal(hi._data, shapes)):
            raise RuntimeError(f"DistributedDataParallel: the ranks wrap different models (rank "
                               f"{dist.get_rank(self.process_group)} has {len(named)} parameters with "
                               f"{shapes[1]} elements); every rank must build the same module")

    def _broadcast(self, tensors):
        works = [dist.broadcast(t, 0, group=self.process_group, async_op=True) for t in tensors]
        for w in works:
            w.wait()

    def forward(self, *inputs, **kwargs):
        sync = is_grad_enabled() and self.require_backward_grad_sync
        if self.broadcast_buffers and self.module.training:
            buffers = list(self.module.buffers())
            if buffers:
                self._broadcast(buffers)
        out = self.module(*inputs, **kwargs)
        if sync:
            unused = self._unused(out) if self.find_unused_parameters else None
            self.reducer.prepare(unused)
        return out

    def _unused(self, out):
        """Indices of the parameters the graph of ``out`` does not reach."""
        tensors = [t for t in _tensors(out) if t.requires_grad]
        _, leaves = toposort(tensors)
        reached = {id(t) for t in leaves}
        return [i for i, p in enumerate(self.reducer.params) if id(p) not in reached]

    @contextmanager
    def no_sync(self):
        """Backward passes of forwards run inside this block accumulate
        gradients locally without averaging them across ranks."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    def extra_repr(self):
        return f"world_size={dist.get_world_size(self.process_group)}, buckets={len(self.reducer.buckets)}"


def _tensors(out):
    """The tensors in a forward's output (a tensor, or lists, tuples and dicts of them)."""
    if isinstance(out, Tensor):
        yield out
    elif isinstance(out, (list, tuple)):
        for o in out:
            yield from _tensors(o)
    elif isinstance(out, dict):
        for o in out.values():
            yield from _tensors(o)
