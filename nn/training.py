"""The training loop ``fit`` (``evaluate`` and ``predict`` are in nn.evaluation).

    history = nn.fit(model, train_loader, nn.CrossEntropyLoss(), opt, epochs=5,
                     val_loader=val_loader, callbacks=[nn.EarlyStopping(patience=2)])
    loss, m = nn.evaluate(model, test_loader, nn.CrossEntropyLoss())   # m['accuracy']
    logits = nn.predict(model, test_loader)                            # numpy (N, C)

``fit`` runs, for every batch ``(inputs, targets)`` of the loader:
``optimizer.zero_grad(); loss = loss_fn(model(inputs), targets);
loss.backward(); optimizer.step()``. The optimizer and the loader are
duck-typed (anything with ``zero_grad``/``step``, anything iterable over
pairs), so ``nn`` needs neither ``optim`` nor ``data``. After each epoch it
evaluates on ``val_loader``, appends the epoch's values to the ``History``
(``nn.history``) and calls the callbacks (``nn.callbacks``); ``scheduler``
is stepped once per epoch (wrap it in ``LRSchedulerCallback`` for other
intervals). ``initial_epoch`` and ``history`` continue an earlier run
(``nn.checkpoint.load_checkpoint`` returns both).

Metrics (``nn.evaluation``): names such as ``'accuracy'`` or
``'top5_accuracy'``, or functions ``f(y_true, y_pred)`` of numpy arrays. On
the training batches a metric is the sample-weighted mean of its batch
values, measured while the weights change (as Keras does).

Progress: a ``tqdm.auto`` bar per epoch (a widget in notebooks) with the
running loss and the throughput in samples per second, and one line per
epoch with the epoch's values; ``progress=False`` prints neither (only
messages of callbacks made with ``verbose=True``, and of Ctrl-C).

Ctrl-C: during ``fit`` the first SIGINT only raises a flag; the current
batch finishes (its optimizer step included), the partial epoch is not
recorded and no callback sees it, so the last checkpoint stays the last
complete epoch; ``fit`` returns the history with ``interrupted = True``.
A second Ctrl-C raises ``KeyboardInterrupt`` at once. (A KeyboardInterrupt
raised otherwise, e.g. outside the main thread, also ends ``fit`` this way,
but then mid-batch.)
"""
import signal
import threading
import time

from .callbacks import LRSchedulerCallback
from .evaluation import batch_size, evaluate, parse_metrics, predict, split_batch, to_numpy
from .history import History

__all__ = ["fit", "evaluate", "predict", "FitState", "History"]


class FitState:
    """What callbacks see of a running ``fit`` (see nn.callbacks)."""

    def __init__(self, model, optimizer, loss_fn, scheduler, history, epochs, log):
        self.model, self.optimizer, self.loss_fn, self.scheduler = model, optimizer, loss_fn, scheduler
        self.history, self.epochs, self.log = history, epochs, log
        self.epoch, self.step, self.samples = 0, 0, 0  # samples: of the last complete epoch
        self.stop_training = self.interrupted = False


def _lr(optimizer):
    groups = getattr(optimizer, "param_groups", None)
    if groups and "lr" in groups[0]:
        return float(groups[0]["lr"])
    return None


def _fmt_logs(logs, samples):
    text = "  ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in logs.items()
                     if v is not None and k not in ("time", "lr"))
    if logs.get("lr") is not None:
        text += f"  lr {logs['lr']:.3g}"
    return text + f"  ({logs['time']:.1f} s, {samples / logs['time']:,.0f} samples/s)"


class _SigintFlag:
    """During ``fit``: the first Ctrl-C sets ``state.interrupted``, the second raises."""

    def __init__(self, state):
        self.state, self.previous = state, None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            try:
                self.previous = signal.signal(signal.SIGINT, self._handle)
            except ValueError:  # not allowed here (e.g. some embedded interpreters)
                self.previous = None
        return self

    def _handle(self, signum, frame):
        if self.state.interrupted:
            raise KeyboardInterrupt
        self.state.interrupted = True
        self.state.log("interrupted: stopping after this batch (Ctrl-C again to abort now)")

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
        return False


