"""asv benchmarks for the small fits users run most (the speed issue's
first two workloads): scikit-learn's digits, StandardScaler, an
MLPClassifier of hidden (128, 64) for 60 epochs, alone and in a 6-candidate
GridSearchCV; and serving one row at a time.  `n_threads` 1 and 2 show
whether the second thread pays."""

import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

GRID = {"mlpclassifier__hidden_layer_sizes": [(64,), (128,), (128, 64)],
        "mlpclassifier__alpha": [1e-4, 1e-2]}


def _estimator(**params):
    try:
        from fastnn import MLPClassifier
    except ImportError as exc:
        raise NotImplementedError(f"fastnn not importable: {exc}")
    return MLPClassifier(random_state=0, **params)


def _quietly(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 60 epochs end in ConvergenceWarning
        return fn(*args)


class SmallFit:
    params = ([1, 2],)
    param_names = ["n_threads"]
    timeout = 300

    def setup(self, n_threads):
        _estimator()
        X, self.y = load_digits(return_X_y=True)
        self.X = StandardScaler().fit_transform(X).astype(np.float32)

    def time_digits_fit(self, n_threads):
        model = _estimator(hidden_layer_sizes=(128, 64), max_iter=60, n_threads=n_threads)
        _quietly(model.fit, self.X, self.y)

    def time_grid_search(self, n_threads):
        pipe = make_pipeline(StandardScaler(), _estimator(max_iter=60, n_threads=n_threads))
        _quietly(GridSearchCV(pipe, GRID, cv=3).fit, self.X, self.y)


class OneRowPredict:
    params = (["mlp", "conv", "rnn"],)
    param_names = ["network"]

    def setup(self, network):
        _estimator()
        from fastnn import ConvClassifier, RNNClassifier
        X, y = load_digits(return_X_y=True)
        self.row = X[:1] / 16.0
        make = {"mlp": lambda: _estimator(hidden_layer_sizes=(256, 128), max_iter=5),
                "conv": lambda: ConvClassifier(max_iter=2, random_state=0),
                "rnn": lambda: RNNClassifier(max_iter=2, random_state=0)}[network]
        self.model = _quietly(make().fit, X / 16.0, y)

    def time_predict_proba_one_row(self, network):
        self.model.predict_proba(self.row)
