"""Data parallelism over MPI, tested by launching ranks with ``mpiexec`` on
127.0.0.1 (subprocesses with timeouts). Skipped only when the ``distributed``
extra (mpi4py and an MPI wheel) is not installed."""
import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("mpi4py")
from autograd_core.distributed import launch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
try:
    launch.find_mpiexec()
except RuntimeError:
    pytest.skip("mpiexec is not installed (pip install 'autograd-core[distributed]')", allow_module_level=True)


def env():
    e = dict(os.environ)
    e["PYTHONPATH"] = ROOT + os.pathsep + e.get("PYTHONPATH", "")
    # the numpy twins of the numba kernels (tested against each other elsewhere): each rank
    # is a new process, and loading the compiled kernels costs seconds per rank on a busy machine
    e["AUTOGRAD_CORE_KERNELS"] = "numpy"
    return e


def ranks(n, script, *args, timeout=300):
    """Run tests/distributed/ranks/SCRIPT as n ranks; (returncode, stdout + stderr)."""
    argv = [sys.executable, os.path.join(HERE, "ranks", script), *args]
    p = launch.run(n, argv, timeout=timeout, capture_output=True, text=True, cwd=ROOT, env=env())
    return p.returncode, p.stdout + p.stderr


def result(out):
    lines = [ln for ln in out.splitlines() if ln.startswith("RESULT ")]
    assert lines, out[-3000:]
    return json.loads(lines[-1][len("RESULT "):])


@pytest.mark.parametrize("n", [2, 3])
def test_n_ranks_of_batch_b_train_like_one_process_of_batch_nb(n):
    rc, out = ranks(n, "equivalence.py", "mlp,lenet")
    assert rc == 0, out[-3000:]
    res = result(out)
    assert sorted(res) == ["lenet/adam/float32", "lenet/adam/float64", "lenet/sgd/float32", "mlp/adam/float32",
                           "mlp/adam/float64", "mlp/sgd/float32"]
    # The two runs sum the batch in different orders. In float32 that moves SGD's weights
    # by rounding (~1e-8 here); Adam divides by sqrt(v), so where a gradient is a near-
    # cancelling sum (|g| ~ its rounding error) its step lr·g/(|g| + eps) differs by a
    # fraction of lr: float32 Adam is held to 10% of the largest step, float64 Adam to 1e-9.
    tolerance = {"sgd/float32": 1e-6, "adam/float32": 0.1, "adam/float64": 1e-9}
    for key, r in res.items():
        assert r["ranks_identical"], key
        assert r["buckets"] >= 2, key
        kind = key.split("/", 1)[1]
        tol = tolerance[kind] * (r["max_abs_step"] if kind == "adam/float32" else 1)
        assert r["max_abs_diff"] <= tol, (key, r)


@pytest.mark.parametrize("n", [2, 3])
def test_collectives_ddp_and_sampler(n):
    rc, out = ranks(n, "api.py")
    assert rc == 0 and f"OK {n} ranks" in out, out[-3000:]


def test_plain_python_is_a_world_of_one():
    p = subprocess.run([sys.executable, os.path.join(HERE, "ranks", "api.py")], capture_output=True, text=True,
                       timeout=300, cwd=ROOT, env=env())
    assert p.returncode == 0 and "OK 1 ranks" in p.stdout, p.stdout + p.stderr


def test_a_rank_that_raises_stops_every_rank():
    rc, out = ranks(3, "failure.py", "raise", timeout=120)
    assert rc != 0
    assert "ValueError: boom on rank 2 at step 2" in out
    assert "aborting all 3 ranks" in out
    assert "the failure went unnoticed" not in out


def test_a_rank_that_hangs_makes_the_others_time_out():
    rc, out = ranks(2, "failure.py", "hang", timeout=120)
    assert rc != 0
    assert "DistBackendError" in out and "all_reduce timed out after 2 s" in out, out[-3000:]
    assert "the failure went unnoticed" not in out


def test_autograd_train_nproc_2(tmp_path):
    out = tmp_path / "run"
    p = subprocess.run([sys.executable, "-m", "ag_cli", "train", "--nproc", "2", "--model", "mlp", "--epochs", "1",
                        "--limit-batches", "3", "--no-progress", "--out", str(out)],
                       capture_output=True, text=True, timeout=600, cwd=ROOT, env=env())
    text = p.stdout + p.stderr
    assert p.returncode == 0, text[-3000:]
    assert text.count("epoch 1/1:") == 1 and "test: loss" in text  # rank 0 alone prints
    from safetensors.numpy import load_file

    keys = sorted(load_file(str(out / "model.safetensors")))
    assert keys[0] == "fc1.bias" and not any(k.startswith("module.") for k in keys)
    assert (out / "checkpoint.safetensors").exists() and (out / "results.json").exists()


def test_worked_example_of_the_docs(tmp_path):
    script = os.path.join(HERE, "ranks", "example_train.py")
    with open(script) as f, open(os.path.join(ROOT, "docs", "distributed.md")) as g:
        assert f.read() in g.read()  # the page shows this very script
    p = launch.run(2, [sys.executable, script], timeout=300, capture_output=True, text=True, cwd=tmp_path, env=env())
    assert p.returncode == 0, (p.stdout + p.stderr)[-3000:]
    losses = [float(ln.split()[-1]) for ln in p.stdout.splitlines() if ln.startswith("epoch")]
    assert len(losses) == 5 and losses[-1] < losses[0] - 0.05, p.stdout
    from safetensors.numpy import load_file

    assert sorted(load_file(str(tmp_path / "model.safetensors"))) == ["0.bias", "0.weight", "2.bias", "2.weight"]
