"""``nn.parallel``: ``DistributedDataParallel`` (data parallelism over MPI ranks; see docs/distributed.md)."""
from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
