"""``save``, ``load`` and ``load_metadata``: state dicts (name -> tensor) in the safetensors
format, written and read by hand; or ``.npz`` archives read with
``allow_pickle=False``. Loading never runs code from the file.

A safetensors file is

    8 bytes     N, the header length (unsigned 64-bit little-endian)
    N bytes     a JSON object {name: {"dtype": "F32", "shape": [2, 3],
                "data_offsets": [begin, end]}, ..., "__metadata__": {str: str}}
                (padded with spaces to a multiple of 8 bytes)
    the rest    the tensors' raw little-endian bytes, C order; offsets count
                from the start of this buffer, and the tensors tile it exactly.

dtypes: F64 F32 F16 BF16 (read as float32) I64 I32 I16 I8 U8 BOOL.
Anything else (a truncated file, a pickle, a header that does not add up)
raises a ``ValueError`` that says what is wrong.
"""
import io
import json
import os
import struct
import zipfile

import numpy as np

from .tensor import Tensor

__all__ = ["save", "load", "load_metadata"]

_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
           "I8": "i1", "U8": "u1", "BOOL": "?"}
_NAMES = {np.dtype(v).newbyteorder("="): k for k, v in _DTYPES.items()}
_MAX_HEADER = 100_000_000


def _array(name, value):
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, np.ndarray):
        return value
    raise TypeError(f"save: the value of {name!r} is a {type(value).__name__}; expected a Tensor or ndarray "
                    "(save a state dict: {name: tensor})")


def save(obj, f, metadata=None):
    """Write the dict ``obj`` of name -> Tensor to ``f`` (a path or a binary
    file): safetensors, or an npz archive when the path ends with '.npz'.
    ``metadata`` is an optional dict of str -> str kept in the header."""
    if not hasattr(obj, "items"):
        raise TypeError(f"save: expected a dict of name -> Tensor (a state dict), got {type(obj).__name__}")
    arrays = {}
    for name, value in obj.items():
        if not isinstance(name, str):
            raise TypeError(f"save: keys must be strings, got {name!r}")
        arrays[name] = _array(name, value)
    if isinstance(f, (str, os.PathLike)) and os.fspath(f).endswith(".npz"):
        with zipfile.ZipFile(f, "w") as z:  # np.savez's layout, without its keyword-name clashes
            for name, arr in arrays.items():
                with z.open(name + ".npy", "w") as fh:
                    np.lib.format.write_array(fh, arr, allow_pickle=False)
        return
    header, chunks, offset = {}, [], 0
    if metadata:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise TypeError("save: metadata must map str to str")
        header["__metadata__"] = dict(metadata)
    for name, arr in arrays.items():
        kind = _NAMES.get(arr.dtype.newbyteorder("="))
        if kind is None:
            raise TypeError(f"save: {name!r} has dtype {arr.dtype}, which safetensors cannot store")
        data = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": kind, "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    if hasattr(f, "write"):
        _write(f, text, chunks)
    else:
        with open(f, "wb") as fh:
            _write(fh, text, chunks)


def _write(fh, text, chunks):
    fh.write(struct.pack("<Q", len(text)))
    fh.write(text)
    for c in chunks:
        fh.write(c)


def load(f, map_location=None, weights_only=True):
    """Read a dict of name -> Tensor written by ``save`` (or by any
    safetensors writer, e.g. ``safetensors.torch.save_file``), or an npz
    archive of arrays. ``map_location`` and ``weights_only`` are accepted for
    PyTorch compatibility (only 'cpu' exists; loading never unpickles)."""
    if map_location is not None and not str(map_location).startswith("cpu"):
        raise RuntimeError(f"load: map_location {map_location!r} is not available: this engine runs on 'cpu'")
    where = f if isinstance(f, (str, os.PathLike)) else getattr(f, "name", "<file>")
    if hasattr(f, "read"):
        raw = bytearray(f.read())
    else:
        with open(f, "rb") as fh:
            raw = bytearray(os.fstat(fh.fileno()).st_size)  # writable: loaded tensors own this memory
            fh.readinto(raw)
    if raw[:4] in (b"PK\x03\x04", b"PK\x05\x06"):  # a zip archive (PK\x05\x06: an empty one)
        return _load_npz(bytes(raw), where)
    return _load_safetensors(raw, where)


