"""nn.fit / evaluate / predict, History, the callbacks (early stopping with
restore of the best weights, checkpoints, schedulers per batch and per epoch,
ReduceLROnPlateau on a validation value), checkpoint + resume equal to an
uninterrupted run, atomic writes, and Ctrl-C during fit."""
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

import autograd_core as ag
import data
import nn
import optim


def blobs(n=96, seed=0):
    """Three Gaussian blobs in 2-D: (x float32 (n, 2), y int64 (n,))."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    centres = np.array([[2.0, 0.0], [-1.0, 1.7], [-1.0, -1.7]])
    x = (centres[y] + rng.normal(0, 0.6, (n, 2))).astype(np.float32)
    return ag.tensor(x), ag.tensor(y)


def setup(seed=0, dropout=0.0, batch_size=16):
    ag.manual_seed(seed)
    x, y = blobs()
    train = data.DataLoader(data.TensorDataset(x, y), batch_size=batch_size, shuffle=True)
    xv, yv = blobs(30, seed=1)
    val = data.DataLoader(data.TensorDataset(xv, yv), batch_size=8)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(dropout), nn.Linear(16, 3))
    return model, train, val


def params(model):
    return [p._data.copy() for p in model.parameters()]


class Inject(nn.Callback):
    """Puts a prescribed value per epoch into the logs (runs before later callbacks)."""

    def __init__(self, name, values):
        self.name, self.values = name, values

    def on_epoch_end(self, state, logs):
        logs[self.name] = self.values[state.epoch]


class Snapshots(nn.Callback):
    def __init__(self):
        self.weights = {}

    def on_epoch_end(self, state, logs):
        self.weights[state.epoch + 1] = params(state.model)


def test_fit_reduces_the_loss_and_fills_the_history(capsys):
    model, train, val = setup()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    h = nn.fit(model, train, nn.CrossEntropyLoss(), opt, 6, val_loader=val, progress=False)
    assert capsys.readouterr() == ("", "")  # progress=False prints nothing
    assert h.epoch == [1, 2, 3, 4, 5, 6] and len(h) == 6
    assert set(h.keys()) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr", "time"}
    assert h["loss"][-1] < 0.5 * h["loss"][0] and h["val_accuracy"][-1] >= 0.9
    assert h["lr"] == [0.1] * 6 and all(t > 0 for t in h["time"])
    assert not h.interrupted and h.stopped_epoch is None
    loss, m = nn.evaluate(model, val, nn.CrossEntropyLoss())
    assert loss == pytest.approx(h["val_loss"][-1]) and m["accuracy"] == h["val_accuracy"][-1]
    assert model.training  # fit leaves the model in training mode; evaluate restored it


def test_evaluate_and_predict_against_a_direct_computation():
    model, _, val = setup(dropout=0.5)
    xv, yv = blobs(30, seed=1)
    model.eval()
    with ag.no_grad():
        logits = model(xv)
        want_loss = nn.CrossEntropyLoss()(logits, yv).item()
    model.train()
    loss, m = nn.evaluate(model, val, nn.CrossEntropyLoss(), metrics=["accuracy", "top2_accuracy"])
    assert loss == pytest.approx(want_loss, rel=1e-6)
    assert m["accuracy"] == pytest.approx(np.mean(logits.numpy().argmax(1) == yv.numpy()))
    assert m["top2_accuracy"] >= m["accuracy"]
    assert model.training
    out = nn.predict(model, val)  # dropout is off in predict: the same numbers twice
    assert np.array_equal(out, logits.numpy()) and np.array_equal(nn.predict(model, xv, batch_size=7), out)
    assert nn.evaluate(model, val, metrics=None) == (None, {})


def test_metric_functions_and_errors():
    model, train, val = setup()
    opt = optim.SGD(model.parameters(), lr=0.1)

    def wrong(y_true, y_pred):
        return float(np.mean(y_pred.argmax(1) != y_true))

    h = nn.fit(model, train, nn.CrossEntropyLoss(), opt, 2, val_loader=val,
               metrics={"err": wrong, "acc": "accuracy"}, progress=False)
    assert np.allclose(np.array(h["err"]) + np.array(h["acc"]), 1.0)
    assert np.allclose(np.array(h["val_err"]) + np.array(h["val_acc"]), 1.0)
    with pytest.raises(ValueError, match="unknown metric 'f2'"):
        nn.fit(model, train, nn.CrossEntropyLoss(), opt, 1, metrics=["f2"], progress=False)
    with pytest.raises(ValueError, match=r"should be \(inputs, targets\)"):
        nn.fit(model, [(ag.ones(2, 2),)], nn.CrossEntropyLoss(), opt, 1, progress=False)
    with pytest.raises(ValueError, match="no batches"):
        nn.fit(model, [], nn.CrossEntropyLoss(), opt, 1, progress=False)


def test_progress_bar_and_epoch_lines(capsys):
    model, train, val = setup()
    nn.fit(model, train, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), 2, val_loader=val)
    out, err = capsys.readouterr()
    lines = out.strip().splitlines()
    assert len(lines) == 2 and lines[1].startswith("epoch 2/2: loss ") and "val_accuracy" in lines[1]
    assert "epoch 1/2" in err and "batch" in err  # the tqdm bar on stderr


def test_early_stopping_stops_and_restores_the_best_weights():
    model, train, val = setup()
    snaps = Snapshots()
    stop = nn.EarlyStopping(monitor="val_fake", patience=2)
    fake = [0.9, 0.5, 0.52, 0.51, 0.1, 0.1]  # best at epoch 2; no improvement in epochs 3 and 4
    h = nn.fit(model, train, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), 6,
               callbacks=[Inject("val_fake", fake), snaps, stop], progress=False)
    assert h.epoch == [1, 2, 3, 4] and h.stopped_epoch == stop.stopped_epoch == 4
    assert stop.best == 0.5 and stop.best_epoch == 2
    assert all(np.array_equal(a, b) for a, b in zip(params(model), snaps.weights[2]))
    assert not all(np.array_equal(a, b) for a, b in zip(snaps.weights[4], snaps.weights[2]))


def test_early_stopping_min_delta_mode_and_no_restore():
    model, train, _ = setup()
    snaps = Snapshots()
    # mode 'max' (auto: an accuracy); +0.005 is not an improvement with min_delta 0.01
    stop = nn.EarlyStopping(monitor="val_acc_fake", patience=1, min_delta=0.01, restore_best=False)
    h = nn.fit(model, train, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), 5,
               callbacks=[Inject("val_acc_fake", [0.5, 0.6, 0.605, 0.9, 0.9]), snaps, stop], progress=False)
    assert stop.mode == "max" and h.epoch == [1, 2, 3] and stop.best_epoch == 2
    assert all(np.array_equal(a, b) for a, b in zip(params(model), snaps.weights[3]))  # the last weights
    with pytest.raises(ValueError, match="monitor 'val_loss' is not among the logged values.*val_loader"):
        nn.fit(model, train, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), 1,
               callbacks=[nn.EarlyStopping()], progress=False)


def test_scheduler_per_epoch_per_batch_and_on_plateau():
    model, train, val = setup()  # 96 samples in batches of 16: 6 steps per epoch
    opt = optim.SGD(model.parameters(), lr=1.0)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    h = nn.fit(model, train, nn.CrossEntropyLoss(), opt, 3, scheduler=sched, progress=False)
    assert h["lr"] == [1.0, 0.5, 0.25] and opt.param_groups[0]["lr"] == 0.125
    opt = optim.SGD(model.parameters(), lr=1.0)
    step = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    per_batch = nn.LRSchedulerCallback(step, interval="batch")
    h = nn.fit(model, train, nn.CrossEntropyLoss(), opt, 2, scheduler=per_batch, progress=False)
    assert h["lr"] == [1.0, 0.5 ** 6] and opt.param_groups[0]["lr"] == 0.5 ** 12
    # the notes' performance scheduling: reduce when the validation value stops improving
    opt = optim.SGD(model.parameters(), lr=1.0)
    plateau = optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.1, patience=1)
    h = nn.fit(model, train, nn.CrossEntropyLoss(), opt, 5, val_loader=val, progress=False,
               callbacks=[Inject("val_err", [0.5, 0.4, 0.4, 0.4, 0.4]),
                          nn.LRSchedulerCallback(plateau, monitor="val_err")])
    # epochs 3 and 4 do not improve: 2 bad epochs > patience 1, so epoch 5 runs at 0.1
    assert h["lr"] == pytest.approx([1.0, 1.0, 1.0, 1.0, 0.1])
    opt = optim.SGD(model.parameters(), lr=1.0)
    plateau = optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    h = nn.fit(model, train, nn.CrossEntropyLoss(), opt, 3, val_loader=val, scheduler=plateau, progress=False)
    assert plateau.best == min(h["val_loss"])  # fit(scheduler=plateau) feeds it val_loss


def run_in_two_parts(tmp_path, make_opt, per_batch):
    """(weights, history) of 4 epochs straight, and of 2 epochs + resume from the checkpoint."""
    def build(seed):
        model, train, val = setup(seed=seed, dropout=0.2)
        opt = make_opt(model)
        sched = optim.lr_scheduler.StepLR(opt, step_size=3 if per_batch else 1, gamma=0.7)
        cb = nn.LRSchedulerCallback(sched, interval="batch" if per_batch else "epoch")
        return model, train, val, opt, cb

    model, train, val, opt, sched = build(0)
    full = nn.fit(model, train, nn.CrossEntropyLoss(), opt, 4, val_loader=val, scheduler=sched,
                  progress=False)
    straight = params(model)

    path = tmp_path / "ckpt.safetensors"
    model, train, val, opt, sched = build(0)
    nn.fit(model, train, nn.CrossEntropyLoss(), opt, 2, val_loader=val, scheduler=sched, progress=False,
           callbacks=[nn.ModelCheckpoint(path)])
    ag.randn(100)  # disturb the random generator: the checkpoint must restore it
    model, train, val, opt, sched = build(7)  # other initial weights: the checkpoint must overwrite them
    info = nn.load_checkpoint(path, model, opt, sched.scheduler)
    assert info["epoch"] == 2 and info["history"].epoch == [1, 2]
    resumed = nn.fit(model, train, nn.CrossEntropyLoss(), opt, 4, val_loader=val, scheduler=sched,
                     progress=False, initial_epoch=info["epoch"], history=info["history"])
    return straight, params(model), full, resumed


@pytest.mark.parametrize("make_opt, per_batch", [
    (lambda m: optim.SGD(m.parameters(), lr=0.1, momentum=0.9), False),
    (lambda m: optim.Adam(m.parameters(), lr=0.01), True),
])
def test_checkpoint_and_resume_equal_an_uninterrupted_run(tmp_path, make_opt, per_batch):
    straight, resumed_w, full, resumed = run_in_two_parts(tmp_path, make_opt, per_batch)
    assert all(np.array_equal(a, b) for a, b in zip(straight, resumed_w))  # bit for bit
    assert resumed.epoch == full.epoch == [1, 2, 3, 4]
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "lr"):
        assert resumed[key] == full[key]


def test_model_checkpoint_best_only_and_weights_only(tmp_path):
    model, train, val = setup()
    snaps = Snapshots()
    best = nn.ModelCheckpoint(tmp_path / "best-{epoch}.safetensors", monitor="val_fake", save_best_only=True,
                              save_weights_only=True)
    nn.fit(model, train, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), 4, progress=False,
           callbacks=[Inject("val_fake", [0.5, 0.7, 0.3, 0.4]), snaps, best])
    assert sorted(os.listdir(tmp_path)) == ["best-1.safetensors", "best-3.safetensors"]
    assert best.best_epoch == 3 and best.last_path == str(tmp_path / "best-3.safetensors")
    fresh = setup(seed=5)[0]
    fresh.load_state_dict(ag.load(best.last_path))  # a plain state dict
    assert all(np.array_equal(a, b) for a, b in zip(params(fresh), snaps.weights[3]))
    full = tmp_path / "full.safetensors"
    nn.save_checkpoint(full, model)
    assert list(nn.checkpoint.model_state(full)) == list(model.state_dict())
    with pytest.raises(ValueError, match="not a training checkpoint"):
        nn.load_checkpoint(best.last_path, fresh)
    with pytest.raises(ValueError, match="no optimizer state"):
        nn.load_checkpoint(full, fresh, optim.SGD(fresh.parameters(), lr=0.1))


def test_checkpoint_writes_are_atomic(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    nn.checkpoint.atomic_save({"w": ag.ones(3)}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError, match="expected a Tensor or ndarray"):  # fails in the middle of the write
        nn.checkpoint.atomic_save({"w": ag.zeros(3), "bad": "text"}, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["ckpt.safetensors"]  # no temp file left


class CountingSGD(optim.SGD):
    steps = 0

    def step(self, closure=None):
        CountingSGD.steps += 1
        return super().step(closure)


def test_ctrl_c_stops_after_the_current_batch_and_keeps_the_checkpoint(tmp_path, capsys):
    model, train, val = setup()  # 6 batches per epoch
    CountingSGD.steps = 0
    opt = CountingSGD(model.parameters(), lr=0.1)
    calls = []

    def loss_fn(out, y):
        if ag.is_grad_enabled():  # a training batch, not validation
            calls.append(1)
        if len(calls) == 9 and ag.is_grad_enabled():  # third batch of epoch 2: Ctrl-C during the forward
            os.kill(os.getpid(), signal.SIGINT)
        return nn.functional.cross_entropy(out, y)

    path = tmp_path / "ckpt.safetensors"
    previous = signal.getsignal(signal.SIGINT)
    h = nn.fit(model, train, loss_fn, opt, 5, val_loader=val, callbacks=[nn.ModelCheckpoint(path)])
    assert signal.getsignal(signal.SIGINT) is previous  # the handler is put back
    assert CountingSGD.steps == 9  # the interrupted batch finished, its step included
    assert h.interrupted and h.epoch == [1]  # the partial epoch 2 is not recorded
    assert nn.load_checkpoint(path, setup()[0])["epoch"] == 1  # the last complete epoch
    assert "stopping after this batch" in capsys.readouterr().out


def test_keyboard_interrupt_from_the_loader_ends_fit():
    model, train, _ = setup()

    def loader():
        for i, batch in enumerate(train):
            if i == 2:
                raise KeyboardInterrupt
            yield batch

    class Twice:
        def __iter__(self):
            return loader()

    opt = optim.SGD(model.parameters(), lr=0.1)
    h = nn.fit(model, Twice(), nn.CrossEntropyLoss(), opt, 3, progress=False)
    assert h.interrupted and len(h) == 0


def test_history_round_trips(tmp_path):
    h = nn.History()
    h.append(1, {"loss": 1.5, "accuracy": 0.25})
    h.append(2, {"loss": 0.75, "accuracy": 0.5, "val_loss": 0.8})  # a value that starts later
    assert h["val_loss"] == [None, 0.8] and h.last() == {"loss": 0.75, "accuracy": 0.5, "val_loss": 0.8}
    assert h.to_csv().splitlines() == ["epoch,loss,accuracy,val_loss", "1,1.5,0.25,", "2,0.75,0.5,0.8"]
    for back in (nn.History.from_csv(h.to_csv(tmp_path / "h.csv")), nn.History.from_json(h.to_json()),
                 nn.History.from_json(h.to_json(tmp_path / "h.json"))):
        assert back.epoch == [1, 2] and back.history == h.history
    assert "2 epochs" in repr(h) and repr(nn.History()) == "History(empty)"
    with pytest.raises(ValueError, match="one value per epoch"):
        nn.History({"loss": [1.0]}, epoch=[1, 2])


def test_nn_imports_neither_optim_nor_data():
    code = "import nn, sys; assert not {'optim', 'data', 'tqdm'} & set(sys.modules), sorted(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True)
