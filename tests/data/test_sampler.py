"""Samplers and BatchSampler: orders, counts, reproducibility, errors."""
import numpy as np
import pytest

import autograd_core as ag
from data import BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler, WeightedRandomSampler
from data.sampler import index_batches


def test_sequential():
    s = SequentialSampler(range(5))
    assert list(s) == [0, 1, 2, 3, 4] and len(s) == 5


def test_batch_counts_of_the_notes():
    """54,000 samples in batches of 64: 844 batches, 843 with drop_last (notes 000)."""
    s = SequentialSampler(range(54000))
    for drop_last, n_batches, last in ((False, 844, 54000 - 843 * 64), (True, 843, 64)):
        batches = list(BatchSampler(s, 64, drop_last))
        assert len(batches) == n_batches == len(BatchSampler(s, 64, drop_last))
        assert len(batches[-1]) == last
        assert all(len(b) == 64 for b in batches[:-1])
        assert all(isinstance(i, int) for i in batches[0])
    assert [i for b in BatchSampler(s, 64, False) for i in b] == list(range(54000))


def test_random_sampler_permutation_and_reproducibility():
    ag.manual_seed(3)
    s = RandomSampler(range(100))
    a, b = list(s), list(s)
    assert sorted(a) == sorted(b) == list(range(100))
    assert a != b  # a new order every iteration
    ag.manual_seed(3)
    assert list(s) == a and list(s) == b
    g1, g2 = np.random.default_rng(7), np.random.default_rng(7)
    assert list(RandomSampler(range(50), generator=g1)) == list(RandomSampler(range(50), generator=g2))


def test_random_sampler_num_samples_and_replacement():
    ag.manual_seed(0)
    s = RandomSampler(range(10), num_samples=25)
    out = list(s)
    assert len(out) == len(s) == 25
    assert sorted(out[:10]) == sorted(out[10:20]) == list(range(10))  # whole permutations
    r = list(RandomSampler(range(3), replacement=True, num_samples=300))
    assert len(r) == 300 and set(r) == {0, 1, 2}
    with pytest.raises(ValueError, match="num_samples"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(TypeError, match="replacement"):
        RandomSampler(range(3), replacement=1)
    with pytest.raises(TypeError, match="Generator"):
        list(RandomSampler(range(3), generator=42))


def test_subset_random_sampler():
    ag.manual_seed(1)
    s = SubsetRandomSampler([5, 7, 9, 11])
    a = list(s)
    assert sorted(a) == [5, 7, 9, 11] and len(s) == 4
    assert all(isinstance(i, int) for i in a)


def test_weighted_random_sampler_frequencies():
    g = np.random.default_rng(0)
    s = WeightedRandomSampler([1, 0, 3], 40000, generator=g)
    counts = np.bincount(list(s), minlength=3)
    assert counts[1] == 0
    assert abs(counts[2] / counts[0] - 3) < 0.15
    no_rep = list(WeightedRandomSampler([1, 1, 0, 1], 3, replacement=False, generator=g))
    assert sorted(no_rep) == [0, 1, 3]


def test_weighted_random_sampler_errors():
    with pytest.raises(ValueError, match="non-negative"):
        WeightedRandomSampler([1, -1], 2)
    with pytest.raises(ValueError, match="not all zero"):
        WeightedRandomSampler([0, 0], 2)
    with pytest.raises(ValueError, match="without replacement"):
        WeightedRandomSampler([1, 0, 1], 3, replacement=False)
    with pytest.raises(ValueError, match="num_samples"):
        WeightedRandomSampler([1, 2], 0)
    with pytest.raises(ValueError, match="1-d"):
        WeightedRandomSampler([[1, 2]], 2)


def test_batch_sampler_errors():
    with pytest.raises(ValueError, match="batch_size"):
        BatchSampler(SequentialSampler(range(3)), 0, False)
    with pytest.raises(ValueError, match="drop_last"):
        BatchSampler(SequentialSampler(range(3)), 2, 1)


def test_user_sampler_is_iterated():
    class Evens(Sampler):
        def __iter__(self):
            return iter([0, 2, 4, 6, 8])

        def __len__(self):
            return 5

    bs = BatchSampler(Evens(), 2, False)
    assert list(bs) == [[0, 2], [4, 6], [8]]
    assert [list(b) for b in index_batches(bs)] == [[0, 2], [4, 6], [8]]
    with pytest.raises(NotImplementedError):
        iter(Sampler())


def test_index_batches_match_lists():
    ag.manual_seed(5)
    fast = [b.tolist() for b in index_batches(BatchSampler(RandomSampler(range(30)), 7, True))]
    ag.manual_seed(5)
    assert fast == list(BatchSampler(RandomSampler(range(30)), 7, True))
