"""Tests of nn/module.py and nn/parameter.py: registration by attribute,
buffers (persistent or not), the named_* iterators and their prefixes,
train/eval, zero_grad, requires_grad_, apply, to(dtype), hooks, the printed
tree and the errors."""
import copy

import numpy as np
import pytest

import autograd_core as ag
import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.act = nn.ReLU()
        self.register_buffer("scale", ag.ones(4))
        self.register_buffer("cache", ag.zeros(4), persistent=False)

    def forward(self, x):
        return self.act(self.fc(x)) * self.scale


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.alpha = nn.Parameter(ag.ones(2))
        self.block = Block()
        self.head = nn.Sequential(nn.Linear(4, 2), nn.Dropout(0.5))

    def forward(self, x):
        return self.head(self.block(x)) * self.alpha


def test_parameter_is_a_leaf_tensor_that_requires_grad():
    p = nn.Parameter(ag.zeros(2, 3))
    assert isinstance(p, ag.Tensor) and p.is_leaf and p.requires_grad
    assert not nn.Parameter(ag.zeros(2), requires_grad=False).requires_grad
    assert repr(p).startswith("Parameter containing:\ntensor(")
    y = (p * 2 + ag.exp(p)).sum()  # every op takes it
    y.backward()
    assert type(p.grad) is ag.Tensor and np.allclose(p.grad._data, 3.0)
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(ag.tensor([1, 2]))


def test_parameter_shares_memory_with_its_tensor():
    t = ag.zeros(3)
    p = nn.Parameter(t)
    t._data[0] = 5.0
    assert p._data[0] == 5.0


def test_registration_by_attribute_and_named_iterators():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == [
        "alpha", "block.fc.weight", "block.fc.bias", "head.0.weight", "head.0.bias"]
    assert [n for n, _ in net.named_buffers()] == ["block.scale", "block.cache"]
    assert [n for n, _ in net.named_children()] == ["block", "head"]
    assert [n for n, _ in net.named_modules()] == ["", "block", "block.fc", "block.act", "head", "head.0",
                                                   "head.1"]
    prefixed = [n for n, _ in net.named_parameters(prefix="model")]
    assert prefixed[:2] == ["model.alpha", "model.block.fc.weight"]
    assert [n for n, _ in net.named_parameters(recurse=False)] == ["alpha"]
    assert len(list(net.parameters())) == 5 and len(list(net.buffers())) == 2
    assert len(list(net.modules())) == 7 and len(list(net.children())) == 2
    assert net.block.fc is net.get_submodule("block.fc")
    assert net.get_parameter("head.0.bias") is net.head[0].bias
    assert net.get_buffer("block.scale") is net.block.scale


def test_shared_modules_and_parameters_are_listed_once():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias"]
    assert [n for n, _ in seq.named_modules()] == ["", "0", "1"]
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]  # PyTorch keeps both


def test_reassigning_and_deleting_attributes():
    net = Net()
    net.block = nn.Identity()
    assert [n for n, _ in net.named_children()] == ["block", "head"]  # a replaced module keeps its place
    assert [n for n, _ in net.named_parameters()] == ["alpha", "head.0.weight", "head.0.bias"]
    net.alpha = None
    assert [n for n, _ in net.named_parameters()] == ["head.0.weight", "head.0.bias"]
    net.alpha = nn.Parameter(ag.zeros(1))
    del net.head
    assert [n for n, _ in net.named_parameters()] == ["alpha"]
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'head'"):
        _ = net.head
    net.plain = 3  # ordinary attributes stay ordinary
    assert net.plain == 3 and "plain" not in net._parameters
    net.buf = nn.Buffer(ag.ones(2), persistent=False)
    assert "buf" in dict(net.named_buffers()) and "buf" not in net.state_dict()


def test_registration_errors():
    net = Net()
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'alpha'"):
        net.alpha = ag.ones(2)
    with pytest.raises(TypeError, match="cannot assign 'int' as child module 'block'"):
        net.block = 3
    with pytest.raises(TypeError, match="cannot assign 'int' as buffer"):
        net.block.scale = 3
    with pytest.raises(KeyError, match="attribute 'forward' already exists"):
        net.register_buffer("forward", ag.ones(1))
    with pytest.raises(KeyError, match="contain"):
        net.register_parameter("a.b", None)
    with pytest.raises(TypeError, match=r"nn.Parameter or None required"):
        net.register_parameter("w", ag.ones(1))
    with pytest.raises(TypeError, match="is not a Module subclass"):
        net.add_module("m", 3)

    class Forgot(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(ag.ones(1))

    with pytest.raises(AttributeError, match=r"before Module.__init__\(\) call"):
        Forgot()
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(1)


def test_train_eval_propagate():
    net = Net()
    assert net.training and net.head[1].training
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="boolean"):
        net.train("no")


