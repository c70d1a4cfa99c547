"""Data of ``autograd train``: the datasets named by ``--data``, the
train/validation split, standardisation, random shifts and batch limits.

The images are converted once into float32 tensors (N, 1, 28, 28),
standardised with the training split's mean and standard deviation, and
served by ``data.DataLoader`` over a ``TensorDataset`` (one fancy index per
batch). The validation set is a stratified ``--val-split`` of the training
set drawn with ``--seed``. Shifts (``--augment N``) move each training image
by a random whole number of pixels in [-N, N] along each axis, filling with
the background value; they draw from autograd_core's global generator, so a
seeded run (and a resumed one) repeats them exactly.
"""
import itertools

import numpy as np

from autograd_core.creation import default_generator
from autograd_core.tensor import Tensor


def load_data(spec, download=False):
    """{'name', 'classes', 'train': (images, labels), 'test': (...)} for
    ``bundled``, ``mnist:DIR`` or ``fashion[:DIR]`` (images uint8 (N, 28, 28))."""
    from data.datasets import MNIST, FashionMNIST

    kind, _, folder = spec.partition(":")
    if kind == "bundled" and not folder:
        make, kw, name = MNIST, {"bundled": True}, "bundled MNIST"
    elif kind == "mnist":
        if not folder:
            raise ValueError("--data mnist:DIR needs the folder of the IDX files")
        make, kw, name = MNIST, {"root": folder, "download": download}, f"MNIST ({folder})"
    elif kind == "fashion":
        make, kw, name = FashionMNIST, {"root": folder or None, "download": download and bool(folder)}, \
            "Fashion-MNIST"
    else:
        raise ValueError(f"--data {spec!r}: expected bundled, mnist:DIR, fashion or fashion:DIR")
    out = {"name": name, "kind": kind}
    for split in (True, False):
        ds = make(train=split, **kw)
        out["train" if split else "test"] = (ds.data.numpy(), ds.targets.numpy())
    out["classes"] = list(ds.classes)
    return out


def _stratified_split(labels, fraction, seed):
    rng = np.random.default_rng(seed)
    val = []
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        val.append(rng.permutation(idx)[:round(len(idx) * fraction)])
    val = np.sort(np.concatenate(val))
    train = np.setdiff1d(np.arange(len(labels)), val)
    return train, val


class Limited:
    """The first ``k`` batches of ``loader`` (all of them when k is None)."""

    def __init__(self, loader, k):
        self.loader, self.k = loader, k

    def __len__(self):
        n = len(self.loader)
        return n if self.k is None else min(n, self.k)

    def __iter__(self):
        return itertools.islice(iter(self.loader), self.k)


class Shifted:
    """Batches of ``loader`` with each image shifted by up to ``pixels``."""

    def __init__(self, loader, pixels, fill):
        self.loader, self.pixels, self.fill = loader, pixels, np.float32(fill)

    def __len__(self):
        return len(self.loader)

    def __iter__(self):
        for x, y in self.loader:
            yield Tensor(shift_images(x.numpy(), self.pixels, self.fill, default_generator())), y


def shift_images(x, m, fill, rng):
    """Each image of x (N, C, H, W) moved by (dy, dx), uniform in [-m, m]², zero-filled with ``fill``."""
    n, c, h, w = x.shape
    padded = np.full((n, c, h + 2 * m, w + 2 * m), fill, x.dtype)
    padded[:, :, m:m + h, m:m + w] = x
    dy, dx = rng.integers(0, 2 * m + 1, size=(2, n))
    rows = (dy[:, None] + np.arange(h))[:, None, :, None]
    cols = (dx[:, None] + np.arange(w))[:, None, None, :]
    return padded[np.arange(n)[:, None, None, None], np.arange(c)[None, :, None, None], rows, cols]


def loaders(d, s):
    """(train, val, test) loaders and a summary dict of the split."""
    import data

    images, labels = d["train"]
    tr, va = _stratified_split(labels, s["val_split"], s["seed"])
    x = images.astype(np.float32) / np.float32(255)
    mean, std = float(x[tr].mean()), float(x[tr].std())

    def prepare(arr):
        t = (arr.astype(np.float32) / np.float32(255) - np.float32(mean)) / np.float32(std)
        return t[:, None]

    xt, yt = d["test"]
    train = data.TensorDataset(Tensor(prepare(images[tr])), Tensor(labels[tr].astype(np.int64)))
    val = data.TensorDataset(Tensor(prepare(images[va])), Tensor(labels[va].astype(np.int64)))
    test = data.TensorDataset(Tensor(prepare(xt)), Tensor(yt.astype(np.int64)))
    k = s["limit_batches"]
    train_loader = data.DataLoader(train, batch_size=s["batch_size"], shuffle=True)
    if s["augment"]:
        train_loader = Shifted(train_loader, s["augment"], -mean / std)
    train_loader = Limited(train_loader, k)
    val_loader = Limited(data.DataLoader(val, batch_size=500), k)
    test_loader = data.DataLoader(test, batch_size=500)  # always the whole test set
    split = {"train": len(tr), "val": len(va), "test": len(yt), "mean": mean, "std": std}
    return train_loader, val_loader, test_loader, split
