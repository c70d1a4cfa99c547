"""``CosineAnnealingWarmRestarts`` (SGDR, Loshchilov & Hutter), with PyTorch's
arguments and semantics.

Cosine annealing from ``initial_lr`` down towards ``eta_min`` over T_i steps,
then a restart at ``initial_lr``; the first period is T_0 and each next one is
T_mult times longer::

    lr = eta_min + (initial_lr - eta_min) (1 + cos(π T_cur / T_i)) / 2

T_cur counts the steps since the last restart (T_cur = T_i restarts: T_cur
<- 0, T_i <- T_i · T_mult). ``step(epoch)`` jumps to a (possibly fractional)
epoch, as PyTorch's ``scheduler.step(epoch + i / iters)`` recipe does: with
T_mult = 1, T_cur = epoch mod T_0; otherwise the period n holding the epoch is
n = floor(log_{T_mult}(epoch/T_0 · (T_mult - 1) + 1)), T_cur = epoch - T_0
(T_mult^n - 1)/(T_mult - 1) and T_i = T_0 T_mult^n.
"""
import math

from .scheduler_base import LRScheduler


class CosineAnnealingWarmRestarts(LRScheduler):
    """``CosineAnnealingWarmRestarts(optimizer, T_0, T_mult=1, eta_min=0.0, last_epoch=-1)``."""

    def __init__(self, optimizer, T_0, T_mult=1, eta_min=0.0, last_epoch=-1):
        if not isinstance(T_0, int) or T_0 <= 0:
            raise ValueError(f"Expected positive integer T_0, but got {T_0}")
        if not isinstance(T_mult, int) or T_mult < 1:
            raise ValueError(f"Expected integer T_mult >= 1, but got {T_mult}")
        if not isinstance(eta_min, (float, int)):
            raise ValueError(f"Expected float or int eta_min, but got {eta_min} of type {type(eta_min)}")
        self.T_0, self.T_i, self.T_mult, self.eta_min = T_0, T_0, T_mult, eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        c = math.cos(math.pi * self.T_cur / self.T_i)
        return [self.eta_min + (base - self.eta_min) * (1 + c) / 2 for base in self.base_lrs]

    def step(self, epoch=None):
        """Advance one step, or jump to ``epoch`` (a float is allowed: a fraction of a period)."""
        self._step_count += 1
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur - self.T_i
                self.T_i = self.T_i * self.T_mult
        else:
            if epoch < 0:
                raise ValueError(f"Expected non-negative epoch, but got {epoch}")
            if epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:
                    n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult ** n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult ** n
            else:
                self.T_i = self.T_0
                self.T_cur = epoch
        self.last_epoch = math.floor(epoch)
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = self._lrs()
