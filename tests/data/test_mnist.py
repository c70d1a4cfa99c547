"""MNIST and FashionMNIST: the bundled digits, IDX folders, download, and
Debian's dataset-fashion-mnist files."""
import os
import subprocess

import numpy as np
import pytest

import autograd_core as ag
from data import DataLoader
from data import transforms as T
from data.datasets import MNIST, FashionMNIST, write_idx
from data.datasets import mnist as mnist_module

from .conftest import make_arrays

TRAIN_COUNTS = [801, 902, 793, 826, 784, 690, 811, 856, 755, 782]
TEST_COUNTS = [200, 225, 198, 206, 196, 173, 203, 214, 189, 196]


def test_bundled_shapes_dtypes_and_class_counts():
    for train, n, counts in ((True, 8000, TRAIN_COUNTS), (False, 2000, TEST_COUNTS)):
        ds = MNIST(bundled=True, train=train)
        assert len(ds) == n
        assert ds.data.shape == (n, 28, 28) and ds.data.dtype == np.uint8
        assert ds.targets.shape == (n,) and ds.targets.dtype == np.int64
        assert np.bincount(ds.targets._data, minlength=10).tolist() == counts
        img, label = ds[0]
        assert img.shape == (28, 28) and img.dtype == np.uint8 and isinstance(label, int)
        assert img.max() > 200 and img.min() == 0  # a real digit: ink on a blank background
        assert not img.flags.writeable
    assert ds.folder is None and "bundled" in repr(ds) and "Test" in repr(ds)


def test_bundled_split_is_fixed_and_disjoint():
    """The documented rule: the last round(n_d / 5) images of each digit d (in
    the package's order) are the test images."""
    with np.load(os.path.join(os.path.dirname(mnist_module.__file__), "mnist_bundled.npz")) as z:
        train, test = z["train_source"].astype(int), z["test_source"].astype(int)
        train_labels, test_labels = z["train_labels"], z["test_labels"]
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(10000))
    n = np.add(TRAIN_COUNTS, TEST_COUNTS)
    assert [round(k / 5) for k in n] == TEST_COUNTS
    ends = np.cumsum(n)
    for d in range(10):
        np.testing.assert_array_equal(np.sort(test[test_labels == d]),
                                      np.arange(ends[d] - TEST_COUNTS[d], ends[d]))
        np.testing.assert_array_equal(np.sort(train[train_labels == d]),
                                      np.arange(ends[d] - n[d], ends[d] - TEST_COUNTS[d]))


def test_bundled_through_transforms_and_loader():
    tf = T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))])
    ds = MNIST(bundled=True, train=False, transform=tf, target_transform=lambda y: y % 2)
    x, y = ds[3]
    assert x.shape == (1, 28, 28) and x.dtype == np.float32 and y in (0, 1)
    xb, yb = next(iter(DataLoader(ds, batch_size=16)))
    assert xb.shape == (16, 1, 28, 28) and yb.dtype == np.int64
    raw = ds.data._data[0].astype(np.float32) / np.float32(255)
    np.testing.assert_allclose(xb._data[0, 0], (raw - np.float32(0.1307)) / np.float32(0.3081), rtol=1e-6)


def test_fashion_has_no_bundled_data():
    with pytest.raises(ValueError, match="FashionMNIST has no bundled data"):
        FashionMNIST(bundled=True)


def write_files(folder, gz=True, arrays=None):
    os.makedirs(folder, exist_ok=True)
    arrays = arrays or make_arrays()
    for name, a in arrays.items():
        write_idx(os.path.join(folder, name + (".gz" if gz else "")), a)
    return arrays


@pytest.mark.parametrize("gz", [True, False])
@pytest.mark.parametrize("layout", ["raw", "flat"])
def test_reads_idx_folder(tmp_path, gz, layout):
    folder = tmp_path / "MNIST" / "raw" if layout == "raw" else tmp_path
    arrays = write_files(folder, gz)
    for train, prefix in ((True, "train"), (False, "t10k")):
        ds = MNIST(tmp_path, train=train)
        np.testing.assert_array_equal(ds.data._data, arrays[f"{prefix}-images-idx3-ubyte"])
        np.testing.assert_array_equal(ds.targets._data, arrays[f"{prefix}-labels-idx1-ubyte"])
        assert ds[1][1] == int(arrays[f"{prefix}-labels-idx1-ubyte"][1])
    assert ds.folder == str(folder)


def test_inconsistent_files_are_reported(tmp_path):
    arrays = make_arrays()
    arrays["train-labels-idx1-ubyte"] = arrays["train-labels-idx1-ubyte"][:-1]
    write_files(tmp_path, arrays=arrays)
    with pytest.raises(ValueError, match="holds 12 images but .* holds 11 labels"):
        MNIST(tmp_path)
    arrays = make_arrays()
    arrays["t10k-labels-idx1-ubyte"][0] = 10
    write_files(tmp_path, arrays=arrays)
    with pytest.raises(ValueError, match="label 10 is out of range for 10 classes"):
        MNIST(tmp_path, train=False)
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros((5, 784), np.uint8))
    with pytest.raises(ValueError, match=r"expected uint8 images \(N, H, W\)"):
        MNIST(tmp_path, train=False)


