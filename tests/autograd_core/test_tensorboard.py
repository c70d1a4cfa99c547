"""SummaryWriter: every kind of record read back with TensorBoard's own
EventAccumulator (scalars, histograms, images, figures, text, pr curves,
hparams), the projector's files, and the ImportError without the extra."""
import io
import os
import subprocess
import sys

import numpy as np
import pytest

import autograd_core as ag

pytest.importorskip("tensorboard")
from PIL import Image  # noqa: E402  (tensorboard depends on Pillow)
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from tensorboard.util import tensor_util  # noqa: E402

from autograd_core.utils.tensorboard import SummaryWriter  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def accumulate(path):
    acc = EventAccumulator(str(path), size_guidance={"scalars": 0, "histograms": 0, "images": 0, "tensors": 0})
    acc.Reload()
    return acc


def decode(image_event):
    return np.asarray(Image.open(io.BytesIO(image_event.encoded_image_string)))


def test_scalars_from_numbers_arrays_and_tensors(tmp_path):
    with SummaryWriter(tmp_path) as w:
        w.add_scalar("loss/train", 1.5, 0)
        w.add_scalar("loss/train", ag.tensor(0.75), 1)
        w.add_scalar("loss/train", np.float64(0.25), 2, walltime=1234.5)
        w.add_scalar("acc", ag.tensor([0.5]), global_step=3)
    acc = accumulate(tmp_path)
    got = [(e.step, e.value) for e in acc.Scalars("loss/train")]
    assert got == [(0, 1.5), (1, 0.75), (2, 0.25)]
    assert acc.Scalars("loss/train")[2].wall_time == 1234.5
    assert [(e.step, e.value) for e in acc.Scalars("acc")] == [(3, 0.5)]
    with SummaryWriter(tmp_path / "x") as w, pytest.raises(ValueError, match="one number"):
        w.add_scalar("bad", ag.ones(3))


def test_add_scalars_one_run_per_curve(tmp_path):
    with SummaryWriter(tmp_path) as w:
        for step in range(3):
            w.add_scalars("cost", {"train": 1.0 / (step + 1), "val": 2.0 / (step + 1)}, step)
    runs = sorted(os.listdir(tmp_path))
    assert runs[:2] == ["cost_train", "cost_val"]
    val = accumulate(tmp_path / "cost_val")
    assert [e.value for e in val.Scalars("cost")] == pytest.approx([2.0, 1.0, 2.0 / 3])


def test_histogram_counts_and_moments(tmp_path):
    rng = np.random.default_rng(0)
    v = rng.normal(size=1000)
    with SummaryWriter(tmp_path) as w:
        w.add_histogram("w", ag.tensor(v), 0)
        w.add_histogram("w10", v, 1, bins=10)
        w.add_histogram("merged", v, 1, bins=100, max_bins=10)
    acc = accumulate(tmp_path)
    h = acc.Histograms("w")[0].histogram_value
    assert (h.min, h.max, h.num) == (v.min(), v.max(), 1000)
    assert h.sum == pytest.approx(v.sum()) and h.sum_squares == pytest.approx(v @ v)
    assert sum(h.bucket) == 1000 and h.bucket[0] == 0  # the empty bucket whose limit is the left edge
    limits = np.array(h.bucket_limit)
    assert limits[0] < v.min() and limits[-1] >= v.max() and np.all(np.diff(limits) > 0)
    # each bucket holds the values in (previous limit, limit]
    counts = [np.sum((v > lo) & (v <= hi)) for lo, hi in zip(limits[:-1], limits[1:])]
    assert np.array_equal(np.array(h.bucket[1:]), counts)
    h10 = acc.Histograms("w10")[0].histogram_value
    ref, edges = np.histogram(v, bins=10)
    assert list(h10.bucket) == [0, *ref] and list(h10.bucket_limit) == pytest.approx(edges)
    merged = acc.Histograms("merged")[0].histogram_value
    assert len(merged.bucket) <= 11 and sum(merged.bucket) == 1000


def test_histogram_rejects_empty_and_nan(tmp_path):
    with SummaryWriter(tmp_path) as w:
        with pytest.raises(ValueError, match="no values"):
            w.add_histogram("e", np.array([]))
        with pytest.raises(ValueError, match="NaN"):
            w.add_histogram("n", np.array([1.0, np.nan]))


