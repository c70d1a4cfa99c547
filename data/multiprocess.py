"""The ``DataLoader`` iterator with worker processes.

Each worker has a task pipe and a result pipe (plain pipes: a
``multiprocessing.Queue`` costs the main process a thread switch per task).
Tasks are numbered and handed out round-robin (so that a batch always goes
to the same worker and its random transforms are reproducible); each worker
has at most ``prefetch_factor`` tasks in progress, and the loader runs at most
``2 * prefetch_factor * num_workers`` tasks ahead of the batch the user is at.
A worker gets a new task as soon as it delivers one, not when the user takes
the batch: a worker that is late does not leave the others idle (with
PyTorch's rule, tasks in progress and batches waiting share one window, and
the fast workers wait for the slow one). Results come back in any order and
are yielded in task order, so the batches are those of ``num_workers=0``.
Batches travel by ``transport`` (no pickling copies), through shared-memory
``slots`` when the workers are forked.

The main process waits on the pipes and on the workers' sentinels at once
(``select.poll``): a worker that dies is reported at once
instead of hanging the loop; ``timeout`` bounds the wait for one batch.
Shutdown (end of the epoch without ``persistent_workers``, ``break`` — the
iterator is then garbage —, an error, ``KeyboardInterrupt``) sends every
worker ``None``, closes the pipes (a worker blocked sending a batch then
stops), joins them, and terminates those still alive after a few seconds.
"""
import io
import os
import select
import signal
import time

import numpy as np

from . import transport
from .dataset import IterableDataset
from .fetch import LoaderIter
from .slots import Slots
from .worker import DONE, ERROR, worker_loop

JOIN_TIMEOUT = 5.0
PIPE_SIZE = 1 << 20
SLOT_SIZE = 8 << 20  # batches up to 8 MiB go through shared memory (fork only)


def _widen(conn):
    """Give the pipe a 1 MiB buffer (Linux; 64 KiB by default) so that a worker
    writes a batch at once instead of waiting for the main process to read each
    64 KiB (a wait of a whole time slice on a busy machine)."""
    try:
        import fcntl

        fcntl.fcntl(conn.fileno(), fcntl.F_SETPIPE_SZ, PIPE_SIZE)
    except (ImportError, AttributeError, OSError):
        pass


