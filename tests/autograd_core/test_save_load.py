"""``torch.save(obj, f)`` / ``torch.load(f)`` with checkpoints as people write
them: nested dicts/lists/tuples of tensors, numpy arrays and plain values,
round-tripped exactly (key types, tuple vs list, floats, dtypes); paths and
file objects; model + optimizer resume giving identical next steps; whole
modules refused with a pointer to state_dict(); loading never runs code."""
import io
import json
import math
import struct
from collections import OrderedDict

import autograd_core.nn as nn
import autograd_core.optim as optim
import numpy as np
import pytest
import safetensors.numpy

import autograd_core as torch
from autograd_core.serialization import STRUCTURE


def round_trip(obj, **load_kw):
    f = io.BytesIO()
    torch.save(obj, f)
    f.seek(0)
    return torch.load(f, **load_kw)


def assert_same(a, b, where="obj"):
    """Equal values of the same types, all the way down."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, torch.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape and a.requires_grad == b.requires_grad, where
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, where
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for (ka, va), kb in zip(a.items(), b):
            assert type(ka) is type(kb), f"{where}: key {ka!r}"
            assert_same(va, b[kb], f"{where}[{ka!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b)
    else:
        assert a == b, where


def test_nested_plain_values_round_trip_exactly():
    obj = {
        "epoch": 3, "loss": 0.31, "tiny": 1e-320, "third": 1 / 3, "big": 2**70, "neg": -7,
        "name": "mlp ✓", "flag": True, "off": False, "nothing": None, "nan": float("nan"),
        "inf": float("inf"), "minf": float("-inf"), "betas": (0.9, 0.999), "sizes": [784, 256, 10],
        "empty": [], "unit": (), "nested": {"a": [1, (2, [3.5, None])], "b": {}},
        0: "int key", 1.5: "float key", (1, "x"): "tuple key", None: "none key", True: "bool key",
        "np": (np.float32(0.5), np.int64(3), np.bool_(True), np.float64(0.1)),
    }
    back = round_trip(obj)
    assert_same(obj, back)
    assert type(back["np"][0]) is np.float32 and type(back["np"][3]) is np.float64


def test_tensors_arrays_and_dtypes_round_trip():
    rng = np.random.default_rng(0)
    obj = {"f64": torch.tensor(rng.standard_normal((2, 3)), dtype=torch.float64),
           "f32": torch.randn(4), "f16": torch.tensor(np.float16([1.5, -2])), "i64": torch.arange(5),
           "i32": torch.tensor(np.int32([1, 2])), "u8": torch.tensor(np.uint8([255])),
           "bool": torch.tensor([True, False]), "scalar": torch.tensor(2.5), "empty": torch.zeros(0, 3),
           "array": rng.standard_normal((3, 2)), "int_array": np.arange(6).reshape(2, 3).T,
           "leaf": torch.ones(2, requires_grad=True), "in_list": [torch.ones(1), np.zeros(2, np.int8)]}
    back = round_trip(obj)
    assert_same(obj, back)
    assert isinstance(back["array"], np.ndarray) and back["array"].flags.writeable
    back["f32"].add_(1)  # loaded tensors own writable memory


def test_a_tensor_stored_twice_comes_back_as_one_object():
    w = torch.randn(3)
    back = round_trip({"a": w, "b": [w], "c": w.detach()})
    assert back["a"] is back["b"][0] and back["c"] is not back["a"]


def test_state_dict_checkpoint_with_model_and_optimizer():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2))
    opt = optim.Adam(model.parameters(), lr=1e-2, betas=(0.8, 0.99))
    model(torch.randn(5, 3)).pow(2).sum().backward()
    opt.step()
    ckpt = {"epoch": 3, "model": model.state_dict(), "optimizer": opt.state_dict(), "loss": 0.31}
    back = round_trip(ckpt, map_location="cpu", weights_only=True)
    assert_same(ckpt, back)
    assert isinstance(back["model"], OrderedDict)
    assert list(back["optimizer"]["state"]) == [0, 1, 2, 3, 4, 5]  # int keys stay ints
    assert back["optimizer"]["param_groups"][0]["betas"] == (0.8, 0.99)  # a tuple stays a tuple


@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    lambda ps: optim.Adam(ps, lr=1e-2),
    lambda ps: optim.AdamW(ps, lr=1e-2, weight_decay=0.1),
    lambda ps: optim.RMSprop(ps, lr=1e-2, momentum=0.5),
])
def test_resume_gives_identical_next_steps(tmp_path, make):
    def build():
        torch.manual_seed(1)
        model = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 1))
        return model, make(model.parameters())

    rng = np.random.default_rng(2)
    batches = [(torch.tensor(rng.standard_normal((8, 4)), dtype=torch.float32),
                torch.tensor(rng.standard_normal((8, 1)), dtype=torch.float32)) for _ in range(6)]

    def step(model, opt, x, y):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        return loss.item()

    model, opt = build()
    for x, y in batches[:3]:
        step(model, opt, x, y)
    path = tmp_path / "ckpt.pt"
    torch.save({"epoch": 3, "model": model.state_dict(), "optimizer": opt.state_dict()}, path)
    straight = [step(model, opt, x, y) for x, y in batches[3:]]

    model2, opt2 = build()
    ckpt = torch.load(path)
    model2.load_state_dict(ckpt["model"])
    opt2.load_state_dict(ckpt["optimizer"])
    assert ckpt["epoch"] == 3
    resumed = [step(model2, opt2, x, y) for x, y in batches[3:]]
    assert resumed == straight
    for p, q in zip(model.parameters(), model2.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())


def test_paths_and_file_objects(tmp_path):
    obj = {"w": torch.ones(2), "step": 7}
    torch.save(obj, tmp_path / "a.pt")
    torch.save(obj, str(tmp_path / "b.pt"))
    with open(tmp_path / "c.pt", "wb") as f:
        torch.save(obj, f)
    for name in ("a.pt", "b.pt", "c.pt"):
        assert_same(obj, torch.load(tmp_path / name))
    with open(tmp_path / "a.pt", "rb") as f:
        assert_same(obj, torch.load(f))
    assert_same(torch.ones(3), round_trip(torch.ones(3)))  # a bare tensor
    single = OrderedDict(w=torch.ones(1, requires_grad=True))
    assert_same(single, round_trip(single))
    assert round_trip([1, 2.0]) == [1, 2.0]


def test_the_file_is_safetensors_with_the_structure_in_its_metadata(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    torch.save({"model": {"fc.weight": torch.ones(2, 2)}, "epoch": 1, "arr": np.arange(3)}, path)
    arrays = safetensors.numpy.load_file(str(path))
    assert set(arrays) == {"model.fc.weight", "arr"}
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    meta = json.loads(raw[8:8 + n])["__metadata__"]
    assert json.loads(meta[STRUCTURE])["$dict"][1] == ["epoch", 1]
    # a plain state dict in the file's own order stays a plain safetensors file
    torch.save({"w": torch.ones(1)}, path)
    (n,) = struct.unpack("<Q", path.read_bytes()[:8])
    assert "__metadata__" not in json.loads(path.read_bytes()[8:8 + n])


def test_existing_plain_files_still_load(tmp_path):
    path = tmp_path / "plain.safetensors"
    path.write_bytes(safetensors.numpy.save({"b": np.ones(2, np.float32), "a": np.arange(3)}))
    out = torch.load(path)
    assert isinstance(out["a"], torch.Tensor) and out["a"].tolist() == [0, 1, 2]


@pytest.mark.parametrize("obj, match", [
    (nn.Linear(2, 2), r"whole Linear object .*state_dict\(\)"),
    ({"model": nn.Sequential(nn.ReLU())}, r"whole Sequential object at 'model'.*state_dict\(\)"),
    ({"opt": optim.SGD([nn.Parameter(torch.ones(1))], lr=1)}, r"whole SGD object .*state_dict\(\)"),
    ({"f": print}, "type builtin_function_or_method at 'f'"),
    ([{1, 2}], "type set at '0'"),
    ({"c": np.ones(2, np.complex64)}, "cannot store"),
])
def test_modules_and_arbitrary_objects_are_refused(tmp_path, obj, match):
    with pytest.raises(TypeError, match=match):
        torch.save(obj, tmp_path / "x.pt")
    assert not (tmp_path / "x.pt").exists()


def _with_structure(structure, arrays=None):
    return safetensors.numpy.save(arrays or {"t": np.ones(1)}, metadata={STRUCTURE: structure})


@pytest.mark.parametrize("structure, match", [
    ('{"$tensor": "missing"}', "does not hold"),
    ('{"$pickle": "gASV"}', "unknown item"),
    ('{"$dict": [[[1], 2]]}', "cannot be a key"),
    ("{not json", "not JSON"),
    ('{"$scalar": "O", "value": 1}', "unknown item"),
    ("[" * 100000 + "]" * 100000, "not JSON"),
])
def test_damaged_structures_give_clear_errors(structure, match):
    with pytest.raises(ValueError, match=match):
        torch.load(io.BytesIO(_with_structure(structure)))


def test_reserved_metadata_key_and_npz_limits(tmp_path):
    with pytest.raises(ValueError, match="reserved"):
        torch.save({"w": torch.ones(1)}, tmp_path / "x.pt", metadata={STRUCTURE: "{}"})
    with pytest.raises(TypeError, match="safetensors"):
        torch.save({"w": torch.ones(1), "epoch": 1}, tmp_path / "x.npz")
