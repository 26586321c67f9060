"""
Learning curves with early stopping
===================================

An MLP on scikit-learn's digits, stopped by its validation score; the
curves show the training loss, the validation loss and score, and the
epoch whose weights were kept.
"""
import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from fastnn import MLPClassifier
from fastnn.plot import TrainingCurveDisplay

# the fits below stop at max_iter on purpose: no need to say so
warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_digits(return_X_y=True)
model = MLPClassifier((64,), max_iter=100, early_stopping=True, random_state=0)
model.fit(X / 16, y)
print("stopped after %d epochs, best validation score %.3f"
      % (model.n_iter_, model.best_validation_score_))
TrainingCurveDisplay.from_estimator(model)
