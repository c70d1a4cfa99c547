"""Data of ``autograd train``: the datasets named by ``--data``, the
train/validation split, standardisation, random shifts and batch limits.

The images are converted once into float32 tensors (N, 1, 28, 28),
standardised with the training split's mean and standard deviation, and
served by ``data.DataLoader`` over a ``TensorDataset`` (one fancy index per
batch). The validation set is a stratified ``--val-split`` of the training
set drawn with ``--seed`` (none for ``--val-split 0``). Augmentation
(``--rotate D --scale S --shift N``) turns each training image by an angle
uniform in [-D, D] degrees, scales it by a factor uniform in [1 - S, 1 + S]
and moves it along each axis by a uniform draw from [-N, N] rounded to whole
pixels (as torchvision's RandomAffine), all about the centre, filling with
the background value; the draws come from autograd_core's global generator, so a
seeded run (and a resumed one) repeats them exactly.
"""
import itertools

import numpy as np

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


class Augmented:
    """Batches of ``loader`` with each image rotated, scaled and shifted about its
    centre by its own random amounts (``data.transforms.RandomAffine``'s
    parameters, bilinear interpolation, background ``fill`` outside)."""

    def __init__(self, loader, rotate, scale, shift, fill):
        self.loader, self.fill = loader, np.float32(fill)
        self.degrees, self.scale, self.shift = (-rotate, rotate), (1 - scale, 1 + scale), shift

    def __len__(self):
        return len(self.loader)

    def __iter__(self):
        from data.affine import warp_affine
        from data.transforms import RandomAffine

        for x, y in self.loader:
            images = x.numpy()
            h, w = images.shape[-2:]
            angle, shift, scale = RandomAffine.get_params(self.degrees, (self.shift / w, self.shift / h),
                                                          self.scale, (h, w), n=len(images))
            yield Tensor(warp_affine(images, angle, scale, shift, self.fill, "bilinear")), y


def loaders(d, s):
    """(train, val, test) loaders and a summary dict of the split."""
    import data

    images, labels = d["train"]
    tr, va = _stratified_split(labels, s["val_split"], s["seed"])
    if s["val_split"] and not len(va):
        raise ValueError(f"--val-split {s['val_split']:g} leaves no validation images out of {len(labels)}; "
                         "use a larger fraction, or 0 for no validation")
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
    if s["rotate"] or s["scale"] or s["shift"]:
        train_loader = Augmented(train_loader, s["rotate"], s["scale"], s["shift"], -mean / std)
    train_loader = Limited(train_loader, k)
    val_loader = Limited(data.DataLoader(val, batch_size=500), k) if len(va) else None
    test_loader = data.DataLoader(test, batch_size=500)  # always the whole test set
    split = {"train": len(tr), "val": len(va), "test": len(yt), "mean": mean, "std": std}
    return train_loader, val_loader, test_loader, split
