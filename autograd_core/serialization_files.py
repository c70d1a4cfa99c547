"""Reading checkpoint files that may be damaged or hostile: the layer under
``serialization.py`` that turns a path or a binary file into arrays (and the
safetensors metadata), or into a ``ValueError`` that names the file and says
what is wrong with it, in memory that does not grow with what a header claims.

safetensors (``read_safetensors``, ``read_header``). The ``safetensors``
library parses and validates the file: the header length, UTF-8, the JSON
and its layout (``{name: {"dtype", "shape", "data_offsets"}, "__metadata__":
{str: str}}``, nesting at most 128 deep), dtypes, shapes (integers below
2**64 whose byte count does not overflow), offsets (the tensors tile the data
buffer from byte 0, without overlap or gap) and that they cover the file
exactly. Around it, this module

* reads the 8-byte header length first and refuses a length over the
  library's limit (100 MB) or past the end of the file, and a header that
  does not start with '{', before reading more: a multi-gigabyte junk file
  costs a few bytes of reading;
* has the library check the header alone (a header whose tensors would need
  more bytes than the file holds is refused before any tensor is read);
* refuses the dtypes this engine has no tensors for (it reads F64 F32 F16
  BF16 -- widened to float32, as numpy has no bfloat16 -- I64 I32 I16 I8 U8
  BOOL);
* puts the library's message into words that name the fault.

From a path, tensors are read with the library's ``safe_open`` (memory-mapped:
each tensor is copied once into a writable array). From a file object, the
bytes the validated header accounts for are read in 1 MiB chunks and handed to
the library's ``deserialize`` (about twice the file's size at the peak).

npz archives (``read_npz``). ``zipfile`` reads the archive's directory and
numpy's ``np.lib.format`` each member's ``.npy`` header (``allow_pickle=False``:
an object array is refused, never unpickled). Before a member is expanded,
its header's shape and dtype must account for exactly the member's declared
size, and the declared sizes of all members together may exceed the
archive's own size by at most ``NPZ_EXPANSION`` bytes (1 GiB): a zip bomb, or a
header that claims 10**12 elements, is refused without allocating anything.
"""
import contextlib
import io
import json
import lzma
import math
import os
import re
import struct
import zipfile
import zlib

import numpy as np
import safetensors

__all__ = ["read_safetensors", "read_header", "read_npz", "open_source", "is_zip", "MAX_HEADER", "NPZ_EXPANSION"]

MAX_HEADER = 100_000_000  # the safetensors library's own limit on the header length
NPZ_EXPANSION = 1 << 30  # how many bytes an npz archive's members may expand beyond the archive's size
DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
          "I8": "i1", "U8": "u1", "BOOL": "?"}  # BF16 is read as its raw 16 bits, then widened
_CHUNK = 1 << 20
_READ_ERRORS = (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error, lzma.LZMAError, NotImplementedError,
                RuntimeError, SyntaxError, TypeError, OverflowError, RecursionError)


def bad(where, why):
    return ValueError(f"load: {where} is not a valid safetensors file: {why}")


class _Prefixed:
    """A non-seekable binary stream with its first bytes, already read, put back in front."""

    def __init__(self, prefix, stream):
        self.prefix, self.stream = prefix, stream

    def read(self, n=-1):
        if n is None or n < 0:
            out, self.prefix = self.prefix + self.stream.read(), b""
            return out
        out, self.prefix = self.prefix[:n], self.prefix[n:]
        return out + self.stream.read(n - len(out)) if len(out) < n else out

    def seekable(self):
        return False


@contextlib.contextmanager
def open_source(f):
    """``(binary file at its start, name for messages, path or None)`` for a path or a file object."""
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            yield fh, os.fspath(f), os.fspath(f)
        return
    name = getattr(f, "name", None)
    yield f, name if isinstance(name, (str, bytes, os.PathLike)) else "<file>", None


def remaining(fh):
    """How many bytes ``fh`` holds from its position on (None for a stream)."""
    seekable = getattr(fh, "seekable", None)
    if seekable is None or not seekable():
        return None
    pos = fh.tell()
    end = fh.seek(0, io.SEEK_END)
    fh.seek(pos)
    return end - pos


def read_at_most(fh, n):
    """Up to ``n`` bytes from ``fh``, read in chunks (a claim of n bytes allocates only what is there)."""
    parts, left = [], n
    while left > 0:
        part = fh.read(min(left, _CHUNK))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def is_zip(fh):
    """Whether the binary file starts like a zip archive (PK\\x03\\x04, or PK\\x05\\x06 for an empty one),
    and the file to read from its start (``fh`` itself when it can seek back)."""
    start = fh.tell() if remaining(fh) is not None else None
    magic = fh.read(4)
    if start is not None:
        fh.seek(start)
    else:
        fh = _Prefixed(magic, fh)
    return magic in (b"PK\x03\x04", b"PK\x05\x06"), fh


# safetensors ---------------------------------------------------------------------------------------------

