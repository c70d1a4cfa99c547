"""``save``, ``load`` and ``load_metadata``: checkpoints as PyTorch users write
them (``torch.save(obj, f)`` / ``torch.load(f)``), without pickle.

``obj`` is a tensor, a numpy array, or dicts, lists and tuples (nested) of
them and of plain values: ints, floats, strings, bools, None, numpy scalars,
e.g. ``{'epoch': 3, 'model': model.state_dict(), 'optimizer':
opt.state_dict(), 'loss': 0.31}``. It is written as a safetensors file with
the ``safetensors`` library: every tensor and array is a safetensors entry
(named by its path in ``obj``: ``model.fc1.weight``,
``optimizer.state.0.exp_avg``) and the structure goes into the header's
``__metadata__`` as JSON under ``autograd_core.structure``, with the
types a round trip needs: dict key types (optim's ``{0: {...}}``), list or
tuple, OrderedDict, int, float (exactly), bool, None, tensor (its dtype and
``requires_grad``) or numpy array (it comes back as one). A tensor that
appears twice is stored once and comes back as one object. A dict of
name -> Tensor (a plain dict) whose order the library keeps (it orders
entries by dtype and name) is written as a plain safetensors file; otherwise
the structure records the order. Any safetensors reader loads both, by the
same names. ``.npz`` paths take dicts of name -> Tensor or array.

Anything else (a whole ``nn.Module``, an optimizer object, a function) is
refused with a ``TypeError`` that points to ``state_dict()``: storing it
would need pickle, and loading a pickle runs code. ``load`` never does.

A safetensors file is

    8 bytes     N, the header length (unsigned 64-bit little-endian)
    N bytes     a JSON object {name: {"dtype": "F32", "shape": [2, 3],
                "data_offsets": [begin, end]}, ..., "__metadata__": {str: str}}
                (padded with spaces to a multiple of 8 bytes)
    the rest    the tensors' raw little-endian bytes, C order; offsets count
                from the start of this buffer, and the tensors tile it exactly.

dtypes: F64 F32 F16 BF16 (read as float32) I64 I32 I16 I8 U8 BOOL. Before
the library reads a file, the header is checked here: a truncated file, a
pickle, a header that does not add up, or a structure that names missing
tensors raises a ``ValueError`` that says what is wrong.
"""
import io
import json
import os
import struct
import zipfile
from collections import OrderedDict

import numpy as np
import safetensors.numpy as _st

from .tensor import Tensor

__all__ = ["save", "load", "load_metadata"]

_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
           "I8": "i1", "U8": "u1", "BOOL": "?"}
_NAMES = {np.dtype(v).newbyteorder("="): k for k, v in _DTYPES.items()}
_MAX_HEADER = 100_000_000
STRUCTURE = "autograd_core.structure"  # the __metadata__ key holding the JSON structure


def _storable(name, arr):
    """``arr`` as the library stores it: little-endian, C-contiguous, of a safetensors dtype."""
    if _NAMES.get(arr.dtype.newbyteorder("=")) is None:
        raise TypeError(f"save: {name!r} has dtype {arr.dtype}, which safetensors cannot store")
    return np.asarray(arr, dtype=arr.dtype.newbyteorder("<"), order="C")  # 0-d stays 0-d


def _refuse(obj, where):
    what = type(obj).__name__
    if hasattr(obj, "state_dict"):
        return TypeError(f"save: cannot save a whole {what} object{where} (that would need pickle, "
                         f"and loading a pickle runs code); save its state_dict() instead: "
                         f"torch.save({{'model': model.state_dict(), 'optimizer': optimizer.state_dict()}}, f), "
                         f"then model.load_state_dict(torch.load(f)['model'])")
    return TypeError(f"save: cannot save an object of type {what}{where}: save tensors, numpy arrays, "
                     f"numbers, strings, bools and None in dicts, lists and tuples (a model or an "
                     f"optimizer through its state_dict())")