def test_images_layouts_and_grid(tmp_path):
    chw = np.zeros((3, 4, 5), np.float32)
    chw[0] = 1.0  # red
    batch = np.stack([np.full((1, 2, 3), k / 9, np.float32) for k in range(10)])  # 10 grey images 2x3
    with SummaryWriter(tmp_path) as w:
        w.add_image("red", ag.tensor(chw), 0)
        w.add_image("hwc", np.transpose(chw, (1, 2, 0)), 0, dataformats="HWC")
        w.add_image("u8", np.full((4, 5), 7, np.uint8), 0, dataformats="HW")
        w.add_images("batch", batch, 0)
        with pytest.raises(ValueError, match="dataformats"):
            w.add_image("bad", chw, dataformats="CWH!")
        with pytest.raises(ValueError, match="channels"):
            w.add_image("bad", np.zeros((2, 4, 5)))
    acc = accumulate(tmp_path)
    red = acc.Images("red")[0]
    assert (red.height, red.width) == (4, 5)
    px = decode(red)
    assert px.shape == (4, 5, 3) and (px[..., 0] == 255).all() and (px[..., 1:] == 0).all()
    assert np.array_equal(decode(acc.Images("hwc")[0]), px)
    assert (decode(acc.Images("u8")[0]) == 7).all()
    grid = decode(acc.Images("batch")[0])
    assert grid.shape == (2 * 2, 8 * 3)  # 8 per row, 2 rows, grey
    assert grid[0, 3] == round(255 / 9) and grid[2, 3] == round(9 * 255 / 9) and grid[2, 6] == 0  # padding


def test_figure(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 1), dpi=50)
    ax.plot([0, 1], [1, 0])
    fig2 = plt.figure(figsize=(2, 1), dpi=50)
    with SummaryWriter(tmp_path) as w:
        w.add_figure("fig", fig, 0)
        w.add_figure("figs", [fig2, plt.figure(figsize=(2, 1), dpi=50)], 0)
    assert not plt.fignum_exists(fig.number)  # close=True
    acc = accumulate(tmp_path)
    img = acc.Images("fig")[0]
    assert (img.width, img.height) == (100, 50) and decode(img).shape == (50, 100, 4)
    assert (acc.Images("figs")[0].width, acc.Images("figs")[0].height) == (200, 50)


def test_text(tmp_path):
    with SummaryWriter(tmp_path) as w:
        w.add_text("notes", "**lr** = 0.1 — ok", 2)
    acc = accumulate(tmp_path)
    (ev,) = acc.Tensors("notes/text_summary")
    assert ev.step == 2
    assert tensor_util.make_ndarray(ev.tensor_proto).tolist() == ["**lr** = 0.1 — ok".encode()]
    assert acc.SummaryMetadata("notes/text_summary").plugin_data.plugin_name == "text"


def pr_reference(labels, preds, n):
    """TP, FP, TN, FN, precision, recall at thresholds k/(n-1), from the definitions."""
    rows = []
    for k in range(n):
        pos = np.floor(preds * (n - 1)) >= k  # predicted positive at threshold k/(n-1)
        tp, fp = np.sum(pos & labels), np.sum(pos & ~labels)
        fn, tn = np.sum(~pos & labels), np.sum(~pos & ~labels)
        rows.append([tp, fp, tn, fn, tp / max(tp + fp, 1e-7), tp / max(tp + fn, 1e-7)])
    return np.array(rows).T


def test_pr_curve(tmp_path):
    rng = np.random.default_rng(1)
    labels = rng.random(200) < 0.4
    preds = np.clip(labels * 0.3 + rng.random(200) * 0.7, 0, 1)
    with SummaryWriter(tmp_path) as w:
        w.add_pr_curve("pr", ag.tensor(labels), ag.tensor(preds), 5, num_thresholds=11)
        with pytest.raises(ValueError, match="probabilities"):
            w.add_pr_curve("bad", labels, preds + 1)
    acc = accumulate(tmp_path)
    (ev,) = acc.Tensors("pr")
    data = tensor_util.make_ndarray(ev.tensor_proto)
    assert ev.step == 5 and data.shape == (6, 11)
    np.testing.assert_allclose(data, pr_reference(labels, preds, 11), rtol=1e-6)
    assert acc.SummaryMetadata("pr").plugin_data.plugin_name == "pr_curves"


