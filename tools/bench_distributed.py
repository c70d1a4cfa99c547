"""Benchmarks of data parallelism over MPI (docs/distributed.md).

    python tools/bench_distributed.py comm [--nproc 2] [--tcp]   collectives and DDP steps, run as ranks
    python tools/bench_distributed.py train [--repeats 2]        throughput of `autograd train`

comm: the time of one all_reduce for message sizes from 4 B to 16 MB (the
best and the median of many, after a warm-up: on a shared machine the median
also measures how often a rank waits for a core), over Open MPI's shared-memory transport or,
with ``--tcp``, over TCP on the loopback interface; then, for the MLP and
LeNet of ``autograd train``, the median time of a training step (forward,
backward, gradient averaging) three ways: without communication (compute),
with ``DistributedDataParallel`` (buckets all-reduced during backward), and
with one all-reduce of all gradients after backward (no overlap). The share
of the communication hidden by the overlap is
``(after - ddp) / (after - compute)``.

train: samples per second of ``autograd train`` (epoch 2 of 2, no
validation, ``--limit-batches`` batches per rank) for one process with one
BLAS thread, one process with two BLAS threads (both with the kernels'
default of one thread per core; a rank uses one),
two ranks (``--nproc 2``, batch size per rank as in PyTorch: twice the
global batch), and two ranks with half the batch each (the same global
batch as one process). The runs alternate; each configuration's median and
range are printed.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

SIZES = [4, 1 << 10, 1 << 14, 1 << 16, 1 << 18, 1 << 20, 1 << 22, 1 << 24]  # bytes


def _times(fn, reps, warm=3):
    for _ in range(warm):
        fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return ts


def _median_time(fn, reps, warm=3):
    return float(np.median(_times(fn, reps, warm)))


def comm_rank(args):
    """Rank side of ``comm``: prints one JSON line on rank 0."""
    import autograd_core as ag
    import autograd_core.distributed as dist

    dist.init_process_group("mpi")
    ag.set_num_threads(1)
    out = {"world_size": dist.get_world_size(), "allreduce": {}, "steps": {}}
    for size in SIZES:
        t = ag.zeros(size // 4)
        dist.barrier()
        ts = _times(lambda t=t: dist.all_reduce(t), 50 if size < 1 << 20 else 15)
        out["allreduce"][size] = [float(min(ts)), float(np.median(ts))]
    for name, batch in (("mlp", 16), ("lenet", 8)):
        out["steps"][name] = _step_times(name, batch, args)
    if dist.get_rank() == 0:
        print("RESULT " + json.dumps(out), flush=True)


def _step_times(name, batch, args):
    """Median step times of one model: compute only, all-reduce after backward, DDP."""
    import autograd_core as ag
    import autograd_core.distributed as dist
    import nn
    from ag_cli import models
    from nn.parallel import DistributedDataParallel as DDP

    loss_fn = nn.CrossEntropyLoss()
    model = models.build(name)
    ddp = DDP(model, bucket_cap_mb=args.bucket_mb)
    params = list(model.parameters())
    flat = ag.zeros(sum(p.numel() for p in params))
    x, y = ag.randn(batch, 1, 28, 28), ag.randint(0, 10, (batch,))

    def compute():
        model.zero_grad()
        with ddp.no_sync():
            loss_fn(ddp(x), y).backward()

    def after():
        compute()
        o = 0
        for p in params:  # one all-reduce of every gradient, after backward
            n = p.numel()
            flat.numpy()[o:o + n] = p.grad.numpy().ravel()
            o += n
        dist.all_reduce(flat)

    def overlapped():
        model.zero_grad()
        loss_fn(ddp(x), y).backward()

    res = {"compute": [], "after": [], "ddp": []}
    for _ in range(args.rounds):  # interleaved
        for key, fn in (("compute", compute), ("after", after), ("ddp", overlapped)):
            dist.barrier()
            res[key].append(_median_time(fn, args.steps))
    med = {k: float(np.median(v)) for k, v in res.items()}
    med["spread"] = {k: [round(min(v) * 1e3, 2), round(max(v) * 1e3, 2)] for k, v in res.items()}
    med["bytes"] = int(flat.numpy().nbytes)
    med["buckets"] = len(ddp.reducer.buckets)
    return med


def comm(args):
    from autograd_core.distributed import launch

    env = dict(os.environ)
    if args.tcp:
        env["OMPI_MCA_btl"] = "self,tcp"
    argv = [sys.executable, os.path.abspath(__file__), "comm-rank", "--bucket-mb", str(args.bucket_mb),
            "--rounds", str(args.rounds), "--steps", str(args.steps)]
    p = launch.run(args.nproc, argv, env=env, capture_output=True, text=True, timeout=1800)
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("RESULT ")]
    if p.returncode or not lines:
        sys.exit(p.stdout + p.stderr)
    r = json.loads(lines[-1][7:])
    print(f"{r['world_size']} ranks, {'TCP loopback' if args.tcp else 'shared memory'}")
    print(f"{'all_reduce bytes':>18} {'best':>10} {'median':>10} {'bus GB/s (best)':>16}")
    n = r["world_size"]
    for size, (best, med) in r["allreduce"].items():
        bw = 2 * (n - 1) / n * int(size) / best / 1e9
        print(f"{int(size):>18,} {best * 1e6:>8.1f}µs {med * 1e6:>8.1f}µs {bw:>16.2f}")
    print(f"\n{'model':<6} {'grad bytes':>10} {'buckets':>7} {'compute':>9} {'after':>9} {'ddp':>9} {'hidden':>7}")
    for name, s in r["steps"].items():
        hidden = (s["after"] - s["ddp"]) / (s["after"] - s["compute"]) if s["after"] > s["compute"] else float("nan")
        print(f"{name:<6} {s['bytes']:>10,} {s['buckets']:>7} {s['compute'] * 1e3:>7.2f}ms {s['after'] * 1e3:>7.2f}ms "
              f"{s['ddp'] * 1e3:>7.2f}ms {100 * hidden:>6.0f}%   range ms {s['spread']}")


CONFIGS = {  # name -> (nproc, environment, batch size divisor)
    "1 process, 1 BLAS thread": (1, {"OPENBLAS_NUM_THREADS": "1"}, 1),
    "1 process, 2 BLAS threads": (1, {"OPENBLAS_NUM_THREADS": "2"}, 1),
    "2 ranks, batch B each": (2, {}, 1),
    "2 ranks, batch B/2 each": (2, {}, 2),
}


def train(args):
    batch = {"mlp": 16, "lenet": 8}
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeats):
            for model in ("mlp", "lenet"):
                for name, (nproc, extra, div) in CONFIGS.items():
                    bs = batch[model] // div
                    cmd = [sys.executable, "-m", "ag_cli", "train", "--model", model, "--epochs", "2", "--val-split",
                           "0", "--limit-batches", str(args.batches * div), "--batch-size", str(bs),
                           "--no-progress", "--out", os.path.join(tmp, "run"), "--nproc", str(nproc)]
                    p = subprocess.run(cmd, env=dict(os.environ, **extra), capture_output=True, text=True,
                                       timeout=1800)
                    if p.returncode:
                        sys.exit(p.stdout + p.stderr)
                    with open(os.path.join(tmp, "run", "history.json")) as f:
                        seconds = json.load(f)["time"][-1]
                    samples = nproc * args.batches * div * bs
                    results.setdefault((model, name), []).append(samples / seconds)
                    print(f"{model:<6} {name:<24} {samples / seconds:8.0f} samples/s", flush=True)
    print(f"\n{'model':<6} {'configuration':<24} {'samples/s (median)':>18}  range")
    for (model, name), v in results.items():
        print(f"{model:<6} {name:<24} {np.median(v):>18.0f}  {min(v):.0f}-{max(v):.0f}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("comm", "comm-rank"):
        c = sub.add_parser(name)
        c.add_argument("--nproc", type=int, default=2)
        c.add_argument("--tcp", action="store_true", help="TCP over loopback instead of shared memory")
        c.add_argument("--bucket-mb", type=float, default=25.0, help="DDP bucket cap (default 25, as PyTorch)")
        c.add_argument("--rounds", type=int, default=5)
        c.add_argument("--steps", type=int, default=10)
    t = sub.add_parser("train")
    t.add_argument("--repeats", type=int, default=2)
    t.add_argument("--batches", type=int, default=100, help="batches per rank per epoch")
    a = p.parse_args()
    {"comm": comm, "comm-rank": comm_rank, "train": train}[a.cmd](a)


if __name__ == "__main__":
    main()
