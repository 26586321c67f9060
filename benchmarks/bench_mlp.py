"""asv benchmarks for fastnn.MLPClassifier.

A smaller version of compare.py's ``mlp`` workload:
10000 x 784 blobs, 10 classes, hidden (256, 128) relu, adam, batch 128,
exactly one epoch, in float32 and float64.
"""

import warnings

import numpy as np

from .compare import make_blobs_data

N_SAMPLES, N_FEATURES, N_CLASSES = 10000, 784, 10

PARAMS = dict(
    hidden_layer_sizes=(256, 128), activation="relu", solver="adam",
    batch_size=128, learning_rate_init=1e-3, max_iter=1, shuffle=True,
    random_state=0,
    # one full epoch every time: nothing may stop it early
    early_stopping=False, tol=0.0, n_iter_no_change=10**9,
)


def _estimator():
    try:
        from fastnn import MLPClassifier
    except ImportError as exc:
        # asv reports a benchmark whose setup raises NotImplementedError as
        # skipped rather than failed.
        raise NotImplementedError(f"fastnn not importable: {exc}")
    return MLPClassifier(**PARAMS)


def _fit(est, X, y):
    with warnings.catch_warnings():
        # max_iter=1 always ends in a ConvergenceWarning; it is expected here.
        warnings.simplefilter("ignore")
        return est.fit(X, y)


class _Data:
    params = (["float32", "float64"],)
    param_names = ["dtype"]
    timeout = 300

    def setup(self, dtype):
        _estimator()  # skip early if fastnn is missing
        self.X, self.y = make_blobs_data(N_SAMPLES, N_FEATURES, N_CLASSES,
                                         np.dtype(dtype), seed=0)


class MLPClassifierFit(_Data):
    # Only data in setup: asv's peakmem counts what setup allocates too.

    def time_fit(self, dtype):
        _fit(_estimator(), self.X, self.y)

    def peakmem_fit(self, dtype):
        _fit(_estimator(), self.X, self.y)


class MLPClassifierPredict(_Data):

    def setup(self, dtype):
        super().setup(dtype)
        self.fitted = _fit(_estimator(), self.X, self.y)  # not timed

    def time_predict_proba(self, dtype):
        self.fitted.predict_proba(self.X)

    def track_train_accuracy(self, dtype):
        return float(np.mean(self.fitted.predict(self.X) == self.y))

    track_train_accuracy.unit = "accuracy"