def test_hparams(tmp_path):
    from tensorboard.plugins.hparams import metadata

    with SummaryWriter(tmp_path) as w:
        w.add_hparams({"lr": 0.1, "bsize": 32, "optimizer": "adam", "nesterov": True, "wd": ag.tensor(1e-4)},
                      {"hparam/accuracy": 0.9, "hparam/loss": ag.tensor(0.3)},
                      hparam_domain_discrete={"optimizer": ["adam", "sgd"]}, run_name="trial1")
        with pytest.raises(TypeError, match="value of 'f'"):
            w.add_hparams({"f": object()}, {})
    acc = accumulate(tmp_path / "trial1")
    content = acc.PluginTagToContent("hparams")
    start = metadata.parse_session_start_info_plugin_data(content[metadata.SESSION_START_INFO_TAG])
    assert start.hparams["lr"].number_value == 0.1 and start.hparams["bsize"].number_value == 32
    assert start.hparams["optimizer"].string_value == "adam" and start.hparams["nesterov"].bool_value is True
    assert start.hparams["wd"].number_value == pytest.approx(1e-4)
    experiment = metadata.parse_experiment_plugin_data(content[metadata.EXPERIMENT_TAG])
    infos = {i.name: i for i in experiment.hparam_infos}
    assert list(infos["optimizer"].domain_discrete) == ["adam", "sgd"]
    assert sorted(m.name.tag for m in experiment.metric_infos) == ["hparam/accuracy", "hparam/loss"]
    metadata.parse_session_end_info_plugin_data(content[metadata.SESSION_END_INFO_TAG])
    assert acc.Scalars("hparam/accuracy")[0].value == pytest.approx(0.9)
    assert acc.Scalars("hparam/loss")[0].value == pytest.approx(0.3)


def test_embedding_projector_files(tmp_path):
    from google.protobuf import text_format
    from tensorboard.plugins.projector.projector_config_pb2 import ProjectorConfig

    mat = np.arange(12, dtype=np.float32).reshape(4, 3)
    imgs = np.zeros((4, 1, 2, 2), np.float32)
    imgs[2] = 1.0
    with SummaryWriter(tmp_path) as w:
        w.add_embedding(ag.tensor(mat), metadata=[0, 1, 2, 3], label_img=ag.tensor(imgs), global_step=7)
        w.add_embedding(mat, metadata=[["a", 1], ["b", 2], ["c", 3], ["d", 4]], metadata_header=["name", "n"],
                        tag="two cols")
        with pytest.raises(ValueError, match="metadata rows"):
            w.add_embedding(mat, metadata=[0, 1])
    config = text_format.Parse((tmp_path / "projector_config.pbtxt").read_text(), ProjectorConfig())
    first, second = config.embeddings
    assert first.tensor_name == "default:00007" and first.tensor_path == "00007/default/tensors.tsv"
    rows = (tmp_path / first.tensor_path).read_text().splitlines()
    assert np.array_equal(np.array([r.split("\t") for r in rows], float), mat)
    assert (tmp_path / first.metadata_path).read_text().splitlines() == ["0", "1", "2", "3"]
    assert list(first.sprite.single_image_dim) == [2, 2]
    sprite = np.asarray(Image.open(tmp_path / first.sprite.image_path))
    assert sprite.shape == (4, 4) and (sprite[2:, :2] == 255).all() and sprite[:2].max() == 0
    assert (tmp_path / second.metadata_path).read_text().splitlines()[:2] == ["name\tn", "a\t1"]


def test_default_log_dir_purge_step_and_reopen(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    w = SummaryWriter(comment="_mlp", purge_step=5)
    assert w.get_logdir().startswith("runs" + os.sep) and w.get_logdir().endswith("_mlp")
    w.add_scalar("a", 1.0, 6)
    w.close()
    w.add_scalar("a", 2.0, 7)  # writing after close opens a new event file, as in PyTorch
    w.close()
    acc = accumulate(w.get_logdir())
    assert [e.step for e in acc.Scalars("a")] == [6, 7]


def test_without_the_extra_the_error_names_it(tmp_path):
    script = ("import sys\nsys.modules['tensorboard'] = None\n"
              "from autograd_core.utils.tensorboard import SummaryWriter\n"
              "import nn\n"
              "for make in (SummaryWriter, nn.TensorBoard):\n"
              "    try:\n        make('x')\n    except ImportError as e:\n        print(e)\n")
    env = dict(os.environ, PYTHONPATH=ROOT)
    res = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert len(lines) == 2 and all('pip install -e ".[tensorboard]"' in line for line in lines)
    assert not os.path.exists(tmp_path / "x")


def test_records_reach_the_file_at_exit_without_close(tmp_path):
    script = ("from autograd_core.utils.tensorboard import SummaryWriter\n"
              "w = SummaryWriter('run', flush_secs=3600)\n"
              "w.add_scalar('a', 1.0, 0)\nw.add_scalar('a', 2.0, 1)\n")
    res = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=dict(os.environ, PYTHONPATH=ROOT),
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert [e.value for e in accumulate(tmp_path / "run").Scalars("a")] == [1.0, 2.0]