class _Encoder:
    """The JSON structure of ``obj`` and the arrays it holds, by entry name."""

    def __init__(self):
        self.arrays = {}
        self.seen = {}  # id(tensor or array) -> its tag (stored once)
        self.keep = []  # the objects behind ``seen``'s ids stay alive while encoding

    def name(self, path):
        base = ".".join(path) or "tensor"
        name, n = base, 1
        while name in self.arrays:
            name, n = f"{base}#{n}", n + 1
        return name

    def value(self, obj, path):
        if isinstance(obj, np.generic) and obj.dtype.kind in "biuf":  # before float: np.float64 is one
            return {"$scalar": obj.dtype.str, "value": self.value(obj.item(), path)}
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return obj
        if isinstance(obj, float):
            return obj if np.isfinite(obj) else {"$float": repr(obj)}
        if isinstance(obj, (Tensor, np.ndarray)):
            tag = self.seen.get(id(obj))
            if tag is None:
                name = self.name(path)
                self.arrays[name] = _storable(name, obj._data if isinstance(obj, Tensor) else obj)
                tag = {"$tensor": name} if isinstance(obj, Tensor) else {"$ndarray": name}
                if isinstance(obj, Tensor) and obj.requires_grad:
                    tag["requires_grad"] = True
                self.seen[id(obj)] = tag
                self.keep.append(obj)
            return tag
        if isinstance(obj, list):
            return [self.value(v, path + [str(i)]) for i, v in enumerate(obj)]
        if isinstance(obj, tuple):  # torch.Size too; a namedtuple comes back as a tuple
            return {"$tuple": [self.value(v, path + [str(i)]) for i, v in enumerate(obj)]}
        if isinstance(obj, dict):  # a defaultdict comes back as a dict
            items = [[self.key(k, path), self.value(v, path + [str(k)])] for k, v in obj.items()]
            return {"$ordered" if type(obj) is OrderedDict else "$dict": items}
        where = f" at {'.'.join(path)!r}" if path else ""
        raise _refuse(obj, where)

    def key(self, k, path):
        if k is None or isinstance(k, (bool, str, int, float)) and not isinstance(k, np.generic):
            return self.value(k, path)
        if isinstance(k, tuple):
            return {"$tuple": [self.key(v, path) for v in k]}
        raise TypeError(f"save: dict keys must be strings, numbers, bools, None or tuples of them; "
                        f"got a {type(k).__name__} at {'.'.join(path) or 'the top level'!r}")


def _is_state_dict(obj):
    """A plain dict of name -> Tensor that a plain safetensors file holds
    exactly (an OrderedDict or a tensor that requires grad needs the structure)."""
    return type(obj) is dict and all(
        isinstance(k, str) and type(v) is Tensor and not v.requires_grad for k, v in obj.items())


def _keeps_order(state):
    """Whether the file keeps the state dict's order (the library orders
    entries by dtype and name): probed with one-element arrays."""
    if len(state) < 2:
        return True
    probe = _st.save({k: np.zeros(1, t._data.dtype.newbyteorder("<")) for k, t in state.items()})
    (n,) = struct.unpack("<Q", probe[:8])
    header = json.loads(probe[8:8 + n])
    header.pop("__metadata__", None)
    return sorted(header, key=lambda k: header[k]["data_offsets"]) == list(state)


def save(obj, f, metadata=None):
    """Write ``obj`` (see the module docstring) to ``f``, a path or a binary
    file: safetensors, or an npz archive when the path ends with '.npz'
    (dicts of name -> Tensor or array only). ``metadata`` is an optional dict
    of str -> str kept in the header."""
    if metadata is not None and not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise TypeError("save: metadata must map str to str")
    if isinstance(f, (str, os.PathLike)) and os.fspath(f).endswith(".npz"):
        return _save_npz(obj, f)
    meta = dict(metadata or {})
    if STRUCTURE in meta:
        raise ValueError(f"save: the metadata key {STRUCTURE!r} is reserved")
    if _is_state_dict(obj) and _keeps_order(obj):
        arrays = {name: _storable(name, t._data) for name, t in obj.items()}
    else:
        enc = _Encoder()
        meta[STRUCTURE] = json.dumps(enc.value(obj, []), separators=(",", ":"), allow_nan=False)
        arrays = enc.arrays
    data = _st.save(arrays, metadata=meta or None)
    if hasattr(f, "write"):
        f.write(data)
    else:
        with open(f, "wb") as fh:
            fh.write(data)


def _save_npz(obj, f):
    if not hasattr(obj, "items"):
        raise TypeError(f"save: an .npz archive holds a dict of name -> Tensor (a state dict), got "
                        f"{type(obj).__name__}; save nested objects as .safetensors")
    arrays = {}
    for name, value in obj.items():
        if not isinstance(name, str):
            raise TypeError(f"save: keys must be strings in an .npz archive, got {name!r}")
        if not isinstance(value, (Tensor, np.ndarray)):
            raise TypeError(f"save: the value of {name!r} is a {type(value).__name__}; an .npz archive "
                            "holds tensors or arrays only (save nested objects as .safetensors)")
        arrays[name] = value._data if isinstance(value, Tensor) else value
    with zipfile.ZipFile(f, "w") as z:  # np.savez's layout, without its keyword-name clashes
        for name, arr in arrays.items():
            with z.open(name + ".npy", "w") as fh:
                np.lib.format.write_array(fh, arr, allow_pickle=False)


