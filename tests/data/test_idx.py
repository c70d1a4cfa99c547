"""The IDX reader and writer, on generated and corrupted files."""
import gzip

import numpy as np
import pytest

from data.datasets import read_idx, write_idx
from data.datasets.idx import idx_bytes, parse_idx


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("name", ["a.idx", "a.idx.gz"])
def test_round_trip(tmp_path, dtype, name):
    arr = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    write_idx(tmp_path / name, arr)
    raw = (tmp_path / name).read_bytes()
    assert (raw[:2] == b"\x1f\x8b") == name.endswith(".gz")
    out = read_idx(tmp_path / name)
    assert out.dtype == np.dtype(dtype) and out.shape == (2, 3, 4) and out.dtype.isnative
    np.testing.assert_array_equal(out, arr)


def test_header_layout():
    raw = idx_bytes(np.array([[1, 2, 3]], np.uint8))
    assert raw == bytes([0, 0, 0x08, 2, 0, 0, 0, 1, 0, 0, 0, 3, 1, 2, 3])
    assert idx_bytes(np.array([258], np.int16))[-2:] == b"\x01\x02"  # big-endian
    np.testing.assert_array_equal(parse_idx(raw), [[1, 2, 3]])


def test_gzip_detected_by_content_not_name(tmp_path):
    arr = np.arange(5, dtype=np.uint8)
    write_idx(tmp_path / "labels", arr, compress=True)
    np.testing.assert_array_equal(read_idx(tmp_path / "labels"), arr)


def write(path, raw, gz=False):
    path.write_bytes(gzip.compress(raw) if gz else raw)
    return path


@pytest.mark.parametrize("gz", [False, True])
def test_bad_magic(tmp_path, gz):
    raw = bytearray(idx_bytes(np.zeros((2, 2), np.uint8)))
    raw[0] = 7
    with pytest.raises(ValueError, match="bad IDX magic number 0x07000802"):
        read_idx(write(tmp_path / "f", bytes(raw), gz))
    raw[0], raw[2] = 0, 0x0A  # unknown type code
    with pytest.raises(ValueError, match="bad IDX magic number 0x00000a02"):
        read_idx(write(tmp_path / "f", bytes(raw), gz))


def test_truncated_data_and_header(tmp_path):
    raw = idx_bytes(np.zeros((3, 4), np.int32))
    with pytest.raises(ValueError, match=r"truncated IDX data: shape \(3, 4\) of int32 needs 48 bytes"):
        read_idx(write(tmp_path / "f.gz", raw[:-5], gz=True))
    with pytest.raises(ValueError, match="too long"):
        read_idx(write(tmp_path / "f", raw + b"\0"))
    with pytest.raises(ValueError, match="truncated IDX header"):
        read_idx(write(tmp_path / "f", raw[:9]))
    with pytest.raises(ValueError, match="shorter than the 4-byte magic"):
        read_idx(write(tmp_path / "f", b"\0\0"))
    with pytest.raises(ValueError, match="0 dimensions"):
        read_idx(write(tmp_path / "f", bytes([0, 0, 8, 0])))


def test_corrupted_gzip(tmp_path):
    gz = gzip.compress(idx_bytes(np.zeros((10, 10), np.uint8)))
    with pytest.raises(ValueError, match="corrupted gzip"):
        read_idx(write(tmp_path / "f.gz", gz[: len(gz) // 2]))
    with pytest.raises(ValueError, match=str(tmp_path)):
        read_idx(write(tmp_path / "g.gz", gz[:-4] + b"\0\0\0\0"))  # wrong length trailer


def test_write_errors(tmp_path):
    with pytest.raises(TypeError, match="cannot store dtype"):
        write_idx(tmp_path / "f", np.zeros(2, np.uint16))
    with pytest.raises(ValueError, match="1 to 255 dimensions"):
        write_idx(tmp_path / "f", np.array(1, np.uint8))
