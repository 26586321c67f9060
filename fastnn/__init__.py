"""fastnn: fast neural networks as scikit-learn estimators."""
from .conv import ConvClassifier, ConvRegressor
from .mlp import MLPClassifier, MLPRegressor

__version__ = "0.1.0"
__all__ = ["ConvClassifier", "ConvRegressor", "MLPClassifier", "MLPRegressor", "__version__"]