def load(f, map_location=None, weights_only=True):
    """Read what ``save`` wrote (the same structure: dicts with their key
    types, lists, tuples, plain values, tensors and numpy arrays), a
    safetensors file from any writer (e.g. ``safetensors.torch.save_file``:
    a dict of name -> Tensor), or an npz archive of arrays. ``f`` is a path
    or a binary file. ``map_location`` ('cpu', a cpu device or None) and
    ``weights_only`` are accepted for PyTorch compatibility: only the CPU
    exists, and loading never unpickles nor runs code, whatever they say."""
    if map_location is not None and not callable(map_location) and not isinstance(map_location, dict) \
            and not str(map_location).startswith("cpu"):
        raise RuntimeError(f"load: map_location {map_location!r} is not available: this engine runs on 'cpu'")
    where = f if isinstance(f, (str, os.PathLike)) else getattr(f, "name", "<file>")
    if hasattr(f, "read"):
        raw = f.read()
    else:
        with open(f, "rb") as fh:
            raw = fh.read()
    if raw[:4] in (b"PK\x03\x04", b"PK\x05\x06"):  # a zip archive (PK\x05\x06: an empty one)
        return _load_npz(raw, where)
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
    """The user's ``__metadata__`` dict (str -> str) of the safetensors file at
    ``path`` (empty when it has none), reading only its header."""
    with open(path, "rb") as fh:
        head = fh.read(8)
        if len(head) == 8:
            head += fh.read(min(struct.unpack("<Q", head)[0], _MAX_HEADER + 1))
    meta = _metadata(_header(head, path)[0], path)
    meta.pop(STRUCTURE, None)
    return meta


def _metadata(header, where):
    meta = header.pop("__metadata__", None) or {}
    if not isinstance(meta, dict):
        raise _bad(where, "__metadata__ is not a JSON object")
    return dict(meta)


def _load_safetensors(raw, where):
    header, n = _header(raw, where)
    meta = _metadata(header, where)
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
    if any(e[3] == "BF16" for e in entries):  # numpy has no bfloat16: the top half of a float32
        arrays = {}
        for begin, end, name, dtype, shape in entries:
            if dtype == "BF16":
                arr = (np.frombuffer(buf[begin:end], "<u2").astype(np.uint32) << 16).view(np.float32)
            else:
                arr = np.frombuffer(buf[begin:end], _DTYPES[dtype]).astype(np.dtype(_DTYPES[dtype]).newbyteorder("="))
            arrays[name] = arr.reshape(shape)
    else:  # checked: the library reads it (into writable arrays)
        try:
            arrays = _st.load(bytes(raw))
        except Exception as e:  # the library's own error type
            raise _bad(where, f"the safetensors library refused it ({e})") from None
    if STRUCTURE in meta:
        return _Decoder(arrays, where).value(_structure(meta[STRUCTURE], where))
    return {name: Tensor(arrays[name]) for _, _, name, _, _ in entries}


def _structure(text, where):
    try:
        return json.loads(text)
    except (TypeError, ValueError, RecursionError) as e:
        raise _bad(where, f"its {STRUCTURE} metadata is not JSON ({e})") from None


class _Decoder:
    """The object back from its JSON structure and the arrays read."""

    def __init__(self, arrays, where):
        self.arrays, self.where, self.made = arrays, where, {}

    def bad(self, why):
        return _bad(self.where, f"its {STRUCTURE} metadata {why}")

    def array(self, name):
        if not isinstance(name, str) or name not in self.arrays:
            raise self.bad(f"names a tensor {name!r} the file does not hold")
        return self.arrays[name]

    def value(self, node):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.value(v) for v in node]
        if not isinstance(node, dict) or len(node) not in (1, 2):
            raise self.bad(f"holds an unknown item {str(node)[:80]}")
        tag, body = next(iter(node.items()))
        if tag in ("$tensor", "$ndarray"):
            key = (tag, body)
            if key not in self.made:
                arr = self.array(body)
                if tag == "$ndarray":
                    self.made[key] = arr
                else:
                    t = Tensor(arr)
                    if node.get("requires_grad") is True and arr.dtype.kind == "f":
                        t.requires_grad = True
                    self.made[key] = t
            return self.made[key]
        if tag == "$tuple" and isinstance(body, list):
            return tuple(self.value(v) for v in body)
        if tag in ("$dict", "$ordered") and isinstance(body, list):
            out = OrderedDict() if tag == "$ordered" else {}
            for item in body:
                if not isinstance(item, list) or len(item) != 2:
                    raise self.bad("holds a dict item that is not a [key, value] pair")
                out[self.hashable(self.value(item[0]))] = self.value(item[1])
            return out
        if tag == "$float" and body in ("nan", "inf", "-inf"):
            return float(body)
        if tag == "$scalar" and isinstance(body, str) and len(node) == 2:
            try:
                dtype = np.dtype(body)
            except TypeError:
                dtype = None
            if dtype is not None and dtype.kind in "biuf":
                return dtype.type(self.value(node["value"]))
        raise self.bad(f"holds an unknown item {str(node)[:80]}")

    def hashable(self, key):
        try:
            hash(key)
        except TypeError:
            raise self.bad(f"has a dict key {key!r} that cannot be a key") from None
        return key


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
        with np.load(io.BytesIO(raw), allow_pickle=False) as npz:  # never unpickles
            for key in npz.files:
                out[key] = Tensor(npz[key])
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        raise ValueError(f"load: {where} could not be read as an npz of arrays ({e})") from None
    return out
