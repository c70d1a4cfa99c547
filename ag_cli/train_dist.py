"""``autograd train --nproc N``: the same training as N MPI ranks, data parallel.

The command starts ``mpiexec -n N python -m ag_cli.train_dist`` (the
``mpiexec`` of the MPI wheel, ranks on 127.0.0.1, one BLAS thread each) and
hands the parsed arguments to the ranks in the environment. Every rank builds
the same model, wraps it in ``DistributedDataParallel`` and reads its own
share of each epoch through a ``DistributedSampler`` (a new order every
epoch, drawn from the generator seeded with ``--seed``); ``--batch-size`` is
per rank, as in PyTorch, so a step sees N times as many images. Rank 0
prints and writes the output folder; the other ranks are silent and write to
a temporary folder (``--resume``: a copy of rank 0's checkpoint). A rank that
fails aborts all of them.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import traceback

ENV = "AUTOGRAD_TRAIN_ARGS"


def launch(args):
    """Run ``autograd train`` with ``args`` as ``args.nproc`` ranks; mpiexec's exit code."""
    from autograd_core.distributed import is_available
    from autograd_core.distributed import launch as mpi

    if args.nproc < 1:
        raise ValueError(f"--nproc must be at least 1, got {args.nproc}")
    if not is_available():
        raise ValueError("--nproc needs the distributed extra: pip install 'autograd-core[distributed]'")
    settings = {k: v for k, v in vars(args).items() if k not in ("run", "func")}
    env = dict(os.environ, **{ENV: json.dumps(settings)})
    return mpi.run(args.nproc, [sys.executable, "-m", "ag_cli.train_dist"], env=env).returncode


def active():
    import autograd_core.distributed as dist

    return dist.is_initialized() and dist.get_world_size() > 1


def wrap(model, train_loader, seed):
    """(the model to train, the training loader): DDP and this rank's shard when running as ranks."""
    if not active():
        return model, train_loader
    import autograd_core.distributed as dist
    from nn.parallel import DistributedDataParallel

    n = dist.get_world_size()
    batch = _bottom(train_loader).batch_size
    print(f"{n} ranks, data parallel over MPI: batch size {batch} per rank, {n * batch} per step", flush=True)
    return DistributedDataParallel(model), _shard(train_loader, seed)


def unwrap(model):
    """The module inside a ``DistributedDataParallel`` (for its state dict without ``module.``)."""
    from nn.parallel import DistributedDataParallel

    return model.module if isinstance(model, DistributedDataParallel) else model


class _Epochs:
    """A DataLoader over a DistributedSampler with a new order at every iteration: the
    epoch number given to the sampler is drawn from autograd_core's generator, which is
    seeded alike on every rank and restored by ``--resume`` (so a resumed run goes on
    with the orders an uninterrupted one would have used)."""

    def __init__(self, loader):
        self.loader = loader

    def __len__(self):
        return len(self.loader)

    def __iter__(self):
        import autograd_core as ag

        self.loader.sampler.set_epoch(int(ag.randint(0, 2 ** 31 - 1, (1,)).item()))
        return iter(self.loader)


def _bottom(loader):
    """The DataLoader inside the wrappers (``.loader``) of the training loader."""
    import data

    while not isinstance(loader, data.DataLoader):
        loader = loader.loader
    return loader


def _shard(loader, seed):
    """Replace the DataLoader at the bottom of the wrappers by one over this rank's share."""
    import data

    inner = _bottom(loader)
    outer = None if inner is loader else loader
    while outer is not None and outer.loader is not inner:
        outer = outer.loader
    sampler = data.DistributedSampler(inner.dataset, shuffle=True, seed=seed)
    mine = _Epochs(data.DataLoader(inner.dataset, batch_size=inner.batch_size, sampler=sampler))
    if outer is None:
        return mine
    outer.loader = mine
    return loader


def rank_main():
    """One rank of ``autograd train --nproc N``."""
    import autograd_core as ag
    import autograd_core.distributed as dist

    from . import train_cmd

    args = argparse.Namespace(**json.loads(os.environ[ENV]))
    args.nproc = 1  # launched already
    dist.init_process_group("mpi")
    ag.set_num_threads(1)
    rank, scratch = dist.get_rank(), None
    if rank:
        sys.stdout = open(os.devnull, "w")
        scratch = tempfile.mkdtemp(prefix=f"autograd-train-rank{rank}-")
        if args.resume:  # every rank resumes from rank 0's checkpoint
            shutil.copy(os.path.join(args.out, train_cmd.CKPT), scratch)
        args.out = scratch
        args.no_progress, args.tensorboard = True, None
    try:
        rc = train_cmd.run(args)
    except (ValueError, RuntimeError, OSError) as e:
        print(f"autograd train: [rank {rank}] {e}", file=sys.stderr)
        rc = 1
    except BaseException:
        traceback.print_exc()
        rc = 1
    if scratch:
        shutil.rmtree(scratch, ignore_errors=True)
    if rc:
        sys.stderr.write(f"autograd train: rank {rank} failed; stopping all {dist.get_world_size()} ranks\n")
        sys.stderr.flush()
        from mpi4py import MPI

        MPI.COMM_WORLD.Abort(rc)
    dist.barrier()
    dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(rank_main())
