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


class ModelCheckpoint:
    """Save the estimator to `path` (pickle) whenever the monitored figure
    improves: 'validation_score' (higher is better), 'validation_loss' or
    'loss' (lower is better).  The file holds the model as it was after its
    best epoch so far (without its callbacks); `best_` is that figure,
    `best_epoch_` its epoch."""

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
    """Multiply the learning rate by `factor` when the monitored figure has
    not improved by more than `min_delta` for `patience` epochs, down to
    `min_lr`."""

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
