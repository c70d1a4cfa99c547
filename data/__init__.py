"""data: datasets, samplers, loaders and transforms on top of autograd_core,
with the names of ``torch.utils._data`` and torchvision.

    import data
    from data.datasets import MNIST
    train = MNIST(bundled=True, train=True, transform=data.transforms.ToTensor())
    loader = data.DataLoader(train, batch_size=64, shuffle=True, num_workers=2)

``data`` imports ``autograd_core`` only (never ``nn`` or ``optim``).
"""
from . import datasets, transforms
from .collate import default_collate, default_convert
from .dataloader import DataLoader
from .dataset import ChainDataset, ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset
from .distributed import DistributedSampler
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from .split import kfold, random_split, train_val_test_split
from .worker import WorkerInfo, get_worker_info

__all__ = [
    "BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset", "DistributedSampler",
    "IterableDataset",
    "RandomSampler", "Sampler", "SequentialSampler", "Subset", "SubsetRandomSampler", "TensorDataset",
    "WeightedRandomSampler", "WorkerInfo", "datasets", "default_collate", "default_convert",
    "get_worker_info", "kfold", "random_split", "train_val_test_split", "transforms",
]
