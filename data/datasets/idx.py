"""The IDX format of the MNIST files, read and written, gzipped or not.

    bytes 0-1   0x00 0x00
    byte  2     element type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
                0x0D float32, 0x0E float64 (big-endian)
    byte  3     number of dimensions d
    then        d big-endian uint32 sizes, then the elements in C order

``read_idx`` checks all of it (and that the file holds exactly the elements
its header announces) and raises ``ValueError`` naming the file and the
problem. A file is gzipped when it starts with the gzip magic 0x1f 0x8b,
whatever its name.
"""
import gzip
import os
import zlib

import numpy as np

DTYPES = {0x08: np.dtype("u1"), 0x09: np.dtype("i1"), 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
          0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
CODES = {np.dtype(v).newbyteorder("="): k for k, v in DTYPES.items()}


def _raw(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as e:
        raise ValueError(f"{path}: corrupted gzip file ({e})") from None


def parse_idx(raw, name="<bytes>"):
    """The array held by the IDX bytes ``raw`` (native byte order)."""
    if len(raw) < 4:
        raise ValueError(f"{name}: not an IDX file: {len(raw)} bytes, shorter than the 4-byte magic number")
    if raw[0] != 0 or raw[1] != 0 or raw[2] not in DTYPES:
        raise ValueError(f"{name}: bad IDX magic number 0x{raw[:4].hex()} (expected 0x0000 then a type code "
                         f"in {{{', '.join(f'0x{c:02x}' for c in DTYPES)}}} and the number of dimensions)")
    dtype, ndim = DTYPES[raw[2]], raw[3]
    if ndim == 0:
        raise ValueError(f"{name}: IDX header announces 0 dimensions")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{name}: truncated IDX header: {ndim} dimensions need {header} bytes, "
                         f"the file has {len(raw)}")
    shape = tuple(int(s) for s in np.frombuffer(raw, ">u4", ndim, 4))
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    got = len(raw) - header
    if got != expected:
        what = "truncated" if got < expected else "too long"
        raise ValueError(f"{name}: {what} IDX data: shape {shape} of {dtype.newbyteorder('=')} needs "
                         f"{expected} bytes after the header, the file has {got}")
    arr = np.frombuffer(raw, dtype, offset=header).reshape(shape)
    return arr.astype(dtype.newbyteorder("="), copy=False) if dtype.byteorder == ">" else arr


def read_idx(path):
    """The array stored in the IDX file ``path`` (gzipped or not)."""
    return parse_idx(_raw(path), os.fspath(path))


def idx_bytes(array):
    """``array`` encoded as IDX bytes."""
    a = np.asarray(array)
    code = CODES.get(a.dtype.newbyteorder("="))
    if code is None:
        raise TypeError(f"IDX cannot store dtype {a.dtype} (uint8, int8, int16, int32, float32, float64)")
    if a.ndim == 0 or a.ndim > 255:
        raise ValueError(f"IDX stores 1 to 255 dimensions, got {a.ndim}")
    header = bytes([0, 0, code, a.ndim]) + np.asarray(a.shape, ">u4").tobytes()
    return header + np.ascontiguousarray(a, DTYPES[code]).tobytes()


def write_idx(path, array, compress=None):
    """Write ``array`` as an IDX file; gzipped when ``compress`` is True or,
    if None, when ``path`` ends in ``.gz``."""
    data = idx_bytes(array)
    if compress or (compress is None and os.fspath(path).endswith(".gz")):
        data = gzip.compress(data, mtime=0)
    with open(path, "wb") as f:
        f.write(data)
