"""fastnn: fast neural networks as scikit-learn estimators."""
from .mlp import MLPClassifier, MLPRegressor

__version__ = "0.1.0"
__all__ = ["MLPClassifier", "MLPRegressor", "__version__"]
