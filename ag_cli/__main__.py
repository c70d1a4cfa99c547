"""``python -m ag_cli``: the same as the ``autograd`` console script."""
import sys

from .main import main

sys.exit(main())
