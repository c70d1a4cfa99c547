"""Jacobian cost by forward and reverse mode (autograd_core.cost, tools/ad_cost.py):
pass counts, agreement of the two Jacobians with each other and with the
closed form, the table and the command line."""
import importlib.util
import pathlib

import numpy as np
import pytest

from autograd_core.cost import MODELS, format_table, jacobian_cost, jacobian_forward, jacobian_reverse


def test_tiny_sweep_pass_counts_and_agreement():
    rows = jacobian_cost([1, 3], [1, 2, 5], repeats=2)
    assert [(r["n"], r["m"]) for r in rows] == [(1, 1), (1, 2), (1, 5), (3, 1), (3, 2), (3, 5)]
    for r in rows:
        assert r["forward_passes"] == r["n"] and r["reverse_passes"] == r["m"]
        assert r["max_abs_diff"] < 1e-12
        assert r["forward_time"] > 0 and r["reverse_time"] > 0
        assert r["winner"] == ("forward" if r["forward_time"] < r["reverse_time"] else "reverse")
        assert r["speedup"] >= 1


@pytest.mark.parametrize("model", sorted(MODELS))
def test_jacobians_match_the_closed_form(model):
    rng = np.random.default_rng(1)
    f = MODELS[model](4, 3, rng)
    x = rng.standard_normal(4)
    jf, pf = jacobian_forward(f, x)
    jr, pr = jacobian_reverse(f, x)
    assert (jf.shape, jr.shape, pf, pr) == ((3, 4), (3, 4), 4, 3)
    eps = 1e-6  # central differences, column by column
    fd = np.stack([(f(_t(x + eps * e))._data - f(_t(x - eps * e))._data) / (2 * eps) for e in np.eye(4)], 1)
    np.testing.assert_allclose(jf, fd, atol=1e-8)
    np.testing.assert_allclose(jr, jf, atol=1e-12)


def _t(a):
    from autograd_core import Tensor

    return Tensor(a)


def test_custom_model_and_errors():
    def small_mlp(n, m, rng, dtype):
        return MODELS["mlp"](n, m, rng, dtype, hidden=4)

    rows = jacobian_cost([2], [3], repeats=1, model=small_mlp)
    assert rows[0]["forward_passes"] == 2 and rows[0]["reverse_passes"] == 3
    with pytest.raises(ValueError, match="sizes must be positive"):
        jacobian_cost([0], [1])
    with pytest.raises(ValueError, match="repeats must be at least 1"):
        jacobian_cost([1], [1], repeats=0)


def test_table_and_tool(capsys):
    table = format_table(jacobian_cost([1, 4], [1], repeats=1)).splitlines()
    assert table[0].startswith("|    n |    m | fwd passes | rev passes |") and len(table) == 4
    assert table[3].startswith("|    4 |    1 |          4 |          1 |")
    path = pathlib.Path(__file__).resolve().parents[2] / "tools" / "ad_cost.py"
    spec = importlib.util.spec_from_file_location("ad_cost", path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    tool.main(["--n", "1", "3", "--m", "2", "--repeats", "1", "--model", "mlp"])
    out = capsys.readouterr().out
    assert "model 'mlp'" in out and "|    3 |    2 |          3 |          2 |" in out
    assert "Jacobians agree" in out
