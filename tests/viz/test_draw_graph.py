"""viz.draw_graph: the exact nodes and edges of small graphs, names, shapes,
values, gradients and saved-tensor marks; module clusters (watched and not),
collapsed modules; errors; the time to draw a LeNet training step."""
import gc
import time
from collections import OrderedDict

import numpy as np
import pytest

import autograd_core as ag
import nn
from ag_cli import models
from autograd_core import viz
from autograd_core.viz.dot import SAVED

from .dot import Dot


def f_inputs():
    x1 = ag.tensor(2.0, dtype=ag.float64, requires_grad=True)
    x2 = ag.tensor(5.0, dtype=ag.float64, requires_grad=True)
    x1.name, x2.name = "x1", "x2"
    return x1, x2


def f(x1, x2):
    return ag.log(x1) + x1 * x2 - ag.sin(x2)


# -- the lecture example ---------------------------------------------------------------------
def test_f_has_one_node_per_elementary_op():
    x1, x2 = f_inputs()
    d = Dot(viz.draw_graph(f(x1, x2)).source)
    assert sorted(d.title(n) for n in d.nodes) == sorted(
        ["x1", "x2", "Log", "Mul", "Sin", "Add", "Sub", "output"])
    assert d.named_edges() == sorted([
        ("x1", "Log"), ("x1", "Mul"), ("x2", "Mul"), ("x2", "Sin"),
        ("Log", "Add"), ("Mul", "Add"), ("Add", "Sub"), ("Sin", "Sub"), ("Sub", "output")])
    assert d.nodes[d.id("x1")]["lines"] == ["x1", "scalar float64"]
    assert d.nodes[d.id("output")]["lines"] == ["output", "scalar float64"]
    # scalar edges between ops carry no label; nothing is drawn twice
    assert all("label" not in e for _, _, e in d.edges)


def test_f_saved_tensors_are_marked():
    x1, x2 = f_inputs()
    d = Dot(viz.draw_graph(f(x1, x2)).source)
    for a, b in [("x1", "Log"), ("x1", "Mul"), ("x2", "Mul"), ("x2", "Sin")]:
        assert d.edge(a, b).get("color") == SAVED  # Log, Mul and Sin saved their inputs
    for a, b in [("Log", "Add"), ("Mul", "Add"), ("Add", "Sub"), ("Sin", "Sub")]:
        assert "color" not in d.edge(a, b)  # Add and Sub save nothing
    assert "saves input 0, input 1" in d.nodes[d.id("Mul")]["tooltip"]
    y = ag.sigmoid(x1) * 3  # Sigmoid saves its output: an orange border
    d = Dot(viz.draw_graph(y).source)
    assert d.nodes[d.id("Sigmoid")].get("color") == SAVED
    assert "color" not in d.nodes[d.id("Mul")]


def test_f_values_and_gradients_with_capture():
    x1, x2 = f_inputs()
    with viz.capture() as cap:
        y = f(x1, x2)
    d = Dot(viz.draw_graph(y, show_values=True, show_grads=True, capture=cap).source)
    assert d.nodes[d.id("x1")]["lines"] == ["x1", "scalar float64", "= 2", "grad 5.5"]
    assert d.nodes[d.id("x2")]["lines"] == ["x2", "scalar float64", "= 5", "grad 1.7163"]
    assert d.edge("Log", "Add")["label"] == "= 0.6931\\ngrad 1"
    assert d.edge("Mul", "Add")["label"] == "= 10\\ngrad 1"
    assert d.edge("Add", "Sub")["label"] == "= 10.6931\\ngrad 1"
    assert d.edge("Sin", "Sub")["label"] == "= -0.9589\\ngrad -1"
    assert d.nodes[d.id("output")]["lines"][-1] == "= 11.6521"
    assert x1.grad is None and x2.grad is None  # drawing accumulates nothing
    y.backward()  # and keeps the graph
    assert x1.grad.item() == pytest.approx(5.5)


def test_grads_after_backward_are_the_leaves_grad():
    x1, x2 = f_inputs()
    y = f(x1, x2)
    y.backward()
    g = viz.draw_graph(y, show_grads=True)
    d = Dot(g.source)
    assert d.nodes[d.id("x1")]["lines"][-1] == "grad 5.5"
    assert "freed" in g.source and "grad" not in d.edge("Add", "Sub").get("label", "")


def test_values_without_capture_are_the_saved_ones():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (ag.exp(x) + 1).sum()  # Exp saves its output; Add saves nothing
    d = Dot(viz.draw_graph(y, show_values=True).source)
    assert d.edge("Exp", "Add")["label"] == "(2,)\\n= [2.7183, 7.3891]"
    assert d.edge("Add", "Sum")["label"] == "(2,)"


