"""``autograd train`` end to end on a small slice of the bundled MNIST
(--limit-batches): every output file, the printed report, reproducibility
with a fixed seed, --resume equal to an uninterrupted run, and errors."""
import json

import numpy as np
import pytest

import autograd_core as ag
import nn
from ag_cli import models, train_data
from ag_cli.main import main
from data import transforms as T
from data.affine import warp_affine


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_train_writes_every_output_file(tmp_path, capsys):
    code, out, err = run(capsys, "train", "--model", "mlp", "--epochs", 2, "--limit-batches", 3,
                         "--out", tmp_path, "--no-progress")
    assert code == 0, err
    expected = {"checkpoint.safetensors", "model.safetensors", "history.csv", "history.json", "results.json",
                "graph.svg"}  # drawn by dot or graphviz-pure
    if nn.plots.have_matplotlib():
        expected |= {"history.png", "confusion_matrix.png"}
    assert {p.name for p in tmp_path.iterdir()} == expected
    lines = out.splitlines()
    assert lines[0].startswith("mlp on bundled MNIST: 7499 training, 501 validation, 2000 test images; "
                               "adam lr 0.002")
    assert lines[1].startswith("loss: training cross-entropy with label smoothing 0.2, the mean over the "
                               "epoch's batches") and "the test loss is plain cross-entropy" in lines[1]
    assert lines[2].startswith("epoch 1/2: loss ") and "val_accuracy" in lines[2]
    assert any(line.startswith("test: loss ") and "(plain cross-entropy)  accuracy" in line for line in lines)
    assert "confusion matrix (rows actual, columns predicted):" in out
    res = json.loads((tmp_path / "results.json").read_text())
    cm = np.array(res["confusion_matrix"])
    assert cm.shape == (10, 10) and cm.sum() == res["test_samples"] == 2000  # always the whole test set
    assert res["test_accuracy"] == pytest.approx(np.trace(cm) / cm.sum())
    hist = nn.History.from_csv(tmp_path / "history.csv")
    assert hist.epoch == [1, 2] and nn.History.from_json(tmp_path / "history.json").history == hist.history
    model = models.build("mlp", seed=1)
    model.load_state_dict(ag.load(tmp_path / "model.safetensors"))
    info = nn.load_checkpoint(tmp_path / "checkpoint.safetensors", models.build("mlp"))
    assert info["epoch"] == 2 and info["metadata"]["model"] == "mlp"
    assert "fc1: Linear" in (tmp_path / "graph.svg").read_text()


def test_lenet_with_progress_bars(tmp_path, capsys):
    code, out, err = run(capsys, "train", "--model", "lenet", "--epochs", 1, "--limit-batches", 2,
                         "--batch-size", 8, "--out", tmp_path)
    assert code == 0, err
    assert ("adam lr 0.002 (onecycle), batch size 8, augment rotate 10 scale 0.1 shift 2, "
            "label smoothing 0.2, seed 0") in out
    assert "epoch 1/1: " in err and "batch" in err  # the tqdm bar
    assert "epoch 1/1: loss" in out and "samples/s)" in out and "wrote " in out


def test_seeded_runs_are_reproducible(tmp_path, capsys):
    for name in ("a", "b"):
        code, _, err = run(capsys, "train", "--model", "lenet", "--epochs", 2, "--limit-batches", 4,
                           "--out", tmp_path / name, "--no-progress", "--seed", 3)
        assert code == 0, err
    ha, hb = (json.loads((tmp_path / n / "history.json").read_text()) for n in "ab")
    ha.pop("time"), hb.pop("time")
    assert ha == hb
    wa, wb = (ag.load(tmp_path / n / "model.safetensors") for n in "ab")
    assert all(np.array_equal(wa[k].numpy(), wb[k].numpy()) for k in wa)


