"""ag_cli: the ``autograd`` command line (``autograd graph``, ``trace``, ``train``).

It sits above every layer (it imports ``autograd_core`` and ``nn``), so it is
a package of its own; ``main.py`` holds the entry point declared in
``pyproject.toml``.

The command uses one BLAS thread unless ``OPENBLAS_NUM_THREADS`` or
``MKL_NUM_THREADS`` says otherwise (set here, before numpy loads): its
matrices are small, where BLAS threads cost more than they bring on a busy
machine, and a fixed thread count keeps a seeded ``train`` run identical on
machines with different numbers of cores (sums split across threads round
differently).
"""
import os

for _name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