class MultiProcessIter(LoaderIter):
    """One epoch (or, with persistent workers, every epoch) of a loader with workers."""

    def __init__(self, loader, base_seed):
        self.num_workers = n = loader.num_workers
        self.iterable = isinstance(loader.dataset, IterableDataset)
        self.prefetch, self.timeout = loader.prefetch_factor, loader.timeout
        self.persistent = loader.persistent_workers
        self.workers, self.tasks, self.conns = [], [], []
        self.epoch, self._shut = 0, False
        self.in_flight = [0] * n  # tasks sent to each worker and not answered yet (any epoch)
        ctx = loader._mp_context()
        fetch_args = (loader._auto_collation, loader.collate_fn, loader.batch_size, loader.drop_last)
        forked = ctx.get_start_method() == "fork"  # shared memory is inherited only by fork
        self.slots = [Slots(2 * self.prefetch + 2, SLOT_SIZE) if forked else None for _ in range(n)]
        try:
            for wid in range(n):
                task_r, task_w = ctx.Pipe(duplex=False)
                r, w = ctx.Pipe(duplex=False)
                _widen(r)
                p = ctx.Process(target=worker_loop, daemon=True,
                                args=(wid, n, loader.dataset, fetch_args, task_r, w, base_seed + wid,
                                      loader.worker_init_fn, os.getpid(), self.slots[wid]))
                self.tasks.append(task_w)
                self.conns.append(r)
                p.start()
                task_r.close()
                w.close()
                self.workers.append(p)
        except BaseException:
            self._shutdown()
            raise
        self.files = [io.FileIO(c.fileno(), "rb", closefd=False) for c in self.conns]
        self.poller = select.poll()  # created once: cheaper than connection.wait per batch
        self.fd_worker = {}
        for w, (c, p) in enumerate(zip(self.conns, self.workers)):
            self.fd_worker[c.fileno()] = (w, True)
            self.fd_worker[p.sentinel] = (w, False)
            self.poller.register(c.fileno(), select.POLLIN)
            self.poller.register(p.sentinel, select.POLLIN)
        self.reset(loader)

    def reset(self, loader):
        """Start an epoch (with persistent workers: a new epoch on the same workers)."""
        self.epoch += 1
        self.batches = None if self.iterable else loader._index_source()
        self.length = loader._length_or_none()
        self.send_idx = self.rcvd_idx = 0
        self.buffer = {}
        self.active = [True] * self.num_workers
        self.next_worker, self.sampler_done = 0, False
        self._fill()

    def _put(self):
        """Hand out the next task; False when none can be (its worker is busy
        enough, the loader is far enough ahead, or there is no more)."""
        if self.send_idx - self.rcvd_idx >= 2 * self.prefetch * self.num_workers or not any(self.active):
            return False
        w = self.next_worker
        while not self.active[w]:
            w = (w + 1) % self.num_workers
        if self.in_flight[w] >= self.prefetch:
            return False
        indices = None
        if not self.iterable:
            indices = next(self.batches, None)
            if indices is None:
                self.sampler_done = True
                return False
            if isinstance(indices, np.ndarray):
                indices = indices.tolist()  # pickles in-band, smaller and faster
        try:
            transport.send(self.tasks[w].fileno(), (self.epoch, self.send_idx, indices))
        except OSError:
            self._died(w)
        self.in_flight[w] += 1
        self.next_worker = (w + 1) % self.num_workers
        self.send_idx += 1
        return True

    def _fill(self):
        while self._put():
            pass

    def __next__(self):
        if self._shut:
            raise StopIteration
        try:
            while True:
                if self.rcvd_idx in self.buffer:
                    kind, payload = self.buffer.pop(self.rcvd_idx)
                    self.rcvd_idx += 1
                    if kind == ERROR:
                        self._shutdown()
                        payload.reraise()
                    self._fill()
                    if kind != DONE:
                        return payload
                    continue
                if self.rcvd_idx == self.send_idx:
                    self._fill()
                    if self.rcvd_idx == self.send_idx and (self.sampler_done or not any(self.active)):
                        self._end_epoch()
                        raise StopIteration
                self._receive()
                self._fill()
        except StopIteration:
            raise
        except BaseException:
            self._shutdown()
            raise

    def _receive(self):
        """Wait for at least one message (or a dead worker) and file it."""
        events = self.poller.poll(self.timeout * 1000 if self.timeout > 0 else None)
        if not events:
            raise RuntimeError(f"DataLoader timed out after {self.timeout} seconds waiting for a batch")
        exited = []
        for fd, _ in events:
            w, is_pipe = self.fd_worker[fd]
            if not is_pipe:
                exited.append(w)
                continue
            try:
                epoch, idx, kind, payload = transport.recv(self.files[w], self.slots[w])
            except (EOFError, OSError):
                self._died(w)
            self.in_flight[w] -= 1
            if epoch != self.epoch:
                continue
            if kind == DONE:
                self.active[w] = False
            self.buffer[idx] = (kind, payload)
        for w in exited:
            if not self.conns[w].poll():  # a message it sent before dying is read first
                self._died(w)

    def _died(self, w):
        p = self.workers[w]
        p.join(0.5)
        code = p.exitcode
        how = f"exit code {code}"
        if code is not None and code < 0:
            how = f"signal {-code} ({signal.Signals(-code).name})" if -code in signal.valid_signals() else how
        raise RuntimeError(f"DataLoader worker {w} (pid {p.pid}) exited unexpectedly with {how}")

    def _end_epoch(self):
        if not self.persistent:
            self._shutdown()

    def _shutdown(self):
        if self._shut:
            return
        self._shut = True
        for c in self.tasks:
            try:
                transport.send(c.fileno(), None)
            except OSError:  # the worker is gone
                pass
            c.close()
        for c in self.conns:
            c.close()
        deadline = time.monotonic() + JOIN_TIMEOUT
        for p in self.workers:
            p.join(max(0.0, deadline - time.monotonic()))
        for p in self.workers:
            if p.is_alive():
                p.terminate()
                p.join(1.0)
            if p.is_alive():
                p.kill()
                p.join()

    def __del__(self):
        try:
            self._shutdown()
        except Exception:
            pass
