"""``autograd trace``: the lecture's f(x1, x2) = ln x1 + x1·x2 − sin x2 at
(2, 5) with its numbers, seeds, formats, vector inputs, rejected input, and
the console entry point run as a process."""
import pathlib
import re
import subprocess
import sys

import pytest

from ag_cli.main import main

ROOT = pathlib.Path(__file__).resolve().parents[2]
F = "log(x1) + x1*x2 - sin(x2)"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def line(out, *cells):
    """Whether a table line has these cells, separated by '=' and spaces."""
    pattern = r"\s*=\s*".join(re.escape(c) for c in cells)
    return re.search(rf"^\s*{pattern}\s*(\(.*\))?$", out, re.M) is not None


def test_the_lecture_example(capsys):
    code, out, err = run(capsys, "trace", F, "--at", "x1=2", "x2=5", "--seed", "x1")
    assert code == 0 and err == ""
    assert out.startswith("Evaluation trace of f(x₁, x₂)")
    for cells in [("v₋₁", "x₁", "2"), ("v₀", "x₂", "5"), ("v₁", "ln v₋₁", "0.693"), ("v₂", "v₋₁ · v₀", "10"),
                  ("v₃", "sin v₀", "-0.959"), ("v₄", "v₁ + v₂", "10.693"), ("v₅", "v₄ − v₃", "11.652"),
                  ("y", "v₅", "11.652")]:
        assert line(out, *cells), cells
    assert "Forward tangent trace (ẋ₁ = 1, ẋ₂ = 0)" in out
    for cells in [("v̇₁", "v̇₋₁ / v₋₁", "0.5"), ("v̇₂", "v̇₋₁ · v₀ + v̇₀ · v₋₁", "5"), ("v̇₃", "v̇₀ · cos v₀", "0"),
                  ("v̇₄", "v̇₁ + v̇₂", "5.5"), ("ẏ", "v̇₅", "5.5")]:
        assert line(out, *cells), cells
    assert "Reverse adjoint trace (ȳ = 1)" in out
    for cells in [("v̄₅", "ȳ", "1"), ("v̄₃", "−v̄₅", "-1"), ("v̄₀", "v̄₃ · cos v₀", "-0.284"),
                  ("v̄₋₁", "v̄₂ · v₀", "5"), ("x̄₁", "v̄₋₁", "5.5"), ("x̄₂", "v̄₀", "1.716")]:
        assert line(out, *cells), cells
    assert re.search(r"v̄₀\s+\+=\s+v̄₂ · v₋₁\s+=\s+1.716\s+\(\+2\)", out)
    assert re.search(r"v̄₋₁\s+\+=\s+v̄₁ / v₋₁\s+=\s+5.5\s+\(\+0.5\)", out)


def test_seeds_and_precision(capsys):
    _, out, _ = run(capsys, "trace", F, "--at", "x1=2", "x2=5", "--seed", "x2")
    assert line(out, "ẏ", "v̇₅", "1.716")  # ∂f/∂x2 = x1 − cos x2
    _, out, _ = run(capsys, "trace", F, "--at", "x1=2", "x2=5", "--seed", "x1=1", "x2=1")
    assert line(out, "ẏ", "v̇₅", "7.216")
    _, out, _ = run(capsys, "trace", F, "--at", "x1=2", "x2=5")  # default: the first input
    assert "(ẋ₁ = 1, ẋ₂ = 0)" in out
    _, out, _ = run(capsys, "trace", F, "--at", "x1=2", "x2=5", "--adjoint-seed", "2", "--precision", "5")
    assert line(out, "x̄₁", "v̄₋₁", "11") and line(out, "v₁", "ln v₋₁", "0.69315")


def test_formats(capsys):
    _, out, _ = run(capsys, "trace", F, "--at", "x1=2", "x2=5", "--format", "markdown")
    assert "| v₁ = ln v₋₁ | 0.693 |" in out
    _, out, _ = run(capsys, "trace", F, "--at", "x1=2", "x2=5", "--format", "html")
    assert "<table" in out and "11.652" in out


def test_vector_input(capsys):
    code, out, _ = run(capsys, "trace", "sum(w ** 2) / 2", "--at", "w=1,2,3", "--seed", "w=0,0,1")
    assert code == 0
    assert line(out, "y", "v₃", "7")
    assert line(out, "ẏ", "v̇₃", "3")
    assert line(out, "w̄", "v̄₀", "[1, 2, 3]")


@pytest.mark.parametrize("argv, message", [
    (["__import__('os').system('echo pwned')", "--at", "x=1"], "invalid input: method calls are not allowed"),
    (["x.y", "--at", "x=1"], "attribute access is not allowed"),
    (["x ** 9999", "--at", "x=1"], "exponent 9999 is too large"),
    ([F, "--at", "x1=2"], "no value for x2"),
    ([F, "--at", "x1=2", "x2=5", "x3=1"], "x3 is given a value but does not appear"),
    ([F, "--at", "x1=2", "x2=5", "--seed", "z"], "'z' is not a variable"),
    ([F, "--at", "x1=2", "x2=5", "--seed", "x1=1,2"], "the seed has shape (2,)"),
    ([F, "--at", "x1=two", "x2=5"], "not a number"),
    ([F, "--at", "x1=2", "x2=5", "--precision", "40"], "--precision"),
    (["x + y", "--at", "x=1,2", "y=1,2,3"], "could not be broadcast"),
    (["x + y", "--at", "x=nan", "y=1"], "x='nan': the values must be finite numbers"),
    (["x + \0", "--at", "x=1"], "the character U+0000 (NUL) is a control character (at column 5)"),
    (["x", "--at", "x=1", "--adjoint-seed", "inf"], "--adjoint-seed: y='inf': the values must be finite"),
])
def test_errors_exit_1_with_a_message(capsys, argv, message):
    code, out, err = run(capsys, "trace", *argv)
    assert code == 1 and out == ""
    assert err.startswith("autograd trace: ") and message in err


def test_an_expression_may_start_with_minus(capsys):
    code, out, err = run(capsys, "trace", "-x**2", "--at", "x=3")
    assert code == 0, err
    assert "-9" in out


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as e:
        main(["trace", F])  # --at is required
    assert e.value.code == 2
    with pytest.raises(SystemExit):
        main([])
    capsys.readouterr()


def test_console_entry_point_as_a_process():
    res = subprocess.run([sys.executable, "-m", "ag_cli", "trace", F, "--at", "x1=2", "x2=5"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "11.652" in res.stdout and "1.716" in res.stdout
    toml = (ROOT / "pyproject.toml").read_text()
    assert 'autograd = "ag_cli.main:main"' in toml and '"ag_cli*"' in toml
