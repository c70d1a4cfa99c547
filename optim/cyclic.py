"""``CyclicLR`` (Smith, "Cyclical learning rates for training neural
networks"), with PyTorch's arguments and semantics.

The lr goes linearly from ``base_lr`` up to ``max_lr`` in ``step_size_up``
steps, then down in ``step_size_down`` steps (default: the same), and again.
At step t (``last_epoch``), with T = step_size_up + step_size_down and
r = step_size_up / T::

    cycle = floor(1 + t/T)                       (1, 2, ...)
    x     = 1 + t/T - cycle                      (position in the cycle, in [0, 1))
    h     = x / r               if x <= r        (rising edge, 0 -> 1)
          = (x - 1)/(r - 1)     otherwise        (falling edge, 1 -> 0)
    lr    = base_lr + (max_lr - base_lr) · h · scale(cycle or t)

with ``scale`` by ``mode``: ``'triangular'`` 1; ``'triangular2'`` 1/2^(cycle-1)
(the amplitude halves each cycle); ``'exp_range'`` gamma^t (``t`` = steps,
not cycles); or a custom ``scale_fn`` applied to ``cycle`` or to ``t``
according to ``scale_mode``. With ``cycle_momentum`` (default) the momentum
(SGD's ``momentum``, Adam's β1) moves the other way: ``max_momentum - (max_momentum
- base_momentum) · h · scale``. Step it once per batch. It sets the groups'
``lr`` to ``base_lr`` when made (the optimizer's own lr is ignored).
"""
import math
import types

from .one_cycle import _per_group
from .scheduler_base import LRScheduler, _check_optimizer


class CyclicLR(LRScheduler):
    """``CyclicLR(optimizer, base_lr, max_lr, step_size_up=2000,
    step_size_down=None, mode='triangular', gamma=1.0, scale_fn=None,
    scale_mode='cycle', cycle_momentum=True, base_momentum=0.8,
    max_momentum=0.9, last_epoch=-1)``."""

    def __init__(self, optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None, mode="triangular",
                 gamma=1.0, scale_fn=None, scale_mode="cycle", cycle_momentum=True, base_momentum=0.8,
                 max_momentum=0.9, last_epoch=-1):
        _check_optimizer(optimizer)
        base_lrs = _per_group("base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
        self.max_lrs = _per_group("max_lr", optimizer, max_lr)
        step_size_up = float(step_size_up)
        step_size_down = float(step_size_down) if step_size_down is not None else step_size_up
        self.total_size = step_size_up + step_size_down
        self.step_ratio = step_size_up / self.total_size
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError("mode is invalid and scale_fn is None")
        if scale_mode not in ("cycle", "iterations"):
            raise ValueError(f"scale_mode must be 'cycle' or 'iterations', got {scale_mode!r}")
        self.mode, self.gamma = mode, gamma
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode if scale_fn is not None else (
            "iterations" if mode == "exp_range" else "cycle")
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled")
            self.use_beta1 = "betas" in optimizer.defaults
            self.base_momentums = _per_group("base_momentum", optimizer, base_momentum)
            self.max_momentums = _per_group("max_momentum", optimizer, max_momentum)
            if last_epoch == -1:
                for hi, lo, group in zip(self.max_momentums, self.base_momentums, optimizer.param_groups):
                    self._set_momentum(group, hi)
                    group["max_momentum"], group["base_momentum"] = hi, lo
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def scale_fn(self, x):
        """The amplitude factor of ``mode`` (or the custom ``scale_fn``) at x."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma ** x

    def _set_momentum(self, group, value):
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def get_lr(self):
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        if x <= self.step_ratio:
            height = x / self.step_ratio
        else:
            height = (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        lrs = [base + (top - base) * height * scale for base, top in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for group, lo, hi in zip(self.optimizer.param_groups, self.base_momentums, self.max_momentums):
                self._set_momentum(group, hi - (hi - lo) * height * scale)
        return lrs

    def state_dict(self):
        """A plain-function ``scale_fn`` is not saved; a callable object saves its ``__dict__``."""
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_scale_fn_custom")}
        f = self._scale_fn_custom
        state["_scale_fn_custom"] = None if f is None or isinstance(f, types.FunctionType) else dict(f.__dict__)
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        saved = state.pop("_scale_fn_custom", None)
        self.__dict__.update(state)
        if saved is not None and self._scale_fn_custom is not None:
            self._scale_fn_custom.__dict__.update(saved)
