"""``nn.load_checkpoint`` on damaged and forged checkpoints (issue 18): a
``ValueError`` that names the file and the entry at fault, raised before the
model, optimizer, scheduler or random generator is changed."""
import json
import os

import numpy as np
import pytest
import safetensors
import safetensors.numpy

import autograd_core as ag
import nn
import optim
from autograd_core.random import numpy_generator
from autograd_core.serialization import STRUCTURE
from tests.helpers import forge_checkpoint


def build():
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2)
    return model, opt, sched


@pytest.fixture
def checkpoint(tmp_path):
    model, opt, sched = build()
    model(ag.randn(5, 3)).pow(2).sum().backward()
    opt.step()
    sched.step()
    history = nn.History({"loss": [0.5, 0.25]})
    path = tmp_path / "ckpt.safetensors"
    nn.save_checkpoint(path, model, opt, sched, epoch=2, history=history)
    return path


def forge(path, **changes):
    """The checkpoint at ``path`` rewritten with some metadata entries replaced (None: removed)."""
    return forge_checkpoint(path, path.with_name("forged.safetensors"), **changes)


@pytest.mark.parametrize("changes, match", [
    ({"history": "{}"}, "'history' metadata lacks its 'history'"),
    ({"history": json.dumps({"history": {"loss": ["x"]}, "interrupted": False, "stopped_epoch": None})},
     "'history' metadata holds curves that are not lists of numbers"),
    ({"history": json.dumps({"history": {"loss": [1.0], "acc": [1.0, 2.0]}, "interrupted": False,
                             "stopped_epoch": None})}, "'history' metadata does not add up"),
    ({"history": "[" * 100_000}, "'history' metadata is not JSON"),
    ({"epoch": "three"}, "'epoch' metadata is not JSON"),
    ({"epoch": "1.5"}, "'epoch' metadata is a JSON float"),
    ({"epoch": "true"}, "'epoch' metadata is True, not a count of epochs"),
    ({"epoch": "-1"}, "'epoch' metadata is -1, not a count of epochs"),
    ({"epoch": None}, "'epoch' metadata is missing"),
    ({"rng": '{"bit_generator": "MT19937"}'}, "'rng' metadata is not a random generator state"),
    ({"rng": "[]"}, "'rng' metadata is a JSON list"),
    ({"optimizer__param_groups": "{}"}, "'optimizer.param_groups' metadata is a JSON dict"),
    ({"optimizer__param_groups": None}, "holds no optimizer state"),
    ({"scheduler": "7"}, "'scheduler' metadata is a JSON int"),
    ({"format": "something else"}, "is not a training checkpoint"),
])
def test_forged_metadata_is_refused_before_anything_changes(checkpoint, changes, match):
    forged = forge(checkpoint, **changes)
    model, opt, sched = build()
    before = [p.detach().numpy().copy() for p in model.parameters()]
    rng_state = json.dumps(numpy_generator().bit_generator.state)
    lr, last_epoch = opt.param_groups[0]["lr"], sched.last_epoch
    with pytest.raises(ValueError, match=match) as info:
        nn.load_checkpoint(forged, model, opt, sched)
    assert str(forged) in str(info.value)
    assert all(np.array_equal(a, p.detach().numpy()) for a, p in zip(before, model.parameters()))
    assert opt.state_dict()["state"] == {} and opt.param_groups[0]["lr"] == lr and sched.last_epoch == last_epoch
    assert json.dumps(numpy_generator().bit_generator.state) == rng_state


def test_an_unforged_checkpoint_still_restores_everything(checkpoint):
    model, opt, sched = build()
    info = nn.load_checkpoint(checkpoint, model, opt, sched)
    assert info["epoch"] == 2 and info["history"]["loss"] == [0.5, 0.25]
    assert len(opt.state_dict()["state"]) == 4 and sched.last_epoch == 1


def test_forged_entries_and_damaged_files(checkpoint, tmp_path):
    tensors = safetensors.numpy.load_file(checkpoint)
    with safetensors.safe_open(checkpoint, framework="numpy") as f:
        meta = f.metadata()
    tensors["optimizer.first.momentum_buffer"] = tensors.pop("optimizer.0.momentum_buffer")
    meta[STRUCTURE] = meta[STRUCTURE].replace("optimizer.0.momentum_buffer", "optimizer.first.momentum_buffer")
    forged = tmp_path / "entries.safetensors"
    safetensors.numpy.save_file(tensors, forged, metadata=meta)
    model, opt, sched = build()
    with pytest.raises(ValueError, match="'optimizer.first.momentum_buffer' is not named optimizer.<parameter index>"):
        nn.load_checkpoint(forged, model, opt, sched)
    raw = checkpoint.read_bytes()
    damaged = tmp_path / "damaged.safetensors"
    damaged.write_bytes(raw[:-3])
    with pytest.raises(ValueError, match=rf"{damaged} is not a valid safetensors file: .*truncated"):
        nn.load_checkpoint(damaged, *build())
    with pytest.raises(ValueError, match="the entry name '__metadata__' is reserved"):
        nn.checkpoint.atomic_save({"__metadata__": ag.ones(1)}, tmp_path / "w.safetensors")
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]
