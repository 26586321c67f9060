"""asv benchmarks for fastnn.TransformerClassifier: a smaller version of
compare.py's ``transformer`` workload: 2000 sequences of 64 token ids, an
embedding of 64 values and learned positions, two pre-norm encoder
blocks (4 heads, feed-forward 256), mean over the steps, adam, batch 128,
one epoch."""

import warnings

import numpy as np

from .compare import TRANSFORMER, make_token_data

PARAMS = dict(vocab_size=TRANSFORMER["vocab"], d_model=TRANSFORMER["d_model"],
              heads=TRANSFORMER["heads"], ff=TRANSFORMER["ff"],
              encoder_layers=TRANSFORMER["layers"], positions="learned", pooling="avg",
              encoder_dropout=0.0, solver="adam", batch_size=128, learning_rate_init=1e-3,
              max_iter=1, random_state=0,
              # one full epoch every time: nothing may stop it early
              early_stopping=False, tol=0.0, n_iter_no_change=10**9)


def _estimator():
    # Imported here, not at module level, so that asv can discover this
    # file even where fastnn (or its Transformers) is not built.
    try:
        from fastnn import TransformerClassifier
    except ImportError as exc:
        raise NotImplementedError(f"fastnn.TransformerClassifier not importable: {exc}")
    return TransformerClassifier(**PARAMS)


def _fit(X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter=1 always warns
        return _estimator().fit(X, y)


class TransformerClassifierSuite:
    params = (["float32", "float64"],)
    param_names = ["dtype"]
    timeout = 300

    def setup(self, dtype):
        _estimator()
        X, self.y = make_token_data(dict(TRANSFORMER, n_samples=2000), seed=0)
        self.X = X.astype(dtype)
        self.fitted = _fit(self.X, self.y)

    def time_fit(self, dtype):
        _fit(self.X, self.y)

    def peakmem_fit(self, dtype):
        _fit(self.X, self.y)

    def time_predict_proba(self, dtype):
        self.fitted.predict_proba(self.X)
