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


# Lines the committed full runs must print: the numbers that must equal the notes' (worked examples,
# counts, shapes) and the facts the notebooks' text relies on.
NOTES_NUMBERS = {
    "09_perceptrons": [  # notes 002 §2.2.2 (Figs. 34-35), notes 001 §2.7
        "w·x + b = -1.05",
        "update: w = (1, 0.75), b = 0 ",
        "all equal: True\n\nXOR: in1 in2",
    ],
    "10_generalised_perceptron": [  # notes 002 Table 2: the ten listed rates average 4.461 % (printed: 4.1 %)
        "mean of the ten listed values 4.461 %, standard deviation 0.073 %",
        "1 vs 7: 1758 training and 439 test images",
    ],
    "12_one_hidden_layer": [  # notes 002 §4.6 and 004: zero or constant initial weights keep the units identical
        "σ =  0.0: distinct hidden units =   1 of 100",
        "σ = 0.05: distinct hidden units = 100 of 100",
        "(the rows are still equal)",
    ],
    "13_capacity_and_init": [  # notes 002 §4.1 (Table 5) and notes 004
        "2^784 = 1.017e+236 ≈ 10^236   (237 digits",
        "0.99^784 = 0.000378 ≈ 0.0004",
        "1000 x 1000 / 2 = 500,000 parameters",
        "network for 10 products: 40,040 parameters",
    ],
    "14_fashion_mnist": [  # notes 000: 54,000 images without the ankle boots, batches of 64
        "54000 training images without ankle boots, 844 batches per epoch (notes: 844)",
        "Epoch 2/2  844/844 batches",
    ],
    "15_cnn_feature_maps": [  # notes 002 §7.3.3 and Fig. 175
        "activ = model[0](img): torch.Size([1, 16, 28, 28])",
        "after model[1], model[2], model[3]: torch.Size([1, 32, 14, 14])",
        "kernel  7 x  7: output 8 x 5   (notes: 10 x 9)",
        "equals the formula: True | equals the sum of three single-channel convolutions: True",
    ],
    "17_tensorboard": [  # notes 002 §6.2.3: an image grid, the graph, train/validate curves of loss and error
        "images ['a_set_of_fashion_mnist_images'], graph True",
        "run loss_train       scalars ['loss']",
        "run loss_validate    scalars ['loss']",
        "run error_train      scalars ['error']",
        "run error_validate   scalars ['error']",
    ],
}


@pytest.mark.parametrize("stem", sorted(NOTES_NUMBERS))
def test_committed_outputs_show_the_notes_numbers(stem):
    text = committed_text(stem)
    missing = [line for line in NOTES_NUMBERS[stem] if line not in text]
    assert not missing, f"{stem}: the committed outputs lack {missing}"


def test_perceptron_learns_and_and_or_but_not_xor():
    """Notes 002 §2.2.2.2: the learning rule converges on linearly separable sets only."""
    text = committed_text("09_perceptrons")
    lines = {line[:3]: line for line in text.splitlines() if line[:6] in ("AND: w", "OR : w", "XOR: w")}
    assert "converged after" in lines["AND"] and "NOT" not in lines["AND"]
    assert "converged after" in lines["OR "] and "NOT" not in lines["OR "]
    assert "NOT converged after 100 epochs" in lines["XOR"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_outputs_hold_the_figures(path):
    """A full run executed with a non-interactive backend would commit the text without its plots."""
    nb = nbformat.read(path, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    if any("plt.show()" in c.source for c in nb.cells if c.cell_type == "code"):
        assert any("image/png" in o.get("data", {}) for o in outputs), f"{path.name}: no figure in the outputs"
    assert not any("non-interactive" in o.get("text", "") for o in outputs)
