"""Test-wide settings: one BLAS thread per process. The suite runs as two
pytest-xdist workers on two cores; more BLAS threads than cores make small
matrix products many times slower on a busy machine."""
import os

for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")