def fit(model, train_loader, loss_fn, optimizer, epochs, val_loader=None, metrics=("accuracy",),
        scheduler=None, callbacks=(), progress=True, *, initial_epoch=0, history=None):
    """Train ``model`` for ``epochs`` epochs (see the module docstring);
    returns the ``History``. ``initial_epoch`` epochs count as done."""
    if int(epochs) < initial_epoch:
        raise ValueError(f"fit: epochs ({epochs}) must be >= initial_epoch ({initial_epoch})")
    fns = parse_metrics(metrics)
    history = History() if history is None else history
    history.interrupted = False
    cbs = list(callbacks)
    sched = scheduler
    if scheduler is not None:
        cb = scheduler if isinstance(scheduler, LRSchedulerCallback) else LRSchedulerCallback(scheduler)
        sched = cb.scheduler
        cbs.insert(0, cb)  # the scheduler steps before a checkpoint records its state
    bar_cls = None
    if progress:
        from tqdm.auto import tqdm as bar_cls

    def log(msg):  # a message of a callback or of Ctrl-C: printed even without progress bars
        if progress:
            bar_cls.write(msg)
        else:
            print(msg, flush=True)

    state = FitState(model, optimizer, loss_fn, sched, history, int(epochs), log)
    with _SigintFlag(state):
        for cb in cbs:
            cb.on_train_begin(state)
        for epoch in range(initial_epoch, int(epochs)):
            state.epoch = epoch
            logs = _train_epoch(state, train_loader, fns, cbs, bar_cls)
            if logs is None:  # interrupted or stopped mid-epoch
                break
            if val_loader is not None:
                vloss, vm = evaluate(model, val_loader, loss_fn, metrics)
                logs["val_loss"] = vloss
                logs.update({"val_" + k: v for k, v in vm.items()})
            history.append(epoch + 1, logs)
            if progress:
                log(f"epoch {epoch + 1}/{epochs}: {_fmt_logs(logs, state.samples)}")
            for cb in cbs:
                cb.on_epoch_end(state, logs)
            if state.stop_training or state.interrupted:
                break
        history.interrupted = state.interrupted
        for cb in cbs:
            cb.on_train_end(state)
    return history


def _train_epoch(state, loader, fns, cbs, bar_cls):
    """One pass over ``loader``; the epoch's logs, or None when it did not finish."""
    model, optimizer, loss_fn = state.model, state.optimizer, state.loss_fn
    model.train()
    for cb in cbs:
        cb.on_epoch_begin(state)
    try:
        total = len(loader)
    except TypeError:
        total = None
    bar = None
    if bar_cls is not None:
        bar = bar_cls(total=total, desc=f"epoch {state.epoch + 1}/{state.epochs}", unit="batch", leave=False,
                      dynamic_ncols=True)
    lr = _lr(optimizer)
    sums = dict.fromkeys([name for name, _, _ in fns], 0.0)
    loss_sum, count, t0, shown = 0.0, 0, time.perf_counter(), 0.0
    finished = False
    try:
        for i, batch in enumerate(loader):
            x, y = split_batch(batch)
            optimizer.zero_grad()
            out = model(x)
            loss = loss_fn(out, y)
            loss.backward()
            optimizer.step()
            n = batch_size(y)
            value = float(loss.item())
            loss_sum += value * n
            count += n
            state.step += 1
            if fns:
                o, t = to_numpy(out), to_numpy(y)
                for name, fn, _ in fns:
                    sums[name] += float(fn(t, o)) * n
            for cb in cbs:
                cb.on_batch_end(state, {"batch": i, "size": n, "loss": value})
            if bar is not None:
                now = time.perf_counter()
                if now - shown > 0.2:
                    shown = now
                    bar.set_postfix_str(f"loss {loss_sum / count:.4f}, {count / (now - t0):,.0f} samples/s",
                                        refresh=False)
                bar.update(1)
            if state.interrupted or state.stop_training:
                finished = total is not None and i + 1 == total  # stopped after the last batch anyway
                break
        else:
            finished = True
    except KeyboardInterrupt:
        state.interrupted = True
        state.log("interrupted during a batch")
    finally:
        if bar is not None:
            bar.close()
    if not finished:
        return None
    if count == 0:
        raise ValueError("fit: the training loader yielded no batches")
    state.samples = count
    logs = {"loss": loss_sum / count}
    logs.update({name: s / count for name, s in sums.items()})
    logs["lr"] = lr
    logs["time"] = time.perf_counter() - t0
    return logs
