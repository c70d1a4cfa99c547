"""Tests of nn/summary.py and the parameter counts of the lecture notes'
models: 784-64-64-10 has 55,050 parameters, 784-100-100-100-10 has 99,710,
and the CNN of 002 Fig. 179 (1x28x28 -> Conv 16 5x5 same -> MaxPool 2 ->
Conv 32 3x3 same -> MaxPool 2 -> Dense 200 -> 10) has 320,866:

    conv1  16·(1·5·5) + 16   =     416
    conv2  32·(16·3·3) + 32  =   4,640
    fc1    200·(32·7·7) + 200 = 313,800
    fc2    10·200 + 10       =   2,010
"""
import numpy as np

import autograd_core as ag
import nn


def mlp(*sizes):
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def fig179_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=5, padding="same", padding_mode="reflect"), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, kernel_size=3, padding="same", padding_mode="reflect"), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 200), nn.ReLU(), nn.Linear(200, 10))


def _table(model, shape):
    lines = []
    nn.summary(model, shape, print_fn=lines.append)
    return lines[0]


def test_mlp_parameter_counts():
    assert sum(p.numel() for p in mlp(784, 64, 64, 10).parameters()) == 55_050
    assert sum(p.numel() for p in mlp(784, 100, 100, 100, 10).parameters()) == 99_710
    assert "Total params: 55,050" in _table(mlp(784, 64, 64, 10), (784,))
    assert "Total params: 99,710" in _table(mlp(784, 100, 100, 100, 10), (784,))


def test_fig179_cnn_summary():
    model = fig179_cnn()
    s = nn.summarize(model, (1, 28, 28))
    assert s.total_params == 320_866 and s.trainable_params == 320_866 and s.non_trainable_params == 0
    assert [(r.name, r.output_shape, r.params) for r in s.rows] == [
        ("0", [1, 16, 28, 28], 416), ("1", [1, 16, 28, 28], 0), ("2", [1, 16, 14, 14], 0),
        ("3", [1, 32, 14, 14], 4640), ("4", [1, 32, 14, 14], 0), ("5", [1, 32, 7, 7], 0),
        ("6", [1, 1568], 0), ("7", [1, 200], 313_800), ("8", [1, 200], 0), ("9", [1, 10], 2010)]
    text = _table(model, (1, 28, 28))
    assert "Total params: 320,866" in text and "Trainable params: 320,866" in text
    assert "Non-trainable params: 0" in text
    assert " 0 (Conv2d) " in text and "[1, 16, 28, 28]" in text and "313,800" in text


def test_summary_table_layout_and_frozen_parameters():
    model = mlp(4, 3, 2)
    model[0].requires_grad_(False)
    lines = []
    nn.summary(model, (4,), batch_size=5, print_fn=lines.append)
    assert lines[0].splitlines() == [
        'Model: "Sequential"   input: [5, 4]',
        "_" * 43,
        " Layer (type)   Output Shape    Param #",
        "=" * 43,
        " 0 (Linear)     [5, 3]               15",
        " 1 (ReLU)       [5, 3]                0",
        " 2 (Linear)     [5, 2]                8",
        "=" * 43,
        "Total params: 23",
        "Trainable params: 8",
        "Non-trainable params: 15",
        "_" * 43]


def test_summary_leaves_the_model_and_the_seed_alone(capsys):
    model = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.5), nn.BatchNorm1d(3))
    ag.manual_seed(0)
    expected = ag.rand(3)._data
    ag.manual_seed(0)
    model.summary((3,))
    assert "Total params: 18" in capsys.readouterr().out
    assert model.training and all(not m._forward_hooks for m in model.modules())
    assert np.array_equal(ag.rand(3)._data, expected)
    assert model[2].num_batches_tracked.item() == 0


def test_summary_of_a_custom_module_with_own_parameters_and_two_inputs():
    class Bilinear(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(ag.ones(3, 4))
            self.proj = nn.Linear(4, 2)

        def forward(self, a, b):
            return self.proj((a @ self.w) * b)

    s = nn.summarize(Bilinear(), [(3,), (4,)], batch_size=2)
    rows = [(r.name, r.kind, r.params) for r in s.rows]
    assert rows == [("proj", "Linear", 10), ("Bilinear", "Bilinear", 12)]
    assert s.total_params == 22 and s.input_shapes == [[2, 3], [2, 4]]
