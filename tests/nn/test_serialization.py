"""Tests of autograd_core/serialization.py (``ag.save``/``ag.load``): the
safetensors layout byte by byte, files written the way the ``safetensors``
library writes them, every dtype, npz archives, and clear errors for
truncated, damaged or foreign files; loading never runs code."""
import io
import json
import pickle
import struct
import zipfile

import numpy as np
import pytest

import autograd_core as ag
import nn
from tests.nn.test_conv import conv2d_ref


def safetensors_bytes(tensors, metadata=None):
    """A safetensors file as the reference library lays it out, written here
    independently of ag.save: ``__metadata__`` first, tensors ordered by
    dtype alignment (largest first) then name, header padded with spaces."""
    codes = {"<f8": "F64", "<i8": "I64", "<f4": "F32", "<i4": "I32", "<f2": "F16", "|u1": "U8",
             "|b1": "BOOL"}
    order = sorted(tensors, key=lambda k: (-tensors[k].dtype.itemsize, k))
    header = {"__metadata__": metadata} if metadata else {}
    blobs, pos = [], 0
    for k in order:
        a = tensors[k]
        blob = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[k] = {"dtype": codes[a.dtype.newbyteorder("<").str], "shape": list(a.shape),
                     "data_offsets": [pos, pos + len(blob)]}
        blobs.append(blob)
        pos += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def test_layout_byte_by_byte(tmp_path):
    path = tmp_path / "w.safetensors"
    ag.save({"w": ag.tensor([[1.0, 2.0], [3.0, 4.0]])}, path, metadata={"format": "pt"})
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    assert n % 8 == 0 and len(raw) == 8 + n + 16
    header = json.loads(raw[8:8 + n])
    assert header == {"__metadata__": {"format": "pt"},
                      "w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}
    assert raw[8 + n:] == struct.pack("<4f", 1, 2, 3, 4)


def test_a_file_in_the_reference_layout_loads():
    head = (b'{"__metadata__":{"format":"pt"},"b":{"dtype":"I64","shape":[],"data_offsets":[0,8]},'
            b'"a":{"dtype":"F32","shape":[3],"data_offsets":[8,20]}}')
    head += b" " * (-len(head) % 8)
    raw = struct.pack("<Q", len(head)) + head + struct.pack("<q", -7) + struct.pack("<3f", 0.5, -1.0, 2.0)
    out = ag.load(io.BytesIO(raw))
    assert set(out) == {"a", "b"}
    assert out["a"].dtype == np.float32 and out["a"].tolist() == [0.5, -1.0, 2.0]
    assert out["b"].dtype == np.int64 and out["b"].shape == () and out["b"].item() == -7


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16, np.int64, np.int32, np.int16,
                                   np.int8, np.uint8, np.bool_])
def test_round_trip_every_dtype(tmp_path, dtype):
    rng = np.random.default_rng(0)
    arrays = {"x": (rng.standard_normal((3, 4)) * 50).astype(dtype), "scalar": np.array(3).astype(dtype),
              "empty": np.zeros((0, 5), dtype)}
    ag.save({k: ag.tensor(v) for k, v in arrays.items()}, tmp_path / "t.safetensors")
    out = ag.load(tmp_path / "t.safetensors")
    for k, v in arrays.items():
        assert out[k].dtype == v.dtype and out[k].shape == v.shape
        np.testing.assert_array_equal(out[k].numpy(), v)
    out["x"]._data[0, 0] = 1  # loaded tensors are writable


def test_non_contiguous_and_big_endian_arrays_are_saved_by_value(tmp_path):
    a = np.arange(12.0).reshape(3, 4).T
    b = np.arange(5, dtype=">i4")
    ag.save({"a": ag.tensor(a), "b": b}, tmp_path / "t.safetensors")
    out = ag.load(str(tmp_path / "t.safetensors"))
    np.testing.assert_array_equal(out["a"].numpy(), a)
    assert isinstance(out["b"], np.ndarray)  # a numpy array comes back as one
    np.testing.assert_array_equal(out["b"], b)
    assert out["b"].dtype == np.int32


