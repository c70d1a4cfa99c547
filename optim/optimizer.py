"""``Optimizer``: the base class of every optimizer, with PyTorch's structure.

An optimizer holds ``param_groups`` (a list of dicts: ``'params'``, a list of
leaf tensors, plus that group's hyper-parameters, defaults filled in from
``defaults``) and ``state`` (a dict from parameter to its buffers: momentum,
running averages, step count, each an ``autograd_core.Tensor``).

``step()`` updates each parameter in place: the numpy array ``p._data`` is
overwritten under ``no_grad`` (no graph node is made), the parameter's version
counter is bumped as by any in-place op, and a parameter whose ``grad`` is
None is skipped. Subclasses implement ``_update(p, g, state, group)`` on the
arrays of one parameter and its gradient.

``state_dict()`` has PyTorch's layout: ``{'state': {index: {name: Tensor}},
'param_groups': [{..., 'params': [index, ...]}]}``, indices numbering the
parameters in group order. Like PyTorch it returns references to the live
buffers (``copy.deepcopy`` it to keep a snapshot in memory);
``load_state_dict`` copies what it loads, so a run stopped and resumed from a
state dict continues bit for bit.
"""
import copy
from collections import defaultdict

import numpy as np

from autograd_core.grad_mode import enable_grad, no_grad
from autograd_core.tensor import Tensor


class _RequiredParameter:
    """Marks a hyper-parameter with no default (each group must give it)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()

_SET_ERROR = ("optimizer parameters need to be organized in ordered collections, but the ordering of "
              "tensors in sets will change between runs. Please use a list instead.")
_SCALAR_STATE = ("step", "mu_product")  # 0-d state kept in float32, as PyTorch's step


class Optimizer:
    """Base class: ``Optimizer(params, defaults)``. ``params`` is an iterable
    of tensors, of ``(name, tensor)`` pairs, or of dicts (parameter groups)."""

    def __init__(self, params, defaults):
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors "
                            f"or dicts, but got {type(params).__name__}")
        if isinstance(params, set):
            raise TypeError(_SET_ERROR)
        self.defaults = defaults
        self.state = defaultdict(dict)
        self.param_groups = []
        self._scratch = {}
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # -- parameter groups -------------------------------------------------------------------
    def add_param_group(self, param_group):
        """Add a group (a dict with ``'params'`` and optional hyper-parameters)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(_SET_ERROR)
        params = list(params)
        named = [isinstance(p, tuple) for p in params]
        if any(named):
            if not all(named):
                raise ValueError("all optimizer params should be with/without names. Some param names "
                                 "are missing")
            group["param_names"] = [name for name, _ in params]
            params = [p for _, p in params]
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but parameter {i} is a "
                                f"{type(p).__name__}")
            if p._data.dtype.kind != "f":
                raise TypeError(f"optimizer can only optimize floating-point Tensors, but parameter {i} "
                                f"has dtype {p._data.dtype}")
            if not p.is_leaf:
                raise ValueError(f"can't optimize a non-leaf Tensor (parameter {i} has grad_fn "
                                 f"{p.grad_fn.name()})")
        ids = [id(p) for p in params]
        if len(set(ids)) != len(ids):
            dup = next(i for i, x in enumerate(ids) if ids.index(x) != i)
            raise ValueError(f"optimizer contains a parameter group with duplicate parameters "
                             f"(parameter {dup} appears twice)")
        for other in self.param_groups:
            if ("param_names" in other) != ("param_names" in group):
                raise ValueError("all optimizer param groups should be with/without names")
            if not set(ids).isdisjoint(id(p) for p in other["params"]):
                raise ValueError("some parameters appear in more than one parameter group")
        group["params"] = params
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required optimization "
                                 f"parameter {name}")
            group.setdefault(name, default)
        self.param_groups.append(group)

    # -- gradients and the step -------------------------------------------------------------
    def zero_grad(self, set_to_none=True):
        """Reset the gradients: to None (default) or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    g.detach_()
                    g._data[...] = 0
                    g._vc[0] += 1

    def step(self, closure=None):
        """One update of every parameter that has a gradient. ``closure``, if
        given, re-evaluates the model and returns the loss (called with grad
        enabled, before the update); ``step`` returns that loss."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        self._update(p._data, _grad_array(p), self.state[p], group)
                        p._vc[0] += 1
        return loss

    def _update(self, p, g, state, group):
        """Update the array ``p`` in place from its gradient array ``g``."""
        raise NotImplementedError

    # -- helpers for subclasses -------------------------------------------------------------
    def _buffer(self, p, slot):
        """A scratch array shaped like ``p`` (reused from step to step, never state)."""
        key = (slot, p.dtype)
        buf = self._scratch.get(key)
        if buf is None or buf.size < p.size:
            buf = self._scratch[key] = np.empty(p.size, p.dtype)
        return buf[:p.size].reshape(p.shape)

    def _direction(self, p, g, weight_decay, maximize):
        """PyTorch's first lines of every algorithm: ``g <- -g`` if maximizing,
        then ``g <- g + weight_decay * p`` (L2 penalty). Returns ``g`` itself
        when neither applies: callers never write into the result."""
        if maximize:
            g = np.negative(g, out=self._buffer(p, 0))
        if weight_decay != 0:
            t = np.multiply(p, weight_decay, out=self._buffer(p, 1))
            g = np.add(g, t, out=t)
        return g

    @staticmethod
    def _zeros(p, fill=0.0):
        return Tensor(np.full_like(p, fill))

    @staticmethod
    def _scalar(value=0.0):
        return Tensor(np.array(value, np.float32))

    @staticmethod
    def _count(state):
        """Add one to ``state['step']`` (in place) and return it as a float."""
        s = state["step"]._data
        s += 1
        return float(s)

    # -- saving and loading -----------------------------------------------------------------
    def state_dict(self):
        """``{'state': {index: {...}}, 'param_groups': [{..., 'params': [index, ...]}]}``."""
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: s for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Load a dict made by ``state_dict()`` (tensors or numpy arrays) for
        the same parameters in the same order; buffers are copied and cast to
        their parameter's dtype (``step`` and ``mu_product`` to float32)."""
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= state_dict.keys():
            raise ValueError("an optimizer state dict is a dict with keys 'state' and 'param_groups'")
        saved = copy.deepcopy(state_dict["param_groups"])
        if len(saved) != len(self.param_groups):
            raise ValueError(f"loaded state dict has a different number of parameter groups "
                             f"({len(saved)}, the optimizer has {len(self.param_groups)})")
        for i, (group, new) in enumerate(zip(self.param_groups, saved)):
            if len(group["params"]) != len(new["params"]):
                raise ValueError(f"loaded state dict contains a parameter group that doesn't match the "
                                 f"size of optimizer's group {i} ({len(new['params'])} parameters, "
                                 f"expected {len(group['params'])})")
        params = {k: p for new, group in zip(saved, self.param_groups)
                  for k, p in zip(new["params"], group["params"])}
        state = defaultdict(dict)
        for k, entries in state_dict["state"].items():
            if k not in params:
                raise ValueError(f"loaded state dict has state for parameter {k}, which no group holds")
            state[params[k]] = {name: _load_value(params[k], k, name, v) for name, v in entries.items()}
        for group, new in zip(self.param_groups, saved):
            new["params"] = group["params"]
            if "param_names" in group and "param_names" not in new:
                new["param_names"] = group["param_names"]
        self.state = state
        self.param_groups = saved

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {group[k]}" for k in sorted(group) if k not in ("params", "param_names")]
        return "\n".join(lines + [")"])


