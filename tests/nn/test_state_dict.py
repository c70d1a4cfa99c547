"""Tests of nn/state_dict.py: PyTorch's key names for a reference model
(the list below is what torch.nn gives for the same definition),
load_state_dict's strict/non-strict behaviour, its error listing missing
and unexpected keys and shape mismatches, dtype casting and ``assign``."""
from collections import OrderedDict

import numpy as np
import pytest

import autograd_core as ag
import nn


class Reference(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                                      nn.MaxPool2d(2), nn.Conv2d(8, 16, 3), nn.BatchNorm2d(16), nn.ReLU())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.classifier = nn.Sequential(OrderedDict(fc1=nn.Linear(16, 32), drop=nn.Dropout(),
                                                    ln=nn.LayerNorm(32), fc2=nn.Linear(32, 10)))
        self.emb = nn.Embedding(5, 4)
        self.heads = nn.ModuleList([nn.Linear(10, 1), nn.Linear(10, 1, bias=False)])
        self.norm = nn.BatchNorm1d(10, affine=False)
        self.conv1d = nn.Conv1d(4, 2, 3)
        self.temperature = nn.Parameter(ag.ones(1))
        self.register_buffer("mask", ag.ones(10))
        self.register_buffer("scratch", ag.ones(10), persistent=False)


# printed by torch 2.13 for the same class written with torch.nn (list(Reference().state_dict().items()))
PYTORCH_KEYS_AND_SHAPES = [
    ("temperature", [1]), ("mask", [10]),
    ("features.0.weight", [8, 1, 3, 3]), ("features.0.bias", [8]),
    ("features.1.weight", [8]), ("features.1.bias", [8]), ("features.1.running_mean", [8]),
    ("features.1.running_var", [8]), ("features.1.num_batches_tracked", []),
    ("features.4.weight", [16, 8, 3, 3]), ("features.4.bias", [16]),
    ("features.5.weight", [16]), ("features.5.bias", [16]), ("features.5.running_mean", [16]),
    ("features.5.running_var", [16]), ("features.5.num_batches_tracked", []),
    ("classifier.fc1.weight", [32, 16]), ("classifier.fc1.bias", [32]),
    ("classifier.ln.weight", [32]), ("classifier.ln.bias", [32]),
    ("classifier.fc2.weight", [10, 32]), ("classifier.fc2.bias", [10]),
    ("emb.weight", [5, 4]),
    ("heads.0.weight", [1, 10]), ("heads.0.bias", [1]), ("heads.1.weight", [1, 10]),
    ("norm.running_mean", [10]), ("norm.running_var", [10]), ("norm.num_batches_tracked", []),
    ("conv1d.weight", [2, 4, 3]), ("conv1d.bias", [2]),
]


def test_keys_and_shapes_equal_pytorch():
    sd = Reference().state_dict()
    assert [(k, list(v.shape)) for k, v in sd.items()] == PYTORCH_KEYS_AND_SHAPES
    assert sd["features.1.num_batches_tracked"].dtype == np.int64


def test_values_share_memory_and_are_detached():
    model = Reference()
    sd = model.state_dict()
    assert not sd["emb.weight"].requires_grad
    sd["emb.weight"]._data[0, 0] = 123.0
    assert model.emb.weight._data[0, 0] == 123.0
    assert model.state_dict(keep_vars=True)["emb.weight"] is model.emb.weight
    assert list(model.classifier.state_dict(prefix="clf."))[0] == "clf.fc1.weight"


def test_load_copies_values_in_place_and_casts_dtype():
    src, dst = Reference(), Reference()
    w = dst.classifier.fc1.weight
    sd = {k: ag.tensor(v._data.astype(np.float64)) if v.dtype == np.float32 else v
          for k, v in src.state_dict().items()}
    result = dst.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    assert dst.classifier.fc1.weight is w and w.dtype == np.float32
    for (k, a), (_, b) in zip(src.state_dict().items(), dst.state_dict().items()):
        assert np.array_equal(a._data, b._data), k
    dst.load_state_dict({k: v._data for k, v in src.state_dict().items()})  # numpy arrays work too


def test_strict_error_lists_every_problem_and_copies_nothing():
    model = Reference()
    before = model.classifier.fc2.weight._data.copy()
    sd = dict(Reference().state_dict())
    del sd["norm.running_var"], sd["emb.weight"]
    sd["classifier.fc3.weight"] = ag.zeros(2)
    sd["classifier.fc1.weight"] = ag.zeros(32, 17)
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(sd)
    assert str(info.value) == (
        "Error(s) in loading state_dict for Reference:\n"
        '\tMissing key(s) in state_dict: "emb.weight", "norm.running_var".\n'
        '\tUnexpected key(s) in state_dict: "classifier.fc3.weight".\n'
        "\tsize mismatch for classifier.fc1.weight: copying a param with shape [32, 17] from checkpoint, "
        "the shape in current model is [32, 16].")
    assert np.array_equal(model.classifier.fc2.weight._data, before)


def test_non_strict_reports_keys_but_still_refuses_shape_mismatches():
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    sd = {"0.weight": ag.ones(3, 2), "extra": ag.zeros(1)}
    result = model.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["0.bias", "1.weight", "1.bias"] and result.unexpected_keys == ["extra"]
    assert np.all(model[0].weight._data == 1)
    with pytest.raises(RuntimeError, match="size mismatch for 0.weight"):
        model.load_state_dict({"0.weight": ag.ones(2, 2)}, strict=False)
    with pytest.raises(TypeError, match="expected a Tensor or ndarray"):
        model.load_state_dict({"0.weight": [[1.0]]}, strict=False)


def test_assign_puts_the_checkpoint_tensors_in_place():
    model = nn.Linear(2, 2)
    sd = {"weight": ag.ones(2, 2, dtype=ag.float64), "bias": ag.zeros(2, dtype=ag.float64)}
    model.load_state_dict(sd, assign=True)
    assert isinstance(model.weight, nn.Parameter) and model.weight.requires_grad
    assert model.weight.dtype == np.float64 and np.all(model.weight._data == 1)


def test_buffers_that_are_none_or_non_persistent_are_skipped():
    bn = nn.BatchNorm1d(3, track_running_stats=False)
    assert list(bn.state_dict()) == ["weight", "bias"]
    m = Reference()
    assert "scratch" not in m.state_dict() and "scratch" in dict(m.named_buffers())
