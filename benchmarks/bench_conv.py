"""asv benchmarks for fastnn.ConvClassifier: a smaller version of
compare.py's ``conv`` workload: 2000 28x28 images,
conv 32@3x3 valid + relu + maxpool 2, conv 64@3x3 valid + relu + maxpool 2,
dense 128, adam, batch 128, one epoch."""

import warnings

import numpy as np

from .compare import make_blobs_data

N_SAMPLES, SIDE, N_CLASSES = 2000, 28, 10

PARAMS = dict(filters=(32, 64), kernel_size=3, padding="valid", pool_size=2,
              hidden_layer_sizes=(128,), batch_size=128, max_iter=1, random_state=0,
              early_stopping=False, tol=0.0, n_iter_no_change=10**9)


def _estimator():
    try:
        from fastnn import ConvClassifier
    except ImportError as exc:
        raise NotImplementedError(f"fastnn not importable: {exc}")
    return ConvClassifier(**PARAMS)


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter=1 always warns
        return est.fit(X, y)


class ConvClassifierSuite:
    params = (["float32", "float64"],)
    param_names = ["dtype"]
    timeout = 300

    def setup(self, dtype):
        _estimator()
        self.X, self.y = make_blobs_data(N_SAMPLES, SIDE * SIDE, N_CLASSES, np.dtype(dtype),
                                         seed=0)
        self.fitted = _fit(_estimator(), self.X, self.y)

    def time_fit(self, dtype):
        _fit(_estimator(), self.X, self.y)

    def peakmem_fit(self, dtype):
        _fit(_estimator(), self.X, self.y)

    def time_predict_proba(self, dtype):
        self.fitted.predict_proba(self.X)
