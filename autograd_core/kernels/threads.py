"""Running a numba kernel on several cores: ``split`` cuts a range of work
(channels, planes) into one piece per thread; the calling thread runs the
first piece and a small pool the others. The kernels are compiled with
``nogil=True``, so the pieces run in parallel.

This replaces numba's ``parallel=True``: its OpenMP layer, loaded after
numpy's OpenBLAS, cost milliseconds per launch on the benchmark machine (see
``docs/benchmarks.md``), where a thread pool hand-off costs about 0.1 ms.
Work smaller than ``PARALLEL_MIN`` elements stays on one thread. The pool is
rebuilt in a forked child (a DataLoader worker), whose copy of the parent's
pool has no threads.
"""
import os

PARALLEL_MIN = 1 << 19  # elements: below this a hand-off costs more than it saves
_cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
_state = {"threads": max(1, _cpus), "pool": None, "pid": None}


def get_num_threads():
    """The number of threads a kernel may use (default: the CPUs available)."""
    return _state["threads"]


def set_num_threads(n):
    """Let kernels use ``n`` threads (1: no parallelism)."""
    n = int(n)
    if n < 1:
        raise ValueError(f"set_num_threads: expected a positive number of threads, got {n}")
    _state["threads"] = n
    if _state["pool"] is not None and _state["pid"] == os.getpid():
        _state["pool"].shutdown(wait=False)
    _state["pool"] = None  # rebuilt with the new size on next use


def _pool():
    if _state["pool"] is None or _state["pid"] != os.getpid():
        from concurrent.futures import ThreadPoolExecutor

        _state["pool"] = ThreadPoolExecutor(_state["threads"] - 1, thread_name_prefix="autograd_core")
        _state["pid"] = os.getpid()
    return _state["pool"]


def split(kernel, n, *args, work=0):
    """``kernel(*args, lo, hi)`` for pieces [lo, hi) covering [0, n), in
    parallel when ``work`` (elements touched) is at least ``PARALLEL_MIN``."""
    parts = min(_state["threads"], n) if work >= PARALLEL_MIN else 1
    if parts <= 1:
        kernel(*args, 0, n)
        return
    bounds = [n * i // parts for i in range(parts + 1)]
    futures = [_pool().submit(kernel, *args, bounds[i], bounds[i + 1]) for i in range(1, parts)]
    kernel(*args, bounds[0], bounds[1])
    for f in futures:
        f.result()