_LIBRARY_FAULTS = [  # (pattern in the library's message, what it means), first match wins
    ("header too large", "its header length is implausible (not a safetensors file?)"),
    ("header too small|invalid header length", "its header is too short to be a JSON object"),
    ("invalid UTF-8", "its header is not UTF-8 text"),
    ("recursion limit exceeded", "its header nests deeper than the library allows (128 levels)"),
    ("missing field `(?P<x>\\w+)`", "an entry lacks dtype, shape or data_offsets (no {x!r})"),
    ("unknown variant `(?P<x>[^`]{0,40})", "an entry has an unsupported dtype {x!r}"),
    ("invalid type: (?P<x>[^,]{0,60}), expected (usize|u64)", "an entry's shape or data_offsets holds {x}, "
     "not an integer"),
    ("invalid value: (?P<x>[^,]{0,60}), expected (usize|u64)", "an entry's shape or data_offsets holds {x}, "
     "not an integer from 0 to 2**64 - 1"),
    ("invalid type: (?P<x>[^,]{0,60}), expected string or map", "an entry's dtype is {x}, not a string"),
    ("expected struct HashMetadata", "its header is not a JSON object"),
    ("invalid type: (?P<x>[^,]{0,60}), expected struct TensorInfo", "an entry is {x}, not a JSON object with "
     "dtype, shape and data_offsets"),
    ("invalid type: (?P<x>[^,]{0,60}), expected a map", "__metadata__ is not a JSON object (it is {x})"),
    ("invalid type: (?P<x>[^,]{0,60}), expected a string", "__metadata__ holds {x}, not a string"),
    ("invalid type: (?P<x>[^,]{0,60}), expected a (sequence|tuple)", "an entry's shape or data_offsets is {x}, "
     "not a list of integers"),
    ("invalid JSON in header: (?P<x>.{0,160})", "its header is not JSON in the safetensors layout ({x})"),
    ("overflow", "an entry's shape is too large: its size in bytes does not fit in 64 bits"),
    ("invalid shape, data type, or offset", "an entry's data_offsets have the wrong length for its shape and "
     "dtype"),
    ("invalid offset for tensor `(?P<x>.{0,80})`", "entry {x!r} does not start where the previous one ends "
     "(overlap or gap)"),
    ("not fully covered", "the tensors do not cover the data after the header exactly (truncated?)"),
]


def _library_fault(error):
    text = str(error)
    for pattern, meaning in _LIBRARY_FAULTS:
        m = re.search(pattern, text)
        if m:
            return meaning.format(**m.groupdict())
    return f"the safetensors library refused it ({text[:200]})"


class _Twice(ValueError):
    pass


def _unique(pairs):
    """A JSON object as a dict, refusing a name given twice (readers disagree on which one counts)."""
    seen = set()
    for key, _ in pairs:
        if key in seen:
            raise _Twice(f"its header names {key!r} twice")
        seen.add(key)
    return dict(pairs)


def read_header(fh, where, size):
    """Read and validate a safetensors header from ``fh``'s position: returns
    ``(entries, metadata, head)``: the entries {name: {"dtype", "shape",
    "data_offsets"}} in file order, the ``__metadata__`` dict, and the 8 + n
    bytes read. ``size`` is how many bytes the file holds (None: unknown).
    The tensors' bytes are not read, nor required to be there."""
    length = fh.read(8)
    if len(length) < 8:
        raise bad(where, f"it has {len(length)} bytes, fewer than the 8-byte header length")
    (n,) = struct.unpack("<Q", length)
    if n > MAX_HEADER:
        raise bad(where, f"its header length {n} is implausible (not a safetensors file?)")
    if size is not None and 8 + n > size:
        raise bad(where, f"the header says {n} bytes but the file has only {size - 8} after the length "
                         "(truncated?)")
    start = fh.read(min(n, 4096))
    if start.lstrip(b" \t\r\n")[:1] not in (b"{", b""):
        raise bad(where, f"its header is not a JSON object: it starts with {start[:16]!r}, not '{{' (not a "
                         "safetensors file?)")
    head = length + start + read_at_most(fh, n - len(start))
    if len(head) < 8 + n:
        raise bad(where, f"the header says {n} bytes but the file ends after {len(head) - 8} (truncated?)")
    try:  # the header alone: the library checks all of it, then finds the tensors' bytes missing
        safetensors.deserialize(head)
    except safetensors.SafetensorError as e:
        if "not fully covered" not in str(e):
            raise bad(where, _library_fault(e)) from None
    try:  # accepted by the library: a JSON object of entries and str -> str metadata
        header = json.loads(head[8:], object_pairs_hook=_unique)
    except _Twice as e:
        raise bad(where, str(e)) from None
    except ValueError as e:
        raise bad(where, f"its header is not JSON ({e})") from None
    metadata = header.pop("__metadata__", None) or {}
    entries = dict(sorted(header.items(), key=lambda item: item[1]["data_offsets"]))
    for name, entry in entries.items():
        if not isinstance(entry["dtype"], str) or entry["dtype"] not in DTYPES:
            raise bad(where, f"entry {name!r} has unsupported dtype {entry['dtype']!r} (this engine reads "
                             f"{' '.join(DTYPES)})")
    return entries, metadata, head


