"""The default process group: one MPI communicator over every rank.

``init_process_group(backend='mpi')`` reads rank and world size from the MPI
environment (the ranks are the processes ``mpiexec -n N`` started; a plain
``python script.py`` is a world of one). MPI itself comes from ``mpi4py``,
imported only here, so ``autograd_core.distributed`` imports without it.

The group communicates on a duplicate of ``MPI.COMM_WORLD``, so a user's own
mpi4py messages never match the collectives. Every collective of the group
waits at most ``timeout`` (PyTorch's default: 30 minutes); past it, it raises
``DistBackendError``. Once a group exists, an exception that nobody catches
prints its traceback and then calls ``MPI_Abort``, which makes ``mpiexec``
stop every rank (as ``python -m mpi4py`` does): one failing rank never
leaves the others waiting in a collective.
"""
import os
import sys
import time
from datetime import timedelta

DEFAULT_TIMEOUT = timedelta(minutes=30)
ABORT_GRACE_SECONDS = 0.5  # without it a loaded machine lost (once, in the suite) the failing rank's traceback
BACKENDS = ("mpi", "gloo")  # gloo: PyTorch's CPU backend name, served by MPI here


class DistError(RuntimeError):
    """A failure of the distributed package (PyTorch's ``torch.distributed.DistError``)."""


class DistBackendError(DistError):
    """A collective failed or timed out in the backend."""


class ProcessGroup:
    """Ranks ``0 .. size-1`` and the communicator their collectives use."""

    def __init__(self, comm, backend, timeout):
        self.comm = comm
        self.backend = backend
        self.timeout = timeout

    def rank(self):
        return self.comm.Get_rank()

    def size(self):
        return self.comm.Get_size()

    def __repr__(self):
        return f"ProcessGroup(backend={self.backend!r}, rank={self.rank()}, size={self.size()})"


class _State:
    default = None  # the ProcessGroup made by init_process_group
    excepthook = None  # the hook replaced by the abort hook


def is_available():
    """Whether MPI (``mpi4py``) can be imported: ``pip install autograd-core[distributed]``."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return False
    return True


def is_mpi_available():
    return is_available()


def is_gloo_available():
    return is_available()


def is_nccl_available():
    return False


def is_initialized():
    """Whether ``init_process_group`` has been called (and not undone)."""
    return _State.default is not None


def _mpi():
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise RuntimeError("autograd_core.distributed needs mpi4py and an MPI library: "
                           "pip install 'autograd-core[distributed]'") from e
    return MPI


def _seconds(timeout):
    if timeout is None:
        return DEFAULT_TIMEOUT.total_seconds()
    s = timeout.total_seconds() if isinstance(timeout, timedelta) else float(timeout)
    if s <= 0:
        raise ValueError(f"init_process_group: timeout must be positive, got {timeout}")
    return s


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1,
                       store=None, group_name="", pg_options=None, device_id=None):
    """Make the default process group from the MPI environment.

    ``backend``: 'mpi' (default) or 'gloo' (PyTorch's CPU backend name; the
    transport is MPI either way); 'nccl' raises (no CUDA). ``world_size`` and
    ``rank``, when given, must agree with what ``mpiexec`` started.
    ``timeout`` (a ``timedelta`` or seconds) bounds every collective.
    ``init_method`` and ``store`` are accepted for PyTorch's signature: MPI
    finds the other ranks itself."""
    if _State.default is not None:
        raise ValueError("trying to initialize the default process group twice!")
    backend = "mpi" if backend is None else str(backend).lower()
    if backend not in BACKENDS:
        raise RuntimeError(f"init_process_group: backend {backend!r} is not available on this CPU build; "
                           f"use 'mpi' (or 'gloo', served by MPI)")
    seconds = _seconds(timeout)
    MPI = _mpi()
    comm = MPI.COMM_WORLD.Dup()
    size, me = comm.Get_size(), comm.Get_rank()
    env_size = int(os.environ.get("WORLD_SIZE", "0") or 0)
    if size == 1 and max(world_size, env_size) > 1:
        comm.Free()
        raise RuntimeError(f"init_process_group: world_size {max(world_size, env_size)} was asked for but MPI "
                           "started one process; launch the ranks with `mpiexec -n N python script.py`")
    if world_size not in (-1, size) or rank not in (-1, me):
        comm.Free()
        raise ValueError(f"init_process_group: world_size={world_size}, rank={rank} disagree with MPI "
                         f"(world size {size}, this process is rank {me})")
    _State.default = ProcessGroup(comm, backend, seconds)
    if _State.excepthook is None:
        _State.excepthook = sys.excepthook
        sys.excepthook = _abort_on_exception


def _abort_on_exception(kind, value, tb):
    """sys.excepthook while a group exists: report, then stop every rank."""
    previous = _State.excepthook or sys.__excepthook__
    previous(kind, value, tb)
    group = _State.default
    if group is not None and group.size() > 1:
        sys.stderr.write(f"[rank {group.rank()}] uncaught {kind.__name__}: aborting all "
                         f"{group.size()} ranks (MPI_Abort)\n")
        sys.stdout.flush()
        sys.stderr.flush()
        # mpiexec forwards a rank's output asynchronously and drops what it has not forwarded
        # when the abort kills the ranks: give it a moment to deliver the traceback above.
        time.sleep(ABORT_GRACE_SECONDS)
        _mpi().COMM_WORLD.Abort(1)


def destroy_process_group(group=None):
    """Free the default group's communicator; ``init_process_group`` may be called again."""
    if _State.default is None:
        raise ValueError("Default process group has not been initialized, please make sure to call "
                         "init_process_group.")
    _State.default.comm.Free()
    _State.default = None
    if _State.excepthook is not None:
        sys.excepthook = _State.excepthook
        _State.excepthook = None


def _get_default_group():
    if _State.default is None:
        raise ValueError("Default process group has not been initialized, please make sure to call "
                         "init_process_group.")
    return _State.default


def resolve(group):
    """The group a collective runs on (None: the default group)."""
    if group is None or group is GroupMember.WORLD:
        return _get_default_group()
    if not isinstance(group, ProcessGroup):
        raise TypeError(f"expected a ProcessGroup or None, got {type(group).__name__}")
    return group


class _World:
    """``dist.group.WORLD`` / ``GroupMember.WORLD``: the default group, by name."""

    def __repr__(self):
        return "group.WORLD"


class GroupMember:
    WORLD = _World()


group = GroupMember


def get_rank(group=None):
    """This process's rank in ``group`` (default: the world)."""
    return resolve(group).rank()


def get_world_size(group=None):
    """The number of ranks in ``group`` (default: the world)."""
    return resolve(group).size()


def get_backend(group=None):
    return resolve(group).backend
