"""fastnn: fast neural networks as scikit-learn estimators."""
from ._wait_policy import WAIT_POLICY  # noqa: F401  first: loads the engine (see there)
from .autoencoder import AutoencoderTransformer
from .conv import ConvClassifier, ConvRegressor
from . import exceptions, layers, text
from ._cuda import cuda_available
from ._precision import bf16_supported
from ._version import __version__
from .mlp import MLPClassifier, MLPRegressor
from .net import NetClassifier, NetRegressor
from .rnn import RNNClassifier, RNNRegressor
from .transformer import TransformerClassifier, TransformerRegressor
from .windows import make_windows

__all__ = ["AutoencoderTransformer", "ConvClassifier", "ConvRegressor", "MLPClassifier",
           "MLPRegressor", "NetClassifier", "NetRegressor", "RNNClassifier", "RNNRegressor",
           "TransformerClassifier", "TransformerRegressor", "bf16_supported", "cuda_available",
           "exceptions", "layers", "make_windows", "text", "__version__"]
