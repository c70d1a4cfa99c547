"""Training checkpoints: one safetensors file holding everything a run needs
to continue exactly where it stopped, written atomically.

``save_checkpoint(path, model, optimizer, scheduler, epoch=, history=)`` stores

* the model's state dict under ``model.<key>`` (``fc1.weight`` ->
  ``model.fc1.weight``),
* the optimizer's per-parameter buffers under ``optimizer.<index>.<name>``
  (``optimizer.0.momentum_buffer``) and its parameter groups as JSON in the
  header's metadata (the recipe of docs/optim.md, in one file),
* as JSON metadata: the scheduler's ``state_dict()``, the epoch count, the
  ``History`` and the state of autograd_core's global random generator (the
  one behind shuffling, dropout and random transforms), so that a resumed run
  draws the same numbers as an uninterrupted one.

``load_checkpoint(path, model, optimizer, scheduler)`` puts all of it back
and returns ``{'epoch', 'history', 'metadata'}``. The optimizer and the
scheduler are duck-typed (``state_dict``/``load_state_dict``, PyTorch's
layout); as in PyTorch, make the scheduler before loading the optimizer's
state. ``model_state(path)`` reads the model's weights alone.

``atomic_save(tensors, path, metadata)`` is ``ag.save`` through a temporary
file in the same folder, flushed to disk and renamed over ``path``
(``os.replace``): a crash or Ctrl-C during the write leaves the previous
file intact, never a truncated one.
"""
import json
import os

import numpy as np

from autograd_core.random import numpy_generator
from autograd_core.serialization import load, save
from autograd_core.serialization import load_metadata as read_metadata
from autograd_core.tensor import Tensor

from .history import History

__all__ = ["save_checkpoint", "load_checkpoint", "model_state", "atomic_save", "read_metadata"]

FORMAT = "autograd_core.checkpoint/1"


def atomic_save(tensors, path, metadata=None):
    """``ag.save(tensors, path, metadata)`` that replaces ``path`` atomically."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    npz = path.endswith(".npz")
    tmp = os.path.join(folder, f".{base}.{os.getpid()}.tmp" + (".npz" if npz else ""))
    try:
        if npz:
            if metadata:
                raise ValueError(f"atomic_save: {path}: an npz archive cannot hold metadata; "
                                 "use .safetensors")
            save(tensors, tmp)
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
        else:
            with open(tmp, "wb") as f:
                _check_tensors(tensors)
                save(tensors, f, metadata)
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path


def _check_tensors(tensors):
    """A checkpoint's entries are tensors or arrays by name (``ag.save`` would take plain values too)."""
    for name, value in tensors.items():
        if not isinstance(value, (Tensor, np.ndarray)):
            raise TypeError(f"atomic_save: the value of {name!r} is a {type(value).__name__}; expected a "
                            "Tensor or ndarray")


def _tensor(v):
    return v if isinstance(v, (Tensor, np.ndarray)) else np.asarray(v)


def save_checkpoint(path, model, optimizer=None, scheduler=None, *, epoch=None, history=None, rng=True,
                    metadata=None):
    """Write the training state to the safetensors file ``path`` (atomically)."""
    tensors = {"model." + k: v for k, v in model.state_dict().items()}
    meta = {"format": FORMAT, "epoch": json.dumps(epoch)}
    if optimizer is not None:
        sd = optimizer.state_dict()
        for i, s in sd["state"].items():
            for k, v in s.items():
                tensors[f"optimizer.{i}.{k}"] = _tensor(v)
        meta["optimizer.param_groups"] = json.dumps(sd["param_groups"])
    if scheduler is not None:
        try:
            meta["scheduler"] = json.dumps(scheduler.state_dict())
        except TypeError as e:
            raise TypeError(f"save_checkpoint: the scheduler's state_dict is not JSON-serialisable "
                            f"({e})") from None
    if history is not None:
        meta["history"] = json.dumps({"history": history.to_dict(), "interrupted": history.interrupted,
                                      "stopped_epoch": history.stopped_epoch})
    if rng:
        meta["rng"] = json.dumps(numpy_generator().bit_generator.state)
    for k, v in (metadata or {}).items():
        meta["user." + k] = str(v)
    return atomic_save(tensors, path, meta)


def model_state(path):
    """The model's state dict stored in a checkpoint (or a plain state-dict file)."""
    tensors = load(path)
    if any(k.startswith("model.") for k in tensors):
        return {k[6:]: v for k, v in tensors.items() if k.startswith("model.")}
    return tensors


