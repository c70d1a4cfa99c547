"""Running a Graphviz layout program: ``render`` (a graph to SVG, PNG or PDF),
``pipe`` (the bytes) and ``Digraph`` (a ``graphviz.Digraph`` that displays
inline in Jupyter and pipes through the same program).

The program is Graphviz's ``dot`` when it is on PATH (a system install is
preferred), else ``graphviz-pure``, a self-contained port of Graphviz that
pip installs with this package (it has no PDF output: a PDF is then its PNG
at ``PDF_DPI`` dots per inch on a page of the drawing's size, written by
Pillow). Without either, ``GraphvizNotFoundError`` says how to get one, and
``render`` writes the DOT source next to the requested file (suffix ``.gv``).
"""
import os
import shutil
import subprocess
import sys
import sysconfig
from io import BytesIO
from pathlib import Path

import graphviz

FORMATS = ("svg", "png", "pdf", "gv", "dot")
PDF_DPI = 300
TIMEOUT = 300  # seconds for one layout

INSTALL = ("Install one of:\n"
           "  pip install graphviz-pure       (a self-contained port of Graphviz; a dependency of this package)\n"
           "  Debian/Ubuntu:  sudo apt-get install graphviz\n"
           "  Fedora/RHEL:    sudo dnf install graphviz\n"
           "  macOS:          brew install graphviz\n"
           "  conda:          conda install -c conda-forge graphviz\n"
           "  Windows:        winget install graphviz  (or https://graphviz.org/download/)")


class GraphvizNotFoundError(RuntimeError):
    """Neither Graphviz's ``dot`` nor ``graphviz-pure`` is installed (or on PATH)."""


def layout_program():
    """``(name, path)`` of the program that lays graphs out: ``'dot'`` (Graphviz
    on PATH) or ``'graphviz-pure'`` (on PATH or beside this Python, as in a
    virtual environment that is not activated); None when there is neither."""
    dot = shutil.which("dot")
    if dot:
        return "dot", dot
    return _pure()


def _pure():
    name = "graphviz-pure"
    found = shutil.which(name)
    if found:
        return name, found
    exe = name + (".exe" if os.name == "nt" else "")
    for folder in (sysconfig.get_path("scripts"), os.path.dirname(sys.executable)):
        path = os.path.join(folder or "", exe)
        if folder and os.path.isfile(path) and os.access(path, os.X_OK):
            return name, path
    return None


def pipe(source, format="svg", engine="dot"):
    """The DOT text ``source`` laid out by ``engine`` and drawn in ``format``
    (any format of the program: 'svg', 'png', 'pdf', 'jpeg', ...), as bytes."""
    prog = layout_program()
    if prog is None:
        raise GraphvizNotFoundError(f"no Graphviz program was found to draw the graph as {format}.\n{INSTALL}")
    name, path = prog
    if name == "graphviz-pure" and format == "pdf":
        return _png_to_pdf(_run(path, source, "png", engine, [f"-Gdpi={PDF_DPI}"]))
    return _run(path, source, format, engine)


def _run(path, source, format, engine, extra=()):
    cmd = [path, f"-K{engine}", f"-T{format}", *extra]
    try:
        res = subprocess.run(cmd, input=source.encode("utf-8"), capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"render: {Path(path).name} took more than {TIMEOUT} s to lay out the graph") from None
    if res.returncode != 0:
        raise RuntimeError(f"render: {Path(path).name} failed with exit code {res.returncode}: "
                           f"{res.stderr.decode(errors='replace').strip()}")
    return res.stdout


def _png_to_pdf(png):
    """One PDF page holding the PNG (drawn at ``PDF_DPI``) at the drawing's size."""
    try:
        from PIL import Image
    except ImportError:
        raise RuntimeError("render: a PDF drawn without Graphviz's `dot` needs Pillow (pip install pillow); "
                           "or draw SVG/PNG") from None
    out = BytesIO()
    with Image.open(BytesIO(png)) as im:
        im.convert("RGB").save(out, format="PDF", resolution=PDF_DPI)
    return out.getvalue()


