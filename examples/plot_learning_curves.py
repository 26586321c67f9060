"""
Learning curves with early stopping
===================================

An MLP on scikit-learn's digits, stopped by its validation score; the
curves show the training loss, the validation loss and score, and the
epoch whose weights were kept.
"""
from sklearn.datasets import load_digits

from fastnn import MLPClassifier
from fastnn.plot import TrainingCurveDisplay

X, y = load_digits(return_X_y=True)
model = MLPClassifier((64,), max_iter=100, early_stopping=True, random_state=0)
model.fit(X / 16, y)
print("stopped after %d epochs, best validation score %.3f"
      % (model.n_iter_, model.best_validation_score_))
TrainingCurveDisplay.from_estimator(model)
