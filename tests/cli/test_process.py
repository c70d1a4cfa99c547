"""The ``autograd`` command run as a subprocess, as a user runs it: forged and
misplaced checkpoints for ``--resume`` (one line on stderr, nothing loaded),
stale temporary files of killed writes, Ctrl-C after training, drawing on a
PATH without Graphviz's ``dot``, a closed output pipe, undecodable bytes in an
expression, and options out of range."""
import json
import os
import pathlib
import signal
import subprocess
import sys

import pytest

from tests.helpers import forge_checkpoint

ROOT = pathlib.Path(__file__).resolve().parents[2]
QUICK = ["--model", "mlp", "--epochs", "1", "--limit-batches", "1", "--no-progress"]


def env(**extra):
    e = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1", OPENBLAS_NUM_THREADS="1")
    e.update(extra)
    return e


def autograd(*argv, cwd, path=None, timeout=300):
    """(exit status, stdout, stderr) of ``python -m ag_cli ARGV``."""
    extra = {} if path is None else {"PATH": str(path)}
    res = subprocess.run([sys.executable, "-m", "ag_cli", *[a if isinstance(a, bytes) else str(a)
                                                            for a in argv]],
                         cwd=cwd, env=env(**extra), capture_output=True, timeout=timeout)
    return res.returncode, res.stdout.decode(), res.stderr.decode(errors="replace")


def one_line_error(code, err, message):
    assert code == 1, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert message in err, err


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """A real checkpoint of a one-epoch mlp run."""
    out = tmp_path_factory.mktemp("run")
    code, _, err = autograd("train", *QUICK, "--out", out, cwd=out)
    assert code == 0, err
    return out / "checkpoint.safetensors"


def forge(src, folder, **changes):
    """A copy of the checkpoint ``src`` in ``folder`` with metadata entries
    replaced (a value of None deletes the entry)."""
    folder.mkdir()
    forge_checkpoint(src, folder / "checkpoint.safetensors", **changes)
    return folder


@pytest.mark.parametrize("changes, message", [
    (dict(history="{}"), "has a history that is not the one of its 1 epochs"),
    (dict(history="[1, 2]"), "has a history that is not the one of its 1 epochs"),
    (dict(history="{not json"), "has a damaged 'history' entry (not JSON)"),
    (dict(epoch='"x"'), "has an epoch count that is not a whole number >= 0: 'x'"),
    (dict(epoch="abc"), "has a damaged 'epoch' entry (not JSON)"),
    (dict(epoch="1.5"), "has an epoch count that is not a whole number >= 0: '1.5'"),
    (dict(epoch="-3"), "has an epoch count that is not a whole number >= 0: '-3'"),
    (dict(epoch="99"), "the checkpoint is after epoch 99, beyond --epochs 1"),
    (dict(rng="{}"), "has a random-generator state that is not a PCG64 state"),
    (dict(optimizer__param_groups="[]"), "has optimizer settings of another kind"),
    (dict(scheduler='{"total_steps": 5, "last_epoch": 1}'), "has a one-cycle schedule of 5 steps at step 1"),
    (dict(format=None), "is not a checkpoint written by autograd train"),
    (dict(user__model="lenet"), "the checkpoint was trained with model lenet, not mlp"),
])
def test_forged_checkpoints_give_one_line(checkpoint, tmp_path, changes, message):
    out = forge(checkpoint, tmp_path / "forged", **changes)
    code, stdout, err = autograd("train", *QUICK, "--out", out, "--resume", cwd=tmp_path)
    one_line_error(code, err, message)
    assert "resuming" not in stdout


def test_a_checkpoint_of_another_model(checkpoint, tmp_path):
    out = forge(checkpoint, tmp_path / "c", **{"user.model": None})  # settings stripped: caught at loading
    code, stdout, err = autograd("train", *QUICK[2:], "--model", "lenet", "--batch-size", "16", "--out", out,
                                 "--resume", cwd=tmp_path)
    one_line_error(code, err, "could not be loaded:")
    assert "resuming" not in stdout
    code, stdout, err = autograd("train", *QUICK[2:], "--model", "lenet", "--out", checkpoint.parent,
                                 "--resume", cwd=tmp_path)
    one_line_error(code, err, "the checkpoint was trained with model mlp, not lenet")
    assert stdout == ""  # refused before the data was loaded


def test_misplaced_checkpoints(tmp_path):
    (tmp_path / "d" / "checkpoint.safetensors").mkdir(parents=True)
    code, _, err = autograd("train", *QUICK, "--out", tmp_path / "d", "--resume", cwd=tmp_path)
    one_line_error(code, err, "checkpoint.safetensors is not a file")
    (tmp_path / "j").mkdir()
    (tmp_path / "j" / "checkpoint.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not a header}")
    code, _, err = autograd("train", *QUICK, "--out", tmp_path / "j", "--resume", cwd=tmp_path)
    one_line_error(code, err, "--resume: ")
    code, _, err = autograd("train", *QUICK, "--out", tmp_path / "fresh", "--resume", cwd=tmp_path)
    one_line_error(code, err, "no checkpoint")
    assert "start the run without --resume first" in err
    (tmp_path / "file").write_text("x")
    code, _, err = autograd("train", *QUICK, "--out", tmp_path / "file", cwd=tmp_path)
    one_line_error(code, err, "is a file; give a folder")


