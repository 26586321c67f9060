"""asv benchmarks for fastnn.RNNRegressor: a smaller version of compare.py's
``lstm`` workload: 2000 sequences of 50 steps x 8
features, one recurrent layer of 64 units (LSTM, and GRU as a variant),
linear head, squared error, adam, batch 64, one epoch."""

import warnings

import numpy as np

from .compare import make_sequence_data

N_SAMPLES, N_STEPS, N_FEATURES = 2000, 50, 8

PARAMS = dict(recurrent_layer_sizes=(64,), hidden_layer_sizes=(), solver="adam",
              batch_size=64, learning_rate_init=1e-3, max_iter=1, shuffle=True,
              random_state=0,
              # one full epoch every time: nothing may stop it early
              early_stopping=False, tol=0.0, n_iter_no_change=10**9)


def _estimator(cell):
    # Imported here, not at module level, so that asv can discover this
    # file even where fastnn (or its RNNs) is not built.
    try:
        from fastnn import RNNRegressor
    except ImportError as exc:
        raise NotImplementedError(f"fastnn.RNNRegressor not importable: {exc}")
    return RNNRegressor(cell=cell, **PARAMS)


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter=1 always warns
        return est.fit(X, y)


class RNNRegressorSuite:
    params = (["lstm", "gru"], ["float32", "float64"])
    param_names = ["cell", "dtype"]
    timeout = 300

    def setup(self, cell, dtype):
        _estimator(cell)
        self.X, self.y = make_sequence_data(N_SAMPLES, N_STEPS, N_FEATURES, np.dtype(dtype),
                                            seed=0)
        self.fitted = _fit(_estimator(cell), self.X, self.y)

    def time_fit(self, cell, dtype):
        _fit(_estimator(cell), self.X, self.y)

    def peakmem_fit(self, cell, dtype):
        _fit(_estimator(cell), self.X, self.y)

    def time_predict(self, cell, dtype):
        self.fitted.predict(self.X)
