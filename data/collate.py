"""Turning a list of samples into a batch.

``default_collate(samples)`` stacks along a new first dimension:

* tensors and numpy arrays of one shape -> a tensor (N, *shape), same dtype;
* numpy scalars -> a 1-d tensor of their dtype; Python floats -> float32,
  ints -> int64, bools -> bool (the engine's dtype policy: PyTorch makes
  float64 of Python floats);
* strings and bytes -> the list of them; None -> an error;
* tuples, lists, namedtuples and dicts are collated field by field, recursively,
  keeping their type: ``[(x0, y0), (x1, y1)] -> (stack(x), stack(y))``.

``default_convert(sample)`` is what the loader applies when batching is off
(``batch_size=None``): numpy arrays become tensors, recursively, the rest is kept.
"""
import collections.abc
import numbers

import numpy as np

from autograd_core.tensor import DEFAULT_FLOAT, Tensor


def _stack(arrays, what):
    first = arrays[0]
    for i, a in enumerate(arrays):
        if a.shape != first.shape:
            raise RuntimeError(f"default_collate: stack expects each {what} to be equal size, but got "
                               f"{first.shape} at entry 0 and {a.shape} at entry {i}")
    if first.dtype.kind not in "fiub":
        raise TypeError(f"default_collate: cannot make a tensor of {what}s of dtype {first.dtype}")
    return Tensor(np.stack(arrays))


def default_collate(batch):
    """Stack a list of samples into a batch (see the module docstring)."""
    if not isinstance(batch, collections.abc.Sequence) or len(batch) == 0:
        raise TypeError(f"default_collate: expected a non-empty list of samples, got {type(batch).__name__}")
    elem = batch[0]
    if isinstance(elem, Tensor):
        if any(b.requires_grad for b in batch):  # keep the graph
            from autograd_core.ops.join import stack
            return stack(list(batch))
        return _stack([b._data for b in batch], "tensor")
    if isinstance(elem, np.ndarray):
        return _stack(list(batch), "array")
    if isinstance(elem, np.generic):
        return _stack([np.asarray(b) for b in batch], "numpy scalar")
    if isinstance(elem, bool):
        return Tensor(np.array(batch, dtype=bool))
    if isinstance(elem, numbers.Integral):
        return Tensor(np.array(batch, dtype=np.int64))
    if isinstance(elem, numbers.Real):
        return Tensor(np.array(batch, dtype=DEFAULT_FLOAT))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, collections.abc.Mapping):
        out = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            return type(elem)(out)
        except TypeError:
            return out
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        n = len(elem)
        if any(len(b) != n for b in batch):
            raise RuntimeError("default_collate: each element in list of batch should be of equal size")
        fields = [default_collate(list(s)) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return tuple(fields)
        try:
            return type(elem)(fields)
        except TypeError:
            return fields
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                    f"found {type(elem).__name__}")


def default_convert(data):
    """Numpy arrays (and numpy scalars) to tensors, recursing into tuples,
    lists and dicts; everything else unchanged."""
    if isinstance(data, np.ndarray):
        return Tensor(data) if data.dtype.kind in "fiub" else data
    if isinstance(data, np.generic) and data.dtype.kind in "fiub":
        return Tensor(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        out = {k: default_convert(v) for k, v in data.items()}
        try:
            return type(data)(out)
        except TypeError:
            return out
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, (tuple, list)):
        return type(data)(default_convert(d) for d in data)
    return data
