"""Stochastic weight averaging (Izmailov et al.): ``AveragedModel``,
``SWALR``, ``update_bn``, and the averaging functions, with PyTorch's API.

``AveragedModel(model)`` keeps a deep copy of ``model`` whose parameters are
the running average of the snapshots given to ``update_parameters(model)``:
after n snapshots θ₁ … θₙ the copy holds ``θ̄ₙ = (θ₁ + … + θₙ)/n``, updated as
``θ̄ <- θ̄ + (θ - θ̄)/(n + 1)``; the first
snapshot is copied (PyTorch's CPU path: ``get_swa_avg_fn``, not its lerp kernel
for accelerators). ``avg_fn(averaged, current, n_averaged)`` replaces the
rule, e.g. ``get_ema_avg_fn(decay)``: ``θ̄ <- decay · θ̄ + (1 - decay) θ``.
Buffers (BatchNorm's running statistics) are copied from the model at each
update, or averaged with the parameters when ``use_buffers=True``; non-float
buffers are always copied.

``optim`` does not import ``nn`` (layering), so ``AveragedModel`` is not an
``nn.Module`` subclass: it forwards the Module methods a training script uses
(``__call__``/``forward``, ``parameters``, ``buffers``, ``modules``,
``train``/``eval``, ``to``, ``state_dict``/``load_state_dict`` with PyTorch's
keys ``n_averaged`` and ``module.<name>``) to its copy ``.module``.

``SWALR(optimizer, swa_lr, anneal_epochs=10, anneal_strategy='cos')``
anneals each group's lr from its current value η0 to ``swa_lr`` in
``anneal_epochs`` steps, then holds it::

    lr_t = swa_lr · α(t) + η0 · (1 - α(t)),   α(t) = a(min(1, t / anneal_epochs)),
    a(x) = (1 - cos(π x))/2  ('cos')  or  x  ('linear')

(stepwise, as PyTorch: each step recovers η0 from the current lr and the
previous α). ``update_bn(loader, model)`` recomputes the BatchNorm running
statistics of the averaged weights by one pass over the data with
``momentum=None`` (the cumulative average over the batches).
"""
import copy
import itertools
import math

import numpy as np

from autograd_core.grad_mode import no_grad
from autograd_core.tensor import Tensor

from .one_cycle import _per_group
from .scheduler_base import LRScheduler


def get_ema_avg_fn(decay=0.999):
    """``avg_fn`` of an exponential moving average: decay · θ̄ + (1 - decay) θ."""
    def ema_update(ema_param, current_param, num_averaged):
        return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn():
    """``avg_fn`` of the equal-weight average: θ̄ + (θ - θ̄)/(n + 1)."""
    def swa_update(averaged_param, current_param, num_averaged):
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)
    return swa_update