def test_stale_temporaries_are_removed_and_live_ones_kept(checkpoint, tmp_path):
    out = forge(checkpoint, tmp_path / "run")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    stale = out / f".checkpoint.safetensors.{dead}.tmp"
    stale.write_bytes(b"half a checkpoint")
    (out / f".model.safetensors.{dead}.tmp").write_bytes(b"half")
    live = out / f".checkpoint.safetensors.{os.getpid()}.tmp"  # a writer that is still running
    live.write_bytes(b"being written")
    code, stdout, err = autograd("train", *QUICK, "--out", out, "--resume", cwd=tmp_path)
    assert code == 0, err
    assert f"removed {out / stale.name}, left by an interrupted write" in stdout
    assert not stale.exists() and not (out / f".model.safetensors.{dead}.tmp").exists() and live.exists()


# The command with its pictures step held until Ctrl-C (interrupting after training must not race the end of the
# run), and with Python's own SIGINT handler, as in a terminal: a shell that starts the suite in the background
# makes its children ignore SIGINT, and they inherit that.
HELD_PICTURES = """
import signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)
import ag_cli.train_cmd as t
def held(*args):
    print("drawing the pictures", flush=True)
    time.sleep(300)
t.pictures = held
from ag_cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def test_ctrl_c_after_training_exits_130_with_one_line(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", HELD_PICTURES, "train", *QUICK, "--out", str(tmp_path / "o")],
                            cwd=tmp_path, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in proc.stdout:
        if line.startswith("drawing the pictures"):  # training and the test report are over
            proc.send_signal(signal.SIGINT)
            break
    rest, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "interrupted after training; the trained weights are kept in" in err
    assert (tmp_path / "o" / "model.safetensors").exists() and (tmp_path / "o" / "checkpoint.safetensors").exists()


@pytest.fixture
def no_dot(tmp_path):
    """A PATH with no program at all (so no `dot`): the command needs none."""
    empty = tmp_path / "bin"
    empty.mkdir()
    return empty


def test_train_draws_graph_svg_without_dot(tmp_path, no_dot):
    code, out, err = autograd("train", *QUICK, "--out", tmp_path / "o", cwd=tmp_path, path=no_dot)
    assert code == 0, err
    assert "fc1: Linear" in (tmp_path / "o" / "graph.svg").read_text()
    assert "skipped graph.svg" not in out
    results = json.loads((tmp_path / "o" / "results.json").read_text())
    assert results["test_samples"] == 2000


@pytest.mark.parametrize("fmt, magic", [("svg", b"<?xml"), ("png", b"\x89PNG"), ("pdf", b"%PDF-")])
def test_graph_without_dot(tmp_path, no_dot, fmt, magic):
    code, out, err = autograd("graph", "-x**2 + log(y)", "--at", "x=2", "y=3", "-o", f"f.{fmt}", cwd=tmp_path,
                              path=no_dot)
    assert code == 0, err
    assert (tmp_path / f"f.{fmt}").read_bytes()[:len(magic)] == magic


def test_trace_into_a_closed_pipe_is_quiet(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "ag_cli", "trace", "log(x1) + x1*x2 - sin(x2)", "--at",
                             "x1=2", "x2=5"], cwd=tmp_path, env=env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()  # as `| head` does once it has read enough
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 141 and err == b""


@pytest.mark.parametrize("argv, message", [
    ([b"x*\xff"], "the character U+DCFF is a lone surrogate (not valid text) (at column 3)"),
    (["x\x01 + 1"], "the character U+0001 is a control character (at column 2)"),
    (["lenett"], "unknown model 'lenett'; did you mean 'lenet'?"),
    (["lenet", "--collapse", "-5"], "--collapse DEPTH must be at least 1"),
    (["lenet", "--batch", "10000000"], "--batch must be between 1 and 1024"),
])
def test_graph_input_errors(tmp_path, argv, message):
    one_line_error(*autograd("graph", *argv, cwd=tmp_path)[::2], message)


@pytest.mark.parametrize("argv, message", [
    (["--lr", "nan"], "--lr must be a finite positive number, got nan"),
    (["--lr", "inf"], "--lr must be a finite positive number, got inf"),
    (["--rotate", "inf"], "--rotate must be in [0, 180] degrees, got inf"),
])
def test_train_input_errors(tmp_path, argv, message):
    code, out, err = autograd("train", *QUICK, "--out", tmp_path / "o", *argv, cwd=tmp_path)
    one_line_error(code, err, message)
    assert out == "" and not (tmp_path / "o").exists()  # refused before anything was made
