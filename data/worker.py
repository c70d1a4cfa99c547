"""What runs inside a ``DataLoader`` worker process, and what it tells the
main process.

A worker seeds Python's ``random``, numpy's legacy global generator and the
global generator of ``autograd_core`` with ``base_seed + worker_id`` (the loader
draws ``base_seed`` afresh when it starts workers), runs ``worker_init_fn``,
then loops: it takes ``(epoch, task, indices)`` from its task pipe, builds the
batch with the same fetcher as the main process and sends
``(epoch, task, kind, payload)`` back on its result pipe (``transport``: the
arrays go through shared-memory ``slots`` or are written as they are, without
pickling copies). An exception is sent
as an ``ErrorInfo`` (its type, traceback text, the worker and the sample
index) that the main process re-raises.

A thread of the worker reads the task pipe into a local queue as tasks come,
so the main process never waits long to hand out a task, even while the worker
is blocked sending a batch (no deadlock, whatever the sizes). The worker
ignores SIGINT (the main process handles Ctrl-C and shuts the workers down),
and exits on ``None``, when the main process closes a pipe, or when the main
process has died.
"""
import io
import os
import pickle
import queue
import random
import signal
import threading
import traceback
from dataclasses import dataclass

import numpy as np

from autograd_core.random import manual_seed

from . import transport
from .fetch import EXHAUSTED, IterFetcher, make_fetcher

OK, DONE, ERROR = 0, 1, 2  # kinds of message a worker sends
POLL = 1.0  # seconds between checks that the main process is alive


@dataclass
class WorkerInfo:
    """What ``get_worker_info()`` returns inside a worker."""
    id: int
    num_workers: int
    seed: int
    dataset: object


_info = None


def get_worker_info():
    """The ``WorkerInfo`` of this worker process; None in the main process."""
    return _info


def seed_all(seed):
    random.seed(seed)
    np.random.seed(seed % 2 ** 32)
    manual_seed(seed)


class _KeyErrorMessage(str):
    """KeyError shows the repr of its argument; this keeps the message readable."""

    def __repr__(self):
        return str(self)


class ErrorInfo:
    """An exception of a worker, in a form that crosses processes."""

    def __init__(self, exc, worker_id, index, where=""):
        self.exc_type = type(exc)
        try:
            pickle.loads(pickle.dumps(self.exc_type))
        except Exception:  # a local class: re-raised as RuntimeError
            self.exc_type = RuntimeError
        self.type_name = type(exc).__name__
        self.text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.worker_id, self.index, self.where = worker_id, index, where

    def message(self):
        where = self.where or (f" while loading sample index {self.index}" if self.index is not None else "")
        return (f"Caught {self.type_name} in DataLoader worker process {self.worker_id}{where}.\n"
                f"Original {self.text}")

    def reraise(self):
        msg = self.message()
        if issubclass(self.exc_type, KeyError):
            msg = _KeyErrorMessage(msg)
        try:
            exc = self.exc_type(msg)
        except Exception:
            exc = RuntimeError(msg)
        raise exc


def _send(fd, msg, worker_id, slots=None):
    """Send ``msg``; False when the main process is gone or has closed the pipe."""
    try:
        transport.send(fd, msg, slots)
    except OSError:  # BrokenPipeError and the like
        return False
    except Exception as e:  # the batch cannot be pickled (nothing was written)
        epoch, task = msg[:2]
        error = ErrorInfo(e, worker_id, None, " while sending a batch to the main process")
        return _send(fd, (epoch, task, ERROR, error), worker_id, slots)
    return True


def _read_tasks(task_conn, tasks):
    """Thread body: move tasks from the pipe to ``tasks``; None at the end."""
    f = io.FileIO(task_conn.fileno(), "rb", closefd=False)
    try:
        while True:
            task = transport.recv(f)
            tasks.put(task)
            if task is None:
                return
    except (EOFError, OSError):
        tasks.put(None)


def worker_loop(worker_id, num_workers, dataset, fetch_args, task_conn, conn, seed, init_fn, parent_pid,
                slots=None):
    global _info
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    tasks = queue.SimpleQueue()
    threading.Thread(target=_read_tasks, args=(task_conn, tasks), daemon=True).start()
    _info = WorkerInfo(worker_id, num_workers, seed, dataset)
    seed_all(seed)
    init_error = fetcher = None
    try:
        if init_fn is not None:
            init_fn(worker_id)
        fetcher = make_fetcher(dataset, *fetch_args)
    except Exception as e:
        init_error = ErrorInfo(e, worker_id, None, " in worker_init_fn")
    while True:
        try:
            task = tasks.get(timeout=POLL)
        except queue.Empty:
            if os.getppid() != parent_pid:
                break
            continue
        if task is None:
            break
        epoch, idx, indices = task
        if init_error is not None:
            msg = (epoch, idx, ERROR, init_error)
        else:
            if isinstance(fetcher, IterFetcher) and fetcher.epoch != epoch:
                fetcher.reset(epoch)
            try:
                data = fetcher.fetch(indices)
                msg = (epoch, idx, DONE, None) if data is EXHAUSTED else (epoch, idx, OK, data)
            except Exception as e:
                msg = (epoch, idx, ERROR, ErrorInfo(e, worker_id, fetcher.index))
        if not _send(conn.fileno(), msg, worker_id, slots):
            break
        msg = data = None
    conn.close()
