"""nn: modules, layers, losses, initialisation and functional forms, with
PyTorch's names, arguments, defaults, parameter shapes and state-dict keys
(built on autograd_core only).

    import autograd_core as ag
    import nn
    import nn.functional as F

    model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
    loss = nn.CrossEntropyLoss()(model(x), y)
"""
from . import checkpoint, functional, init, metrics, parallel, plots, utils
from .activation import (
    CELU,
    ELU,
    GELU,
    GLU,
    SELU,
    Hardshrink,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LeakyReLU,
    LogSigmoid,
    LogSoftmax,
    Mish,
    PReLU,
    ReLU,
    ReLU6,
    RReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softmax2d,
    Softmin,
    Softplus,
    Softshrink,
    Softsign,
    Tanh,
    Tanhshrink,
    Threshold,
)
from .attention import MultiheadAttention
from .callbacks import Callback, EarlyStopping, LRSchedulerCallback, ModelCheckpoint
from .checkpoint import load_checkpoint, save_checkpoint
from .containers import ModuleDict, ModuleList, Sequential
from .conv import Conv1d, Conv2d, Conv3d
from .conv_transpose import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .distance import CosineSimilarity, PairwiseDistance
from .dropout import AlphaDropout, Dropout, Dropout1d, Dropout2d, Dropout3d, FeatureAlphaDropout
from .embedding import Embedding, EmbeddingBag
from .flatten import Flatten, Unflatten
from .history import History
from .linear import Bilinear, Identity, Linear
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    GaussianNLLLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    PoissonNLLLoss,
    SmoothL1Loss,
)
from .loss_margin import (
    CosineEmbeddingLoss,
    HingeEmbeddingLoss,
    MarginRankingLoss,
    MultiLabelMarginLoss,
    MultiLabelSoftMarginLoss,
    MultiMarginLoss,
    SoftMarginLoss,
    TripletMarginLoss,
    TripletMarginWithDistanceLoss,
)
from .module import Module
from .normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d, LayerNorm, RMSNorm
from .normalization_group import GroupNorm, LocalResponseNorm
from .normalization_instance import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from .parameter import Buffer, Parameter
from .parameter_containers import ParameterDict, ParameterList
from .pooling import AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, AvgPool3d, MaxPool2d, MaxPool3d, MaxUnpool2d
from .rnn import GRU, LSTM, RNN, RNNBase
from .rnn_cells import GRUCell, LSTMCell, RNNCell
from .summary import summarize, summary
from .tensorboard import TensorBoard
from .training import evaluate, fit, predict
from .transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)
from .upsampling import (
    Fold,
    PixelShuffle,
    PixelUnshuffle,
    Unfold,
    Upsample,
    UpsamplingBilinear2d,
    UpsamplingNearest2d,
)

__all__ = [
    "RNNBase", "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell",
    "functional", "init", "parallel", "utils", "Module", "Parameter", "Buffer", "summary", "summarize",
    "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict",
    "Identity", "Linear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
    "ConvTranspose3d", "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d", "MaxPool2d", "AvgPool2d",
    "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "MaxPool3d", "AvgPool3d", "MaxUnpool2d", "PixelShuffle",
    "PixelUnshuffle", "Fold", "Unfold",
    "BatchNorm1d", "BatchNorm2d", "LayerNorm", "Dropout", "Dropout1d", "Dropout2d", "Flatten",
    "Unflatten", "Embedding",
    "ReLU", "ReLU6", "LeakyReLU", "ELU", "GELU", "SiLU", "Sigmoid", "Tanh", "Hardtanh", "Softplus",
    "Softmax", "LogSoftmax", "CELU", "SELU", "Hardswish", "Hardsigmoid", "Mish", "Softsign", "LogSigmoid", "GLU",
    "PReLU", "RReLU", "Softmin", "Tanhshrink", "Threshold", "Hardshrink", "Softshrink", "Softmax2d",
    "MultiheadAttention", "Transformer", "TransformerEncoder", "TransformerDecoder", "TransformerEncoderLayer",
    "TransformerDecoderLayer",
    "MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss",
    "NLLLoss", "KLDivLoss", "GaussianNLLLoss", "PoissonNLLLoss", "MarginRankingLoss", "HingeEmbeddingLoss",
    "CosineEmbeddingLoss", "TripletMarginLoss", "TripletMarginWithDistanceLoss", "SoftMarginLoss",
    "MultiLabelSoftMarginLoss", "MultiMarginLoss", "MultiLabelMarginLoss",
    "BatchNorm3d", "RMSNorm", "GroupNorm", "LocalResponseNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d",
    "Dropout3d", "AlphaDropout", "FeatureAlphaDropout", "Bilinear", "EmbeddingBag", "CosineSimilarity",
    "PairwiseDistance",
    "fit", "evaluate", "predict", "History", "Callback", "EarlyStopping", "ModelCheckpoint",
    "LRSchedulerCallback", "TensorBoard", "save_checkpoint", "load_checkpoint", "metrics", "plots", "checkpoint",
]
