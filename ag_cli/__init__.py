"""ag_cli: the ``autograd`` command line (``autograd graph``, ``autograd trace``).

It sits above every layer (it imports ``autograd_core`` and ``nn``), so it is
a package of its own; ``main.py`` holds the entry point declared in
``pyproject.toml``.
"""