def test_constants_of_captured_calls_and_leaf_grad():
    x = ag.tensor(3.0, dtype=ag.float64, requires_grad=True)
    with viz.capture() as cap:
        y = 2 / x ** 2
    y.backward(retain_graph=True)
    d = Dot(viz.draw_graph(y, show_grads=True, capture=cap).source)
    assert d.nodes[d.id("Pow")]["lines"] == ["Pow", "(·, 2)"]
    assert d.nodes[d.id("Div")]["lines"] == ["Div", "(2, ·)"]
    assert d.nodes[d.id("leaf")]["lines"][-1] == "grad -0.1481"  # x.grad = -4/27


def test_parameter_names_shapes_and_dtypes():
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
    x = ag.randn(4, 3)
    y = model(x).sum()
    for params in (dict(model.named_parameters()), model):
        d = Dot(viz.draw_graph(y, params=params).source)
        titles = {d.title(n) for n in d.nodes}
        assert {"0.weight", "0.bias", "2.weight", "2.bias"} <= titles
        assert d.nodes[d.id("0.weight")]["lines"] == ["0.weight", "(2, 3) float32"]
        assert d.nodes[d.id("0.bias")]["lines"] == ["0.bias", "(2,) float32"]
    assert d.edge("ReLU", "Addmm")["label"] == "(4, 2)"  # float32 like the root: no dtype
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    w.name = "w"
    z = (w.double() * 2).sum().float()
    d = Dot(viz.draw_graph(z).source)
    assert "w" in {d.title(n) for n in d.nodes}
    assert any("float64" in e.get("label", "") for _, _, e in d.edges)


def test_repeated_input_and_multi_output_edges():
    x = ag.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    d = Dot(viz.draw_graph(x * x).source)
    assert d.named_edges() == [("Mul", "output"), ("leaf", "Mul"), ("leaf", "Mul")]
    a, b = ag.split(x, 2)
    d = Dot(viz.draw_graph(a * 2 + b).source)
    labels = sorted(e.get("label", "") for s, _, e in d.edges if d.title(s) == "Split")
    assert labels == ["[0]\\n(2,)", "[1]\\n(2,)"]


def test_saved_inputs_that_need_no_grad_are_drawn_as_constants():
    w = ag.tensor([[1.0, 2.0]], requires_grad=True)
    images = ag.ones(3, 2)
    images.name = "images"
    d = Dot(viz.draw_graph((images @ w.T).sum()).source)
    assert d.nodes[d.id("images")]["style"] == "dashed"
    assert d.edge("images", "MatMul")["color"] == SAVED


# -- modules ---------------------------------------------------------------------------------
def lenet_step(batch=2):
    model = models.build("lenet")
    x, labels = models.example_batch(batch)
    with viz.watch(model) as w:
        loss = nn.CrossEntropyLoss()(model(x), labels)
    return model, w, loss


def test_group_modules_puts_each_op_in_its_layer():
    model, w, loss = lenet_step()
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in model.modules())  # removed
    d = Dot(viz.draw_graph(loss, group_modules=model).source)
    where = {}
    for n in d.nodes:
        where.setdefault(d.title(n), set()).add(d.cluster(n))
    assert where["Convolution"] == {"conv1: Conv2d", "conv2: Conv2d"}
    assert where["MaxPool2d"] == {"pool1: MaxPool2d", "pool2: MaxPool2d"}
    assert where["ReLU"] == {"relu1: ReLU", "relu2: ReLU", "relu3: ReLU", "relu4: ReLU"}
    assert where["Reshape"] == {"flatten: Flatten"}
    assert where["Addmm"] == {"fc1: Linear", "fc2: Linear", "fc3: Linear"}  # x Wᵀ + b, one op
    assert where["fc2.weight"] == {"fc2: Linear"}
    assert where["LogSoftmax"] == where["NllLoss"] == {None}  # the loss is outside the model
    assert ("conv1: Conv2d", ["Sequential"]) in d.clusters  # layers inside the model's cluster
    assert Dot(viz.draw_graph(loss, group_modules=w).source).nodes.keys() == d.nodes.keys()


