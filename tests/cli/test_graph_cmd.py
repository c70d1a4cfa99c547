"""``autograd graph``: the built-in models (shapes, state-dict keys, grouped
and collapsed drawings), expressions with values and the backward pass,
output formats, errors (options out of range, near misses of model names,
control characters), expressions starting with '-', and drawing without dot."""
import importlib

import pytest

import autograd_core as ag
from ag_cli import models
from ag_cli.main import main
from tests.viz.dot import Dot

F = "log(x1) + x1*x2 - sin(x2)"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("name, keys", [
    ("mlp", ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"]),
    ("lenet", ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias",
               "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"]),
])
def test_models(name, keys):
    model = models.build(name)
    assert list(model.state_dict()) == keys
    x, labels = models.example_batch(3)
    assert x.shape == (3, 1, 28, 28) and labels.shape == (3,)
    assert model(x).shape == (3, 10)
    again = models.build(name)  # reproducible weights
    assert all(ag.equal(a, b) for a, b in zip(model.parameters(), again.parameters()))
    with pytest.raises(ValueError, match="unknown model 'vgg'"):
        models.build("vgg")


def test_lenet_grouped_svg(tmp_path, capsys):
    code, out, _ = run(capsys, "graph", "lenet", "-o", tmp_path / "lenet.svg")
    assert code == 0 and out.strip() == f"wrote {tmp_path / 'lenet.svg'}"
    svg = (tmp_path / "lenet.svg").read_text()
    assert "conv1: Conv2d" in svg and "fc3.weight" in svg and "images" in svg and "logits" in svg


def test_lenet_collapsed_with_loss_as_dot(tmp_path, capsys):
    code, _, _ = run(capsys, "graph", "lenet", "--collapse", "--loss", "--batch", 4, "-o", tmp_path / "l.gv")
    assert code == 0
    d = Dot((tmp_path / "l.gv").read_text())
    assert d.edge("conv1: Conv2d", "relu1: ReLU")["label"] == "(4, 6, 28, 28)"
    assert d.title(d.id("loss")) == "loss" and "LogSoftmax" in {d.title(n) for n in d.nodes}
    code, _, _ = run(capsys, "graph", "mlp", "--no-group", "--rankdir", "LR", "-o", tmp_path / "m.gv")
    d = Dot((tmp_path / "m.gv").read_text())
    assert code == 0 and d.clusters == [] and "rankdir=LR" in (tmp_path / "m.gv").read_text()


def test_model_backward_png(tmp_path, capsys):
    code, _, _ = run(capsys, "graph", "mlp", "--backward", "--loss", "-o", tmp_path / "b.png")
    assert code == 0 and (tmp_path / "b.png").read_bytes()[:4] == b"\x89PNG"


def test_expression_with_values_and_backward(tmp_path, capsys):
    code, _, _ = run(capsys, "graph", F, "--at", "x1=2", "x2=5", "--values", "--grads",
                     "-o", tmp_path / "f.gv")
    assert code == 0
    d = Dot((tmp_path / "f.gv").read_text())
    assert sorted(d.title(n) for n in d.nodes) == sorted(["x1", "x2", "Log", "Mul", "Sin", "Add", "Sub", "y"])
    assert d.edge("Log", "Add")["label"] == "= 0.6931\\ngrad 1"
    assert d.nodes[d.id("x2")]["lines"][-1] == "grad 1.7163"
    code, _, _ = run(capsys, "graph", F, "--at", "x1=2", "x2=5", "--backward", "--format", "gv",
                     "-o", tmp_path / "b")
    d = Dot((tmp_path / "b.gv").read_text())
    assert code == 0 and "1: SubBackward0" in {d.title(n) for n in d.nodes}
    code, _, _ = run(capsys, "graph", "x ** 2 + 1", "-o", tmp_path / "default.svg")  # x defaults to 1
    assert code == 0 and (tmp_path / "default.svg").exists()


def test_default_output_name(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "graph", "exp(x)")[0] == 0
    assert (tmp_path / "graph.svg").exists()


@pytest.mark.parametrize("argv, message", [
    (["x.y"], "attribute access is not allowed"),
    (["open('f')"], "the function 'open' is not allowed"),
    (["x + 1", "--loss"], "--loss applies to the built-in models only"),
    (["x + 1", "--collapse"], "--collapse applies to the built-in models only"),
    (["lenet", "--batch", "0"], "--batch must be between 1 and 1024, got 0"),
    (["lenet", "--batch", "10000000"], "--batch must be between 1 and 1024, got 10000000"),
    (["lenet", "--collapse", "-5"], "--collapse DEPTH must be at least 1 (or 0: no collapsing), got -5"),
    (["lenett"], "unknown model 'lenett'; did you mean 'lenet'?"),
    (["MLP"], "unknown model 'MLP'; did you mean 'mlp'?"),
    (["x + 1", "-o", "f.jpeg"], "unknown format 'jpeg'"),
    (["x + 1", "-o", "."], "-o . is a folder; give a file name"),
    (["x + \0"], "the character U+0000 (NUL) is a control character (at column 5)"),
    (["x*\udc80"], "the character U+DC80 is a lone surrogate (not valid text) (at column 3)"),
    (["x", "--at", "x=inf"], "--at: x='inf': the values must be finite numbers"),
])
def test_errors(tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "graph", *argv)
    assert code == 1 and out == "" and message in err


def test_without_dot_graphviz_pure_draws(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot there
    code, out, err = run(capsys, "graph", F, "--at", "x1=2", "x2=5", "-o", tmp_path / "f.png")
    assert code == 0 and out.strip() == f"wrote {tmp_path / 'f.png'}"
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"


def test_no_graphviz_program(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot there
    monkeypatch.setattr(importlib.import_module("autograd_core.viz.render"), "_pure", lambda: None)
    code, out, err = run(capsys, "graph", F, "--at", "x1=2", "x2=5", "-o", tmp_path / "f.svg")
    assert code == 1 and out == ""
    assert "no Graphviz program" in err and "pip install graphviz-pure" in err
    assert (tmp_path / "f.gv").read_text().startswith("digraph")


@pytest.mark.parametrize("expr", ["-x**2", "-sin(x)", "-x"])
def test_an_expression_may_start_with_minus(tmp_path, capsys, expr):
    code, out, err = run(capsys, "graph", expr, "-o", tmp_path / "neg.gv")
    assert code == 0, err
    assert "Neg" in (tmp_path / "neg.gv").read_text()


def test_a_plus_draws_a_variable_named_like_a_model(tmp_path, capsys):
    code, out, err = run(capsys, "graph", "+lenett", "-o", tmp_path / "v.gv")
    assert code == 0, err
    assert "lenett" in (tmp_path / "v.gv").read_text()