class AveragedModel:
    """``AveragedModel(model, device=None, avg_fn=None, multi_avg_fn=None,
    use_buffers=False)``; ``multi_avg_fn`` (PyTorch's foreach form) takes
    lists ``(averaged, current, n_averaged)`` and updates in place."""

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        if avg_fn is not None and multi_avg_fn is not None:
            raise ValueError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.n_averaged = Tensor(np.array(0, np.int64))
        self.avg_fn, self.multi_avg_fn, self.use_buffers = avg_fn, multi_avg_fn, use_buffers

    # -- Module methods, forwarded to the copy ---------------------------------------------------
    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def parameters(self, recurse=True):
        return self.module.parameters(recurse)

    def named_parameters(self, *args, **kwargs):
        return self.module.named_parameters(*args, **kwargs)

    def buffers(self, recurse=True):
        return self.module.buffers(recurse)

    def modules(self):
        return self.module.modules()

    @property
    def training(self):
        return self.module.training

    def train(self, mode=True):
        self.module.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def to(self, *args, **kwargs):
        self.module = self.module.to(*args, **kwargs)
        return self

    def state_dict(self):
        """``{'n_averaged': ..., 'module.<name>': ...}`` (PyTorch's keys)."""
        state = {"n_averaged": self.n_averaged}
        state.update({f"module.{k}": v for k, v in self.module.state_dict().items()})
        return state

    def load_state_dict(self, state_dict, strict=True):
        state = dict(state_dict)
        if "n_averaged" in state:
            self.n_averaged = Tensor(np.array(_array(state.pop("n_averaged")), np.int64))
        elif strict:
            raise KeyError("Missing key(s) in state_dict: 'n_averaged'")
        inner = {k[len("module."):]: v for k, v in state.items() if k.startswith("module.")}
        if strict and len(inner) != len(state):
            extra = sorted(k for k in state if not k.startswith("module."))
            raise KeyError(f"Unexpected key(s) in state_dict: {extra}")
        return self.module.load_state_dict(inner, strict=strict)

    def __repr__(self):
        return f"AveragedModel(\n  (module): {self.module!r}\n)"

    # -- averaging -------------------------------------------------------------------------------
    def _tensors(self, model):
        if self.use_buffers:
            return list(itertools.chain(model.parameters(), model.buffers()))
        return list(model.parameters())

    def update_parameters(self, model):
        """Fold the current weights of ``model`` into the average."""
        mine, theirs = self._tensors(self.module), self._tensors(model)
        if len(mine) != len(theirs):
            raise ValueError(f"the model has {len(theirs)} tensors to average, the averaged copy {len(mine)}")
        n = int(self.n_averaged._data)
        with no_grad():
            floats = [(a, b) for a, b in zip(mine, theirs) if a._data.dtype.kind == "f"]
            for a, b in zip(mine, theirs):
                if n == 0 or a._data.dtype.kind != "f":
                    _assign(a, b._data)
            if n > 0 and self.multi_avg_fn is not None:
                self.multi_avg_fn([a for a, _ in floats], [b.detach() for _, b in floats],
                                  Tensor(np.array(n, np.int64)))
                for a, _ in floats:
                    a._vc[0] += 1
            elif n > 0 and self.avg_fn is not None:
                for a, b in floats:
                    out = self.avg_fn(a.detach(), b.detach(), Tensor(np.array(n, np.int64)))
                    _assign(a, _array(out))
            elif n > 0:
                for a, b in floats:
                    _assign(a, a._data + (b._data - a._data) / (n + 1))
            if not self.use_buffers:  # keep the buffers in sync with the source model
                for a, b in zip(self.module.buffers(), model.buffers()):
                    _assign(a, b._data)
        self.n_averaged._data[...] += 1


def _array(v):
    return v._data if isinstance(v, Tensor) else np.asarray(v)


def _assign(t, value):
    t._data[...] = value
    t._vc[0] += 1


def update_bn(loader, model, device=None):
    """Recompute the running mean and variance of every BatchNorm layer of
    ``model`` (a module, or an ``AveragedModel``) with one pass over
    ``loader`` (batches, or ``(input, ...)`` tuples whose first item is fed to
    the model), under no_grad, as the cumulative average over the batches."""
    momenta = {}
    for m in model.modules():
        if getattr(m, "running_mean", None) is not None and hasattr(m, "reset_running_stats"):
            m.reset_running_stats()
            momenta[m] = m.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for m in momenta:
        m.momentum = None
    with no_grad():
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            if device is not None:
                batch = batch.to(device)
            model(batch)
    for m, momentum in momenta.items():
        m.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """``SWALR(optimizer, swa_lr, anneal_epochs=10, anneal_strategy='cos', last_epoch=-1)``."""

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos", last_epoch=-1):
        for lr, group in zip(_per_group("swa_lr", optimizer, swa_lr), optimizer.param_groups):
            group["swa_lr"] = lr
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must by one of 'cos' or 'linear', instead got {anneal_strategy}")
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_strategy, self.anneal_epochs = anneal_strategy, anneal_epochs
        super().__init__(optimizer, last_epoch)

    def anneal_func(self, t):
        return (1 - math.cos(math.pi * t)) / 2 if self.anneal_strategy == "cos" else t

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        return swa_lr if alpha == 1 else (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self):
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        groups = self.optimizer.param_groups
        prev_lrs = [self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha) for g in groups]
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        return [g["swa_lr"] * alpha + lr * (1 - alpha) for g, lr in zip(groups, prev_lrs)]


__all__ = ["AveragedModel", "SWALR", "update_bn", "get_ema_avg_fn", "get_swa_avg_fn"]
