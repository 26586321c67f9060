"""fastnn: fast neural networks as scikit-learn estimators."""
from ._wait_policy import WAIT_POLICY  # noqa: F401  first: loads the engine (see there)
from .conv import ConvClassifier, ConvRegressor
from .mlp import MLPClassifier, MLPRegressor
from .rnn import RNNClassifier, RNNRegressor
from .windows import make_windows

__version__ = "0.1.0"
__all__ = ["ConvClassifier", "ConvRegressor", "MLPClassifier", "MLPRegressor", "RNNClassifier",
           "RNNRegressor", "make_windows", "__version__"]
