"""``SummaryWriter``: PyTorch's ``torch.utils.tensorboard.SummaryWriter`` on
the ``tensorboard`` package's event-file writer (an optional extra).

Records go into an event file in ``log_dir`` (by default
``runs/<Mon DD_HH-MM-SS>_<host><comment>``), written by a background
thread that flushes every ``flush_secs`` seconds, when ``max_queue``
records wait, on ``flush()`` and on ``close()``, and (unlike PyTorch's)
when the writer is garbage-collected or Python exits without ``close()``.
``add_scalars`` writes each of its curves to a run of its own,
``log_dir/<main_tag>_<tag>``, so that TensorBoard draws them in one chart; ``add_hparams`` writes to the
run ``log_dir/<run_name>`` (default: the current time).
"""
import os
import socket
import time
import weakref
from datetime import datetime

import numpy as np

try:  # the extra: without it the module imports, and constructing a SummaryWriter says what to install
    from tensorboard.compat.proto.event_pb2 import Event, SessionLog
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    from . import records
    from .graph import record_graph
    from .images import figure_rgba, png, to_hwc
    from .projector import write_embedding

    _MISSING = None
except ImportError as e:
    if not (e.name or "").startswith(("tensorboard", "google")):
        raise
    _MISSING = e

EXTRA = 'pip install -e ".[tensorboard]" (or pip install tensorboard)'

__all__ = ["SummaryWriter"]


def require():
    """Raise ImportError naming the extra when the ``tensorboard`` package is missing."""
    if _MISSING is not None:
        raise ImportError(f"SummaryWriter needs the `tensorboard` package, which is not installed ({_MISSING}); "
                          f"install the project's `tensorboard` extra: {EXTRA}") from _MISSING


def default_log_dir(comment=""):
    """PyTorch's default: ``runs/<Mon DD_HH-MM-SS>_<host><comment>``."""
    stamp = datetime.now().strftime("%b%d_%H-%M-%S")
    return os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")


class FileWriter:
    """One event file: adds steps and wall times to events and summaries."""

    def __init__(self, log_dir, max_queue=10, flush_secs=120, filename_suffix=""):
        self.log_dir = str(log_dir)
        self.event_writer = EventFileWriter(self.log_dir, max_queue, flush_secs, filename_suffix)

    def add_event(self, event, step=None, walltime=None):
        event.wall_time = time.time() if walltime is None else float(walltime)
        if step is not None:
            event.step = int(step)
        self.event_writer.add_event(event)

    def add_summary(self, summary, global_step=None, walltime=None):
        self.add_event(Event(summary=summary), global_step, walltime)

    def flush(self):
        self.event_writer.flush()

    def close(self):
        self.event_writer.close()


def _flush_all(writers):
    for w in writers.values():
        w.flush()


