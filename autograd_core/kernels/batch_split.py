"""Running a batch of small matrix products on several cores: the batch is
cut into tasks (ranges of samples) that the calling thread and the kernels'
pool (``threads.py``) take from a shared queue, each task calling BLAS with
one thread.

Why not let BLAS use the cores inside each product: a convolution makes one
small GEMM per sample (or per few samples), and a multi-threaded BLAS
synchronises its threads inside every one of them. On a machine where
another process holds a core, each synchronisation waits for a time slice
of the descheduled BLAS thread, and a convolution forward + backward that
takes 37 ms at best took 2 s at the median (issue 18.7). Here the threads
meet once per call, and a thread that is not running does not hold the
others up: the queue is shared, so the running thread takes the remaining
tasks, and a helper that had not started when the work ran out is
cancelled rather than awaited. (The numba kernels called inside a task,
im2col and col2im, are compiled with ``nogil=True``; ``numpy.matmul``
releases the GIL around BLAS.)

While tasks run, the BLAS libraries loaded (found with ``threadpoolctl``)
are set to one thread, and restored afterwards; concurrent callers share
one setting through a counter, so the last one out restores it.
"""
import threading

from . import threads

PARALLEL_MIN = 1 << 22  # multiply-adds: below this the hand-off to a second thread costs more than it saves

_blas = {"libs": None, "depth": 0, "saved": None}
_lock = threading.Lock()


def _libs():
    if _blas["libs"] is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # BLAS keeps its own setting
            _blas["libs"] = []
        else:
            _blas["libs"] = ThreadpoolController().select(user_api="blas").lib_controllers
    return _blas["libs"]


class _SingleBlas:
    """The context of ``one_blas_thread`` (a class: a generator-based context manager cost as much again
    as the thread settings themselves)."""

    def __enter__(self):
        _enter_single_blas()

    def __exit__(self, *exc):
        _leave_single_blas()


_SINGLE_BLAS = _SingleBlas()


def one_blas_thread():
    """BLAS with one thread inside the block (for small products that other
    threads run side by side, or that a loaded machine would stall); nests."""
    return _SINGLE_BLAS


def _enter_single_blas():
    """Set every BLAS to one thread, touching only those that run more (a set costs ~5 µs for OpenBLAS; a
    library already on one thread, such as MKL's sequential layer, is left alone)."""
    with _lock:
        if _blas["depth"] == 0:
            libs = _libs()
            _blas["saved"] = [lib.get_num_threads() for lib in libs]
            for lib, n in zip(libs, _blas["saved"]):
                if n != 1:
                    lib.set_num_threads(1)
        _blas["depth"] += 1


def _leave_single_blas():
    with _lock:
        _blas["depth"] -= 1
        if _blas["depth"] == 0:
            for lib, n in zip(_libs(), _blas["saved"]):
                if n != 1:
                    lib.set_num_threads(n)


def run_tasks(body, n_tasks, work):
    """``body(i)`` for every task i < ``n_tasks``, on up to
    ``threads.get_num_threads()`` threads when ``work`` (multiply-adds) is
    at least ``PARALLEL_MIN``, with single-threaded BLAS meanwhile; else in
    order on the calling thread (BLAS as configured). Which thread runs a
    task varies from call to call: a task must write only its own outputs."""
    parts = min(threads.get_num_threads(), n_tasks) if work >= PARALLEL_MIN else 1
    if parts <= 1:
        for i in range(n_tasks):
            body(i)
        return
    queue = iter(range(n_tasks))  # next() on a range iterator is atomic under the GIL

    def worker():
        for i in queue:
            body(i)

    with one_blas_thread():
        pool = threads._pool()
        helpers = [pool.submit(worker) for _ in range(parts - 1)]
        try:
            worker()
        finally:
            for f in helpers:
                if not f.cancel():
                    f.result()
