"""Every primitive op, grouped by family. Each module lists its public
functions in ``__all__`` and the Tensor methods it provides in ``METHODS``;
``install_methods`` attaches those to ``Tensor``."""
from . import (
    activation,
    arith,
    batchnorm,
    broadcast,
    compare,
    conv,
    convert,
    index,
    inplace,
    join,
    linalg,
    pool,
    reduce,
    reduce_prod,
    reduce_softmax,
    reduce_sort,
    select,
    shape,
    shape_tile,
    trig,
    unary,
)
from .activation import *  # noqa: F401,F403
from .arith import *  # noqa: F401,F403
from .batchnorm import *  # noqa: F401,F403
from .broadcast import *  # noqa: F401,F403
from .compare import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .convert import *  # noqa: F401,F403
from .index import *  # noqa: F401,F403
from .join import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .pool import *  # noqa: F401,F403
from .reduce import *  # noqa: F401,F403
from .reduce_prod import *  # noqa: F401,F403
from .reduce_softmax import *  # noqa: F401,F403
from .reduce_sort import *  # noqa: F401,F403
from .select import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
from .shape_tile import *  # noqa: F401,F403
from .trig import *  # noqa: F401,F403
from .unary import *  # noqa: F401,F403

FAMILIES = (arith, broadcast, convert, unary, activation, select, reduce, shape, index, linalg,
            compare, inplace)
FAMILIES += (join,)
FAMILIES += (trig,)
FAMILIES += (reduce_prod, reduce_softmax, reduce_sort)
FAMILIES += (shape_tile,)
FAMILIES += (conv,)
FAMILIES += (pool, batchnorm)


def install_methods(cls):
    for family in FAMILIES:
        for name, fn in family.METHODS.items():
            setattr(cls, name, fn)