def load_checkpoint(path, model=None, optimizer=None, scheduler=None, rng=True, strict=True):
    """Restore what ``save_checkpoint`` wrote into the given objects; returns
    ``{'epoch': int or None, 'history': History or None, 'metadata': {...}}``.
    The file and all its metadata are checked before any object is changed:
    a damaged or forged checkpoint raises a ``ValueError`` naming the file and
    the entry at fault, and leaves the model, optimizer, scheduler and random
    generator as they were."""
    meta = read_metadata(path)
    if meta.get("format") != FORMAT:
        raise ValueError(f"load_checkpoint: {path} is not a training checkpoint (no format tag "
                         f"{FORMAT!r}); load weights with ag.load")
    for given, key, what in ((optimizer, "optimizer.param_groups", "optimizer"), (scheduler, "scheduler", "scheduler")):
        if given is not None and key not in meta:
            raise ValueError(f"load_checkpoint: {path} holds no {what} state")
    parsed = _Metadata(path, meta)
    epoch = parsed.get("epoch", (int, type(None)))
    if isinstance(epoch, bool) or isinstance(epoch, int) and epoch < 0:
        raise parsed.bad("epoch", f"is {epoch!r}, not a count of epochs")
    groups = parsed.get("optimizer.param_groups", list) if optimizer is not None else None
    sched = parsed.get("scheduler", dict) if scheduler is not None else None
    state = parsed.get("rng", dict) if rng and "rng" in meta else None
    if state is not None:
        try:  # tried on a fresh generator of the same kind
            type(numpy_generator().bit_generator)().state = state
        except (TypeError, ValueError, KeyError) as e:
            raise parsed.bad("rng", f"is not a random generator state ({e})") from None
    history = parsed.history() if "history" in meta else None
    tensors = load(path)
    opt_state = _optimizer_state(path, tensors) if optimizer is not None else None
    if model is not None:
        model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")}, strict=strict)
    if optimizer is not None:
        optimizer.load_state_dict({"state": opt_state, "param_groups": groups})
    if scheduler is not None:
        scheduler.load_state_dict(sched)
    if state is not None:
        numpy_generator().bit_generator.state = state
    user = {k[5:]: v for k, v in meta.items() if k.startswith("user.")}
    return {"epoch": epoch, "history": history, "metadata": user}


def _optimizer_state(path, tensors):
    """The optimizer's per-parameter state {index: {name: tensor}} from its ``optimizer.<index>.<name>`` entries."""
    state = {}
    for name, t in tensors.items():
        if name.startswith("optimizer."):
            index, _, key = name[10:].partition(".")
            if not index.isdigit() or not key:
                raise ValueError(f"load_checkpoint: {path}: the entry {name!r} is not named "
                                 "optimizer.<parameter index>.<buffer name>")
            state.setdefault(int(index), {})[key] = t
    return state


class _Metadata:
    """A checkpoint's metadata entries, parsed from JSON and checked, with errors naming the file and entry."""

    def __init__(self, path, meta):
        self.path, self.meta = path, meta

    def bad(self, key, why):
        return ValueError(f"load_checkpoint: {self.path}: its {key!r} metadata {why}")

    def get(self, key, kind):
        if key not in self.meta:
            raise self.bad(key, "is missing")
        try:
            value = json.loads(self.meta[key])
        except (ValueError, RecursionError) as e:
            raise self.bad(key, f"is not JSON ({str(e)[:120]})") from None
        if not isinstance(value, kind):
            raise self.bad(key, f"is a JSON {type(value).__name__}: {str(value)[:60]}")
        return value

    def history(self):
        h = self.get("history", dict)
        if not isinstance(h.get("history"), dict) or not isinstance(h.get("interrupted"), bool) or not (
                h.get("stopped_epoch") is None or type(h.get("stopped_epoch")) is int):
            raise self.bad("history", "lacks its 'history' (a dict), 'interrupted' (a bool) or 'stopped_epoch' "
                                      "(an int or null)")
        curves = h["history"]
        epochs = curves.get("epoch", [])
        if not all(isinstance(v, list) and all(x is None or type(x) in (int, float) for x in v)
                   for v in curves.values()) or not all(type(e) is int for e in epochs):
            raise self.bad("history", "holds curves that are not lists of numbers")
        try:
            history = History.from_dict(curves)
        except ValueError as e:
            raise self.bad("history", f"does not add up ({e})") from None
        history.interrupted, history.stopped_epoch = h["interrupted"], h["stopped_epoch"]
        return history