def _data_length(entries):
    return max((entry["data_offsets"][1] for entry in entries.values()), default=0)


def _array(dtype, shape, data):
    """The array of a safetensors entry from its bytes (a bytearray: the array is writable)."""
    arr = np.frombuffer(data, DTYPES[dtype]).reshape(shape)
    if dtype == "BF16":  # the top half of a float32
        return (arr.astype(np.uint32) << 16).view(np.float32)
    return arr if arr.dtype.isnative else arr.astype(arr.dtype.newbyteorder("="))


def read_safetensors(fh, where, path=None):
    """``(arrays by name in file order, metadata)`` of the safetensors file
    at ``fh``'s position (``path``: the same file by name, read with ``safe_open``)."""
    size = remaining(fh)
    entries, metadata, head = read_header(fh, where, size)
    need = _data_length(entries)
    if size is not None and size - len(head) != need:
        have = size - len(head)
        why = "truncated?" if have < need else f"{have - need} bytes of something else at the end"
        raise bad(where, f"its tensors take {need} bytes but the file has {have} after the header ({why})")
    if path is not None and not any(e["dtype"] == "BF16" for e in entries.values()):
        try:
            with safetensors.safe_open(path, framework="numpy") as st:
                return {name: st.get_tensor(name) for name in entries}, metadata
        except safetensors.SafetensorError as e:  # the file changed since its header was read
            raise bad(where, _library_fault(e)) from None
    data = read_at_most(fh, need)
    if len(data) < need or (size is None and fh.read(1)):
        raise bad(where, f"its tensors take {need} bytes but the file has "
                         f"{'only ' + str(len(data)) if len(data) < need else 'more'} after the header")
    try:
        views = dict(safetensors.deserialize(head + data))
    except safetensors.SafetensorError as e:
        raise bad(where, _library_fault(e)) from None
    del data
    return {name: _array(e["dtype"], e["shape"], views.pop(name)["data"]) for name, e in entries.items()}, metadata


# npz -----------------------------------------------------------------------------------------------------

def _npy_header(fp):
    """(shape, fortran_order, dtype, header length) of the .npy member open in ``fp``, read by numpy."""
    version = np.lib.format.read_magic(fp)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp)
    elif version in ((2, 0), (3, 0)):  # 3.0 differs from 2.0 only by UTF-8 field names (refused below)
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(fp)
    else:
        raise ValueError(f"unsupported .npy format version {version}")
    return shape, fortran, dtype, fp.tell()


def _member_header(archive, info, member):
    """(shape, dtype, header length) of an npz member, checked to account for the member's declared size."""
    try:
        with archive.open(info) as fp:
            shape, _, dtype, header_length = _npy_header(fp)
    except Exception as e:  # numpy evaluates the header's text with ast: anything it raises means damaged
        raise ValueError(f"{member} has a damaged .npy header ({type(e).__name__}: {str(e)[:200]})") from None
    if dtype.kind not in "biuf" or dtype.fields is not None or dtype.subdtype is not None:
        raise ValueError(f"{member} has dtype {dtype} (not a tensor of numbers; an object array would need "
                         "unpickling, which load never does)")
    nbytes = math.prod(shape) * dtype.itemsize
    if header_length + nbytes != info.file_size:
        raise ValueError(f"{member} claims shape {shape} of {dtype} ({nbytes} bytes) but holds "
                         f"{info.file_size - header_length} bytes after its header")
    return shape, dtype, header_length


def read_npz(fh, where, path=None):
    """The arrays of the npz archive ``fh`` (or ``path``), by name without '.npy'."""
    size = os.path.getsize(path) if path is not None else remaining(fh)
    if size is None:  # zipfile seeks: a stream is buffered
        fh = io.BytesIO(fh.read())
        size = len(fh.getvalue())
    try:
        archive = zipfile.ZipFile(path if path is not None else fh)
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        raise ValueError(f"load: {where} is a damaged zip/npz file ({e})") from None
    fault = f"load: {where} could not be read as an npz of arrays"
    with archive:
        foreign = [i.filename for i in infos if not i.filename.endswith(".npy")]
        if foreign:
            hint = " (a PyTorch torch.save checkpoint? save it with safetensors)" if any(
                n.endswith(".pkl") for n in foreign) else ""
            raise ValueError(f"load: {where} is a zip archive but not an npz of arrays: it holds "
                             f"{foreign[:3]}{hint}")
        expanded = sum(i.file_size for i in infos)
        if expanded > size + NPZ_EXPANSION:
            raise ValueError(f"{fault}: its members expand to {expanded} bytes from an archive of {size} "
                             f"(a zip bomb?); at most {NPZ_EXPANSION} bytes more than the archive are read")
        out = {}
        for info in infos:
            member = f"{fault}: member {info.filename!r}"
            _member_header(archive, info, member)
            try:
                with archive.open(info) as fp:
                    out[info.filename[:-4]] = np.lib.format.read_array(fp, allow_pickle=False)
            except _READ_ERRORS as e:
                raise ValueError(f"{member} is damaged ({type(e).__name__}: {str(e)[:200]})") from None
    return out