class Shared(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = nn.Sequential(nn.Linear(4, 4), nn.Tanh())
        self.head = nn.Linear(4, 1)

    def forward(self, x):
        h = self.block(self.block(x))  # one module called twice
        return self.head(ag.relu(h))   # relu made by the model itself


def test_group_modules_nested_and_repeated_calls():
    ag.manual_seed(0)
    model = Shared()
    with viz.watch(model):
        y = model(ag.randn(3, 4)).sum()
    d = Dot(viz.draw_graph(y, group_modules=model).source)
    tanh = sorted(d.cluster(n) for n in d.ids("Tanh"))
    assert tanh == ["block.1#2: Tanh", "block.1: Tanh"]
    assert ("block.1#2: Tanh", ["Shared", "block#2: Sequential"]) in d.clusters
    assert d.cluster(d.id("ReLU")) == "Shared"
    assert d.cluster(d.id("Sum")) is None
    collapsed = Dot(viz.draw_graph(y, group_modules=model, collapse=True).source)
    boxes = sorted(collapsed.title(n) for n in collapsed.nodes if n.startswith("m"))
    assert boxes == ["block#2: Sequential", "block: Sequential", "head: Linear"]
    assert collapsed.named_edges().count(("block: Sequential", "block#2: Sequential")) == 1
    deeper = Dot(viz.draw_graph(y, group_modules=model, collapse=2).source)
    assert "block.0#2: Linear" in {deeper.title(n) for n in deeper.nodes}


def test_collapse_draws_one_box_per_layer():
    model, _, loss = lenet_step(batch=3)
    d = Dot(viz.draw_graph(loss, group_modules=model, collapse=True).source)
    boxes = [n for n in d.nodes if n.startswith("m")]
    assert [d.title(n) for n in boxes] == [
        "conv1: Conv2d", "relu1: ReLU", "pool1: MaxPool2d", "conv2: Conv2d", "relu2: ReLU",
        "pool2: MaxPool2d", "flatten: Flatten", "fc1: Linear", "relu3: ReLU", "fc2: Linear",
        "relu4: ReLU", "fc3: Linear"]
    assert d.nodes[d.id("conv2: Conv2d")]["lines"] == ["conv2: Conv2d", "weight (16, 6, 5, 5)", "bias (16,)"]
    assert not any("weight" in d.title(n) for n in d.nodes)  # parameters folded into their box
    assert d.edge("conv1: Conv2d", "relu1: ReLU")["label"] == "(3, 6, 28, 28)"
    assert d.edge("pool2: MaxPool2d", "flatten: Flatten")["label"] == "(3, 16, 5, 5)"
    assert d.edge("fc3: Linear", "LogSoftmax")["label"] == "(3, 10)"
    assert all(d.cluster(n) == "Sequential" for n in boxes)


def test_custom_parameter_names_keep_their_clusters():
    model, w, loss = lenet_step()
    d = Dot(viz.draw_graph(loss, params={"W1": model.fc1.weight}, group_modules=model).source)
    assert d.cluster(d.id("W1")) == "fc1: Linear"
    assert d.cluster(d.id("fc2.weight")) == "fc2: Linear"
    del model, loss
    gc.collect()
    assert w.model is None  # a watch does not keep its model alive


def test_group_modules_without_watch_uses_parameters():
    ag.manual_seed(0)
    model = nn.Sequential(OrderedDict([("fc1", nn.Linear(3, 4)), ("act", nn.ReLU()),
                                       ("fc2", nn.Linear(4, 1))]))
    y = model(ag.randn(2, 3)).sum()
    with pytest.warns(UserWarning, match="not watched"):
        d = Dot(viz.draw_graph(y, group_modules=model).source)
    assert {d.cluster(n) for n in d.ids("Addmm")} == {"fc1: Linear", "fc2: Linear"}
    assert d.cluster(d.id("ReLU")) is None


def test_errors():
    x = ag.tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="at least one"):
        viz.draw_graph()
    with pytest.raises(TypeError, match="not a Tensor"):
        viz.draw_graph(np.ones(2))
    with pytest.raises(ValueError, match="does not require grad"):
        viz.draw_graph(ag.ones(2))
    with pytest.raises(ValueError, match="collapse needs group_modules"):
        viz.draw_graph(x * 2, collapse=True)
    with pytest.raises(ValueError, match="rankdir"):
        viz.draw_graph(x * 2, rankdir="XY")
    with pytest.raises(TypeError, match="group_modules"):
        viz.draw_graph(x * 2, group_modules=object(), params={})
    with pytest.raises(TypeError, match="nn.Module"):
        viz.watch(object())
    with pytest.raises(TypeError, match="params must be a dict"):
        viz.draw_graph(x * 2, params=3)
    assert "rankdir=LR" in viz.draw_graph(x * 2, rankdir="LR").source


def test_a_leaf_root_and_a_long_chain():
    x = ag.tensor([1.0], requires_grad=True)
    d = Dot(viz.draw_graph(x).source)
    assert d.named_edges() == [("leaf", "output")]
    y = x
    for _ in range(5000):  # the walk is iterative: no recursion limit
        y = y * 1.0
    assert len(Dot(viz.draw_graph(y, show_shapes=False).source).nodes) == 5002


def test_drawing_a_lenet_training_step_takes_under_2_seconds():
    model, _, loss = lenet_step(batch=64)
    start = time.perf_counter()
    for collapse in (False, True):
        g = viz.draw_graph(loss, params=model, group_modules=model, collapse=collapse)
        assert "conv1: Conv2d" in g.source
    assert time.perf_counter() - start < 2.0
