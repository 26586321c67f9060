"""class_weight, the validation loss curve and what early stopping
monitors, and interrupting a fit."""
import signal
import threading

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_classification
from sklearn.metrics import log_loss, recall_score
from sklearn.preprocessing import StandardScaler

from fastnn import MLPClassifier, MLPRegressor, RNNClassifier, _trainer
from fastnn._trainer import hold_out

pytestmark = pytest.mark.usefixtures("quiet")


def imbalanced():
    X, y = make_classification(3000, n_features=10, n_informative=3, weights=[0.95, 0.05],
                               flip_y=0.05, random_state=0)
    return X[:2000], X[2000:], y[:2000], y[2000:]


def test_balanced_class_weight_raises_minority_recall():
    X_train, X_test, y_train, y_test = imbalanced()
    kw = dict(hidden_layer_sizes=(16,), max_iter=50, random_state=0)
    plain = MLPClassifier(**kw).fit(X_train, y_train)
    balanced = MLPClassifier(class_weight="balanced", **kw).fit(X_train, y_train)
    r_plain = recall_score(y_test, plain.predict(X_test))
    r_balanced = recall_score(y_test, balanced.predict(X_test))
    assert r_balanced > r_plain + 0.1, (r_plain, r_balanced)


def test_class_weight_is_a_sample_weight_per_class():
    """A dict of class weights trains exactly like the matching
    sample_weight, and both combine by multiplication."""
    X_train, _, y_train, _ = imbalanced()
    kw = dict(hidden_layer_sizes=(8,), max_iter=3, random_state=0)
    sw = np.where(y_train == 1, 7.0, 1.0)
    by_class = MLPClassifier(class_weight={0: 1.0, 1: 7.0}, **kw).fit(X_train, y_train)
    by_sample = MLPClassifier(**kw).fit(X_train, y_train, sample_weight=sw)
    np.testing.assert_allclose(by_class.coefs_[0], by_sample.coefs_[0], rtol=1e-10)
    extra = np.linspace(0.5, 1.5, len(y_train))
    both = MLPClassifier(class_weight={0: 1.0, 1: 7.0}, **kw).fit(X_train, y_train,
                                                                  sample_weight=extra)
    product = MLPClassifier(**kw).fit(X_train, y_train, sample_weight=sw * extra)
    np.testing.assert_allclose(both.coefs_[0], product.coefs_[0], rtol=1e-10)


def test_class_weight_errors():
    X_train, _, y_train, _ = imbalanced()
    with pytest.raises(ValueError):
        MLPClassifier(class_weight={0: 1.0, 5: 2.0}, max_iter=1).fit(X_train, y_train)
    with pytest.raises(ValueError):
        MLPClassifier(class_weight="heavy", max_iter=1).fit(X_train, y_train)
    multilabel = np.c_[y_train, 1 - y_train]
    with pytest.raises(ValueError, match="list of dicts"):
        MLPClassifier(class_weight={0: 1, 1: 2}, max_iter=1).fit(X_train, multilabel)
    MLPClassifier(class_weight="balanced", max_iter=1).fit(X_train, multilabel)


def digits():
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def test_validation_loss_curve_is_the_held_out_log_loss(monkeypatch):
    X, y = digits()
    held_out = []

    def keeping_hold_out(est, X, y, sample_weight, dtype):
        train, validation = hold_out(est, X, y, sample_weight, dtype)
        held_out.append((X[validation.index], validation.labels))
        return train, validation
    monkeypatch.setattr(_trainer, "hold_out", keeping_hold_out)
    model = MLPClassifier(hidden_layer_sizes=(16,), early_stopping=True, max_iter=15,
                          n_iter_no_change=100, random_state=0).fit(X, y)
    curve = model.validation_loss_curve_
    assert len(curve) == len(model.validation_scores_) == model.n_iter_ == 15
    assert curve[-1] < curve[0]
    assert model.best_validation_loss_ == min(curve)
    # the kept (best-scoring) weights' log-loss on the held-out rows is the
    # curve's entry at that epoch
    best = int(np.argmax(model.validation_scores_))
    [(X_val, y_val)] = held_out
    assert log_loss(y_val, model.predict_proba(X_val)) == pytest.approx(curve[best], rel=1e-6)
    no_es = MLPRegressor(hidden_layer_sizes=(4,), max_iter=2).fit(X, y)
    assert no_es.validation_loss_curve_ is None and no_es.best_validation_loss_ is None


def test_monitoring_the_loss_keeps_the_lowest_loss_weights():
    X, y = digits()
    kw = dict(hidden_layer_sizes=(64,), early_stopping=True, learning_rate_init=0.02,
              max_iter=40, n_iter_no_change=5, random_state=0)
    by_loss = MLPClassifier(monitor="loss", **kw).fit(X, y)
    curve = by_loss.validation_loss_curve_
    best = int(np.argmin(curve))
    # stopped n_iter_no_change + 1 epochs after the best loss (or at max_iter)
    assert by_loss.n_iter_ in (best + kw["n_iter_no_change"] + 2, kw["max_iter"])
    # the kept weights are the best epoch's: refit up to that epoch
    again = MLPClassifier(monitor="loss", **dict(kw, max_iter=best + 1)).fit(X, y)
    np.testing.assert_allclose(by_loss.coefs_[0], again.coefs_[0], rtol=1e-12)
    by_score = MLPClassifier(**kw).fit(X, y)
    assert by_score.validation_loss_curve_ == pytest.approx(curve[:len(
        by_score.validation_loss_curve_)])


class Interrupted(MLPClassifier):
    """Raises KeyboardInterrupt inside the engine's epoch `at` (after
    running it), as Ctrl-C after a batch would."""

    def _engine_net(self, specs):
        net, owner = super()._engine_net(specs), self

        class Wrapper:
            def __getattr__(self, name):
                return getattr(net, name)

            def train_epoch(self, *args):
                total = net.train_epoch(*args)
                if owner.n_iter_ + 1 == owner.at:
                    raise KeyboardInterrupt
                return total

        return Wrapper()


def test_interrupt_keeps_the_best_weights_and_warns():
    X, y = digits()
    kw = dict(hidden_layer_sizes=(16,), max_iter=30, learning_rate_init=0.5, solver="sgd",
              momentum=0.95, random_state=0)
    model = Interrupted(**kw)
    model.at = 12
    with pytest.warns(UserWarning, match="interrupted.*11 complete epoch"):
        model.fit(X, y)
    assert model.n_iter_ == 11
    best = int(np.argmin(model.loss_curve_)) + 1
    reference = MLPClassifier(**dict(kw, max_iter=best)).fit(X, y)
    np.testing.assert_allclose(model.coefs_[0], reference.coefs_[0], rtol=1e-12)
    assert model.score(X, y) > 0.5  # usable


def test_a_real_ctrl_c_leaves_a_fitted_estimator():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((4000, 20, 4))
    y = (X[:, :, 0].sum(axis=1) > 0).astype(int)
    model = RNNClassifier(recurrent_layer_sizes=(32,), max_iter=10_000, tol=0,
                          n_iter_no_change=np.inf, random_state=0)
    timer = threading.Timer(1.0, signal.raise_signal, (signal.SIGINT,))
    timer.start()
    try:
        with pytest.warns(UserWarning, match="interrupted"):
            model.fit(X, y)
    finally:
        timer.cancel()
    assert 0 <= model.n_iter_ < 10_000
    assert model.predict_proba(X[:5]).shape == (5, 2)
