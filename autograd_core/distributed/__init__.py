"""``torch.distributed`` over MPI: process groups and collectives.

    import autograd_core.distributed as dist     # torch.distributed after the one-import port
    dist.init_process_group("mpi")               # rank and world size from mpiexec
    dist.all_reduce(t, op=dist.ReduceOp.SUM)     # in place, on every rank

Launch with ``mpiexec -n 2 python script.py``. The transport is MPI
(``mpi4py`` over the Open MPI or MPICH wheels: ``pip install
'autograd-core[distributed]'``). ``DistributedDataParallel`` is in
``nn.parallel`` and ``DistributedSampler`` in ``data.distributed``; see
docs/distributed.md.
"""
from .collectives import (
    ReduceOp,
    Work,
    all_gather,
    all_gather_into_tensor,
    all_reduce,
    barrier,
    broadcast,
    reduce_scatter,
    reduce_scatter_tensor,
)
from .group import (
    DistBackendError,
    DistError,
    GroupMember,
    ProcessGroup,
    destroy_process_group,
    get_backend,
    get_rank,
    get_world_size,
    group,
    init_process_group,
    is_available,
    is_gloo_available,
    is_initialized,
    is_mpi_available,
    is_nccl_available,
)

__all__ = [
    "DistBackendError", "DistError", "GroupMember", "ProcessGroup", "ReduceOp", "Work", "all_gather",
    "all_gather_into_tensor", "all_reduce", "barrier", "broadcast", "destroy_process_group", "get_backend",
    "get_rank", "get_world_size", "group", "init_process_group", "is_available", "is_gloo_available",
    "is_initialized", "is_mpi_available", "is_nccl_available", "reduce_scatter", "reduce_scatter_tensor",
]
