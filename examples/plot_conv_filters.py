"""
A conv net on the digit images
==============================

A ConvClassifier on scikit-learn's 8x8 digits, and the filters its first
layer learned.
"""
import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from fastnn import ConvClassifier
from fastnn.plot import FilterDisplay

# the fits below stop at max_iter on purpose: no need to say so
warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X.reshape(-1, 8, 8) / 16, y,
                                                    random_state=0)
model = ConvClassifier(filters=(16, 32), hidden_layer_sizes=(64,), max_iter=15,
                       learning_rate_init=3e-3, random_state=0).fit(X_train, y_train)
print("test accuracy %.3f" % model.score(X_test, y_test))
model.summary()
FilterDisplay.from_estimator(model)