def test_bfloat16_is_read_as_float32():
    values = np.array([1.0, -2.5, 3.140625], np.float32)
    bf16 = (values.view(np.uint32) >> 16).astype("<u2").tobytes()
    head = json.dumps({"h": {"dtype": "BF16", "shape": [3], "data_offsets": [0, 6]}}).encode()
    out = ag.load(io.BytesIO(struct.pack("<Q", len(head)) + head + bf16))
    assert out["h"].dtype == np.float32 and out["h"].tolist() == values.tolist()


def test_pytorch_style_file_loads_into_the_same_architecture(tmp_path):
    """A state dict as ``safetensors.torch.save_file`` writes it (reference
    layout, PyTorch's keys, int64 ``num_batches_tracked``) gives the outputs
    of the same weights computed in numpy."""
    rng = np.random.default_rng(1)
    f32 = np.float32
    weights = {"0.weight": rng.standard_normal((3, 1, 3, 3)).astype(f32),
               "0.bias": rng.standard_normal(3).astype(f32),
               "1.weight": rng.uniform(0.5, 2, 3).astype(f32), "1.bias": rng.standard_normal(3).astype(f32),
               "1.running_mean": rng.standard_normal(3).astype(f32),
               "1.running_var": rng.uniform(0.5, 2, 3).astype(f32), "1.num_batches_tracked": np.array(7),
               "4.weight": rng.standard_normal((2, 48)).astype(f32),
               "4.bias": rng.standard_normal(2).astype(f32)}
    path = tmp_path / "model.safetensors"
    path.write_bytes(safetensors_bytes(weights, {"format": "pt"}))
    model = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(),
                          nn.Linear(48, 2))
    assert repr(model.load_state_dict(ag.load(path))) == "<All keys matched successfully>"
    assert model[1].num_batches_tracked.item() == 7
    x = rng.standard_normal((5, 1, 4, 4)).astype(f32)
    h = conv2d_ref(x, weights["0.weight"], weights["0.bias"], (1, 1), ((1, 1), (1, 1)), (1, 1), 1)
    c = (1, 3, 1, 1)
    h = (h - weights["1.running_mean"].reshape(c)) / np.sqrt(weights["1.running_var"].reshape(c) + 1e-5)
    h = np.maximum(h * weights["1.weight"].reshape(c) + weights["1.bias"].reshape(c), 0).reshape(5, 48)
    expected = h @ weights["4.weight"].T + weights["4.bias"]
    np.testing.assert_allclose(model.eval()(ag.tensor(x))._data, expected, rtol=1e-4, atol=1e-5)


def test_state_dict_round_trip_through_a_file(tmp_path):
    model = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 2))
    model(ag.randn(8, 4))  # moves the running statistics
    for suffix in ("safetensors", "npz"):
        path = tmp_path / f"ckpt.{suffix}"
        ag.save(model.state_dict(), path)
        twin = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 2))
        twin.load_state_dict(ag.load(path))
        for (k, a), (_, b) in zip(model.state_dict().items(), twin.state_dict().items()):
            assert a.dtype == b.dtype and np.array_equal(a._data, b._data), k
        x = ag.randn(3, 4)
        model.eval()
        twin.eval()
        np.testing.assert_array_equal(model(x)._data, twin(x)._data)
        model.train()


def test_empty_state_dicts(tmp_path):
    for name in ("e.safetensors", "e.npz"):
        ag.save({}, tmp_path / name)
        assert ag.load(tmp_path / name) == {}


def test_npz_keys_that_clash_with_numpy_arguments(tmp_path):
    ag.save({"file": ag.ones(2), "allow_pickle": ag.zeros(1)}, tmp_path / "a.npz")
    out = ag.load(tmp_path / "a.npz")
    assert out["file"].tolist() == [1.0, 1.0] and out["allow_pickle"].tolist() == [0.0]


def _errors(raw):
    with pytest.raises(ValueError) as info:
        ag.load(io.BytesIO(raw))
    return str(info.value)


def test_truncated_files_give_clear_errors():
    good = safetensors_bytes({"w": np.arange(6, dtype=np.float32)})
    assert "fewer than the 8-byte header length" in _errors(good[:5])
    assert "truncated" in _errors(good[:20])
    assert "truncated" in _errors(good[:-4])
    assert "not a valid safetensors file" in _errors(b"")


