"""``autograd train --tensorboard DIR``: the run logged for TensorBoard
(epoch scalars in DIR/train and DIR/validation, histograms, the model's graph),
and one line of error without the extra."""
import os
import subprocess
import sys

import pytest

from ag_cli.main import main

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_train_logs_to_tensorboard(tmp_path, capsys):
    code = main(["train", "--model", "mlp", "--epochs", "2", "--limit-batches", "3", "--out", str(tmp_path / "out"),
                 "--no-progress", "--tensorboard", str(tmp_path / "tb")])
    assert code == 0, capsys.readouterr().err
    train = EventAccumulator(str(tmp_path / "tb" / "train"))
    train.Reload()
    assert [e.step for e in train.Scalars("epoch_loss")] == [1, 2]
    assert {"epoch_accuracy", "epoch_learning_rate"} <= set(train.Tags()["scalars"])
    assert "weights/fc1.weight" in train.Tags()["histograms"]
    names = [n.name for n in train.Graph().node]
    assert any(n.endswith("Linear[fc1]/Addmm") for n in names), names
    val = EventAccumulator(str(tmp_path / "tb" / "validation"))
    val.Reload()
    assert [e.step for e in val.Scalars("epoch_accuracy")] == [1, 2]


def test_without_the_extra_one_line_before_loading(tmp_path):
    script = ("import sys\nsys.modules['tensorboard'] = None\nfrom ag_cli.main import main\n"
              f"sys.exit(main(['train', '--out', {str(tmp_path / 'out')!r}, '--tensorboard', 'tb']))\n")
    res = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=dict(os.environ, PYTHONPATH=ROOT),
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 1 and res.stdout == ""
    assert res.stderr.startswith("autograd train: ") and '".[tensorboard]"' in res.stderr
    assert len(res.stderr.splitlines()) == 1
