"""Evaluation without training: ``evaluate`` (loss and metrics over a
loader) and ``predict`` (the outputs as numpy), both in eval mode without
recording a graph, and the metric specifications shared with ``fit``.

Metrics are names or functions. ``'accuracy'`` compares ``argmax`` of
(N, C) outputs with the targets (for one output per sample, ``output > 0``:
logits of a binary classifier); ``'top5_accuracy'`` (any k) asks whether
the target is among the k largest outputs; a function ``f(y_true, y_pred)``
gets numpy arrays (targets and raw outputs) and returns a number; a dict
names them (``{'err': f}``). ``evaluate`` computes functions once on all
outputs of the loader, named metrics batch by batch (exactly, as counts).
Losses are assumed to be means over the batch (``reduction='mean'``) and
are weighted by the batch size.
"""
import re

import numpy as np

from autograd_core.grad_mode import no_grad
from autograd_core.tensor import Tensor

__all__ = ["evaluate", "predict", "parse_metrics"]


def to_numpy(t):
    """The numpy array of a Tensor (or of anything array-like)."""
    return t._data if isinstance(t, Tensor) else np.asarray(t)


def split_batch(batch):
    """(inputs, targets) of a batch, as Tensors."""
    if isinstance(batch, (tuple, list)):
        if len(batch) != 2:
            raise ValueError(f"a batch should be (inputs, targets), got {len(batch)} items")
        x, y = batch
    elif isinstance(batch, dict) and {"input", "target"} <= batch.keys():
        x, y = batch["input"], batch["target"]
    else:
        raise ValueError(f"a batch should be (inputs, targets), got {type(batch).__name__}")
    return (x if isinstance(x, Tensor) else Tensor(np.asarray(x))), (y if isinstance(y, Tensor) else
                                                                     Tensor(np.asarray(y)))


def batch_size(y):
    shape = getattr(y, "shape", ())
    return int(shape[0]) if len(shape) else 1


def _correct_topk(out, y, k):
    if out.ndim == 2 and out.shape[1] > 1:
        if k == 1:
            return int(np.count_nonzero(out.argmax(axis=1) == y))
        true = out[np.arange(len(y)), y.astype(np.intp)]
        return int(np.count_nonzero((out > true[:, None]).sum(axis=1) < k))
    if k != 1:
        raise ValueError(f"top{k}_accuracy needs outputs (N, C) with C > 1, got shape {out.shape}")
    return int(np.count_nonzero((out.reshape(y.shape) > 0) == (y > 0.5)))


def parse_metrics(spec):
    """[(name, fn(y_true, y_pred) -> value, decomposable)] from names and callables."""
    if spec is None:
        return []
    if isinstance(spec, (str,)) or callable(spec):
        spec = [spec]
    items = spec.items() if isinstance(spec, dict) else ((None, m) for m in spec)
    found = []
    for name, m in items:
        if isinstance(m, str):
            hit = re.fullmatch(r"(?:top(\d+)_)?acc(?:uracy)?", m)
            if hit is None:
                raise ValueError(f"unknown metric {m!r}: use 'accuracy', 'top<k>_accuracy' or a function "
                                 "f(y_true, y_pred)")
            k = int(hit.group(1) or 1)
            found.append((name or m, lambda y, out, k=k: _correct_topk(out, y, k) / max(len(y), 1), True))
        elif callable(m):
            found.append((name or getattr(m, "__name__", type(m).__name__), m, False))
        else:
            raise TypeError(f"a metric must be a name or a function, got {type(m).__name__}")
    return found


def _outputs(model, loader, max_batches=None):
    """Yield (outputs, targets or None) as numpy, in eval mode without recording."""
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            for i, batch in enumerate(loader):
                if max_batches is not None and i >= max_batches:
                    break
                if isinstance(batch, (tuple, list)):
                    x, y = split_batch(batch)
                else:
                    x, y = (batch if isinstance(batch, Tensor) else Tensor(np.asarray(batch))), None
                yield model(x), y
    finally:
        model.train(was_training)


def evaluate(model, loader, loss_fn=None, metrics=("accuracy",)):
    """``(loss, {metric: value})`` of ``model`` over ``loader`` in eval mode,
    without recording a graph (loss None without ``loss_fn``)."""
    fns = parse_metrics(metrics)
    loss_sum, count, sums, outs, targets = 0.0, 0, dict.fromkeys([n for n, _, _ in fns], 0.0), [], []
    keep = any(not dec for _, _, dec in fns)
    for out, y in _outputs(model, loader):
        if y is None:
            raise ValueError("evaluate: the loader must yield (inputs, targets)")
        n = batch_size(y)
        count += n
        if loss_fn is not None:
            loss_sum += float(loss_fn(out, y).item()) * n
        o, t = to_numpy(out), to_numpy(y)
        for name, fn, dec in fns:
            if dec:
                sums[name] += fn(t, o) * n
        if keep:
            outs.append(o)
            targets.append(t)
    if count == 0:
        raise ValueError("evaluate: the loader yielded no samples")
    result = {}
    for name, fn, dec in fns:
        result[name] = sums[name] / count if dec else float(fn(np.concatenate(targets), np.concatenate(outs)))
    return (loss_sum / count if loss_fn is not None else None), result


def predict(model, data, batch_size=256):
    """The outputs of ``model`` (numpy, concatenated) in eval mode without
    recording: ``data`` is a loader (of inputs or of (inputs, targets)) or
    an array/tensor of inputs, cut into batches of ``batch_size``."""
    if isinstance(data, (Tensor, np.ndarray)):
        arr = to_numpy(data)
        data = (Tensor(arr[i:i + batch_size]) for i in range(0, len(arr), batch_size))
    outs = [to_numpy(out) for out, _ in _outputs(model, data)]
    if not outs:
        raise ValueError("predict: no inputs")
    return np.concatenate(outs)