def test_not_found_messages(tmp_path):
    with pytest.raises(RuntimeError, match="dataset not found in .*use download=True"):
        MNIST(tmp_path)
    with pytest.raises(RuntimeError, match="bundled=True"):
        MNIST()
    with pytest.raises(ValueError, match="needs a root"):
        MNIST(download=True)


def test_download(server, mnist_files, tmp_path, monkeypatch):
    files, arrays, resources = mnist_files
    monkeypatch.setattr(MNIST, "resources", resources)
    monkeypatch.setattr(MNIST, "mirrors", [f"{server}/drop/", f"{server}/good/"])
    ds = MNIST(tmp_path, train=False, download=True)
    raw = tmp_path / "MNIST" / "raw"
    assert sorted(os.listdir(raw)) == sorted(files)
    np.testing.assert_array_equal(ds.data._data, arrays["t10k-images-idx3-ubyte"])
    assert ds.folder == str(raw)
    mtimes = {f: os.stat(raw / f).st_mtime_ns for f in files}
    MNIST(tmp_path, train=True, download=True)  # already there: nothing fetched again
    assert {f: os.stat(raw / f).st_mtime_ns for f in files} == mtimes


@pytest.mark.parametrize("cls, route, match", [(FashionMNIST, "bad", "MD5 mismatch"),
                                                (MNIST, "drop", "cut short")],
                         ids=["checksum_mismatch", "dropped_connection"])
def test_download_failure_leaves_no_file(cls, route, match, server, mnist_files, tmp_path, monkeypatch):
    monkeypatch.setattr(cls, "resources", mnist_files[2])
    monkeypatch.setattr(cls, "mirrors", [f"{server}/{route}/"])
    with pytest.raises(RuntimeError, match=match):
        cls(tmp_path, download=True)
    assert os.listdir(tmp_path / cls.__name__ / "raw") == []


def test_fashion_finds_debian_folder(tmp_path, monkeypatch):
    folder = tmp_path / "usr" / "share" / "datasets" / "fashion-mnist"
    arrays = write_files(folder)  # gzipped, as the Debian package ships them
    monkeypatch.setattr(FashionMNIST, "system_dirs", (str(folder),))
    monkeypatch.setattr(mnist_module, "_dpkg_dirs", lambda package, names: [])
    ds = FashionMNIST(train=True)
    assert ds.folder == str(folder) and len(ds) == 12
    np.testing.assert_array_equal(ds.targets._data, arrays["train-labels-idx1-ubyte"])
    assert ds.classes[9] == "Ankle boot" and ds.class_to_idx["Bag"] == 8


def test_fashion_uses_dpkg_listing(tmp_path, monkeypatch):
    folder = tmp_path / "elsewhere"
    write_files(folder)
    listing = "\n".join(["/.", "/usr/share/doc/dataset-fashion-mnist/copyright"]
                        + [str(folder / f"{n}.gz") for n in make_arrays()])
    calls = []

    def fake_run(cmd, **kw):
        calls.append(cmd)
        return subprocess.CompletedProcess(cmd, 0, stdout=listing, stderr="")

    monkeypatch.setattr(FashionMNIST, "system_dirs", (str(tmp_path / "missing"),))
    monkeypatch.setattr(mnist_module.shutil, "which", lambda name: "/usr/bin/dpkg")
    monkeypatch.setattr(mnist_module.subprocess, "run", fake_run)
    ds = FashionMNIST(train=False)
    assert calls == [["dpkg", "-L", "dataset-fashion-mnist"]] and ds.folder == str(folder) and len(ds) == 5


def test_fashion_not_installed(monkeypatch, tmp_path):
    monkeypatch.setattr(FashionMNIST, "system_dirs", (str(tmp_path / "missing"),))
    monkeypatch.setattr(mnist_module, "_dpkg_dirs", lambda package, names: [])
    with pytest.raises(RuntimeError, match="install Debian's dataset-fashion-mnist package, or give root"):
        FashionMNIST()


def test_dirs_from_listing():
    listing = ("/usr/share/a/train-images-idx3-ubyte.gz\n/usr/share/a/t10k-labels-idx1-ubyte.gz\n"
               "/b/README\n/c/x")
    assert mnist_module.dirs_from_listing(listing, ["train-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]) \
        == ["/usr/share/a"]


def test_seeded_loader_over_bundled_is_reproducible():
    ds = MNIST(bundled=True, train=False)
    ag.manual_seed(0)
    a = [y.tolist() for _, y in DataLoader(ds, batch_size=500, shuffle=True)]
    ag.manual_seed(0)
    b = [y.tolist() for _, y in DataLoader(ds, batch_size=500, shuffle=True)]
    assert a == b and len(a) == 4
