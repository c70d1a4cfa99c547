"""Rank program: collectives, DDP details and DistributedSampler on 2+ ranks.
Every check is an assert: a failure aborts the job with a non-zero exit."""
import numpy as np

import autograd_core as ag
import autograd_core.distributed as dist
import data
import nn
from nn.parallel import DistributedDataParallel as DDP


def close(a, b):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6, atol=1e-7)


def collectives(n, r):
    ranks = np.arange(n, dtype=np.float64)
    t = ag.tensor([1.0, 2.0]) * (r + 1)
    dist.all_reduce(t)
    close(t.numpy(), np.array([1.0, 2.0]) * (ranks + 1).sum())
    for op, f in ((dist.ReduceOp.AVG, np.mean), (dist.ReduceOp.MAX, np.max), (dist.ReduceOp.MIN, np.min),
                  (dist.ReduceOp.PRODUCT, np.prod)):
        t = ag.tensor([float(r + 2)], dtype=ag.float64)
        dist.all_reduce(t, op)
        close(t.numpy(), [f(ranks + 2)])
    t = ag.tensor([r + 5], dtype=ag.int64)  # integers
    dist.all_reduce(t)
    assert t.item() == (ranks + 5).sum()
    buf = ag.zeros(3)
    arr = buf.numpy()
    dist.all_reduce(buf)  # in place: the same array, the version bumped
    assert buf.numpy() is arr and buf._version == 1
    m = ag.arange(6.0).reshape(2, 3).t() * (r + 1)  # non-contiguous
    dist.all_reduce(m)
    close(m.numpy(), np.arange(6.0).reshape(2, 3).T * (ranks + 1).sum())
    b = ag.full((2, 2), float(r))
    dist.broadcast(b, src=n - 1)
    close(b.numpy(), np.full((2, 2), n - 1.0))
    out = [ag.zeros(2) for _ in range(n)]
    dist.all_gather(out, ag.full((2,), float(r)))
    close(np.stack([o.numpy() for o in out]), np.repeat(ranks[:, None], 2, 1))
    big = ag.zeros(2 * n)
    dist.all_gather_into_tensor(big, ag.full((2,), float(r)))
    close(big.numpy(), np.repeat(ranks, 2))
    try:  # checked on every rank before anything is sent
        dist.all_gather_into_tensor(ag.zeros(2 * n + 1), ag.zeros(2))
    except ValueError as e:
        assert "one per rank" in str(e)
    else:
        raise AssertionError("a wrongly sized output must raise")
    o = ag.zeros(2)
    dist.reduce_scatter(o, [ag.full((2,), float(i + 10 * r)) for i in range(n)])
    close(o.numpy(), np.full(2, n * r + 10 * ranks.sum()))
    works = [dist.all_reduce(ag.ones(4), async_op=True) for _ in range(3)]
    assert all(w.wait() for w in works)
    dist.barrier()
    try:
        dist.all_reduce(ag.ones(2, dtype=ag.int64), dist.ReduceOp.AVG)
    except TypeError as e:
        assert "AVG" in str(e)
    else:
        raise AssertionError("AVG on integers must raise")


class TwoBranch(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b, self.never = nn.Linear(3, 2), nn.Linear(3, 2), nn.Linear(3, 2)

    def forward(self, x, use_b):
        return self.a(x) + self.b(x) if use_b else self.a(x)


def ddp_details(n, r):
    ag.manual_seed(r)
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    model = DDP(net)
    assert list(model.state_dict())[:2] == ["module.0.weight", "module.0.bias"]
    ref = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    ref.load_state_dict(net.state_dict())
    # no_sync: the first backward accumulates locally, the second averages the sum
    x1, x2 = ag.randn(5, 3), ag.randn(5, 3)  # different on every rank (seeded with r)
    with model.no_sync():
        model(x1).sum().backward()
    local = net[0].weight.grad.numpy().copy()
    ref(x1).sum().backward()
    close(local, ref[0].weight.grad.numpy())  # not averaged
    model(x2).sum().backward()
    ref(x2).sum().backward()
    want = ref[0].weight.grad.clone()
    dist.all_reduce(want, dist.ReduceOp.AVG)
    close(net[0].weight.grad.numpy(), want.numpy())
    # find_unused_parameters: b used on rank 0 only, `never` on no rank
    ag.manual_seed(0)
    two = TwoBranch()
    d = DDP(two, find_unused_parameters=True)
    x = ag.ones(1, 3)
    d(x, use_b=(r == 0)).sum().backward()
    close(two.b.bias.grad.numpy(), np.full(2, 1.0 / n))  # rank 0's ones, averaged with zeros
    close(two.a.bias.grad.numpy(), np.ones(2))
    assert two.never.weight.grad is None and two.never.bias.grad is None
    # without it, a parameter that gets no gradient is reported at the next forward
    ag.manual_seed(0)
    d = DDP(TwoBranch())
    d(x, use_b=False).sum().backward()
    try:
        d(x, use_b=False)
    except RuntimeError as e:
        assert "find_unused_parameters=True" in str(e) and "b.weight" in str(e), str(e)
    else:
        raise AssertionError("an unfinished reduction must raise")


def sampler(n, r):
    ds = data.TensorDataset(ag.arange(11))
    s = data.distributed.DistributedSampler(ds, seed=3)
    assert (s.num_replicas, s.rank, len(s)) == (n, r, -(-11 // n))
    mine = ag.tensor(s._index_array().copy())
    everyone = [ag.zeros_like(mine) for _ in range(n)]
    dist.all_gather(everyone, mine)
    seen = np.concatenate([e.numpy() for e in everyone])
    assert sorted(set(seen.tolist())) == list(range(11)) and len(seen) == len(s) * n
    loader = data.DataLoader(ds, batch_size=2, sampler=s)
    got = np.concatenate([b.numpy() for (b,) in loader])
    assert got.tolist() == s._index_array().tolist()


def main():
    dist.init_process_group("mpi", timeout=60)
    assert dist.is_initialized() and dist.get_backend() == "mpi"
    n, r = dist.get_world_size(), dist.get_rank()
    collectives(n, r)
    sampler(n, r)
    ddp_details(n, r)
    if r == 0:
        print(f"OK {n} ranks", flush=True)


main()
