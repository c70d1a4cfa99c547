"""Tests of nn/containers.py: Sequential (positional and OrderedDict,
add_module, indexing, slicing, len, iteration, append, insert, delete),
ModuleList (and its compressed repr), ModuleDict, ParameterList and
ParameterDict."""
from collections import OrderedDict

import numpy as np
import pytest

import autograd_core as ag
import nn


def test_sequential_positional_runs_in_order():
    seq = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    x = ag.randn(5, 3)
    h = np.maximum(x._data @ seq[0].weight._data.T + seq[0].bias._data, 0)
    np.testing.assert_allclose(seq(x)._data, h @ seq[2].weight._data.T + seq[2].bias._data, rtol=1e-5)
    assert len(seq) == 3 and [type(m).__name__ for m in seq] == ["Linear", "ReLU", "Linear"]
    assert seq[-1] is seq[2] and list(seq.state_dict())[0] == "0.weight"
    with pytest.raises(IndexError, match="out of range"):
        seq[3]


def test_sequential_ordered_dict_and_add_module():
    seq = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 3)), ("act", nn.Tanh())]))
    seq.add_module("out", nn.Linear(3, 1))
    assert list(seq.state_dict()) == ["fc.weight", "fc.bias", "out.weight", "out.bias"]
    assert seq.fc is seq[0] and seq(ag.zeros(4, 2)).shape == (4, 1)


def test_sequential_slicing_append_insert_delete():
    mods = [nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2), nn.Sigmoid()]
    seq = nn.Sequential(*mods)
    part = seq[1:3]
    assert isinstance(part, nn.Sequential) and list(part) == mods[1:3]
    assert [n for n, _ in part.named_children()] == ["1", "2"]  # slices keep the names, as in PyTorch
    extra = nn.Tanh()
    seq.append(extra)
    assert seq[4] is extra and len(seq) == 5
    seq.insert(0, nn.Identity())
    assert isinstance(seq[0], nn.Identity) and seq[1] is mods[0]
    del seq[0]
    assert list(seq) == mods + [extra] and [n for n, _ in seq.named_children()] == ["0", "1", "2", "3", "4"]
    del seq[1:3]
    assert list(seq) == [mods[0], mods[3], extra]
    seq[0] = nn.ELU()
    assert isinstance(seq[0], nn.ELU)
    assert seq.pop(0) is not None and len(seq) == 2
    both = nn.Sequential(nn.ReLU()) + nn.Sequential(nn.Tanh())
    assert [type(m).__name__ for m in both] == ["ReLU", "Tanh"]


def test_module_list_registers_and_compresses_its_repr():
    blocks = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    blocks.append(nn.ReLU())
    blocks += [nn.Linear(2, 2)]
    assert len(blocks) == 5 and len(list(blocks.parameters())) == 8
    assert list(blocks.state_dict())[:2] == ["0.weight", "0.bias"]
    assert isinstance(blocks[1:3], nn.ModuleList) and blocks[-1] is list(blocks)[4]
    assert repr(blocks) == ("ModuleList(\n"
                            "  (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)\n"
                            "  (3): ReLU()\n"
                            "  (4): Linear(in_features=2, out_features=2, bias=True)\n"
                            ")")
    blocks.insert(1, nn.Tanh())
    assert isinstance(blocks[1], nn.Tanh) and len(blocks) == 6
    del blocks[0]
    assert isinstance(blocks[0], nn.Tanh)
    with pytest.raises(NotImplementedError):
        blocks(ag.zeros(1))


def test_module_dict():
    heads = nn.ModuleDict({"cls": nn.Linear(4, 3), "reg": nn.Linear(4, 1)})
    heads["aux"] = nn.Linear(4, 2)
    assert list(heads) == ["cls", "reg", "aux"] and "reg" in heads and len(heads) == 3
    assert list(heads.state_dict())[-1] == "aux.bias"
    assert [k for k, _ in heads.items()] == list(heads.keys())
    assert heads.pop("reg") is not None and "reg" not in heads
    heads.update([("x", nn.ReLU())])
    assert isinstance(heads["x"], nn.ReLU)
    heads.clear()
    assert len(heads) == 0


def test_parameter_list_and_dict():
    pl = nn.ParameterList([ag.ones(2), nn.Parameter(ag.zeros(3))])
    pl.append(ag.ones(1))
    assert all(isinstance(p, nn.Parameter) for p in pl) and len(pl) == 3
    assert list(pl.state_dict()) == ["0", "1", "2"]
    assert "(1): Parameter containing: [float32 of size 3]" in repr(pl)
    pd = nn.ParameterDict({"a": ag.ones(2)})
    pd["b"] = ag.zeros(2, 2)
    assert list(pd) == ["a", "b"] and isinstance(pd["b"], nn.Parameter)

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.ws = nn.ParameterList([ag.ones(2)])

    assert [n for n, _ in M().named_parameters()] == ["ws.0"]
