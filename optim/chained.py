"""``ChainedScheduler``: several schedulers of one optimizer stepped together,
with PyTorch's semantics; ``SchedulerOfSchedulers``, the state dict of a
scheduler made of others (also ``SequentialLR``'s).

``step()`` calls ``step()`` of each scheduler in the list's order. Since the
schedules are chainable (each multiplies the current lr by its own factor),
the result is the product of the schedules: e.g. ``ConstantLR(opt,
factor=0.1, total_iters=2)`` chained with ``ExponentialLR(opt, gamma=0.9)``
gives lr_t = initial_lr · 0.9^t · (0.1 if t < 2 else 1).
"""
from .plateau import ReduceLROnPlateau
from .scheduler_base import LRScheduler


class SchedulerOfSchedulers(LRScheduler):
    """A scheduler made of the schedulers in ``self._schedulers`` (``ChainedScheduler``,
    ``SequentialLR``): its state is its own attributes and theirs."""

    def state_dict(self):
        """Every attribute but the optimizer, and each scheduler's state dict."""
        return _state_dict_with_list(self, "_schedulers", lambda s: s.state_dict())

    def load_state_dict(self, state_dict):
        _load_state_dict_with_list(self, state_dict, "_schedulers", lambda s, saved: s.load_state_dict(saved))


def _state_dict_with_list(scheduler, key, save):
    """Every attribute of ``scheduler`` but the optimizer, the list attribute ``key`` saved item by item."""
    state = {k: v for k, v in scheduler.__dict__.items() if k not in ("optimizer", key)}
    state[key] = [save(item) for item in getattr(scheduler, key)]
    return state


def _load_state_dict_with_list(scheduler, state_dict, key, load):
    """The inverse of ``_state_dict_with_list``: ``load(item, saved)`` restores each item of ``key``."""
    state = dict(state_dict)
    saved = state.pop(key)
    scheduler.__dict__.update(state)
    for item, item_state in zip(getattr(scheduler, key), saved):
        load(item, item_state)


class ChainedScheduler(SchedulerOfSchedulers):
    """``ChainedScheduler(schedulers, optimizer=None)``: ``optimizer``
    defaults to the first scheduler's; every scheduler must belong to it."""

    def __init__(self, schedulers, optimizer=None):
        schedulers = list(schedulers)
        if len(schedulers) < 1:
            raise ValueError(f"{type(self).__name__} expects at least one scheduler to be chained, but got no "
                             "scheduler.")
        optimizer = optimizer or schedulers[0].optimizer
        for i, s in enumerate(schedulers):
            if isinstance(s, ReduceLROnPlateau):
                raise ValueError(f"{type(self).__name__} does not support `ReduceLROnPlateau` scheduler as it "
                                 f"requires additional kwargs to be specified when calling `step`, but got one "
                                 f"at index {i} in the given schedulers sequence.")
            if getattr(s, "optimizer", None) is not optimizer:
                raise ValueError(f"{type(self).__name__} expects all schedulers to belong to the same "
                                 f"optimizer, but got scheduler {type(s).__name__} at index {i} with another one")
        self._schedulers, self.optimizer = schedulers, optimizer
        self._last_lr = self._lrs()

    def step(self):
        for s in self._schedulers:
            s.step()
        self._last_lr = self._lrs()