def test_zero_grad_and_requires_grad_():
    net = Net()
    net(ag.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad._data.any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_apply_visits_children_first():
    net = Net()
    seen = []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Linear", "ReLU", "Block", "Linear", "Dropout", "Sequential", "Net"]

    def init_linear(m):
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.weight)

    net.apply(init_linear)
    assert not net.block.fc.weight._data.any() and not net.head[0].weight._data.any()


def test_to_dtype_keeps_the_parameter_objects():
    net = Net()
    p = net.block.fc.weight
    net(ag.randn(2, 3)).sum().backward()
    assert net.to(ag.float64) is net
    assert net.block.fc.weight is p and p.dtype == np.float64 and p.grad.dtype == np.float64
    assert net.block.scale.dtype == np.float64
    net.to("cpu").float()
    assert p.dtype == np.float32
    net.to("cpu", ag.float64)
    assert p.dtype == np.float64
    net.to(ag.zeros(1, dtype=ag.float32))
    assert p.dtype == np.float32
    bn = nn.BatchNorm1d(2).double()
    assert bn.num_batches_tracked.dtype == np.int64  # integer buffers are left alone
    with pytest.raises(RuntimeError, match="not available"):
        net.to("cuda")
    with pytest.raises(TypeError, match="floating point"):
        net.to(ag.int64)


def test_forward_hooks_and_pre_hooks():
    net = Net().eval()
    acts = {}
    h = net.block.fc.register_forward_hook(lambda m, args, out: acts.setdefault("fc", out))
    x = ag.randn(2, 3)
    net(x)
    assert np.allclose(acts["fc"]._data, net.block.fc(x)._data)
    h.remove()
    acts.clear()
    net(x)
    assert acts == {}
    # a pre-hook replaces the input, a forward hook the output
    expected = (net.head(net.block.act(net.block.fc.bias[None]) * net.block.scale) + 1) * net.alpha
    h1 = net.block.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    h2 = net.head.register_forward_hook(lambda m, args, out: out + 1)
    out = net(x)
    assert np.allclose(out._data, expected._data)
    h1.remove()
    h2.remove()
    order = []
    net.register_forward_hook(lambda m, a, o: order.append(1))
    net.register_forward_hook(lambda m, a, o: order.append(0), prepend=True)
    net.register_forward_pre_hook(lambda m, a, kw: order.append("pre") or ((a[0],), kw), with_kwargs=True)
    net(x)
    assert order == ["pre", 0, 1]


def test_forward_hook_with_kwargs_and_always_call():
    lin = nn.Linear(2, 2)
    got = []
    lin.register_forward_hook(lambda m, args, kwargs, out: got.append(kwargs), with_kwargs=True)
    lin(input=ag.zeros(1, 2))
    assert list(got[0]) == ["input"]
    lin.register_forward_hook(lambda m, a, o: got.append("always"), always_call=True)
    with pytest.raises(RuntimeError):
        lin(ag.zeros(1, 3))
    assert got[-1] == "always"


def test_repr_is_a_tree_like_pytorch():
    assert repr(Net()) == (
        "Net(\n"
        "  (block): Block(\n"
        "    (fc): Linear(in_features=3, out_features=4, bias=True)\n"
        "    (act): ReLU()\n"
        "  )\n"
        "  (head): Sequential(\n"
        "    (0): Linear(in_features=4, out_features=2, bias=True)\n"
        "    (1): Dropout(p=0.5, inplace=False)\n"
        "  )\n"
        ")")
    assert repr(nn.Module()) == "Module()"


def test_deepcopy_gives_independent_parameters():
    net = Net()
    twin = copy.deepcopy(net)
    assert twin.block.fc.weight is not net.block.fc.weight
    assert isinstance(twin.block.fc.weight, nn.Parameter)
    assert np.array_equal(twin.block.fc.weight._data, net.block.fc.weight._data)
    twin.block.fc.weight._data[...] = 0
    assert net.block.fc.weight._data.any()


def test_dir_lists_registered_names():
    assert {"alpha", "block", "head"} <= set(dir(Net()))
