"""``History``: what ``fit`` measured, one row per epoch.

``history.history`` maps a name to a list with one value per epoch
(Keras' layout): ``loss`` and each metric on the training batches (the mean
over the epoch's samples, measured while the weights were changing),
``val_loss`` and ``val_<metric>`` on the validation set after the epoch,
``lr`` (the learning rate of the first parameter group during the epoch)
and ``time`` (seconds of training, validation excluded). ``history.epoch``
lists the epoch numbers (1-based). A value missing at some epoch is None.

``to_csv`` / ``to_json`` write it (or return the text without a path),
``History.from_json`` / ``from_csv`` read it back, ``plot`` draws it
(matplotlib). ``interrupted`` is True when Ctrl-C stopped ``fit``;
``stopped_epoch`` is the epoch after which a callback stopped it.
"""
import csv
import io
import json
import math

__all__ = ["History"]


class History:
    """Per-epoch record of a training run (see the module docstring)."""

    def __init__(self, history=None, epoch=None):
        self.history = {k: list(v) for k, v in (history or {}).items()}
        n = max((len(v) for v in self.history.values()), default=0)
        self.epoch = list(epoch) if epoch is not None else list(range(1, n + 1))
        if any(len(v) != len(self.epoch) for v in self.history.values()):
            raise ValueError("History: every list needs one value per epoch")
        self.interrupted = False
        self.stopped_epoch = None

    def append(self, epoch, logs):
        """Add the values ``logs`` (name -> number) of ``epoch``."""
        n = len(self.epoch)
        for k in logs:
            if k not in self.history:
                self.history[k] = [None] * n
        for k, v in self.history.items():
            v.append(_plain(logs.get(k)))
        self.epoch.append(int(epoch))

    def __getitem__(self, key):
        return self.history[key]

    def __contains__(self, key):
        return key in self.history

    def __len__(self):
        return len(self.epoch)

    def keys(self):
        return self.history.keys()

    def last(self):
        """The values of the last epoch (an empty dict before the first)."""
        return {k: v[-1] for k, v in self.history.items()} if self.epoch else {}

    def to_dict(self):
        return {"epoch": list(self.epoch), **{k: list(v) for k, v in self.history.items()}}

    def to_json(self, path=None):
        """The history as JSON (``{"epoch": [...], "loss": [...], ...}``);
        written to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=1)
        if path is None:
            return text
        with open(path, "w") as f:
            f.write(text + "\n")
        return path

    def to_csv(self, path=None):
        """The history as CSV, one row per epoch (``epoch,loss,...``)."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["epoch", *self.history])
        for i, e in enumerate(self.epoch):
            w.writerow([e, *("" if v[i] is None else repr(v[i]) for v in self.history.values())])
        if path is None:
            return buf.getvalue()
        with open(path, "w", newline="") as f:
            f.write(buf.getvalue())
        return path

    @classmethod
    def from_dict(cls, d):
        d = dict(d)
        epoch = d.pop("epoch", None)
        return cls(d, epoch)

    @classmethod
    def from_json(cls, text_or_path):
        """Read what ``to_json`` wrote (a JSON string or a file path)."""
        text = str(text_or_path)
        if not text.lstrip().startswith("{"):
            with open(text_or_path) as f:
                text = f.read()
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_csv(cls, path):
        """Read what ``to_csv`` wrote."""
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
        names = rows[0][1:]
        hist = {k: [None if r[i + 1] == "" else float(r[i + 1]) for r in rows[1:]]
                for i, k in enumerate(names)}
        return cls(hist, [int(r[0]) for r in rows[1:]])

    def plot(self, **kwargs):
        """Draw the curves (``nn.plots.plot_history``; needs matplotlib)."""
        from .plots import plot_history

        return plot_history(self, **kwargs)

    def __repr__(self):
        if not self.epoch:
            return "History(empty)"
        last = ", ".join(f"{k}={_fmt(v)}" for k, v in self.last().items())
        return f"History({len(self.epoch)} epochs; last: {last})"


def _plain(v):
    if v is None:
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return v
    return float(v)


def _fmt(v):
    if v is None:
        return "-"
    return f"{v:.4g}" if isinstance(v, float) and math.isfinite(v) else str(v)
