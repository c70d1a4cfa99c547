"""nn.TensorBoard: a fit run logged for TensorBoard (train and validation
runs, epoch and batch scalars, learning rate, weight and gradient
histograms, the graph once), read back with EventAccumulator; logging
does not change the training."""
import numpy as np
import pytest

import autograd_core as ag
import nn
import optim
from data import DataLoader, TensorDataset

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402


def accumulate(path):
    acc = EventAccumulator(str(path), size_guidance={"scalars": 0, "histograms": 0})
    acc.Reload()
    return acc


def setup(seed=0):
    ag.manual_seed(seed)
    x = ag.randn(48, 4)
    y = (x.sum(1) > 0).long()
    model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Dropout(0.2), nn.Linear(6, 2))
    train = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)
    val = DataLoader(TensorDataset(x[:16], y[:16]), batch_size=16)
    return model, train, val, optim.SGD(model.parameters(), lr=0.1, momentum=0.9)


class BatchLosses(nn.Callback):
    def on_train_begin(self, state):
        self.losses = []

    def on_batch_end(self, state, logs):
        self.losses.append(logs["loss"])


def test_fit_logs_scalars_histograms_and_graph(tmp_path):
    model, train, val, opt = setup()
    batches = BatchLosses()
    tb = nn.TensorBoard(tmp_path, histogram_freq=2, update_freq="batch")
    history = nn.fit(model, train, nn.CrossEntropyLoss(), opt, 4, val_loader=val, callbacks=[batches, tb],
                     progress=False)
    acc = accumulate(tmp_path / "train")
    for name in ("loss", "accuracy"):
        got = acc.Scalars(f"epoch_{name}")
        assert [e.step for e in got] == [1, 2, 3, 4]
        assert [e.value for e in got] == pytest.approx(history[name], rel=1e-6)
    assert [e.value for e in acc.Scalars("epoch_learning_rate")] == pytest.approx([0.1] * 4)
    batch = acc.Scalars("batch_loss")
    assert [e.step for e in batch] == list(range(1, 13))  # 3 batches per epoch, at the optimizer step
    assert [e.value for e in batch] == pytest.approx(batches.losses, rel=1e-6)
    assert len(acc.Scalars("batch_learning_rate")) == 12
    vacc = accumulate(tmp_path / "validation")
    assert [e.value for e in vacc.Scalars("epoch_loss")] == pytest.approx(history["val_loss"], rel=1e-6)
    assert "epoch_learning_rate" not in vacc.Tags()["scalars"]
    # histograms every second epoch; the last ones hold the final weights and the last batch's gradients
    tags = acc.Tags()["histograms"]
    assert set(tags) == {f"{kind}/{name}" for kind in ("weights", "gradients")
                         for name in ("0.weight", "0.bias", "3.weight", "3.bias")}
    for name, p in model.named_parameters():
        hs = acc.Histograms(f"weights/{name}")
        assert [h.step for h in hs] == [2, 4]
        w = p.detach().numpy().astype(np.float64)
        assert hs[-1].histogram_value.num == w.size and hs[-1].histogram_value.sum == pytest.approx(w.sum())
        g = acc.Histograms(f"gradients/{name}")[-1].histogram_value
        assert g.sum == pytest.approx(float(p.grad.sum()), rel=1e-5, abs=1e-7)
    # the graph, once, traced on the first training batch
    nodes = {n.name: n for n in acc.Graph().node}
    assert "Sequential/Linear[0]/Addmm" in nodes and "Sequential/Dropout[2]/Dropout" not in nodes  # eval mode
    dims = [d.size for d in nodes["input/input.0"].attr["_output_shapes"].list.shape[0].dim]
    assert dims == [16, 4]
    assert tb.writers == {}  # closed at the end


def test_logging_does_not_change_training(tmp_path):
    finals = []
    for callbacks in ([], [nn.TensorBoard(tmp_path, histogram_freq=1, update_freq=2)]):
        model, train, val, opt = setup(seed=3)
        nn.fit(model, train, nn.CrossEntropyLoss(), opt, 2, callbacks=callbacks, progress=False)
        finals.append([p.detach().numpy().copy() for p in model.parameters()])
    for a, b in zip(*finals):
        assert np.array_equal(a, b)
    assert [e.step for e in accumulate(tmp_path / "train").Scalars("batch_loss")] == [2, 4, 6]


def test_graph_on_given_input_or_none(tmp_path):
    model, train, _, opt = setup()
    nn.fit(model, train, nn.CrossEntropyLoss(), opt, 1, progress=False,
           callbacks=[nn.TensorBoard(tmp_path / "given", input_to_model=ag.zeros(1, 4))])
    nodes = {n.name: n for n in accumulate(tmp_path / "given" / "train").Graph().node}
    assert [d.size for d in nodes["input/input.0"].attr["_output_shapes"].list.shape[0].dim] == [1, 4]
    nn.fit(model, train, nn.CrossEntropyLoss(), opt, 1, progress=False,
           callbacks=[nn.TensorBoard(tmp_path / "none", write_graph=False, histogram_freq=0)])
    acc = accumulate(tmp_path / "none" / "train")
    assert not acc.Tags()["graph"] and acc.Tags()["histograms"] == []
    assert not model._forward_pre_hooks  # the first-batch hook is gone


def test_arguments_checked():
    with pytest.raises(ValueError, match="update_freq"):
        nn.TensorBoard("x", update_freq="step")
    with pytest.raises(ValueError, match="histogram_freq"):
        nn.TensorBoard("x", histogram_freq=-1)
