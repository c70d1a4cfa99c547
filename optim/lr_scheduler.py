"""Learning-rate schedulers, with PyTorch's classes, arguments and semantics.

A scheduler sets ``group['lr']`` of its optimizer's parameter groups. Create
it after the optimizer (it records ``initial_lr`` in each group and applies
the schedule's value at epoch 0), call ``scheduler.step()`` after
``optimizer.step()``, once per epoch (or per batch, as you decide), and read
``get_last_lr()``. ``state_dict()`` holds every attribute but the optimizer.
Like PyTorch's, the schedules are chainable: each step multiplies the current
lr (closed forms are used when ``step(epoch)`` is given, deprecated).

The lecture notes' schedules (002 §5.2.6), for an optimizer made with lr=α0:

- predetermined piecewise constant (0.1 for epochs 1-100, 0.01 for 101-200,
  0.001 after): ``MultiStepLR(opt, milestones=[100, 200], gamma=0.1)``, with
  lr=0.1 and one ``step()`` per epoch;
- exponential, α(t) = α0 · 10^(-t/T):
  ``LambdaLR(opt, lambda t: 10 ** (-t / T))``, or equally
  ``ExponentialLR(opt, gamma=10 ** (-1 / T))``;
- power, α(t) = α0 (1 + t/T)^(-c): ``LambdaLR(opt, lambda t: (1 + t / T) ** -c)``;
- performance scheduling (measure the validation error every N steps, reduce
  the rate by a factor λ when it stops dropping):
  ``ReduceLROnPlateau(opt, factor=λ, patience=...)``, stepped with the
  validation error every N steps (``plateau.py``).

``MultiplicativeLR``, ``ConstantLR`` and ``LinearLR`` (warm-ups),
``PolynomialLR``, ``CosineAnnealingLR``, ``CosineAnnealingWarmRestarts``
(``warm_restarts.py``), ``CyclicLR`` (``cyclic.py``), ``OneCycleLR``,
``SequentialLR`` (one schedule after another) and ``ChainedScheduler``
(several at once, ``chained.py``) complete the set.
"""
import math
import types
from bisect import bisect_right
from collections import Counter

from .chained import ChainedScheduler, SchedulerOfSchedulers, _load_state_dict_with_list, _state_dict_with_list
from .cyclic import CyclicLR
from .one_cycle import OneCycleLR, _per_group
from .plateau import ReduceLROnPlateau
from .scheduler_base import LRScheduler, _check_optimizer
from .warm_restarts import CosineAnnealingWarmRestarts


class LambdaLR(LRScheduler):
    """lr = initial_lr · lr_lambda(epoch) (one function, or one per group).
    The notes' exponential and power schedules are ``lambda t: 10 ** (-t / T)``
    and ``lambda t: (1 + t / T) ** -c``."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self.lr_lambdas = _lambda_list(optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base * f(self.last_epoch) for f, base in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self):
        """Functions are not saved; callable objects save their ``__dict__``."""
        return _lambdas_state_dict(self)

    def load_state_dict(self, state_dict):
        _lambdas_load_state_dict(self, state_dict)


def _lambda_list(optimizer, lr_lambda):
    """One function per parameter group (a single function is shared)."""
    _check_optimizer(optimizer)
    return _per_group("lr_lambdas", optimizer, lr_lambda, "Expected {n} {name}, but got {got}")


def _lambdas_state_dict(scheduler):
    return _state_dict_with_list(scheduler, "lr_lambdas",
                                 lambda f: None if isinstance(f, types.FunctionType) else dict(f.__dict__))


def _load_lambda(f, saved):
    if saved is not None:
        f.__dict__.update(saved)


def _lambdas_load_state_dict(scheduler, state_dict):
    _load_state_dict_with_list(scheduler, state_dict, "lr_lambdas", _load_lambda)


class MultiplicativeLR(LRScheduler):
    """lr <- lr · lr_lambda(epoch) at each step from epoch 1 on (one function,
    or one per group): lr_t = initial_lr · Π_{k=1..t} lr_lambda(k)."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self.lr_lambdas = _lambda_list(optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch > 0:
            return [lr * f(self.last_epoch) for f, lr in zip(self.lr_lambdas, self._lrs())]
        return self._lrs()

    def state_dict(self):
        """Functions are not saved; callable objects save their ``__dict__``."""
        return _lambdas_state_dict(self)

    def load_state_dict(self, state_dict):
        _lambdas_load_state_dict(self, state_dict)


