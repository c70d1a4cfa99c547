"""Callbacks of ``fit``: early stopping, checkpoints, learning-rate schedules.

A callback subclasses ``Callback`` and overrides any of

    on_train_begin(state)            on_train_end(state)
    on_epoch_begin(state)            on_epoch_end(state, logs)
    on_batch_end(state, logs)

``state`` is the running ``FitState`` (``model``, ``optimizer``,
``scheduler``, ``history``, ``epoch`` (0-based), ``epochs``, ``step``, the
number of optimizer steps so far, and ``log(message)``, which prints above
the progress bar); setting ``state.stop_training = True`` ends training
after the current batch. Epoch ``logs`` are the values that
go into the history (``loss``, ``accuracy``, ``val_loss``, ...); batch logs
are ``{'batch', 'size', 'loss'}``.

* ``EarlyStopping(monitor, patience, min_delta, restore_best)``, the notes'
  recipe (002 §5.3.3): after each epoch compare the monitored value with the
  best so far; an improvement (by more than ``min_delta``) stores a copy of
  the parameters, ``patience`` epochs without one stop training, and at the
  end the stored best parameters are put back.
* ``ModelCheckpoint(path, monitor, save_best_only)`` writes after each epoch
  (or only when the monitored value improves) a full training checkpoint
  (``nn.checkpoint.save_checkpoint``: model, optimizer, scheduler, history,
  random state) or, with ``save_weights_only``, the model's state dict;
  always atomically. ``path`` may hold ``{epoch}`` and logged names:
  ``"ckpt-{epoch:02d}-{val_loss:.3f}.safetensors"``.
* ``LRSchedulerCallback(scheduler, interval='epoch'|'batch', monitor=None)``
  calls ``scheduler.step()`` after every epoch or every batch. A scheduler
  whose ``step`` needs a value (``ReduceLROnPlateau``) gets the monitored
  one: by default ``val_loss`` when validating, else ``loss``.
  ``fit(..., scheduler=s)`` is ``LRSchedulerCallback(s)``.

``mode='auto'`` means 'max' for names with acc, f1, auc, precision or
recall in them, 'min' otherwise.
"""
import inspect
import math
import os

from .checkpoint import atomic_save, save_checkpoint

__all__ = ["Callback", "EarlyStopping", "ModelCheckpoint", "LRSchedulerCallback"]

_HIGHER_IS_BETTER = ("acc", "f1", "auc", "precision", "recall")


def _resolve_mode(mode, monitor):
    if mode == "auto":
        return "max" if any(s in monitor for s in _HIGHER_IS_BETTER) else "min"
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
    return mode


def _monitored(logs, monitor, who):
    if monitor not in logs or logs[monitor] is None:
        have = ", ".join(k for k, v in logs.items() if v is not None)
        hint = " (pass val_loader to fit for val_ values)" if monitor.startswith("val_") else ""
        raise ValueError(f"{who}: monitor {monitor!r} is not among the logged values: {have}{hint}")
    return float(logs[monitor])


