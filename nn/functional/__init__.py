"""``nn.functional``: every layer and loss of ``nn`` as a function, with
PyTorch's names and signatures (``import nn.functional as F``)."""
from .activation import *  # noqa: F401,F403
from .attention import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .distance import *  # noqa: F401,F403
from .dropout import *  # noqa: F401,F403
from .embedding_bag import *  # noqa: F401,F403
from .layers import *  # noqa: F401,F403
from .loss_classification import *  # noqa: F401,F403
from .loss_embedding import *  # noqa: F401,F403
from .loss_margin import *  # noqa: F401,F403
from .loss_regression import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .spatial import *  # noqa: F401,F403
