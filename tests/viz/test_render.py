"""viz.render: SVG, PNG and PDF through Graphviz's dot (installed in CI by
.ci/run), the DOT source, the missing-dot error with dot hidden from PATH,
Jupyter's inline display, and the README graphs script."""
import importlib.util
import pathlib

import pytest

import autograd_core as ag
from autograd_core import viz

ROOT = pathlib.Path(__file__).resolve().parents[2]


def small_graph():
    x1 = ag.tensor(2.0, requires_grad=True)
    x2 = ag.tensor(5.0, requires_grad=True)
    x1.name, x2.name = "x1", "x2"
    return viz.draw_graph(ag.log(x1) + x1 * x2 - ag.sin(x2))


def test_svg(tmp_path):
    path = viz.render(small_graph(), tmp_path / "f.svg")
    assert path == tmp_path / "f.svg"
    text = path.read_text()
    assert "<svg" in text and ">Mul</text>" in text and ">x1</text>" in text
    assert not (tmp_path / "f.gv").exists()  # the source is kept only on request


def test_png_and_pdf(tmp_path):
    assert viz.render(small_graph(), tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert viz.render(small_graph(), tmp_path / "f.pdf").read_bytes()[:5] == b"%PDF-"
    out = viz.render(small_graph(), tmp_path / "sub" / "picture", format="png", keep_source=True)
    assert out == tmp_path / "sub" / "picture.png" and out.read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "sub" / "picture.gv").read_text().startswith("digraph")


def test_dot_source_only_and_text_input(tmp_path):
    g = small_graph()
    out = viz.render(g, tmp_path / "f.gv")
    assert out.read_text() == g.source
    assert viz.render(g.source, tmp_path / "again.svg").read_text().count("<svg") == 1


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="unknown format 'jpeg'"):
        viz.render(small_graph(), tmp_path / "f.jpeg")
    with pytest.raises(TypeError, match="expected a graphviz graph"):
        viz.render(42, tmp_path / "f.svg")
    with pytest.raises(RuntimeError, match="dot failed"):
        viz.render("digraph { a -> }", tmp_path / "broken.svg")


def test_missing_dot_writes_the_source_and_says_how_to_install(tmp_path, monkeypatch):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # dot is hidden
    g = small_graph()
    with pytest.raises(viz.GraphvizNotFoundError) as err:
        viz.render(g, tmp_path / "f.svg")
    msg = str(err.value)
    assert "`dot` program was not found" in msg
    for how in ("apt-get install graphviz", "brew install graphviz", "dnf install graphviz",
                "conda install -c conda-forge graphviz"):
        assert how in msg
    assert str(tmp_path / "f.gv") in msg and f"dot -Tsvg {tmp_path / 'f.gv'}" in msg
    assert (tmp_path / "f.gv").read_text() == g.source
    assert not (tmp_path / "f.svg").exists()
    assert isinstance(err.value, RuntimeError)


def test_jupyter_shows_graphs_inline():
    bundle = small_graph()._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]


def test_readme_graphs_script(tmp_path):
    script = ROOT / "tools" / "make_readme_graphs.py"
    spec = importlib.util.spec_from_file_location("make_readme_graphs", script)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.main(["--out", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["backward_f.svg", "graph_f.svg", "lenet_collapsed.svg", "lenet_modules.svg"]
    assert "11.6521" in (tmp_path / "graph_f.svg").read_text()
    assert "conv1: Conv2d" in (tmp_path / "lenet_modules.svg").read_text()
    for name in names:  # the committed pictures exist and were made by this script
        assert (ROOT / "docs" / "img" / name).read_text().count("<svg") == 1