def test_resume_continues_like_an_uninterrupted_run(tmp_path, capsys):
    common = ["train", "--model", "mlp", "--limit-batches", 5, "--no-progress", "--schedule", "constant",
              "--optimizer", "sgd"]
    assert run(capsys, *common, "--epochs", 3, "--out", tmp_path / "straight")[0] == 0
    assert run(capsys, *common, "--epochs", 1, "--out", tmp_path / "parts")[0] == 0
    code, out, _ = run(capsys, *common, "--epochs", 3, "--out", tmp_path / "parts", "--resume")
    assert code == 0 and "resuming after epoch 1" in out and "epoch 2/3" in out
    a, b = (ag.load(tmp_path / n / "model.safetensors") for n in ("straight", "parts"))
    assert all(np.array_equal(a[k].numpy(), b[k].numpy()) for k in a)
    ha, hb = (nn.History.from_csv(tmp_path / n / "history.csv") for n in ("straight", "parts"))
    assert hb.epoch == [1, 2, 3] and ha["loss"] == hb["loss"] and ha["val_loss"] == hb["val_loss"]
    code, _, err = run(capsys, *common[:-2], "--epochs", 4, "--out", tmp_path / "parts", "--resume")
    assert code == 1 and "trained with optimizer sgd, not adam (resume with the run's own --optimizer)" in err
    code, out, _ = run(capsys, *common, "--epochs", 4, "--out", tmp_path / "parts", "--resume")
    assert code == 0 and "resuming after epoch 3" in out and "epoch 4/4" in out  # a constant schedule goes on


@pytest.mark.parametrize("argv, message", [
    (["--data", "cifar"], "expected bundled, mnist:DIR, fashion or fashion:DIR"),
    (["--data", "mnist:"], "needs the folder"),
    (["--batch-size", "0"], "--batch-size must be at least 1"),
    (["--val-split", "1.5"], "--val-split must be in [0, 1)"),
    (["--limit-batches", "0"], "--limit-batches must be at least 1"),
    (["--lr", "0"], "--lr must be a finite positive number, got 0.0"),
    (["--lr", "nan"], "--lr must be a finite positive number, got nan"),
    (["--lr", "inf"], "--lr must be a finite positive number, got inf"),
    (["--rotate", "-1"], "--rotate must be in [0, 180] degrees, got -1.0"),
    (["--rotate", "inf"], "--rotate must be in [0, 180] degrees, got inf"),
    (["--rotate", "nan"], "--rotate must be in [0, 180] degrees, got nan"),
    (["--scale", "1"], "--scale must be in [0, 1), got 1.0"),
    (["--scale", "nan"], "--scale must be in [0, 1), got nan"),
    (["--shift", "-2"], "--shift must be in [0, 28] pixels, got -2"),
    (["--label-smoothing", "1"], "--label-smoothing must be in [0, 1)"),
    (["--label-smoothing=-inf"], "--label-smoothing must be in [0, 1), got -inf"),
    (["--val-split", "nan"], "--val-split must be in [0, 1), got nan"),
    (["--seed", "-1"], "--seed must be in [0, 2**64), got -1"),
    (["--batch-size", "10000000"], "--batch-size 10000000 is larger than the 7499 training images"),
    (["--resume"], "--resume: no checkpoint"),
    (["--out", ""], "--out must name a folder"),
])
def test_errors(tmp_path, capsys, argv, message):
    code, _, err = run(capsys, "train", "--out", tmp_path / "o", *argv)
    assert code == 1 and message in err


def test_onecycle_resume_needs_the_same_epochs(tmp_path, capsys):
    base = ["train", "--model", "mlp", "--limit-batches", 2, "--no-progress", "--out", tmp_path]
    assert run(capsys, *base, "--epochs", 1)[0] == 0
    code, out, err = run(capsys, *base, "--epochs", 2, "--resume")
    assert code == 1 and "planned for 1 epochs" in err and out == ""  # refused before loading anything


def test_augmented_batches_follow_the_global_generator():
    x = ag.tensor(np.random.default_rng(0).random((4, 1, 6, 6)).astype(np.float32))
    y = ag.tensor(np.arange(4))
    aug = train_data.Augmented([(x, y)], rotate=10, scale=0.1, shift=2, fill=-1.0)
    ag.manual_seed(5)
    (xa, ya), = list(aug)
    ag.manual_seed(5)
    angle, shift, scale = T.RandomAffine.get_params((-10, 10), (2 / 6, 2 / 6), (0.9, 1.1), (6, 6), n=4)
    assert ya is y and xa.dtype == np.float32 and xa.shape == x.shape
    np.testing.assert_array_equal(xa.numpy(), warp_affine(x.numpy(), angle, scale, shift, -1.0, "bilinear"))
    assert np.abs(angle).max() <= 10 and np.abs(shift).max() <= 2
    assert not np.array_equal(xa.numpy(), x.numpy())


