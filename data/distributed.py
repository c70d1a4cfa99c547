"""``DistributedSampler``: each rank's share of a dataset, as in PyTorch.

With ``num_replicas`` ranks, every epoch is a list of ``total_size`` indices
(the dataset's, shuffled by a generator seeded with ``seed + epoch`` when
``shuffle``, so all ranks draw the same order), and rank r takes every
``num_replicas``-th index starting at r. Without ``drop_last`` the list is
padded by repeating its own beginning up to ``ceil(n / R) · R`` indices (every
rank gets ``ceil(n / R)``); with it, the tail is cut to ``floor(n / R) · R``.
Call ``set_epoch(e)`` before each epoch for a new order.
"""
import math

import numpy as np

from autograd_core.random import Generator, randperm

from .sampler import Sampler


def _world():
    import autograd_core.distributed as dist

    if not dist.is_available():
        raise RuntimeError("DistributedSampler: requires the distributed package "
                           "(pip install 'autograd-core[distributed]') or explicit num_replicas and rank")
    return dist.get_world_size(), dist.get_rank()


class DistributedSampler(Sampler):
    """The indices of rank ``rank`` out of ``num_replicas`` (default: the process group's)."""

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None or rank is None:
            size, me = _world()
            num_replicas = size if num_replicas is None else num_replicas
            rank = me if rank is None else rank
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.epoch, self.shuffle, self.seed, self.drop_last = 0, shuffle, seed, drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def _index_array(self):
        n = len(self.dataset)
        if self.shuffle:
            g = Generator().manual_seed(self.seed + self.epoch)
            indices = randperm(n, generator=g).numpy()
        else:
            indices = np.arange(n)
        if not self.drop_last:
            pad = self.total_size - n
            if pad:
                indices = np.concatenate([indices, np.resize(indices, pad)])  # repeats from the start
        else:
            indices = indices[:self.total_size]
        return indices[self.rank:self.total_size:self.num_replicas]

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Use the order of epoch ``epoch`` (the generator's seed is ``seed + epoch``)."""
        self.epoch = epoch
