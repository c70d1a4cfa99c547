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
    ``{'epoch': int or None, 'history': History or None, 'metadata': {...}}``."""
    tensors = load(path)
    meta = read_metadata(path)
    if meta.get("format") != FORMAT:
        raise ValueError(f"load_checkpoint: {path} is not a training checkpoint (no format tag "
                         f"{FORMAT!r}); load weights with ag.load")
    if model is not None:
        model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")}, strict=strict)
    if optimizer is not None:
        if "optimizer.param_groups" not in meta:
            raise ValueError(f"load_checkpoint: {path} holds no optimizer state")
        state = {}
        for name, t in tensors.items():
            if name.startswith("optimizer."):
                i, k = name[10:].split(".", 1)
                state.setdefault(int(i), {})[k] = t
        groups = json.loads(meta["optimizer.param_groups"])
        optimizer.load_state_dict({"state": state, "param_groups": groups})
    if scheduler is not None:
        if "scheduler" not in meta:
            raise ValueError(f"load_checkpoint: {path} holds no scheduler state")
        scheduler.load_state_dict(json.loads(meta["scheduler"]))
    if rng and "rng" in meta:
        numpy_generator().bit_generator.state = json.loads(meta["rng"])
    history = None
    if "history" in meta:
        h = json.loads(meta["history"])
        history = History.from_dict(h["history"])
        history.interrupted, history.stopped_epoch = h["interrupted"], h["stopped_epoch"]
    user = {k[5:]: v for k, v in meta.items() if k.startswith("user.")}
    return {"epoch": json.loads(meta["epoch"]), "history": history, "metadata": user}
