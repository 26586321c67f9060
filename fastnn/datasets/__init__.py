"""Data sets for the examples and tests, returned as scikit-learn's
loaders return theirs (Bunch objects, return_X_y)."""
from ._fashion_mnist import FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, load_fashion_mnist
from ._home import get_data_home
from ._idx import read_idx
from ._python_help import load_python_help
from ._sunspots import load_sunspots

__all__ = ["FASHION_MNIST_CLASSES", "FASHION_MNIST_DIR", "get_data_home", "load_fashion_mnist",
           "load_python_help", "load_sunspots", "read_idx"]