class StepLR(LRScheduler):
    """lr = initial_lr · gamma^(epoch // step_size)."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._lrs()
        return [lr * self.gamma for lr in self._lrs()]

    def _closed_form_lr(self):
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """lr = initial_lr · gamma^(number of milestones <= epoch): the notes'
    predetermined piecewise-constant schedule."""

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        self.milestones, self.gamma = Counter(milestones), gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch not in self.milestones:
            return self._lrs()
        return [lr * self.gamma ** self.milestones[self.last_epoch] for lr in self._lrs()]

    def _closed_form_lr(self):
        k = bisect_right(sorted(self.milestones.elements()), self.last_epoch)
        return [base * self.gamma ** k for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """lr = initial_lr · gamma^epoch; the notes' α0 · 10^(-t/T) is gamma = 10^(-1/T)."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return self._lrs() if self._is_initial else [lr * self.gamma for lr in self._lrs()]

    def _closed_form_lr(self):
        return [base * self.gamma ** self.last_epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (initial_lr - eta_min)(1 + cos(π · epoch / T_max)) / 2
    (past T_max the cosine goes on: the lr rises again)."""

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        e, T, lo = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._lrs()
        if self._step_count == 1 and e > 0:
            return self._closed_form_lr()
        if (e - 1 - T) % (2 * T) == 0:  # leaving the minimum: the ratio below would divide by 0
            return [lr + (base - lo) * (1 - math.cos(math.pi / T)) / 2
                    for lr, base in zip(self._lrs(), self.base_lrs)]
        ratio = (1 + math.cos(math.pi * e / T)) / (1 + math.cos(math.pi * (e - 1) / T))
        return [ratio * (lr - lo) + lo for lr in self._lrs()]

    def _closed_form_lr(self):
        c = math.cos(math.pi * self.last_epoch / self.T_max)
        return [self.eta_min + (base - self.eta_min) * (1 + c) / 2 for base in self.base_lrs]


class LinearLR(LRScheduler):
    """lr = initial_lr · (start_factor + (end_factor - start_factor) ·
    min(epoch, total_iters) / total_iters): a linear warm-up (or decay)."""

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1):
        if not 0 < start_factor <= 1:
            raise ValueError("Starting multiplicative factor expected to be greater than 0 and less or "
                             f"equal to 1, got {start_factor}")
        if not 0 <= end_factor <= 1:
            raise ValueError(f"Ending multiplicative factor expected to be between 0 and 1, got {end_factor}")
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        e, a, b, n = self.last_epoch, self.start_factor, self.end_factor, self.total_iters
        if e == 0:
            return [lr * a for lr in self._lrs()]
        if self._is_initial or e > n:
            return self._lrs()
        return [lr * (1.0 + (b - a) / (n * a + (e - 1) * (b - a))) for lr in self._lrs()]

    def _closed_form_lr(self):
        e, n = min(self.total_iters, self.last_epoch), self.total_iters
        f = self.start_factor + (self.end_factor - self.start_factor) * e / n
        return [base * f for base in self.base_lrs]


class ConstantLR(LRScheduler):
    """lr = initial_lr · factor for epochs < total_iters, initial_lr after."""

    def __init__(self, optimizer, factor=1.0 / 3, total_iters=5, last_epoch=-1):
        if not 0 <= factor <= 1:
            raise ValueError(f"Constant multiplicative factor expected to be between 0 and 1, got {factor}")
        self.factor, self.total_iters = factor, total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        e = self.last_epoch
        if e == 0:
            return [lr * self.factor for lr in self._lrs()]
        if self._is_initial or e != self.total_iters:
            return self._lrs()
        return [lr * (1.0 / self.factor) for lr in self._lrs()]

    def _closed_form_lr(self):
        f = self.factor + (self.last_epoch >= self.total_iters) * (1 - self.factor)
        return [base * f for base in self.base_lrs]


class PolynomialLR(LRScheduler):
    """lr = initial_lr · (1 - min(epoch, total_iters)/total_iters)^power: a
    polynomial decay to 0 at total_iters (each step multiplies by the ratio of
    consecutive values)."""

    def __init__(self, optimizer, total_iters=5, power=1.0, last_epoch=-1):
        self.total_iters, self.power = total_iters, power
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        e, n = self.last_epoch, self.total_iters
        if self._is_initial or e == 0 or e > n:
            return self._lrs()
        factor = ((1.0 - e / n) / (1.0 - (e - 1) / n)) ** self.power
        return [lr * factor for lr in self._lrs()]

    def _closed_form_lr(self):
        f = (1.0 - min(self.total_iters, self.last_epoch) / self.total_iters) ** self.power
        return [base * f for base in self.base_lrs]


class SequentialLR(SchedulerOfSchedulers):
    """Runs ``schedulers[0]`` until ``milestones[0]``, then ``schedulers[1]``
    (restarted at its epoch 0), and so on."""

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        if len(schedulers) < 1:
            raise ValueError("SequentialLR expects at least one scheduler, but got no scheduler.")
        for i, s in enumerate(schedulers):
            if isinstance(s, ReduceLROnPlateau):
                raise ValueError(f"SequentialLR does not support ReduceLROnPlateau (index {i}): its step "
                                 "needs the metric")
            if getattr(s, "optimizer", None) is not optimizer:
                raise ValueError(f"SequentialLR expects all schedulers to belong to the same optimizer, but "
                                 f"scheduler {type(s).__name__} at index {i} has another one")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError("SequentialLR expects one milestone fewer than schedulers, but got "
                             f"{len(schedulers)} schedulers and {len(milestones)} milestones")
        _check_optimizer(optimizer)
        self.optimizer, self._schedulers, self._milestones = optimizer, list(schedulers), list(milestones)
        self.last_epoch = last_epoch + 1
        for group in optimizer.param_groups:  # undo the initial steps the schedulers took when made
            group["lr"] = group["initial_lr"]
        _undo_initial_steps(self)
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def step(self):
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()


def _undo_initial_steps(scheduler):
    for s in scheduler._schedulers:
        if hasattr(s, "_schedulers"):
            _undo_initial_steps(s)
        else:
            s.last_epoch -= 1


__all__ = ["LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR",
           "ExponentialLR", "PolynomialLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "CyclicLR",
           "OneCycleLR", "SequentialLR", "ChainedScheduler", "ReduceLROnPlateau"]
