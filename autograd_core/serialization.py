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

Reading a file (``serialization_files.py``) is the ``safetensors`` library's
job, with the project's checks around it: a truncated, damaged, foreign or
hostile file raises a ``ValueError`` that names the file and the fault, in
memory that does not grow with what the file claims; so does a structure
that names missing tensors, holds unknown items or nests deeper than
``MAX_DEPTH`` levels. The name ``__metadata__`` is the format's own (the
header's metadata): ``save`` refuses an entry of that name.
"""
import io
import json
import os
import re
import zipfile
from collections import OrderedDict

import numpy as np
import safetensors.numpy as _st

from . import serialization_files as files
from .tensor import Tensor

__all__ = ["save", "load", "load_metadata"]

_SAVED = {np.dtype(v).newbyteorder("=") for k, v in files.DTYPES.items() if k != "BF16"}
STRUCTURE = "autograd_core.structure"  # the __metadata__ key holding the JSON structure
RESERVED = "__metadata__"  # the safetensors header's metadata: no entry may take its name
MAX_DEPTH = 100  # how deeply a saved structure may nest (a deeper one, or a cycle, is refused)
_SCALAR = re.compile(r"[<>|=]?[biuf][1248]")  # the numpy scalar types a structure may name


def _storable(name, arr):
    """``arr`` as the library stores it: little-endian, C-contiguous, of a safetensors dtype."""
    if arr.dtype.newbyteorder("=") not in _SAVED:
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
        if len(path) > MAX_DEPTH:
            raise ValueError(f"save: the object nests deeper than {MAX_DEPTH} levels at "
                             f"{'.'.join(path[:3])}... (does it contain itself?)")
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
    return list(files.read_header(io.BytesIO(probe), "the order probe", len(probe))[0]) == list(state)


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
    if isinstance(obj, dict) and isinstance(obj.get(RESERVED), (Tensor, np.ndarray)):  # its entry's name
        where = os.fspath(f) if isinstance(f, (str, os.PathLike)) else getattr(f, "name", "<file>")
        raise ValueError(f"save: cannot write {where}: the entry name {RESERVED!r} is reserved by the "
                         "safetensors format (it holds the header's metadata; a file with such an entry "
                         "cannot be loaded); rename it")
    if _is_state_dict(obj) and _keeps_order(obj):
        arrays = {name: _storable(name, t._data) for name, t in obj.items()}
    else:
        enc = _Encoder()
        meta[STRUCTURE] = json.dumps(enc.value(obj, []), separators=(",", ":"), allow_nan=False)
        arrays = enc.arrays
    if hasattr(f, "write"):
        f.write(_st.save(arrays, metadata=meta or None))
    else:
        _st.save_file(arrays, f, metadata=meta or None)


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
    exists, and loading never unpickles nor runs code, whatever they say.
    A damaged or hostile file raises a ``ValueError`` naming the file and
    the fault (docs/guarantees.md)."""
    if map_location is not None and not callable(map_location) and not isinstance(map_location, dict) \
            and not str(map_location).startswith("cpu"):
        raise RuntimeError(f"load: map_location {map_location!r} is not available: this engine runs on 'cpu'")
    arrays, meta, where = read_arrays(f)
    if meta is None:  # an npz archive
        return {name: Tensor(arr) for name, arr in arrays.items()}
    if STRUCTURE in meta:
        return _Decoder(arrays, where).value(_structure(meta[STRUCTURE], where))
    return {name: Tensor(arr) for name, arr in arrays.items()}


def read_arrays(f):
    """``(arrays by name in file order, metadata or None for an npz, the file's name)`` of a path or binary file."""
    with files.open_source(f) as (fh, where, path):
        zipped, fh = files.is_zip(fh)
        if zipped:
            return files.read_npz(fh, where, path), None, where
        arrays, meta = files.read_safetensors(fh, where, path)
        return arrays, meta, where


def load_metadata(f):
    """The user's ``__metadata__`` dict (str -> str) of the safetensors file
    ``f`` (a path or a binary file; empty when it has none), reading only its header."""
    with files.open_source(f) as (fh, where, _):
        meta = files.read_header(fh, where, files.remaining(fh))[1]
    meta.pop(STRUCTURE, None)
    return meta


def _structure(text, where):
    try:
        return json.loads(text)
    except (TypeError, ValueError, RecursionError) as e:
        raise files.bad(where, f"its {STRUCTURE} metadata is not JSON ({str(e)[:200]})") from None


class _Decoder:
    """The object back from its JSON structure and the arrays read."""

    def __init__(self, arrays, where):
        self.arrays, self.where, self.made = arrays, where, {}

    def bad(self, why):
        return files.bad(self.where, f"its {STRUCTURE} metadata {why}")

    def value(self, node, depth=0):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if depth > MAX_DEPTH:
            raise self.bad(f"nests deeper than {MAX_DEPTH} levels")
        if isinstance(node, list):
            return [self.value(v, depth + 1) for v in node]
        if not isinstance(node, dict) or len(node) not in (1, 2):
            raise self.bad(f"holds an unknown item {str(node)[:80]}")
        tag, body = next(iter(node.items()))
        if tag in ("$tensor", "$ndarray"):
            return self.tensor(tag, body, node.get("requires_grad") is True)
        if tag == "$tuple" and isinstance(body, list):
            return tuple(self.value(v, depth + 1) for v in body)
        if tag in ("$dict", "$ordered") and isinstance(body, list):
            out = OrderedDict() if tag == "$ordered" else {}
            for item in body:
                if not isinstance(item, list) or len(item) != 2:
                    raise self.bad("holds a dict item that is not a [key, value] pair")
                out[self.hashable(self.value(item[0], depth + 1))] = self.value(item[1], depth + 1)
            return out
        if tag == "$float" and body in ("nan", "inf", "-inf"):
            return float(body)
        if tag == "$scalar" and isinstance(body, str) and _SCALAR.fullmatch(body) and len(node) == 2:
            value = node.get("value")
            if isinstance(value, (bool, int, float)):
                try:
                    return np.dtype(body).type(value)
                except (OverflowError, ValueError):
                    raise self.bad(f"holds a {np.dtype(body)} scalar out of its range: {value!r}") from None
        raise self.bad(f"holds an unknown item {str(node)[:80]}")

    def tensor(self, tag, name, requires_grad):
        """The tensor (or numpy array) stored as ``name``: one object however often the structure names it."""
        if not isinstance(name, str) or name not in self.arrays:
            raise self.bad(f"names a tensor {str(name)[:80]!r} the file does not hold")
        key = (tag, name)
        if key not in self.made:
            arr = self.arrays[name]
            if tag == "$ndarray":
                self.made[key] = arr
            else:
                t = Tensor(arr)
                if requires_grad and arr.dtype.kind == "f":
                    t.requires_grad = True
                self.made[key] = t
        return self.made[key]

    def hashable(self, key):
        try:
            hash(key)
        except TypeError:
            raise self.bad(f"has a dict key {str(key)[:80]} that cannot be a key") from None
        return key
