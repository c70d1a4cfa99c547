"""viz.render: SVG, PNG and PDF through Graphviz's dot when it is on PATH and
graphviz-pure (a pip dependency) when it is not (dot hidden from PATH), the
DOT source, the error when neither is installed, Jupyter's inline display, and
the README graphs script (with and without dot)."""
import importlib.util
import pathlib
import shutil
import warnings

import pytest

import autograd_core as ag
from autograd_core import viz

render_mod = importlib.import_module("autograd_core.viz.render")  # the module (viz.render is the function)

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
    with pytest.raises(RuntimeError, match="(dot|graphviz-pure) failed"):
        viz.render("digraph { a -> }", tmp_path / "broken.svg")


@pytest.fixture
def no_dot(tmp_path, monkeypatch):
    """PATH without Graphviz's dot (graphviz-pure is still found beside this Python)."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert shutil.which("dot") is None
    return empty


def test_without_dot_graphviz_pure_draws_svg_png_pdf(tmp_path, no_dot):
    assert render_mod.layout_program()[0] == "graphviz-pure"
    svg = viz.render(small_graph(), tmp_path / "f.svg").read_text()
    assert "<svg" in svg and ">Mul</text>" in svg and ">x1</text>" in svg
    assert viz.render(small_graph(), tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = viz.render(small_graph(), tmp_path / "f.pdf").read_bytes()
    assert pdf[:5] == b"%PDF-" and b"/MediaBox" in pdf
    assert not (tmp_path / "f.gv").exists()


def test_without_dot_jupyter_and_graphviz_api_work(tmp_path, no_dot, monkeypatch):
    g = small_graph()
    assert "<svg" in g._repr_mimebundle_()["image/svg+xml"]
    assert g._repr_mimebundle_(include=["image/png"])["image/png"][:4] == b"\x89PNG"
    assert g.copy().pipe(format="png")[:4] == b"\x89PNG"  # notebook 01 pipes copies
    assert g.pipe(format="svg", encoding="utf-8").count("<svg") == 1
    monkeypatch.chdir(tmp_path)
    assert g.render("drawn", format="png") == "drawn.png"
    assert (tmp_path / "drawn.png").read_bytes()[:4] == b"\x89PNG" and (tmp_path / "drawn").exists()
    assert g.render(outfile="out.svg", cleanup=True) == "out.svg"
    assert "<svg" in (tmp_path / "out.svg").read_text() and not (tmp_path / "out.gv").exists()


def test_system_dot_is_preferred(tmp_path, no_dot):
    calls = tmp_path / "calls"
    fake = no_dot / "dot"  # a `dot` that records its call, then draws with graphviz-pure
    fake.write_text(f'#!/bin/sh\necho "$@" >> {calls}\nexec {render_mod._pure()[1]} "$@"\n')
    fake.chmod(0o755)
    assert render_mod.layout_program() == ("dot", str(fake))
    assert viz.render(small_graph(), tmp_path / "f.svg").read_text().count("<svg") == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the graphviz package's own calls, without its deprecation warnings
        assert small_graph().pipe(format="png")[:4] == b"\x89PNG"
        assert small_graph().render(tmp_path / "r", format="svg", cleanup=True) == str(tmp_path / "r.svg")
    assert calls.read_text().splitlines()[:2] == ["-Kdot -Tsvg", "-Kdot -Tpng"]
    assert len(calls.read_text().splitlines()) == 3 and (tmp_path / "r.svg").exists()


def test_no_program_writes_the_source_and_says_how_to_install(tmp_path, no_dot, monkeypatch):
    monkeypatch.setattr(render_mod, "_pure", lambda: None)  # graphviz-pure not installed either
    g = small_graph()
    with pytest.raises(viz.GraphvizNotFoundError) as err:
        viz.render(g, tmp_path / "f.svg")
    msg = str(err.value)
    assert "no Graphviz program (`dot` or `graphviz-pure`) was found" in msg
    for how in ("pip install graphviz-pure", "apt-get install graphviz", "brew install graphviz",
                "dnf install graphviz", "conda install -c conda-forge graphviz"):
        assert how in msg
    assert str(tmp_path / "f.gv") in msg and f"dot -Tsvg {tmp_path / 'f.gv'}" in msg
    assert (tmp_path / "f.gv").read_text() == g.source
    assert not (tmp_path / "f.svg").exists()
    assert isinstance(err.value, RuntimeError)
    with pytest.raises(viz.GraphvizNotFoundError, match="pip install graphviz-pure"):
        g._repr_mimebundle_()


def test_jupyter_shows_graphs_inline():
    bundle = small_graph()._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]


@pytest.mark.parametrize("hide_dot", [False, True], ids=["path", "no-dot"])
def test_readme_graphs_script(tmp_path, monkeypatch, hide_dot):
    if hide_dot:
        monkeypatch.setenv("PATH", str(tmp_path))
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