def _grad_array(p):
    """The gradient array of ``p``, checked: a dense tensor of ``p``'s shape and dtype."""
    g = p.grad
    if not isinstance(g, Tensor):
        raise TypeError(f"the gradient of a parameter of shape {p._data.shape} is a {type(g).__name__}; "
                        "optimizers take dense Tensor gradients (sparse gradients are not supported)")
    a = g._data
    if a.shape != p._data.shape or a.dtype != p._data.dtype:
        raise RuntimeError(f"gradient of shape {a.shape} and dtype {a.dtype} does not match its parameter "
                           f"(shape {p._data.shape}, dtype {p._data.dtype})")
    return a


def _load_value(p, k, name, value):
    """A loaded state entry: arrays become Tensors (copies), cast like the parameter."""
    if isinstance(value, (Tensor, np.ndarray)):
        arr = value._data if isinstance(value, Tensor) else value
        if name in _SCALAR_STATE or arr.ndim == 0:
            return Tensor(np.array(arr, dtype=np.float32 if name in _SCALAR_STATE else p._data.dtype))
        if arr.shape != p._data.shape:
            raise ValueError(f"state {name!r} of parameter {k} has shape {arr.shape}, but the parameter "
                             f"has shape {p._data.shape}")
        return Tensor(np.array(arr, dtype=p._data.dtype))
    return copy.deepcopy(value)
