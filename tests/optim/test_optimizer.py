"""The Optimizer base: in-place updates without graph nodes, version counters,
skipped parameters, parameter groups, zero_grad, closures and errors."""
import subprocess
import sys

import numpy as np
import pytest

import autograd_core as ag
import optim

from .common import ALL, IDS, OPTIONS, loss_of, model, train


@pytest.mark.parametrize("cls", ALL, ids=IDS)
def test_step_updates_in_place_without_graph(cls):
    params = model()
    arrays = [p._data for p in params]
    opt = cls(params, **OPTIONS[cls])
    loss_of(params).backward()
    before = [a.copy() for a in arrays]
    versions = [p._version for p in params]
    opt.step()
    for p, a, b, v in zip(params, arrays, before, versions):
        assert p._data is a and p._data.dtype == np.float32  # same memory, dtype kept
        assert not np.array_equal(a, b)
        assert p._version == v + 1
        assert p.is_leaf and p.grad_fn is None and p.requires_grad
        for buf in opt.state[p].values():
            assert buf.grad_fn is None and not buf.requires_grad
            assert buf.dtype == (np.float32 if buf.ndim == 0 else p.dtype)


@pytest.mark.parametrize("cls", ALL, ids=IDS)
def test_parameters_without_grad_are_skipped(cls):
    params = model()
    opt = cls(params, **OPTIONS[cls])
    loss_of(params).backward()
    params[2].grad = None
    frozen = params[2]._data.copy()
    opt.step()
    np.testing.assert_array_equal(params[2]._data, frozen)
    assert params[2]._version == 0
    assert cls is optim.Adagrad or params[2] not in opt.state  # Adagrad makes its state at construction


def test_step_counts_as_an_in_place_op_for_saved_tensors():
    p = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (p * p).sum()
    y.backward(retain_graph=True)
    opt = optim.SGD([p], lr=0.1)
    opt.step()
    with pytest.raises(RuntimeError):  # the graph saved p; the in-place update is seen as such
        y.backward()


def test_closure_runs_with_grad_enabled_and_its_loss_is_returned():
    params = model()
    opt = optim.Adam(params, lr=0.1)

    def closure():
        opt.zero_grad()
        loss = loss_of(params)
        loss.backward()
        return loss

    with ag.no_grad():
        loss = opt.step(closure)
    assert isinstance(loss, ag.Tensor) and loss.grad_fn is not None
    assert opt.state[params[0]]["step"].item() == 1


def test_zero_grad():
    params = model()
    opt = optim.SGD(params)
    loss_of(params).backward()
    g = params[0].grad
    opt.zero_grad(set_to_none=False)
    assert params[0].grad is g and not g._data.any()
    opt.zero_grad()
    assert all(p.grad is None for p in params)


