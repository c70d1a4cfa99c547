"""Every teaching notebook runs top to bottom (with FAST=1, which shrinks
training for CI; the committed outputs come from full runs)."""
import pathlib

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((pathlib.Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch):
    monkeypatch.setenv("FAST", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError naming the failing cell


def committed_text(stem):
    """The printed output (stdout) of a notebook's committed full run."""
    nb = nbformat.read(pathlib.Path(__file__).resolve().parents[1] / "notebooks" / f"{stem}.ipynb", as_version=4)
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                   if o.get("output_type") == "stream")


def test_perceptron_worked_examples_match_the_notes():
    """Notes 002 §2.2.2: w·x + b = -1.05; one update with α = 0.5 gives w = (1, 0.75), b = 0;
    notes 001: the hand-weighted ReLU networks are exact."""
    text = committed_text("09_perceptrons")
    assert "w·x + b = -1.05" in text
    assert "update: w = (1, 0.75), b = 0 " in text
    assert "AND: " in text and "OR : " in text and "XOR: w" in text
    assert text.count("converged after") == 3 and "XOR: w" in text.split("NOT converged")[0]
    assert text.count("all equal: True") == 2


def test_capacity_numbers_match_the_notes():
    """Notes 002 §4.1 (2^784 ≈ 10^236, 0.99^784 ≈ 0.0004) and 004 (500,000 and 40,040 parameters)."""
    text = committed_text("13_capacity_and_init")
    assert "2^784 = 1.017e+236 ≈ 10^236   (237 digits" in text
    assert "0.99^784 = 0.000378 ≈ 0.0004" in text
    assert "1000 x 1000 / 2 = 500,000 parameters" in text
    assert "network for 10 products: 40,040 parameters" in text


def test_generalised_perceptron_reports_the_notes_table2_mean():
    """Notes 002 Table 2: the ten listed error rates average 4.461 % (the text prints 4.1 %)."""
    text = committed_text("10_generalised_perceptron")
    assert "mean of the ten listed values 4.461 %, standard deviation 0.073 %" in text
    assert "1 vs 7: 1758 training and 439 test images" in text


def test_fashion_mnist_run_has_the_notes_batches():
    """Notes 000: 54,000 images without the ankle boots make 844 batches of 64 per epoch."""
    text = committed_text("14_fashion_mnist")
    assert "54000 training images without ankle boots, 844 batches per epoch (notes: 844)" in text
    assert "Epoch 2/2  844/844 batches" in text


def test_cnn_feature_map_shapes_match_the_notes():
    """Notes 002 §7.3.3: model[0](img) is [1, 16, 28, 28]; after model[1..3] it is [1, 32, 14, 14]."""
    text = committed_text("15_cnn_feature_maps")
    assert "activ = model[0](img): torch.Size([1, 16, 28, 28])" in text
    assert "after model[1], model[2], model[3]: torch.Size([1, 32, 14, 14])" in text
    assert "equals the formula: True | equals the sum of three single-channel convolutions: True" in text


def test_zero_initialisation_keeps_hidden_units_identical():
    """Notes 002 §4.6 and 004: with σ = 0 (or any constant) the hidden units stay identical."""
    text = committed_text("12_one_hidden_layer")
    assert "σ =  0.0: distinct hidden units =   1 of 100" in text
    assert "σ = 0.05: distinct hidden units = 100 of 100" in text
    assert "(the rows are still equal)" in text


def test_tensorboard_notebook_logged_what_the_notes_log():
    """Notes 002 §6.2.3: an image grid, the graph, and train/validate curves of loss and error."""
    text = committed_text("17_tensorboard")
    assert "images ['a_set_of_fashion_mnist_images'], graph True" in text
    for run in ("loss_train", "loss_validate", "error_train", "error_validate"):
        assert f"run {run:16s} scalars ['{run.split('_')[0]}']" in text
