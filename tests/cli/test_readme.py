"""The README's ``autograd train`` examples run as written, in order, in a
fresh folder (as subprocesses; each shortened to one batch per epoch with
``--limit-batches 1 --no-progress``), including the ``--resume`` example
after an interrupted run; and git ignores their ``runs/`` folder."""
import os
import pathlib
import re
import shlex
import signal
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHORT = ["--limit-batches", "1", "--no-progress"]


def readme_train_commands():
    text = (ROOT / "README.md").read_text()
    section = text.split("## The main job", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [shlex.split(line.split("#")[0]) for line in block.splitlines() if line.startswith("autograd train")]


def command(argv):
    return [sys.executable, "-m", "ag_cli", *argv[1:], *SHORT]


def env():
    return dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1", OPENBLAS_NUM_THREADS="1")


def test_readme_train_examples_run_as_written(tmp_path):
    cmds = readme_train_commands()
    resumes = [c for c in cmds if "--resume" in c]
    assert len(cmds) >= 3 and len(resumes) == 1
    first_of_resumed = cmds[cmds.index(resumes[0]) - 1]
    assert first_of_resumed == [a for a in resumes[0] if a != "--resume"]  # the run it resumes
    for argv in cmds:
        if argv is first_of_resumed:  # stopped with Ctrl-C after its first epoch, as the README says
            proc = subprocess.Popen(command(argv), cwd=tmp_path, env=env(), stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
            for line in proc.stdout:
                if line.startswith("epoch 1/"):
                    proc.send_signal(signal.SIGINT)
                    break
            out, err = proc.communicate(timeout=300)
            assert proc.returncode == 130 and "continue with --resume" in err, err
            continue
        res = subprocess.run(command(argv), cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=600)
        assert res.returncode == 0, (argv, res.stderr)
        if argv is resumes[0]:
            assert "resuming after epoch" in res.stdout
            assert re.search(r"^epoch 10/10", res.stdout, re.M)
        assert "wrote " in res.stdout and "graph.svg" in res.stdout
    assert (tmp_path / "runs" / "train" / "graph.svg").exists()


def test_git_ignores_runs():
    assert "runs/" in (ROOT / ".gitignore").read_text().splitlines()