def render(graph, path, format=None, keep_source=False):
    """Draw ``graph`` (a ``graphviz`` graph or DOT text) to ``path`` and return
    the path written. ``format``: 'svg', 'png' or 'pdf' (default: the file's
    suffix, else 'svg'; a path without suffix gets one), or 'gv'/'dot' for
    the DOT source only. The source is also written to ``path`` with suffix
    ``.gv`` when ``keep_source`` is true or when no layout program is found."""
    source = graph if isinstance(graph, str) else getattr(graph, "source", None)
    if not isinstance(source, str):
        raise TypeError(f"render: expected a graphviz graph or DOT text, got {type(graph).__name__}")
    path = Path(path)
    fmt = (format or path.suffix.lstrip(".") or "svg").lower()
    if fmt not in FORMATS:
        raise ValueError(f"render: unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if not path.suffix:
        path = path.with_suffix("." + fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt in ("gv", "dot"):
        path.write_text(source, encoding="utf-8")
        return path
    src = path.with_suffix(".gv")
    found = layout_program() is not None
    if keep_source or not found:
        src.write_text(source, encoding="utf-8")
    if not found:
        raise GraphvizNotFoundError(
            f"render: no Graphviz program (`dot` or `graphviz-pure`) was found, so {path} could not be drawn. "
            f"The DOT source was written to {src}.\n{INSTALL}\nThen run:  dot -T{fmt} {src} -o {path}")
    path.write_bytes(pipe(source, fmt))
    return path


class Digraph(graphviz.Digraph):
    """``graphviz.Digraph`` whose ``pipe`` and ``render`` (and so its inline
    display in Jupyter) use ``dot`` when it is on PATH and ``graphviz-pure``
    otherwise."""

    def pipe(self, format=None, renderer=None, formatter=None, neato_no_op=None, quiet=False, *,
             engine=None, encoding=None):
        if shutil.which("dot") or renderer or formatter or neato_no_op:
            return super().pipe(format, renderer=renderer, formatter=formatter, neato_no_op=neato_no_op,
                                quiet=quiet, engine=engine, encoding=encoding)
        out = pipe(self.source, format or self.format, engine or self.engine)
        return out if encoding is None else out.decode(encoding)

    def render(self, filename=None, directory=None, view=False, cleanup=False, format=None, renderer=None,
               formatter=None, neato_no_op=None, quiet=False, quiet_view=False, *, outfile=None, engine=None,
               raise_if_result_exists=False, overwrite_source=False):
        if shutil.which("dot") or renderer or formatter or neato_no_op:
            return super().render(filename, directory=directory, view=view, cleanup=cleanup, format=format,
                                  renderer=renderer, formatter=formatter, neato_no_op=neato_no_op, quiet=quiet,
                                  quiet_view=quiet_view, outfile=outfile, engine=engine,
                                  raise_if_result_exists=raise_if_result_exists, overwrite_source=overwrite_source)
        if outfile is not None:
            outfile = Path(outfile) if directory is not None else Path(self.directory, outfile)
            format = format or outfile.suffix.lstrip(".") or None
            filename = filename or outfile.with_suffix(".gv")
        fmt = format or self.format
        source_path = self.save(filename, directory=directory)
        target = Path(outfile) if outfile is not None else Path(f"{source_path}.{fmt}")
        if target.resolve() == Path(source_path).resolve() and not overwrite_source:
            raise ValueError(f"outfile {os.fspath(target)!r} must be different from the DOT source file")
        if raise_if_result_exists and target.exists():
            raise graphviz.FileExistsError(f"output file exists: {os.fspath(target)!r}")
        target.write_bytes(pipe(self.source, fmt, engine or self.engine))
        if cleanup:
            os.remove(source_path)
        if view or quiet_view:  # the graphviz package's viewer
            self._view(target, format=fmt, quiet=quiet_view)
        return os.fspath(target)
