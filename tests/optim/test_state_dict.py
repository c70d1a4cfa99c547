"""state_dict / load_state_dict: PyTorch's layout, copies and casts on load,
clear errors, and a bit-for-bit resume for every optimizer (in memory,
through numpy arrays, and through a safetensors file)."""
import json

import numpy as np
import pytest

import autograd_core as ag
import optim

from .common import ALL, IDS, OPTIONS, model, resume_from_save, train


def test_adagrad_state_exists_at_construction():
    p = ag.zeros(3, requires_grad=True)
    sd = optim.Adagrad([p], initial_accumulator_value=0.5).state_dict()
    assert sd["state"][0]["step"].item() == 0
    np.testing.assert_array_equal(sd["state"][0]["sum"]._data, [0.5] * 3)


def test_state_dict_layout():
    w, b, c = model()
    opt = optim.Adam([{"params": [w, b]}, {"params": [c], "lr": 0.5}], amsgrad=True)
    train(opt, [w, b, c], 2)
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert sorted(sd["state"]) == [0, 1, 2]
    assert set(sd["state"][2]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    assert sd["state"][0]["step"].item() == 2 and sd["state"][0]["step"].dtype == np.float32
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sd["param_groups"][1]["lr"] == 0.5 and sd["param_groups"][0]["betas"] == (0.9, 0.999)
    assert sd["state"][2]["exp_avg"] is opt.state[c]["exp_avg"]  # references, as PyTorch


@pytest.mark.parametrize("cls", ALL, ids=IDS)
@pytest.mark.parametrize("as_numpy", [False, True], ids=["tensors", "arrays"])
def test_state_dict_resume_is_exact(cls, as_numpy):
    """Stop after 5 steps, save, go on for 5 more; a fresh optimizer loaded
    from the save lands on exactly the same numbers (also when the save went
    through numpy arrays, as a checkpoint file stores it)."""
    opt, params, _, opt2, fresh = resume_from_save(cls, OPTIONS[cls], as_numpy)
    assert opt2.param_groups[1]["lr"] == 0.02 and opt2.param_groups[1]["params"] == fresh[2:]
    for p, q in zip(params, fresh):
        np.testing.assert_array_equal(p._data, q._data)
    for p, q in zip(params, fresh):
        for k, v in opt.state[p].items():
            np.testing.assert_array_equal(v._data, opt2.state[q][k]._data)


def test_load_state_dict_copies_and_casts():
    p = ag.zeros(3, dtype=ag.float64, requires_grad=True)
    opt = optim.SGD([p], momentum=0.9)
    buf = np.ones(3, np.float32)
    group = dict(opt.param_groups[0], params=[0])
    opt.load_state_dict({"state": {0: {"momentum_buffer": buf}}, "param_groups": [group]})
    loaded = opt.state[p]["momentum_buffer"]
    assert isinstance(loaded, ag.Tensor) and loaded.dtype == np.float64
    buf[:] = 5
    np.testing.assert_array_equal(loaded._data, [1, 1, 1])


def test_load_state_dict_errors():
    params = model()
    opt = optim.Adam(params)
    train(opt, params, 1)
    sd = opt.state_dict()
    other = optim.Adam([{"params": params[:1]}, {"params": params[1:]}])
    with pytest.raises(ValueError, match="different number of parameter groups"):
        other.load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size"):
        optim.Adam(params[:2]).load_state_dict(sd)
    swapped = [params[2], params[1], params[0]]
    with pytest.raises(ValueError, match=r"'exp_avg' of parameter 0 has shape \(4, 3\).*\(2, 2\)"):
        optim.Adam(swapped).load_state_dict(sd)
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        opt.load_state_dict({"state": {}})


def test_resume_through_a_file(tmp_path):
    """The recipe of docs/optim.md: buffers with ag.save, groups as JSON."""
    params = model()
    opt = optim.Adam(params, lr=0.05, amsgrad=True)
    train(opt, params, 3)
    sd = opt.state_dict()
    tensors = {f"{i}.{k}": v for i, s in sd["state"].items() for k, v in s.items()}
    ag.save(tensors, tmp_path / "opt.safetensors")
    (tmp_path / "groups.json").write_text(json.dumps(sd["param_groups"]))
    saved_params = [p._data.copy() for p in params]
    train(opt, params, 3)

    fresh = [ag.tensor(a, requires_grad=True) for a in saved_params]
    opt2 = optim.Adam(fresh)
    state = {}
    for name, t in ag.load(tmp_path / "opt.safetensors").items():
        i, k = name.split(".", 1)
        state.setdefault(int(i), {})[k] = t
    opt2.load_state_dict({"state": state, "param_groups": json.loads((tmp_path / "groups.json").read_text())})
    train(opt2, fresh, 3)
    for p, q in zip(params, fresh):
        np.testing.assert_array_equal(p._data, q._data)