def test_param_groups_and_add_param_group():
    w, b, c = model()
    opt = optim.SGD([{"params": [w]}, {"params": b, "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[1]["params"] == [b] and opt.param_groups[1]["momentum"] == 0.9
    opt.add_param_group({"params": [c], "momentum": 0.0})
    assert opt.param_groups[2]["lr"] == 0.1 and opt.param_groups[2]["momentum"] == 0.0
    c.grad = ag.ones_like(c)
    before = c._data.copy()
    opt.step()
    np.testing.assert_allclose(c._data, before - 0.1, rtol=1e-6)
    assert "momentum_buffer" not in opt.state[c]


def test_named_parameters():
    w, b, _ = model()
    opt = optim.Adam([("fc.weight", w), ("fc.bias", b)])
    assert opt.param_groups[0]["param_names"] == ["fc.weight", "fc.bias"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["fc.weight", "fc.bias"]
    with pytest.raises(ValueError, match="names"):
        optim.Adam([("fc.weight", w), b])


def test_errors():
    w, b, _ = model()
    with pytest.raises(TypeError, match="floating-point.*int64"):
        optim.SGD([ag.tensor([1, 2])])
    with pytest.raises(ValueError, match="duplicate parameters"):
        optim.SGD([w, b, w])
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [w]}, {"params": [b, w]}])
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD({w, b})
    with pytest.raises(TypeError, match="iterable of Tensors"):
        optim.SGD(w)
    with pytest.raises(TypeError, match="only optimize Tensors.*ndarray"):
        optim.SGD([np.zeros(3)])
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([w * 2])
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([])
    with pytest.raises(ValueError, match="required optimization parameter lr"):
        optim.Optimizer([w], dict(lr=optim.required))
    opt = optim.SGD([w])
    # a .grad of the wrong shape, dtype or type is refused when assigned (as in PyTorch); the
    # optimizer's own checks stay for gradients put into the internal slot
    with pytest.raises(RuntimeError, match=r"gradient of size '\[3\]' to a tensor of size '\[4, 3\]'"):
        w.grad = ag.zeros(3)
    w._grad = ag.zeros(3)
    with pytest.raises(RuntimeError, match=r"shape \(3,\).*\(4, 3\)"):
        opt.step()
    with pytest.raises(RuntimeError, match="dtype float64 to a tensor of dtype float32"):
        w.grad = ag.zeros(4, 3, dtype=ag.float64)
    w._grad = ag.zeros(4, 3, dtype=ag.float64)
    with pytest.raises(RuntimeError, match="float64.*float32"):
        opt.step()
    with pytest.raises(TypeError, match="expected to be a Tensor or None but got grad of type ndarray"):
        w.grad = np.zeros((4, 3), np.float32)
    w._grad = np.zeros((4, 3), np.float32)
    with pytest.raises(TypeError, match="dense Tensor"):
        opt.step()


@pytest.mark.parametrize("cls, kw, msg", [
    (optim.SGD, dict(lr=-1), "learning rate"), (optim.SGD, dict(momentum=-0.1), "momentum"),
    (optim.SGD, dict(weight_decay=-1), "weight_decay"), (optim.SGD, dict(nesterov=True), "Nesterov"),
    (optim.SGD, dict(nesterov=True, momentum=0.9, dampening=0.1), "Nesterov"),
    (optim.Adagrad, dict(lr_decay=-1), "lr_decay"),
    (optim.Adagrad, dict(initial_accumulator_value=-1), "initial"),
    (optim.Adagrad, dict(eps=-1), "epsilon"), (optim.RMSprop, dict(alpha=-1), "alpha"),
    (optim.RMSprop, dict(momentum=-1), "momentum"), (optim.Adadelta, dict(rho=1.5), "rho"),
    (optim.Adam, dict(betas=(1.0, 0.999)), "beta parameter at index 0"),
    (optim.Adam, dict(betas=(0.9, -0.1)), "beta parameter at index 1"), (optim.Adam, dict(eps=-1), "epsilon"),
    (optim.AdamW, dict(weight_decay=-1), "weight_decay"),
    (optim.NAdam, dict(momentum_decay=-1), "momentum_decay"),
    (optim.RAdam, dict(lr=-0.1), "learning rate")])
def test_invalid_hyperparameters(cls, kw, msg):
    with pytest.raises(ValueError, match=msg):
        cls([ag.zeros(2, requires_grad=True)], **kw)


def test_repr():
    text = repr(optim.SGD([ag.zeros(2, requires_grad=True)], lr=0.5, momentum=0.9))
    assert text.startswith("SGD (\nParameter Group 0\n")
    assert "    lr: 0.5\n" in text and "momentum: 0.9" in text


def test_optim_does_not_import_nn():
    code = "import sys, optim; assert 'nn' not in sys.modules and 'data' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("cls, switch", [
    (optim.Adam, dict(amsgrad=True)), (optim.RMSprop, dict(momentum=0.5)),
    (optim.RMSprop, dict(centered=True)), (optim.SGD, dict(momentum=0.9))])
def test_options_switched_on_mid_run_make_their_state(cls, switch):
    params = model()
    opt = cls(params, lr=0.01)
    train(opt, params, 2)
    opt.param_groups[0].update(switch)
    train(opt, params, 2)
    assert all(np.isfinite(p._data).all() for p in params)
    assert len(opt.state[params[0]]) == {optim.Adam: 4, optim.RMSprop: 3, optim.SGD: 1}[cls]
