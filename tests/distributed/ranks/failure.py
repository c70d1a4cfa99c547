"""Rank program: one rank fails while the others train, as ``failure.py MODE``.

raise: the last rank raises at step 2; the uncaught exception aborts the job.
hang:  the last rank stops taking part (sleeps); the others' collectives time
       out after 2 s with DistBackendError, which aborts the job."""
import sys
import time

import autograd_core as ag
import autograd_core.distributed as dist
import nn
from nn.parallel import DistributedDataParallel as DDP

mode = sys.argv[1]
dist.init_process_group("mpi", timeout=2.0)
n, r = dist.get_world_size(), dist.get_rank()
model = DDP(nn.Linear(4, 1))
for step in range(5):
    if step == 2 and r == n - 1:
        if mode == "raise":
            raise ValueError(f"boom on rank {r} at step {step}")
        time.sleep(60)
    model(ag.randn(3, 4)).sum().backward()
print(f"rank {r} finished: the failure went unnoticed", flush=True)