class Callback:
    """Base class: every hook does nothing."""

    def on_train_begin(self, state):
        pass

    def on_epoch_begin(self, state):
        pass

    def on_batch_end(self, state, logs):
        pass

    def on_epoch_end(self, state, logs):
        pass

    def on_train_end(self, state):
        pass


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for
    ``patience`` epochs; with ``restore_best`` put back the best parameters
    (and buffers) at the end. ``best``, ``best_epoch`` and ``stopped_epoch``
    (1-based; None when it did not stop) tell what happened."""

    def __init__(self, monitor="val_loss", patience=3, min_delta=0.0, restore_best=True, mode="auto",
                 baseline=None, verbose=False):
        if patience < 0 or min_delta < 0:
            raise ValueError(f"EarlyStopping: patience and min_delta must be >= 0, got {patience}, "
                             f"{min_delta}")
        self.monitor, self.patience, self.min_delta = monitor, int(patience), float(min_delta)
        self.restore_best, self.mode = restore_best, _resolve_mode(mode, monitor)
        self.baseline, self.verbose = baseline, verbose

    def _better(self, value, best):
        if self.mode == "min":
            return value < best - self.min_delta
        return value > best + self.min_delta

    def on_train_begin(self, state):
        self.wait, self.stopped_epoch, self.best_epoch, self._snapshot = 0, None, None, None
        if self.baseline is not None:
            self.best = float(self.baseline)
        else:
            self.best = math.inf if self.mode == "min" else -math.inf

    def on_epoch_end(self, state, logs):
        value = _monitored(logs, self.monitor, "EarlyStopping")
        if self._better(value, self.best):
            self.best, self.best_epoch, self.wait = value, state.epoch + 1, 0
            if self.restore_best:
                self._snapshot = {k: v._data.copy() for k, v in state.model.state_dict().items()}
            return
        self.wait += 1
        if self.wait >= self.patience:
            state.stop_training = True
            self.stopped_epoch = state.epoch + 1
            state.history.stopped_epoch = self.stopped_epoch
            if self.verbose:
                state.log(f"early stopping after epoch {self.stopped_epoch}: {self.monitor} has not improved "
                          f"for {self.wait} epochs (best {self.best:.4g} at epoch {self.best_epoch})")

    def on_train_end(self, state):
        last = state.history.epoch[-1] if state.history.epoch else None
        if self.restore_best and self._snapshot is not None and self.best_epoch != last:
            state.model.load_state_dict(self._snapshot)
            if self.verbose:
                state.log(f"restored the parameters of epoch {self.best_epoch} "
                          f"({self.monitor} {self.best:.4g})")


class ModelCheckpoint(Callback):
    """Write a checkpoint to ``path`` after each epoch (``save_best_only``:
    only when ``monitor`` improves). ``last_path`` is the file written last."""

    def __init__(self, path, monitor="val_loss", save_best_only=False, mode="auto", save_weights_only=False,
                 verbose=False):
        self.path, self.monitor, self.save_best_only = os.fspath(path), monitor, save_best_only
        self.mode = _resolve_mode(mode, monitor)
        self.save_weights_only, self.verbose = save_weights_only, verbose
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = self.last_path = None

    def on_epoch_end(self, state, logs):
        epoch = state.epoch + 1
        if self.save_best_only:
            value = _monitored(logs, self.monitor, "ModelCheckpoint")
            if not (value < self.best if self.mode == "min" else value > self.best):
                return
            self.best, self.best_epoch = value, epoch
        path = self.path.format(epoch=epoch, **{k: v for k, v in logs.items() if v is not None})
        if self.save_weights_only:
            atomic_save(state.model.state_dict(), path)
        else:
            save_checkpoint(path, state.model, state.optimizer, state.scheduler, epoch=epoch,
                            history=state.history)
        self.last_path = path
        if self.verbose:
            state.log(f"saved {path}")


def _needs_metric(scheduler):
    """True when ``scheduler.step`` has a required argument (ReduceLROnPlateau)."""
    try:
        params = inspect.signature(scheduler.step).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return any(p.default is p.empty and p.kind in positional for p in params)


class LRSchedulerCallback(Callback):
    """Step ``scheduler`` after every ``interval`` ('epoch' or 'batch'),
    giving it the ``monitor`` value when its ``step`` needs one."""

    def __init__(self, scheduler, interval="epoch", monitor=None):
        if interval not in ("epoch", "batch"):
            raise ValueError(f"LRSchedulerCallback: interval must be 'epoch' or 'batch', got {interval!r}")
        self.scheduler, self.interval, self.monitor = scheduler, interval, monitor
        self.needs_metric = _needs_metric(scheduler)

    def _step(self, logs, default):
        if self.needs_metric:
            monitor = self.monitor or default
            self.scheduler.step(_monitored(logs, monitor, type(self.scheduler).__name__))
        else:
            self.scheduler.step()

    def on_batch_end(self, state, logs):
        if self.interval == "batch":
            self._step(logs, "loss")

    def on_epoch_end(self, state, logs):
        if self.interval == "epoch":
            self._step(logs, "val_loss" if logs.get("val_loss") is not None else "loss")