class SummaryWriter:
    """Writes TensorBoard records to ``log_dir`` (module docstring); PyTorch's
    arguments. ``purge_step``: TensorBoard drops the records of earlier event
    files of this run at steps >= ``purge_step`` (a restart after a crash)."""

    def __init__(self, log_dir=None, comment="", purge_step=None, max_queue=10, flush_secs=120,
                 filename_suffix=""):
        require()
        self.log_dir = default_log_dir(comment) if log_dir is None else os.fspath(log_dir)
        self.purge_step, self.max_queue, self.flush_secs = purge_step, max_queue, flush_secs
        self.filename_suffix = filename_suffix
        self.file_writer = None
        self.all_writers = {}
        # flushed when the writer is collected or Python exits, closed or not (the writing thread is a daemon)
        weakref.finalize(self, _flush_all, self.all_writers)
        self._get_file_writer()

    def _get_file_writer(self):
        if self.file_writer is None:
            self.file_writer = FileWriter(self.log_dir, self.max_queue, self.flush_secs, self.filename_suffix)
            self.all_writers[self.file_writer.log_dir] = self.file_writer
            if self.purge_step is not None:
                self.file_writer.add_event(Event(session_log=SessionLog(status=SessionLog.START)),
                                           self.purge_step)
                self.purge_step = None
        return self.file_writer

    def get_logdir(self):
        return self.log_dir

    def _add(self, summary, global_step, walltime):
        self._get_file_writer().add_summary(summary, global_step, walltime)

    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None, new_style=False,
                   double_precision=False):
        """One point of the curve ``tag``: a number, a numpy scalar or a one-element Tensor
        (``new_style`` and ``double_precision`` are accepted; the value is stored as a float32
        ``simple_value``, which every TensorBoard reads)."""
        self._add(records.scalar(tag, scalar_value), global_step, walltime)

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        """Several curves in one chart ``main_tag``: one run ``log_dir/<main_tag>_<tag>`` per curve."""
        walltime = time.time() if walltime is None else walltime
        for tag, value in tag_scalar_dict.items():
            path = os.path.join(self.log_dir, f"{main_tag.replace('/', '_')}_{tag}")
            w = self.all_writers.get(path)
            if w is None:
                w = self.all_writers[path] = FileWriter(path, self.max_queue, self.flush_secs, self.filename_suffix)
            w.add_summary(records.scalar(main_tag, value), global_step, walltime)

    def add_histogram(self, tag, values, global_step=None, bins="tensorflow", walltime=None, max_bins=None):
        """The distribution of ``values`` (records.histogram: 'tensorflow' bins by default)."""
        self._add(records.histogram(tag, values, bins, max_bins), global_step, walltime)

    def add_image(self, tag, img_tensor, global_step=None, walltime=None, dataformats="CHW"):
        """One image: float values in [0, 1] or uint8; ``dataformats`` 'CHW', 'HWC' or 'HW'."""
        hwc = to_hwc(records.to_numpy(img_tensor, "img_tensor"), dataformats)
        self._add(records.image(tag, png(hwc), *hwc.shape), global_step, walltime)

    def add_images(self, tag, img_tensor, global_step=None, walltime=None, dataformats="NCHW"):
        """A batch of images as one grid, 8 per row; ``dataformats`` 'NCHW', 'NHWC' or 'NHW'."""
        self.add_image(tag, img_tensor, global_step, walltime, dataformats)

    def add_figure(self, tag, figure, global_step=None, close=True, walltime=None):
        """A matplotlib figure (or a list of them, as one grid) drawn as an image."""
        if isinstance(figure, (list, tuple)):
            rgba = [figure_rgba(f, close) for f in figure]
            self.add_image(tag, np.stack(rgba), global_step, walltime, dataformats="NHWC")
        else:
            self.add_image(tag, figure_rgba(figure, close), global_step, walltime, dataformats="HWC")

    def add_text(self, tag, text_string, global_step=None, walltime=None):
        """Text (Markdown) shown in the Text dashboard."""
        self._add(records.text(tag, text_string), global_step, walltime)

    def add_pr_curve(self, tag, labels, predictions, global_step=None, num_thresholds=127, weights=None,
                     walltime=None):
        """A precision-recall curve of binary ``labels`` and probabilities ``predictions``."""
        self._add(records.pr_curve(tag, labels, predictions, num_thresholds, weights), global_step, walltime)

    def add_hparams(self, hparam_dict, metric_dict, hparam_domain_discrete=None, run_name=None,
                    global_step=None):
        """One run of the HParams dashboard, in ``log_dir/<run_name>``: the hyper-parameter values and
        the metrics (written as scalars there)."""
        summaries = records.hparams_records(hparam_dict, metric_dict, hparam_domain_discrete)
        path = os.path.join(self.log_dir, str(time.time()) if run_name is None else str(run_name))
        with SummaryWriter(log_dir=path) as w:
            for s in summaries:
                w._add(s, None, None)
            for k, v in metric_dict.items():
                w.add_scalar(k, v, global_step)

    def add_embedding(self, mat, metadata=None, label_img=None, global_step=None, tag="default",
                      metadata_header=None):
        """Points of an (N, D) matrix for the Projector, with labels and label images."""
        write_embedding(self.log_dir, mat, metadata, label_img, global_step, tag, metadata_header)

    def add_graph(self, model, input_to_model=None, verbose=False, use_strict_trace=True):
        """The graph of ``model(*input_to_model)`` as this engine records it (see ``graph.py``);
        ``verbose`` prints the GraphDef. ``use_strict_trace`` (a TorchScript option) is accepted."""
        graph = record_graph(model, input_to_model)
        if verbose:
            print(graph)
        self._get_file_writer().add_event(Event(graph_def=graph.SerializeToString()))

    def flush(self):
        _flush_all(self.all_writers)

    def close(self):
        for w in self.all_writers.values():
            w.flush()
            w.close()
        self.file_writer = None
        self.all_writers.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
