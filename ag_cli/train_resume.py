"""``autograd train --resume``: what is checked of a checkpoint before any
weight is loaded, and the clean-up of temporary files left by a killed write.

``check_checkpoint(path, s)`` reads the header alone
(``nn.checkpoint.read_metadata``) and refuses, with one line naming the
fault: a missing path, a folder, a file that is not a checkpoint of
``autograd train``, a run with other settings (another model, optimizer,
data, batch size, schedule, learning rate, seed, validation split, batch
limit, augmentation or label smoothing; with the one-cycle schedule also
other ``--epochs``), an epoch count that is not a whole number in
[0, --epochs], a history that is not the one of those epochs, and optimizer,
scheduler or random-generator states of the wrong kind.
``check_schedule`` then compares the one-cycle schedule with the steps per
epoch of this run. Whatever ``load_checkpoint`` still raises is reported the
same way by ``load``.

``remove_stale_temporaries(folder)`` deletes ``.checkpoint.safetensors.<pid>.tmp``
(and the same for ``model.safetensors``) whose writer process is gone:
``atomic_save`` removes its own temporary file on any exception, so such a
file is left only by a killed process.
"""
import json
import math
import os
import re

import nn
from autograd_core.random import numpy_generator

CHECKED = ("model", "optimizer", "data", "batch_size", "schedule", "lr", "seed", "val_split", "limit_batches",
           "rotate", "scale", "shift", "label_smoothing")
TEMPORARY = re.compile(r"\.(checkpoint|model)\.safetensors\.(\d+)\.tmp")


def _fail(path, why):
    return ValueError(f"--resume: {path} {why}")


def _json(meta, key, path):
    try:
        return json.loads(meta[key])
    except KeyError:
        raise _fail(path, f"has no {key!r} entry; it was not written by autograd train") from None
    except (TypeError, ValueError, RecursionError):
        raise _fail(path, f"has a damaged {key!r} entry (not JSON)") from None


def check_checkpoint(path, s):
    """The checkpoint's metadata after the checks of the module docstring."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise ValueError(f"--resume: no checkpoint {path}; start the run without --resume first")
    if not os.path.isfile(path):
        raise _fail(path, "is not a file")
    try:
        meta = nn.checkpoint.read_metadata(path)
    except (ValueError, TypeError, OSError) as e:
        raise ValueError(f"--resume: {' '.join(str(e).split())[:400]}") from None
    if meta.get("format") != nn.checkpoint.FORMAT:
        raise _fail(path, "is not a checkpoint written by autograd train")
    for key in CHECKED:
        saved = meta.get("user." + key)
        if saved is not None and saved != str(s[key]):
            flag = "--" + key.replace("_", "-")
            raise ValueError(f"--resume: the checkpoint was trained with {key} {saved}, not {s[key]} "
                             f"(resume with the run's own {flag})")
    if s["schedule"] == "onecycle" and meta.get("user.epochs") not in (None, str(s["epochs"])):
        raise ValueError(f"--resume: the one-cycle schedule was planned for {meta['user.epochs']} epochs; "
                         "resume with the same --epochs, or use --schedule constant")
    epoch = _json(meta, "epoch", path)
    if type(epoch) is not int or epoch < 0:
        raise _fail(path, f"has an epoch count that is not a whole number >= 0: {str(epoch)[:40]!r}")
    if epoch > s["epochs"]:
        raise ValueError(f"--resume: the checkpoint is after epoch {epoch}, beyond --epochs {s['epochs']}; "
                         f"give --epochs {epoch} or more")
    _check_history(_json(meta, "history", path), epoch, path)
    groups = _json(meta, "optimizer.param_groups", path)
    if not (isinstance(groups, list) and len(groups) == 1 and isinstance(groups[0], dict)
            and _finite(groups[0].get("lr"))):
        raise _fail(path, "has optimizer settings of another kind (expected one parameter group with an lr)")
    rng = _json(meta, "rng", path)
    kind = numpy_generator().bit_generator.state["bit_generator"]
    if not (isinstance(rng, dict) and rng.get("bit_generator") == kind and isinstance(rng.get("state"), dict)):
        raise _fail(path, f"has a random-generator state that is not a {kind} state")
    if s["schedule"] == "onecycle" and not isinstance(_json(meta, "scheduler", path), dict):
        raise _fail(path, "has a scheduler state that is not a dict")
    return meta


def _finite(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _check_history(h, epoch, path):
    ok = isinstance(h, dict) and isinstance(h.get("history"), dict)
    if ok:
        cols = h["history"]
        ok = cols.get("epoch") == list(range(1, epoch + 1)) and all(
            isinstance(v, list) and len(v) == epoch and all(x is None or _finite(x) for x in v)
            for v in cols.values())
        ok = ok and isinstance(h.get("interrupted"), bool)
    if not ok:
        raise _fail(path, f"has a history that is not the one of its {epoch} epochs")


def check_schedule(meta, s, steps_per_epoch, path):
    """The one-cycle schedule of the checkpoint spans this run's steps."""
    if s["schedule"] != "onecycle":
        return
    state = json.loads(meta["scheduler"])
    epoch = json.loads(meta["epoch"])
    total, done = s["epochs"] * steps_per_epoch, epoch * steps_per_epoch
    if state.get("total_steps") != total or state.get("last_epoch") != done:
        raise _fail(path, f"has a one-cycle schedule of {state.get('total_steps')} steps at step "
                          f"{state.get('last_epoch')}; this run has {total} steps ({steps_per_epoch} per epoch), "
                          f"{done} done")


def load(path, model, optimizer, scheduler):
    """``nn.load_checkpoint`` with whatever it raises as one line."""
    try:
        return nn.load_checkpoint(path, model, optimizer, scheduler)
    except (ValueError, TypeError, KeyError, IndexError, RuntimeError) as e:
        raise _fail(path, f"could not be loaded: {' '.join(str(e).split())[:400]}") from None


def _running(pid):
    if os.name != "posix":
        return False  # no safe probe there (os.kill would end the process); one run per folder at a time
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(folder):
    """Delete the temporary files of killed writes in ``folder``; returns their names."""
    removed = []
    for name in sorted(os.listdir(folder)):
        m = TEMPORARY.fullmatch(name)
        if m and not _running(int(m.group(2))):
            try:
                os.remove(os.path.join(folder, name))
            except FileNotFoundError:  # removed by another process of the same run (--nproc)
                continue
            removed.append(name)
    return removed
