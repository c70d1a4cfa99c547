"""Parts of the distributed package that need no second process: the
sampler's split, bucket assignment, errors before a group exists, the
mpiexec command line."""
import math

import pytest

import autograd_core as ag
import autograd_core.distributed as dist
import data
import nn
from data.distributed import DistributedSampler
from nn.parallel.reducer import assign_buckets


def expected_split(n, replicas, rank, drop_last, order):
    """PyTorch's rule, from its definition: pad by repeating from the start, or cut the tail."""
    if drop_last and n % replicas:
        per = math.ceil((n - replicas) / replicas)
    else:
        per = math.ceil(n / replicas)
    total = per * replicas
    idx = list(order)
    while len(idx) < total:
        idx += list(order)[:total - len(idx)]
    return idx[:total][rank::replicas]


@pytest.mark.parametrize("n,replicas", [(10, 3), (10, 4), (2, 5), (12, 4), (1, 3)])
@pytest.mark.parametrize("drop_last", [False, True])
def test_sampler_split_is_pytorchs(n, replicas, drop_last):
    ds = list(range(n))
    shares = []
    for r in range(replicas):
        s = DistributedSampler(ds, replicas, r, shuffle=False, drop_last=drop_last)
        assert list(s) == expected_split(n, replicas, r, drop_last, range(n))
        assert len(s) == len(list(s))
        shares.append(list(s))
    if not drop_last:
        assert set(sum(shares, [])) == set(range(n))
    assert len({len(x) for x in shares}) == 1  # every rank takes as many steps


def test_sampler_shuffle_is_shared_by_ranks_and_changes_with_epoch():
    ds = list(range(20))
    a = [DistributedSampler(ds, 2, r, seed=5) for r in range(2)]
    order = sorted(list(a[0]) + list(a[1]))
    assert order == list(range(20))  # a permutation split between the ranks, no overlap
    first = list(a[0])
    assert list(DistributedSampler(ds, 2, 0, seed=5)) == first  # the same seed, the same order
    a[0].set_epoch(1)
    assert list(a[0]) != first
    assert list(DistributedSampler(ds, 2, 0, seed=6)) != first


def test_sampler_in_a_loader_and_errors():
    ds = data.TensorDataset(ag.arange(7))
    s = data.DistributedSampler(ds, num_replicas=2, rank=1, shuffle=False)
    assert [b.tolist() for (b,) in data.DataLoader(ds, batch_size=2, sampler=s)] == [[1, 3], [5, 0]]
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"):
        DistributedSampler(ds, num_replicas=2, rank=2)


def test_buckets_reverse_order_one_dtype_and_caps():
    params = [ag.zeros(1000), ag.zeros(10), ag.zeros(500, dtype=ag.float64), ag.zeros(2000), ag.zeros(10)]
    b = assign_buckets(params, cap_bytes=4000, first_cap_bytes=100)
    # reverse order; a bucket closes once it reaches its cap (the first one's is 100 bytes); float64 apart
    assert b == [[4, 3], [2], [1, 0]]
    assert sorted(sum(b, [])) == list(range(5))


def test_before_a_group_exists():
    assert not dist.is_initialized()
    for fn in (dist.get_rank, dist.get_world_size, dist.barrier):
        with pytest.raises(ValueError, match="has not been initialized"):
            fn()
    with pytest.raises(ValueError, match="has not been initialized"):
        dist.all_reduce(ag.ones(2))
    with pytest.raises(ValueError, match="has not been initialized"):
        nn.parallel.DistributedDataParallel(nn.Linear(2, 2))
    with pytest.raises(RuntimeError, match="'nccl' is not available"):
        dist.init_process_group("nccl")
    assert not dist.is_initialized()


def test_mpiexec_command_line(monkeypatch):
    from autograd_core.distributed import launch

    monkeypatch.setattr(launch, "_flavour", lambda exe: "openmpi")
    cmd = launch.command(3, ["python", "x.py"], mpiexec="/bin/mpiexec")
    assert cmd == ["/bin/mpiexec", "-n", "3", "--oversubscribe", "--host", "127.0.0.1:3", "python", "x.py"]
    monkeypatch.setattr(launch, "_flavour", lambda exe: "mpich")
    assert launch.command(2, ["p"], mpiexec="m") == ["m", "-n", "2", "-host", "localhost", "p"]
    env = launch.environment({"PATH": "/bin"})
    assert env["OPENBLAS_NUM_THREADS"] == env["OMP_NUM_THREADS"] == "1"
    assert env["OMPI_MCA_btl_tcp_if_include"] == "lo"
    with pytest.raises(ValueError):
        launch.command(0, ["p"], mpiexec="m")


def test_reduce_op_names():
    assert {op.name for op in dist.ReduceOp} >= {"SUM", "AVG", "PRODUCT", "MIN", "MAX"}
