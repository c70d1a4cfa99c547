"""autograd_core.Generator in the data pipeline: samplers, DataLoader and the
splits give the same order for the same seed, whatever the global seed; a
RandomSampler with 10**10 samples draws its indices lazily."""
import itertools
import time

import numpy as np
import pytest

import autograd_core as ag
from data import (
    BatchSampler,
    DataLoader,
    RandomSampler,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    kfold,
    random_split,
    train_val_test_split,
)


def gen(seed):
    return ag.Generator().manual_seed(seed)


def dataset(n):
    return TensorDataset(ag.arange(n))


@pytest.mark.parametrize("make", [
    lambda g: RandomSampler(range(50), generator=g),
    lambda g: RandomSampler(range(50), replacement=True, num_samples=80, generator=g),
    lambda g: SubsetRandomSampler([3, 9, 12, 40, 41], generator=g),
    lambda g: WeightedRandomSampler([0.1, 0.5, 0.0, 2.0], 30, generator=g),
    lambda g: WeightedRandomSampler([0.1, 0.5, 1.0, 2.0], 3, replacement=False, generator=g),
])
def test_samplers_same_seed_same_order_whatever_the_global_seed(make):
    ag.manual_seed(0)
    a = list(make(gen(5)))
    ag.manual_seed(123)
    ag.rand(10)
    assert list(make(gen(5))) == a
    assert list(make(gen(6))) != a
    s = make(gen(5))
    assert list(s) == a and list(s) != a  # the generator moves on: a new order each epoch


def test_batch_sampler_over_a_seeded_sampler():
    a = list(BatchSampler(RandomSampler(range(20), generator=gen(1)), 6, False))
    b = list(BatchSampler(RandomSampler(range(20), generator=gen(1)), 6, False))
    assert a == b and [len(x) for x in a] == [6, 6, 6, 2]


def test_dataloader_generator_reaches_the_sampler():
    g = gen(2)
    loader = DataLoader(dataset(30), batch_size=4, shuffle=True, generator=g)
    assert loader.sampler.generator is g
    order = lambda ld: [b[0].numpy().tolist() for b in ld]  # noqa: E731
    first = order(loader)
    assert sorted(sum(first, [])) == list(range(30))
    ag.manual_seed(99)
    again = order(DataLoader(dataset(30), batch_size=4, shuffle=True, generator=gen(2)))
    assert again == first
    assert order(loader) != first  # next epoch, new order
    assert order(DataLoader(dataset(30), batch_size=4, shuffle=True, generator=gen(3))) != first


def test_dataloader_with_numpy_generator_still_works():
    a = [b[0].numpy().tolist() for b in DataLoader(dataset(10), 5, shuffle=True,
                                                     generator=np.random.default_rng(0))]
    assert sorted(sum(a, [])) == list(range(10))


def test_splits_with_generator():
    a = random_split(dataset(40), [0.5, 0.25, 0.25], generator=gen(4))
    ag.manual_seed(7)
    b = random_split(dataset(40), [0.5, 0.25, 0.25], generator=gen(4))
    assert [list(p.indices) for p in a] == [list(p.indices) for p in b]
    assert [list(p.indices) for p in random_split(dataset(40), [20, 20], generator=gen(5))][0] != \
        list(a[0].indices)[:20]
    t1 = train_val_test_split(dataset(50), generator=gen(1))
    t2 = train_val_test_split(dataset(50), generator=gen(1))
    assert [list(p.indices) for p in t1] == [list(p.indices) for p in t2]
    f1 = kfold(dataset(20), k=4, generator=gen(8))
    f2 = kfold(dataset(20), k=4, generator=gen(8))
    assert [list(tr.indices) for tr, _ in f1] == [list(tr.indices) for tr, _ in f2]


def test_random_sampler_huge_num_samples_is_lazy():
    s = RandomSampler(range(10), replacement=True, num_samples=10**10, generator=gen(0))
    assert len(s) == 10**10
    t = time.perf_counter()
    it = iter(s)
    first = [next(it) for _ in range(5)]
    assert time.perf_counter() - t < 2.0
    assert all(0 <= i < 10 for i in first)
    s2 = RandomSampler(range(10), replacement=True, num_samples=10**10, generator=gen(0))
    assert list(itertools.islice(s2, 5)) == first
    # through a DataLoader as well
    loader = DataLoader(dataset(10), batch_size=8, sampler=s)
    assert len(loader) == 10**10 // 8
    t = time.perf_counter()
    (batch,) = next(iter(loader))
    assert batch.shape == (8,) and time.perf_counter() - t < 2.0


def test_random_sampler_lazy_chunks():
    import data.sampler as sampler_mod

    old = sampler_mod._CHUNK
    sampler_mod._CHUNK = 7  # small chunks, to see their joins
    try:
        s = RandomSampler(range(5), replacement=True, num_samples=23, generator=gen(1))
        out = list(s)
        assert len(out) == 23 and set(out) <= set(range(5))
        assert list(RandomSampler(range(5), replacement=True, num_samples=23, generator=gen(1))) == out
        p = list(RandomSampler(range(5), num_samples=12, generator=gen(1)))  # whole permutations, cut
        assert len(p) == 12 and sorted(p[:5]) == sorted(p[5:10]) == list(range(5))
        b = list(BatchSampler(RandomSampler(range(5), num_samples=12, generator=gen(1)), 5, False))
        assert [x for batch in b for x in batch] == p
    finally:
        sampler_mod._CHUNK = old
