"""Callbacks: code that runs after every epoch of a stochastic fit.

A callback is any callable ``callback(estimator, info)``; ``info`` is a
dict of the epoch's figures: ``epoch`` (1, 2, ...), ``loss`` (training),
``validation_score`` and ``validation_loss`` (None without a validation
set), ``learning_rate`` (the base rate the schedule scales) and
``seconds`` (the epoch's time).  Returning True stops the fit after this
epoch.  Setting ``info["learning_rate"]`` changes the base rate from the
next epoch on.  A callback's ``reset()``, where it has one, is called when
a fit starts (not between partial_fit calls), so the state it keeps
belongs to one fit.  Pass them as ``callbacks=[...]`` to any estimator;
they are cloned (deep-copied) with it and pickled with it, so keep them
picklable (classes like these rather than lambdas).
"""
import os
import pickle

import numpy as np

__all__ = ["ModelCheckpoint", "ReduceLROnPlateau"]


class ModelCheckpoint:
    """Save the estimator to a file whenever the monitored figure improves.

    The file holds the model, pickled, as it was after its best epoch so
    far (without its callbacks).  It is written beside the target and
    renamed into place, so an interrupted save leaves the previous one.

    Parameters
    ----------
    path : str
        The file to write.
    monitor : {'loss', 'validation_loss', 'validation_score'}, default='loss'
        The figure to watch: the training or validation loss (lower is
        better) or the validation score (higher is better).  The
        validation figures need early_stopping=True or fit's eval_set.

    Attributes
    ----------
    best_ : float or None
        The best value of the monitored figure so far in this fit.
    best_epoch_ : int or None
        The epoch (from 1) it was reached in.

    See Also
    --------
    ReduceLROnPlateau : Lower the learning rate when progress stalls.
    fastnn.plot.TrainingCurveDisplay : The curves of a fitted model.

    Examples
    --------
    >>> import os, pickle, tempfile
    >>> from sklearn.datasets import load_digits
    >>> from fastnn import MLPClassifier
    >>> from fastnn.callbacks import ModelCheckpoint
    >>> X, y = load_digits(return_X_y=True)
    >>> path = os.path.join(tempfile.mkdtemp(), "best.pkl")
    >>> model = MLPClassifier(max_iter=5, random_state=0,
    ...                       callbacks=[ModelCheckpoint(path)]).fit(X / 16, y)
    >>> with open(path, "rb") as f:
    ...     best = pickle.load(f)
    >>> best.n_iter_ == model.callbacks[0].best_epoch_
    True
    """

    def __init__(self, path, monitor="loss"):
        if monitor not in ("loss", "validation_loss", "validation_score"):
            raise ValueError("monitor must be 'loss', 'validation_loss' or "
                             "'validation_score', got %r." % (monitor,))
        self.path = path
        self.monitor = monitor
        self.reset()

    def reset(self):
        self.best_ = None
        self.best_epoch_ = None

    def __call__(self, estimator, info):
        value = info[self.monitor]
        if value is None:
            raise ValueError("ModelCheckpoint monitors %r, which this fit does not compute "
                             "(a validation set needs early_stopping=True or eval_set)."
                             % self.monitor)
        sign = 1 if self.monitor == "validation_score" else -1
        if self.best_ is None or sign * value > sign * self.best_:
            self.best_, self.best_epoch_ = value, info["epoch"]
            partial = self.path + ".part"
            callbacks, estimator.callbacks = estimator.callbacks, None  # the model alone
            try:
                with open(partial, "wb") as f:
                    pickle.dump(estimator, f)
            finally:
                estimator.callbacks = callbacks
            os.replace(partial, self.path)
        return False


class ReduceLROnPlateau:
    """Lower the learning rate when the monitored figure stops improving.

    Parameters
    ----------
    monitor : {'loss', 'validation_loss', 'validation_score'}, default='loss'
        The figure to watch, as ModelCheckpoint's.
    factor : float, default=0.5
        What the rate is multiplied by, in (0, 1).
    patience : int, default=5
        Epochs without an improvement of more than min_delta before the
        rate is lowered (and between two lowerings).
    min_delta : float, default=1e-4
        The least change that counts as an improvement.
    min_lr : float, default=1e-6
        The rate is never lowered below this.

    Attributes
    ----------
    best_ : float or None
        The best value of the monitored figure so far in this fit.
    wait_ : int
        Epochs since it last improved (or since the rate was last lowered).

    See Also
    --------
    ModelCheckpoint : Keep the best model in a file.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from fastnn import MLPClassifier
    >>> from fastnn.callbacks import ReduceLROnPlateau
    >>> X, y = load_digits(return_X_y=True)
    >>> model = MLPClassifier(solver="sgd", max_iter=20, random_state=0,
    ...                       callbacks=[ReduceLROnPlateau(patience=2)]).fit(X / 16, y)
    >>> model.n_iter_
    20
    """

    def __init__(self, monitor="loss", factor=0.5, patience=5, min_delta=1e-4, min_lr=1e-6):
        if not 0 < factor < 1:
            raise ValueError("factor must be in (0, 1), got %r." % (factor,))
        self.monitor = monitor
        self.factor = factor
        self.patience = patience
        self.min_delta = min_delta
        self.min_lr = min_lr
        self.reset()

    def reset(self):
        self.best_ = None
        self.wait_ = 0

    def __call__(self, estimator, info):
        value = info[self.monitor]
        if value is None or not np.isfinite(value):
            return False
        sign = 1 if self.monitor == "validation_score" else -1
        if self.best_ is None or sign * (value - self.best_) > self.min_delta:
            self.best_, self.wait_ = value, 0
            return False
        self.wait_ += 1
        if self.wait_ >= self.patience:
            info["learning_rate"] = max(self.min_lr, info["learning_rate"] * self.factor)
            self.wait_ = 0
        return False
