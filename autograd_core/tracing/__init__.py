"""Evaluation traces (Wengert lists): ``ag.trace(f, *inputs)``.

- ``evaluation.py``: ``trace``, ``Trace``, ``Variable``, ``AdjointStep``:
  the steps of a function, numbered as in the lecture notes, with their
  primal, tangent and adjoint values;
- ``record.py``: recording the op calls a function makes (an observer of
  ``Function.apply``), the trace's inputs and seeds;
- ``render.py``: the symbolic rules of each op and the tables as text,
  Markdown and HTML.
"""
from .evaluation import AdjointStep, Trace, Variable, trace

__all__ = ["trace", "Trace", "Variable", "AdjointStep"]
