"""``TensorBoard``: a callback of ``fit`` that logs the run for TensorBoard
(``autograd_core.utils.tensorboard.SummaryWriter``; the ``tensorboard``
extra).

    nn.fit(model, train_loader, loss_fn, opt, epochs=10, val_loader=val_loader,
           callbacks=[nn.TensorBoard("runs/mlp")])
    # tensorboard --logdir runs

Two runs under ``log_dir``, as Keras writes them, so that TensorBoard draws
a training and a validation curve in one chart per value:

- ``train``: after every epoch ``epoch_<name>`` for each logged value
  (``epoch_loss``, ``epoch_accuracy``, ``epoch_time`` in seconds) and
  ``epoch_learning_rate``; with ``update_freq='batch'`` (or every
  ``update_freq`` optimizer steps) ``batch_loss`` and
  ``batch_learning_rate`` at the optimizer step; every ``histogram_freq``
  epochs (0: never) the histograms ``weights/<parameter>`` and
  ``gradients/<parameter>`` (the gradients of the epoch's last batch); and
  once, the model's graph (``add_graph``) on ``input_to_model``, or, when
  that is None, on the first training batch's input;
- ``validation``: ``epoch_<name>`` of the ``val_`` values.

The step of epoch values is the epoch number (1-based), of batch values
the optimizer step. The writers are closed at the end of training.
"""
import os

from .callbacks import Callback
from .training import _lr as current_lr

__all__ = ["TensorBoard"]


class TensorBoard(Callback):
    """Log ``fit`` to TensorBoard (module docstring). ``log_dir`` None: ``runs/<date>_<host>``."""

    def __init__(self, log_dir=None, histogram_freq=1, write_graph=True, update_freq="epoch",
                 input_to_model=None):
        from autograd_core.utils.tensorboard.writer import SummaryWriter, default_log_dir, require

        require()  # the extra is missing: ImportError naming it
        if update_freq not in ("epoch", "batch") and not (isinstance(update_freq, int) and update_freq > 0):
            raise ValueError(f"TensorBoard: update_freq must be 'epoch', 'batch' or a positive int, "
                             f"got {update_freq!r}")
        if int(histogram_freq) < 0:
            raise ValueError(f"TensorBoard: histogram_freq must be >= 0, got {histogram_freq}")
        self._writer_cls = SummaryWriter
        self.log_dir = default_log_dir() if log_dir is None else os.fspath(log_dir)
        self.histogram_freq, self.write_graph = int(histogram_freq), write_graph
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self.input_to_model = input_to_model
        self.writers = {}
        self._first_input = self._hook = None

    def writer(self, run):
        """The SummaryWriter of run ``'train'`` or ``'validation'`` (made on first use)."""
        w = self.writers.get(run)
        if w is None:
            w = self.writers[run] = self._writer_cls(os.path.join(self.log_dir, run))
        return w

    def on_train_begin(self, state):
        if not self.write_graph:
            return
        if self.input_to_model is not None:
            self.writer("train").add_graph(state.model, self.input_to_model)
            return

        def keep_first_input(module, args):
            self._first_input = args
            self._hook.remove()
            self._hook = None

        self._hook = state.model.register_forward_pre_hook(keep_first_input)

    def on_batch_end(self, state, logs):
        if self._first_input is not None:  # the graph on the first batch's input, after its step
            args, self._first_input = self._first_input, None
            self.writer("train").add_graph(state.model, args)
        if self.update_freq != "epoch" and state.step % self.update_freq == 0:
            w = self.writer("train")
            w.add_scalar("batch_loss", logs["loss"], state.step)
            lr = current_lr(state.optimizer)
            if lr is not None:
                w.add_scalar("batch_learning_rate", lr, state.step)

    def on_epoch_end(self, state, logs):
        epoch = state.epoch + 1
        for name, value in logs.items():
            if value is None:
                continue
            run, name = ("validation", name[4:]) if name.startswith("val_") else ("train", name)
            self.writer(run).add_scalar("epoch_learning_rate" if name == "lr" else f"epoch_{name}", value, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            w = self.writer("train")
            for name, p in state.model.named_parameters():
                w.add_histogram(f"weights/{name}", p, epoch)
                if p.grad is not None:
                    w.add_histogram(f"gradients/{name}", p.grad, epoch)
        for w in self.writers.values():
            w.flush()

    def on_train_end(self, state):
        if self._hook is not None:
            self._hook.remove()
        for w in self.writers.values():
            w.close()
        self.writers = {}
