"""``get_num_threads`` / ``set_num_threads``, as in PyTorch: the number of
threads used inside one operation. Here that is the kernels' thread pool
(``kernels/threads.py``) and, when ``threadpoolctl`` is installed, the BLAS
library numpy calls for matrix products."""
from .kernels import threads as _kernels

_blas = {"limiter": None}


def get_num_threads():
    """The number of threads an operation may use."""
    return _kernels.get_num_threads()


def set_num_threads(n):
    """Let each operation use ``n`` threads: the kernels' pool and BLAS (through threadpoolctl)."""
    if isinstance(n, bool) or not isinstance(n, int) and not hasattr(n, "__index__"):
        raise TypeError(f"set_num_threads expects an int, got {type(n).__name__}")
    n = n.__index__()
    if n < 1:
        raise RuntimeError(f"set_num_threads: Number of threads must be positive, got {n}")
    _kernels.set_num_threads(n)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # BLAS keeps its own setting (OMP_NUM_THREADS / OPENBLAS_NUM_THREADS)
        return
    if _blas["limiter"] is not None:
        _blas["limiter"].restore_original_limits()
    _blas["limiter"] = threadpool_limits(limits=n, user_api="blas")


def blas_num_threads():
    """The threads of the BLAS libraries loaded (a dict by library), or None without threadpoolctl."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    return {i["internal_api"]: i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}
