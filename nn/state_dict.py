"""State dicts: a module's parameters and persistent buffers under PyTorch's
dotted keys, and loading them back.

``state_dict`` walks the module tree in registration order: each module's
own parameters, then its persistent buffers, then its children (a shared
submodule appears under each of its names, as in PyTorch). Values share
memory with the module's tensors (detached unless ``keep_vars``).

``load_state_dict`` checks everything first (missing and unexpected keys
when ``strict``, shape mismatches always) and raises one ``RuntimeError``
listing all problems before it copies anything; then it copies the values
(cast to each tensor's dtype) in place, or with ``assign=True`` puts the
checkpoint's arrays in their place (sharing memory, keeping their dtype).
"""
from collections import OrderedDict, namedtuple

import numpy as np

from autograd_core.tensor import Tensor

from .parameter import Parameter


class IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the keys it did not find and did not use."""

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()


def _entries(module, prefix=""):
    """``(key, module, name, tensor, is_parameter)`` for every state entry."""
    for name, p in module._parameters.items():
        if p is not None:
            yield prefix + name, module, name, p, True
    for name, b in module._buffers.items():
        if b is not None and name not in module._non_persistent_buffers_set:
            yield prefix + name, module, name, b, False
    for name, child in module._modules.items():
        if child is not None:
            yield from _entries(child, prefix + name + ".")


def state_dict(module, destination=None, prefix="", keep_vars=False):
    out = OrderedDict() if destination is None else destination
    for key, _, _, t, _ in _entries(module, prefix):
        out[key] = t if keep_vars else t.detach()
    return out


def _array(key, value):
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, np.ndarray):
        return value
    raise TypeError(f"While copying the parameter named \"{key}\", expected a Tensor or ndarray from "
                    f"the checkpoint but received {type(value).__name__}")


def load_state_dict(module, state_dict, strict=True, assign=False):
    if not hasattr(state_dict, "keys") or not hasattr(state_dict, "__getitem__"):
        raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}.")
    entries = list(_entries(module))
    expected = {e[0] for e in entries}
    missing = [e[0] for e in entries if e[0] not in state_dict]
    unexpected = [k for k in state_dict.keys() if k not in expected]
    errors, todo = [], []
    for key, mod, name, t, is_param in entries:
        if key not in state_dict:
            continue
        arr = _array(key, state_dict[key])
        if arr.shape != t._data.shape:
            errors.append(f"size mismatch for {key}: copying a param with shape {list(arr.shape)} from "
                          f"checkpoint, the shape in current model is {list(t._data.shape)}.")
            continue
        todo.append((mod, name, t, is_param, arr))
    if strict:
        if missing:
            errors.insert(0, "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ".")
        if unexpected:
            errors.insert(int(bool(missing)),
                          "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ".")
    if errors:
        raise RuntimeError(f"Error(s) in loading state_dict for {type(module).__name__}:\n\t"
                           + "\n\t".join(errors))
    for mod, name, t, is_param, arr in todo:
        if assign:  # the checkpoint's arrays take the place of the module's (dtype included)
            if is_param:
                mod._parameters[name] = Parameter(arr, requires_grad=t.requires_grad)
            else:
                mod._buffers[name] = Tensor(arr)
        else:
            t._data[...] = arr
            t._vc[0] += 1
    return IncompatibleKeys(missing, unexpected)
