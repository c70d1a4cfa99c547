"""Hostile and damaged files given to ``ag.load`` / ``load_metadata`` (issue 18):
each one, generated here, ends in a ``ValueError`` that names the file and
the fault, in memory that does not grow with what the file claims; and
``ag.save`` refuses what it could not load back."""
import io
import json
import os
import struct
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest
import safetensors.numpy

import autograd_core as ag
from autograd_core import serialization_files
from autograd_core.serialization import STRUCTURE, load_metadata


def safetensors_file(header, data=b""):
    """A safetensors file with the given header (a dict, or raw JSON bytes) and data bytes."""
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


def refused(tmp_path, raw, name="hostile.safetensors"):
    """The ValueError message of loading ``raw`` from a path and from a file object (the same fault)."""
    path = tmp_path / name
    path.write_bytes(raw)
    with pytest.raises(ValueError) as by_path:
        ag.load(path)
    message = str(by_path.value)
    assert str(path) in message
    with pytest.raises(ValueError) as by_file:
        ag.load(io.BytesIO(raw))
    assert str(by_file.value) == message.replace(str(path), "<file>")
    return message


F32 = {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}


@pytest.mark.parametrize("dtype, size, match", [
    (["F32"], 4, "dtype is sequence, not a string"),
    ({"a": 1}, 4, "unsupported dtype 'a'"),
    ({"F32": None}, 4, "unsupported dtype {'F32': None}"),
    (5, 4, "dtype is integer `5`, not a string"),
    ("C64", 8, "unsupported dtype 'C64'"),
    ("F8_E4M3", 1, "unsupported dtype 'F8_E4M3'"),
])
def test_a_dtype_that_is_not_one_of_ours(tmp_path, dtype, size, match):
    header = {"w": dict(F32, dtype=dtype, data_offsets=[0, size])}
    assert match in refused(tmp_path, safetensors_file(header, bytes(size)))


def test_deeply_nested_headers(tmp_path):
    deep = b"[" * 100_000 + b"]" * 100_000
    inside_entry = b'{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":' + deep + b"}}"
    assert "nests deeper than the library allows" in refused(tmp_path, safetensors_file(inside_entry, bytes(4)))
    as_metadata = b'{"__metadata__":' + deep + b"}"
    assert "__metadata__ is not a JSON object" in refused(tmp_path, safetensors_file(as_metadata))
    # the structure saved in the metadata: JSON too deep for Python, or deeper than save ever writes
    zip_after_a_length = refused(tmp_path, struct.pack("<Q", 10**6) + b"PK\x03\x04" + bytes(10**6))
    assert "header is not a JSON object: it starts with b'PK\\x03\\x04" in zip_after_a_length
    for structure, match in (("[" * 100_000 + "]" * 100_000, "metadata is not JSON"),
                             ("[" * 150 + "]" * 150, "nests deeper than 100 levels")):
        raw = safetensors.numpy.save({"t": np.ones(1)}, metadata={STRUCTURE: structure})
        assert match in refused(tmp_path, raw)


@pytest.mark.parametrize("shape, match", [
    (b"[1000000000000000000000000000000]", "floating point `1e+30`, not an integer"),
    (b"[-1]", "integer `-1`, not an integer from 0 to 2**64 - 1"),
    (b"[2.5]", "floating point `2.5`, not an integer"),
    (b"[true]", "boolean `true`, not an integer"),
    (b"5", "is integer `5`, not a list of integers"),
    (b"[4294967296, 4294967296, 2]", "does not fit in 64 bits"),  # the product overflows int64
    (b"[4611686018427387904, 4]", "does not fit in 64 bits"),
])
def test_shapes_out_of_range(tmp_path, shape, match):
    header = b'{"w":{"dtype":"F32","shape":' + shape + b',"data_offsets":[0,4]}}'
    assert match in refused(tmp_path, safetensors_file(header, bytes(4)))


def test_offsets_and_lengths_that_do_not_add_up(tmp_path):
    assert "wrong length for its shape" in refused(
        tmp_path, safetensors_file({"w": dict(F32, shape=[3], data_offsets=[0, 8])}, bytes(8)))
    assert "'b' does not start where the previous one ends" in refused(
        tmp_path, safetensors_file({"a": dict(F32, shape=[2], data_offsets=[0, 8]),
                                    "b": dict(F32, shape=[2], data_offsets=[4, 12])}, bytes(12)))
    claims_more = safetensors_file({"w": dict(F32, shape=[10**9], data_offsets=[0, 4 * 10**9])}, bytes(4))
    assert "take 4000000000 bytes but the file has 4 after the header (truncated?)" in refused(tmp_path, claims_more)
    assert "4 bytes of something else at the end" in refused(tmp_path, safetensors_file({"w": F32}, bytes(8)))
    same = b'{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],' \
           b'"data_offsets":[0,4]}}'
    assert "names 'w' twice" in refused(tmp_path, safetensors_file(same, bytes(4)))