def test_no_augmentation_serves_the_standardised_images(tmp_path):
    d = train_data.load_data("bundled")
    s = {"val_split": 0.0625, "seed": 0, "batch_size": 4, "limit_batches": 1,
         "rotate": 0, "scale": 0, "shift": 0}
    train, _, _, split = train_data.loaders(d, s)
    assert not isinstance(train.loader, train_data.Augmented) and split["train"] == 7499
    s.update(rotate=10)
    assert isinstance(train_data.loaders(d, s)[0].loader, train_data.Augmented)


@pytest.fixture
def idx_dir(tmp_path):
    """A folder of small MNIST-like IDX files: 40 training and 10 test images."""
    from data.datasets.idx import idx_bytes

    rng = np.random.default_rng(0)
    for prefix, n in (("train", 40), ("t10k", 10)):
        (tmp_path / f"{prefix}-images-idx3-ubyte").write_bytes(idx_bytes(rng.integers(0, 256, (n, 28, 28))
                                                                         .astype(np.uint8)))
        (tmp_path / f"{prefix}-labels-idx1-ubyte").write_bytes(idx_bytes(np.arange(n, dtype=np.uint8) % 10))
    return tmp_path


def test_idx_files_without_validation(idx_dir, tmp_path, capsys):
    code, out, err = run(capsys, "train", "--data", f"mnist:{idx_dir}", "--val-split", 0, "--epochs", 1,
                         "--no-progress", "--out", tmp_path / "out")
    assert code == 0, err
    assert f"on MNIST ({idx_dir}): 40 training, 0 validation, 10 test images" in out
    assert "epoch 1/1: loss " in out and "val_loss" not in out and "/10)" in out
    hist = json.loads((tmp_path / "out" / "history.json").read_text())
    assert set(hist) == {"epoch", "loss", "accuracy", "lr", "time"} and hist["epoch"] == [1]


def test_a_validation_split_that_rounds_to_nothing_is_refused_before_training(idx_dir, tmp_path, capsys):
    code, out, err = run(capsys, "train", "--data", f"mnist:{idx_dir}", "--out", tmp_path / "out")
    assert code == 1 and "--val-split 0.0625 leaves no validation images out of 40" in err
    assert "epoch" not in out


def interrupted(*args, **kwargs):
    """Stands in for a step of the command when Ctrl-C comes during it."""
    raise KeyboardInterrupt


def test_ctrl_c_after_training_keeps_the_weights(tmp_path, capsys, monkeypatch):
    from ag_cli import train_cmd

    monkeypatch.setattr(train_cmd, "test_report", interrupted)
    code, out, err = run(capsys, "train", "--model", "mlp", "--epochs", 1, "--limit-batches", 1, "--no-progress",
                         "--out", tmp_path)
    assert code == 130 and err.count("\n") == 1
    assert err.startswith("autograd train: interrupted after training; the trained weights are kept in")
    assert set(ag.load(tmp_path / "model.safetensors")) == set(models.build("mlp").state_dict())
    assert not (tmp_path / "results.json").exists()


def test_ctrl_c_before_training(tmp_path, capsys, monkeypatch):
    from ag_cli import train_cmd

    monkeypatch.setattr(train_cmd, "load_data", interrupted)
    code, out, err = run(capsys, "train", "--out", tmp_path)
    assert (code, out, err) == (130, "", "autograd train: interrupted\n")


def test_skipped_pictures_are_named_with_the_reason(tmp_path, capsys, monkeypatch):
    import importlib

    monkeypatch.setattr(nn.plots, "have_matplotlib", lambda: False)
    monkeypatch.setattr(importlib.import_module("autograd_core.viz.render"), "layout_program", lambda: None)
    code, out, err = run(capsys, "train", "--model", "mlp", "--epochs", 1, "--limit-batches", 1, "--no-progress",
                         "--out", tmp_path)
    assert code == 0, err
    assert "skipped graph.svg: neither Graphviz's dot nor graphviz-pure is installed (pip install graphviz-pure)" in out
    assert "skipped history.png and confusion_matrix.png: matplotlib is not installed (pip install matplotlib)" in out
    assert not {"graph.svg", "history.png", "confusion_matrix.png"} & {p.name for p in tmp_path.iterdir()}
