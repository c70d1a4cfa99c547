"""The code base is ruff-clean (configuration in pyproject.toml)."""
import pathlib
import subprocess
import sys


def test_ruff_clean():
    root = pathlib.Path(__file__).resolve().parents[1]
    res = subprocess.run([sys.executable, "-m", "ruff", "check", str(root)], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
