"""Rank program: N ranks with batch B each train like one process with batch N·B.

Rank 0 also trains the reference (one process, the whole batch) itself,
then prints, per model and optimizer, the largest difference between
the two and whether all ranks hold identical parameters."""
import json
import sys

import numpy as np

import autograd_core as ag
import autograd_core.distributed as dist
import nn
import optim
from ag_cli import models
from nn.parallel import DistributedDataParallel as DDP

B, STEPS = 4, 3
OPTIMIZERS = {"sgd": lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9),
              "adam": lambda ps: optim.Adam(ps, lr=1e-3)}


def flat(model):
    return np.concatenate([p.detach().numpy().ravel() for p in model.parameters()])


def main():
    dist.init_process_group("mpi", timeout=60)
    n, r = dist.get_world_size(), dist.get_rank()
    results = {}
    runs = [(name, opt, "float32") for name in sys.argv[1].split(",") for opt in OPTIMIZERS]
    runs += [(name, "adam", "float64") for name in sys.argv[1].split(",")]  # Adam amplifies float32 rounding
    for name, opt_name, dtype in runs:
        make = OPTIMIZERS[opt_name]
        ref = models.build(name, seed=0).to(dtype)
        model = models.build(name, seed=r).to(dtype)  # rank r's own weights: DDP must replace them with rank 0's
        ddp = DDP(model, bucket_cap_mb=0.05)  # several buckets
        opt, ref_opt = make(model.parameters()), make(ref.parameters())
        loss_fn = nn.CrossEntropyLoss()
        rng = np.random.default_rng(7)
        for _ in range(STEPS):
            x = ag.tensor(rng.standard_normal((n * B, 1, 28, 28)).astype(dtype))
            y = ag.tensor(rng.integers(0, 10, n * B))
            opt.zero_grad()
            loss_fn(ddp(x[r * B:(r + 1) * B]), y[r * B:(r + 1) * B]).backward()
            opt.step()
            if r == 0:
                ref_opt.zero_grad()
                loss_fn(ref(x), y).backward()
                ref_opt.step()
        mine, want = flat(model), flat(ref)
        lo, hi = ag.tensor(mine), ag.tensor(mine)
        dist.all_reduce(lo, dist.ReduceOp.MIN)
        dist.all_reduce(hi, dist.ReduceOp.MAX)
        results[f"{name}/{opt_name}/{dtype}"] = {
            "max_abs_diff": float(np.abs(mine - want).max()),
            "max_abs_step": float(np.abs(want - flat(models.build(name, seed=0).to(dtype))).max()),
            "buckets": len(ddp.reducer.buckets),
            "ranks_identical": bool(np.array_equal(lo.numpy(), hi.numpy()))}
    if r == 0:
        print("RESULT " + json.dumps(results), flush=True)
    dist.destroy_process_group()


main()