def test_foreign_and_damaged_files_give_clear_errors():
    assert "implausible" in _errors(b"hello world, this is a text file")
    assert "not JSON" in _errors(struct.pack("<Q", 4) + b"{abc")
    assert "not a JSON object" in _errors(struct.pack("<Q", 2) + b"[]")
    head = json.dumps({"w": {"dtype": "C64", "shape": [1], "data_offsets": [0, 8]}}).encode()
    assert "unsupported dtype" in _errors(struct.pack("<Q", len(head)) + head + bytes(8))
    head = json.dumps({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}).encode()
    assert "wrong length" in _errors(struct.pack("<Q", len(head)) + head + bytes(8))
    head = json.dumps({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                       "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}).encode()
    assert "overlap or gap" in _errors(struct.pack("<Q", len(head)) + head + bytes(12))
    head = json.dumps({"w": {"dtype": "F32"}}).encode()
    assert "lacks dtype, shape or data_offsets" in _errors(struct.pack("<Q", len(head)) + head)


class _Evil:
    marker = None

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_loading_never_runs_code(tmp_path):
    marker = tmp_path / "pwned"
    _Evil.marker = str(marker)
    payload = pickle.dumps({"w": _Evil()})
    torch_like = io.BytesIO()  # the zip layout of torch.save
    with zipfile.ZipFile(torch_like, "w") as z:
        z.writestr("archive/data.pkl", payload)
    assert "torch.save checkpoint" in _errors(torch_like.getvalue())
    assert _errors(payload)  # a bare pickle is refused too
    obj_npz = tmp_path / "obj.npz"
    np.savez(obj_npz, w=np.array([_Evil()], dtype=object))
    with pytest.raises(ValueError, match="could not be read as an npz of arrays"):
        ag.load(obj_npz)
    assert not marker.exists()


def test_damaged_npz():
    buf = io.BytesIO()
    np.savez(buf, w=np.ones(100))
    assert "damaged" in _errors(buf.getvalue()[:60])


def test_save_rejects_what_it_cannot_store(tmp_path):
    # lists, plain values and int keys are stored since checkpoints hold them (test_save_load.py)
    with pytest.raises(TypeError, match="state_dict"):
        ag.save([nn.Linear(1, 1)], tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match="of type object at 'w.1'"):
        ag.save({"w": [1, object()]}, tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match="keys must be"):
        ag.save({frozenset(): ag.ones(1)}, tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match="keys must be strings"):
        ag.save({1: ag.ones(1)}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="cannot store"):
        ag.save({"w": np.ones(2, np.complex64)}, tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match="metadata"):
        ag.save({"w": ag.ones(1)}, tmp_path / "x.safetensors", metadata={"a": 1})


def test_load_accepts_pytorch_arguments(tmp_path):
    ag.save({"w": ag.ones(1)}, tmp_path / "x.safetensors")
    assert ag.load(tmp_path / "x.safetensors", map_location="cpu", weights_only=True)["w"].item() == 1.0
    with pytest.raises(RuntimeError, match="not available"):
        ag.load(tmp_path / "x.safetensors", map_location="cuda")


def test_load_metadata_reads_only_the_header(tmp_path):
    from autograd_core.serialization import load_metadata

    path = tmp_path / "m.safetensors"
    ag.save({"w": ag.ones(3)}, path, metadata={"epoch": "3", "model": "mlp"})
    assert load_metadata(path) == {"epoch": "3", "model": "mlp"}
    ag.save({"w": ag.ones(3)}, path)
    assert load_metadata(path) == {}
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    path.write_bytes(raw[:8 + n])  # the tensors cut off: the header alone still reads
    assert load_metadata(path) == {}
    for bad, message in ((raw[:5], "fewer than the 8-byte header length"), (raw[:12], "truncated"),
                         (b"hello world, a text file", "implausible"),
                         (struct.pack("<Q", 2) + b"[]", "not a JSON object")):
        path.write_bytes(bad)
        with pytest.raises(ValueError, match=message):
            load_metadata(path)
    head = json.dumps({"__metadata__": ["x"]}).encode()
    path.write_bytes(struct.pack("<Q", len(head)) + head)
    with pytest.raises(ValueError, match="__metadata__ is not a JSON object"):
        load_metadata(path)