def _bad(where, why):
    return ValueError(f"load: {where} is not a valid safetensors file: {why}")


def _header(raw, where):
    """(the JSON header of a safetensors file, its length n), from ``raw``,
    which holds at least the file's first 8 + n bytes."""
    if len(raw) < 8:
        raise _bad(where, f"it has {len(raw)} bytes, fewer than the 8-byte header length")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > _MAX_HEADER:
        raise _bad(where, f"header length {n} is implausible (not a safetensors file?)")
    if 8 + n > len(raw):
        raise _bad(where, f"the header says {n} bytes but the file has only {len(raw) - 8} after the "
                          "length (truncated?)")
    try:
        header = json.loads(bytes(raw[8:8 + n]).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise _bad(where, f"the header is not JSON ({e})") from None
    if not isinstance(header, dict):
        raise _bad(where, "the header is not a JSON object")
    return header, n


def load_metadata(path):
    """The ``__metadata__`` dict (str -> str) of the safetensors file at
    ``path`` (empty when it has none), reading only its header."""
    with open(path, "rb") as fh:
        head = fh.read(8)
        if len(head) == 8:
            head += fh.read(min(struct.unpack("<Q", head)[0], _MAX_HEADER + 1))
    meta = _header(head, path)[0].get("__metadata__") or {}
    if not isinstance(meta, dict):
        raise _bad(path, "__metadata__ is not a JSON object")
    return dict(meta)


def _load_safetensors(raw, where):
    header, n = _header(raw, where)
    header.pop("__metadata__", None)
    buf = memoryview(raw)[8 + n:]
    entries = []
    for name, info in header.items():
        try:
            dtype, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
        except (TypeError, KeyError, ValueError):
            raise _bad(where, f"entry {name!r} lacks dtype, shape or data_offsets") from None
        if dtype not in _DTYPES and dtype != "BF16":
            raise _bad(where, f"entry {name!r} has unsupported dtype {dtype!r}")
        if not isinstance(shape, list) or not all(type(s) is int and s >= 0 for s in shape):
            raise _bad(where, f"entry {name!r} has an invalid shape {shape}")
        if not (type(begin) is int and type(end) is int):
            raise _bad(where, f"entry {name!r} has non-integer data_offsets")
        itemsize = 2 if dtype == "BF16" else np.dtype(_DTYPES[dtype]).itemsize
        if end - begin != int(np.prod(shape, dtype=np.int64)) * itemsize or begin < 0:
            raise _bad(where, f"entry {name!r} of shape {shape} and dtype {dtype} has data_offsets "
                              f"[{begin}, {end}] of the wrong length")
        entries.append((begin, end, name, dtype, shape))
    entries.sort()
    pos = 0
    for begin, end, name, _, _ in entries:
        if begin != pos:
            raise _bad(where, f"entry {name!r} starts at byte {begin}, expected {pos} (overlap or gap)")
        pos = end
    if pos != len(buf):
        raise _bad(where, f"the tensors take {pos} bytes but the data buffer has {len(buf)} (truncated?)")
    out = {}
    for begin, end, name, dtype, shape in entries:
        if dtype == "BF16":  # bfloat16 is the top half of a float32
            half = np.frombuffer(buf[begin:end], "<u2").astype(np.uint32) << 16
            arr = half.view(np.float32)
        else:
            arr = np.frombuffer(buf[begin:end], _DTYPES[dtype])
            arr = arr.astype(arr.dtype.newbyteorder("="), copy=False)
        out[name] = Tensor(arr.reshape(shape))
    return out


def _load_npz(raw, where):
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        names = archive.namelist()
    except zipfile.BadZipFile as e:
        raise ValueError(f"load: {where} is a damaged zip/npz file ({e})") from None
    foreign = [n for n in names if not n.endswith(".npy")]
    if foreign:
        hint = " (a PyTorch torch.save checkpoint? save it with safetensors)" if any(
            n.endswith(".pkl") for n in foreign) else ""
        raise ValueError(f"load: {where} is a zip archive but not an npz of arrays: it holds "
                         f"{foreign[:3]}{hint}")
    out = {}
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
            for key in npz.files:
                out[key] = Tensor(npz[key])
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        raise ValueError(f"load: {where} could not be read as an npz of arrays ({e})") from None
    return out
