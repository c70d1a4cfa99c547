"""Datasets: MNIST and Fashion-MNIST (IDX files, download, the bundled
digits), the IDX reader and writer, and small synthetic sets."""
from .idx import read_idx, write_idx
from .mnist import MNIST, FashionMNIST
from .synthetic import blobs, circles, curve_fitting, moons, sine, spirals, xor

__all__ = ["MNIST", "FashionMNIST", "blobs", "circles", "curve_fitting", "moons", "read_idx", "sine",
           "spirals", "write_idx", "xor"]