def test_a_stream_that_cannot_seek_is_read_no_further_than_the_header_accounts_for():
    class Stream:  # a pipe: read() only
        def __init__(self, raw):
            self.buf = io.BytesIO(raw)

        def read(self, n=-1):
            return self.buf.read(n)

    good = safetensors.numpy.save({"w": np.arange(3, dtype=np.float32)})
    assert ag.load(Stream(good))["w"].tolist() == [0.0, 1.0, 2.0]
    for raw, match in ((good[:-1], "has only 11 after the header"), (good + b"x", "has more after the header")):
        with pytest.raises(ValueError, match=match):
            ag.load(Stream(raw))


def npz_bytes(arrays, compression=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, arr in arrays.items():
            with z.open(name + ".npy", "w") as fh:
                np.lib.format.write_array(fh, arr)
    return buf.getvalue()


def test_an_npz_member_whose_header_claims_more_than_it_holds(tmp_path):
    member = io.BytesIO()
    np.lib.format.write_array_header_1_0(member, {"descr": "<f8", "fortran_order": False, "shape": (10**12,)})
    member.write(bytes(16))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("w.npy", member.getvalue())
    message = refused(tmp_path, buf.getvalue(), "claims.npz")
    assert "member 'w.npy' claims shape (1000000000000,) of float64 (8000000000000 bytes) but holds 16" in message
    header = io.BytesIO()
    header.write(np.lib.format.magic(1, 0) + struct.pack("<H", 8) + b"(((((((\n")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("w.npy", header.getvalue())
    assert "member 'w.npy' has a damaged .npy header" in refused(tmp_path, buf.getvalue(), "damaged.npz")


def _declare_size(raw, size):
    """The zip ``raw`` with its one member's declared uncompressed size changed (central directory)."""
    at = raw.rindex(b"PK\x01\x02")
    return raw[:at + 24] + struct.pack("<I", size) + raw[at + 28:]


def test_zip_bombs_are_refused_before_expanding(tmp_path, monkeypatch):
    raw = npz_bytes({"w": np.zeros(1 << 14)})
    message = refused(tmp_path, _declare_size(raw, 0xFFFFFFF0), "declared.npz")
    assert f"expand to {0xFFFFFFF0} bytes from an archive of {len(raw)} (a zip bomb?)" in message
    monkeypatch.setattr(serialization_files, "NPZ_EXPANSION", 1 << 20)  # a small bomb stands for a big one
    bomb = npz_bytes({"w": np.zeros(1 << 19)}, zipfile.ZIP_DEFLATED)  # 4 MiB of zeros in a few KiB
    assert len(bomb) < 1 << 16
    assert "(a zip bomb?)" in refused(tmp_path, bomb, "bomb.npz")
    entry = raw[raw.rindex(b"PK\x01\x02"):raw.rindex(b"PK\x05\x06")]  # one member, named 1000 times over
    overlapping = raw[:raw.rindex(b"PK\x01\x02")] + entry * 1000
    end = bytearray(raw[raw.rindex(b"PK\x05\x06"):])
    end[8:12] = struct.pack("<HH", 1000, 1000)
    end[12:16] = struct.pack("<I", len(entry) * 1000)
    assert "(a zip bomb?)" in refused(tmp_path, overlapping + bytes(end), "overlap.npz")
    assert ag.load(io.BytesIO(npz_bytes({"w": np.ones(3)}, zipfile.ZIP_DEFLATED)))["w"].tolist() == [1, 1, 1]


def test_npz_object_arrays_and_foreign_members_are_refused(tmp_path):
    raw = io.BytesIO()
    np.savez(raw, w=np.array([{"a": 1}], dtype=object))
    assert "has dtype object" in refused(tmp_path, raw.getvalue(), "object.npz")
    raw = io.BytesIO()
    np.savez(raw, w=np.zeros(2, [("a", "<f4"), ("b", "<i4")]))
    assert "not a tensor of numbers" in refused(tmp_path, raw.getvalue(), "record.npz")


_RSS_PROBE = textwrap.dedent("""
    import resource, sys
    import autograd_core as ag
    from autograd_core.serialization import load_metadata

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for path in sys.argv[1:]:
        for read in (ag.load, lambda p: ag.load(open(p, "rb")), load_metadata):
            try:
                read(path)
            except ValueError as e:
                print("refused" if path in str(e) else "unnamed")
            else:
                print("read")
    print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)  # MiB grown
""")


def test_four_gigabyte_files_are_refused_in_constant_memory(tmp_path):
    """Sparse 4 GB files (no disk used): junk, zeros, a valid header followed by
    junk, and a zip's magic: each is refused after reading a few bytes."""
    size = 4 << 30
    starts = {"zeros.safetensors": b"", "junk.safetensors": b"\xff\x13\x07junk!",
              "tail.safetensors": safetensors.numpy.save({"w": np.ones(2, np.float32)}),
              "huge_claim.safetensors": safetensors_file({"w": dict(F32, shape=[2**30], data_offsets=[0, 2**32])}),
              "zip.npz": b"PK\x03\x04" + bytes(26)}
    paths = []
    for name, start in starts.items():
        path = tmp_path / name
        with open(path, "wb") as f:
            f.write(start)
            f.truncate(size)
        paths.append(str(path))
    if os.stat(paths[0]).st_blocks * 512 > 1 << 20:
        pytest.skip("this filesystem does not keep sparse files")  # writing 20 GB to test this is no test
    out = subprocess.run([sys.executable, "-c", _RSS_PROBE, *paths], capture_output=True, text=True, timeout=300,
                         cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.split()
    header_alone = ["refused", "refused", "read"]  # load_metadata reads a valid header, whatever follows it
    assert lines[:-1] == ["refused"] * 6 + header_alone * 2 + ["refused"] * 3, out.stdout
    assert int(lines[-1]) < 64, f"loading grew the resident set by {lines[-1]} MiB"


def test_save_refuses_the_reserved_name(tmp_path):
    t, w = ag.ones(2), ag.zeros(3)
    for obj in ({"__metadata__": t, "w": w}, {"__metadata__": t, "epoch": 1}, {"__metadata__": t}):
        path = tmp_path / "x.safetensors"
        with pytest.raises(ValueError, match=rf"cannot write {path}: the entry name '__metadata__' is reserved"):
            ag.save(obj, path)
        assert not path.exists()
    ag.save({"__metadata__": t, "w": w}, tmp_path / "x.npz")  # npz has no reserved name
    assert ag.load(tmp_path / "x.npz")["__metadata__"].tolist() == [1.0, 1.0]
    ag.save({"m": {"__metadata__": t}}, tmp_path / "nested.safetensors")  # stored as 'm.__metadata__'
    assert ag.load(tmp_path / "nested.safetensors")["m"]["__metadata__"].tolist() == [1.0, 1.0]


def test_save_refuses_structures_that_contain_themselves(tmp_path):
    loop = [1]
    loop.append(loop)
    with pytest.raises(ValueError, match="nests deeper than 100 levels .* contain itself"):
        ag.save({"loop": loop}, tmp_path / "x.safetensors")


@pytest.mark.parametrize("structure, match", [
    ('{"$tensor": ["t"]}', "names a tensor"),
    ('{"$scalar": "|i1", "value": 1000}', "int8 scalar out of its range: 1000"),
    ('{"$scalar": "V8", "value": 1}', "unknown item"),
    ('{"$scalar": "<f4", "value": [1]}', "unknown item"),
    ('{"$dict": [[{"$tuple": [[1]]}, 2]]}', "cannot be a key"),
])
def test_forged_structures(tmp_path, structure, match):
    raw = safetensors.numpy.save({"t": np.ones(1)}, metadata={STRUCTURE: structure})
    assert match in refused(tmp_path, raw)


def test_load_metadata_of_hostile_headers(tmp_path):
    path = tmp_path / "m.safetensors"
    for raw, match in ((safetensors_file({"w": dict(F32, dtype=["F32"])}), "dtype is sequence"),
                       (safetensors_file(b'{"__metadata__":{"a":1}}'), "__metadata__ holds integer `1`"),
                       (safetensors_file({"w": dict(F32, shape=[2**32, 2**32, 2])}), "does not fit in 64 bits")):
        path.write_bytes(raw)
        with pytest.raises(ValueError, match=match):
            load_metadata(path)
    path.write_bytes(safetensors_file({"__metadata__": {"epoch": "3"}, "w": F32}))  # tensors cut off
    assert load_metadata(path) == {"epoch": "3"}
    assert load_metadata(io.BytesIO(path.read_bytes())) == {"epoch": "3"}


def test_valid_files_load_the_same_from_a_path_and_a_file_object(tmp_path):
    """The two reading routes (``safe_open`` for a path, ``deserialize`` for a
    file object; BF16 always the latter) give the same arrays, in file order."""
    values = np.array([1.0, -2.5, 3.140625], np.float32)
    bf16 = (values.view(np.uint32) >> 16).astype("<u2").tobytes()
    raw = safetensors_file({"h": {"dtype": "BF16", "shape": [3], "data_offsets": [0, 6]},
                            "f": dict(F32, data_offsets=[6, 10])}, bf16 + np.float32(7).tobytes())
    plain = safetensors.numpy.save({"b": np.arange(6, dtype=np.int16).reshape(2, 3), "a": np.ones(2)})
    for name, data in (("bf16.safetensors", raw), ("plain.safetensors", plain)):
        path = tmp_path / name
        path.write_bytes(data)
        by_path, by_file = ag.load(path), ag.load(io.BytesIO(data))
        assert list(by_path) == list(by_file)
        for key in by_path:
            assert by_path[key].dtype == by_file[key].dtype
            np.testing.assert_array_equal(by_path[key].numpy(), by_file[key].numpy())
            by_path[key].add_(1)  # writable
    assert ag.load(tmp_path / "bf16.safetensors")["h"].tolist() == values.tolist()
