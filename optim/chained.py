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
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        saved = state.pop("_schedulers")
        self.__dict__.update(state)
        for s, sd in zip(self._schedulers, saved):
            s.load_state_dict(sd)


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

