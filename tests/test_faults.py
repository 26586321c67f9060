"""A fit that fails part way (a MemoryError, a callback's exception, bad
input) leaves the estimator as it was: fitted as before, or unfitted.
Ctrl-C during the epochs stops the fit and keeps a usable model (see
test_training_control.py); divergence keeps the last finite weights.  A
model saved by another fastnn version loads with a warning naming both."""
import pickle
import warnings

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from fastnn import ConvClassifier, MLPClassifier, MLPRegressor, RNNRegressor
from fastnn import __version__, _trainer
from fastnn.exceptions import InconsistentVersionWarning


class FailAt:
    """A callback raising `error` at epoch `epoch` (counted over fits)."""

    def __init__(self, epoch, error):
        self.epoch, self.error, self.calls = epoch, error, 0

    def __call__(self, estimator, info):
        self.calls += 1
        if self.calls == self.epoch:
            raise self.error
        return False


def data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 16))
    return X, (X[:, 0] + X[:, 1] > 0).astype(int)


def snapshot(model):
    """What must not change: predictions, curves, counters, the
    optimizer's state, all through a pickle (a deep copy)."""
    return pickle.loads(pickle.dumps(model))


def assert_same(model, before, X):
    np.testing.assert_array_equal(model.predict_proba(X), before.predict_proba(X))
    assert model.loss_curve_ == before.loss_curve_
    assert (model.n_iter_, model.t_, model.loss_) == (before.n_iter_, before.t_, before.loss_)
    np.testing.assert_array_equal(model._optimizer.state, before._optimizer.state)
    assert model._optimizer.t == before._optimizer.t


ESTIMATORS = [
    (MLPClassifier, {"hidden_layer_sizes": (8,)}, lambda X: X),
    (ConvClassifier, {"filters": (3,), "hidden_layer_sizes": ()}, lambda X: X.reshape(-1, 4, 4)),
]


@pytest.mark.parametrize("Estimator, kwargs, shape", ESTIMATORS,
                         ids=[e[0].__name__ for e in ESTIMATORS])
@pytest.mark.parametrize("error", [RuntimeError("callback failed"), MemoryError()],
                         ids=["RuntimeError", "MemoryError"])
def test_a_failed_first_fit_leaves_the_estimator_unfitted(Estimator, kwargs, shape, error):
    X, y = data()
    model = Estimator(max_iter=10, random_state=0, callbacks=[FailAt(3, error)], **kwargs)
    with pytest.raises(type(error)):
        model.fit(shape(X), y)
    with pytest.raises(NotFittedError):
        check_is_fitted(model)
    assert not [k for k in vars(model) if k.endswith("_") and not k.startswith("_")]
    # and it fits cleanly afterwards
    model.set_params(callbacks=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(shape(X), y)
    assert model.n_iter_ == 10


@pytest.mark.parametrize("how", ["warm_start", "partial_fit"])
def test_a_failed_later_fit_leaves_the_estimator_as_it_was(how):
    X, y = data()
    model = MLPClassifier(hidden_layer_sizes=(8,), max_iter=4, random_state=0,
                          warm_start=how == "warm_start")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    before = snapshot(model)
    model.set_params(callbacks=[FailAt(2 if how == "warm_start" else 1, MemoryError())])
    with pytest.raises(MemoryError):
        model.fit(X, y) if how == "warm_start" else model.partial_fit(X, y)
    assert_same(model, before, X)
    # the next step is the one the untouched model would take
    model.set_params(callbacks=None)
    model.partial_fit(X, y)
    before.partial_fit(X, y)
    assert_same(model, before, X)


def test_an_allocation_failure_inside_the_epoch_loop_restores_the_model(monkeypatch):
    X, y = data()
    model = MLPRegressor(hidden_layer_sizes=(8,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    before = snapshot(model)

    def fail(self, params, loss, epoch):
        raise MemoryError("simulated")
    monkeypatch.setattr(_trainer.KeptWeights, "after_epoch", fail)
    with pytest.raises(MemoryError, match="simulated"):
        model.partial_fit(X, y)
    np.testing.assert_array_equal(model.predict(X), before.predict(X))
    assert model.loss_curve_ == before.loss_curve_ and model.t_ == before.t_


def test_bad_input_on_partial_fit_changes_nothing():
    X, y = data()
    model = RNNRegressor(recurrent_layer_sizes=(4,), max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X.reshape(-1, 4, 4), y)
    before = snapshot(model)
    bad = X.reshape(-1, 4, 4).copy()
    bad[3, 2, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.partial_fit(bad, y)
    np.testing.assert_array_equal(model.predict(X.reshape(-1, 4, 4)),
                                  before.predict(X.reshape(-1, 4, 4)))
    assert model.loss_curve_ == before.loss_curve_


def test_ctrl_c_from_a_callback_keeps_a_usable_model():
    X, y = data()
    model = MLPClassifier(hidden_layer_sizes=(8,), max_iter=10, random_state=0,
                          callbacks=[FailAt(3, KeyboardInterrupt())])
    with pytest.warns(UserWarning, match="interrupted"):
        model.fit(X, y)
    assert model.n_iter_ == 3 and len(model.loss_curve_) == 3
    assert model.predict(X).shape == y.shape


def test_a_model_saved_by_another_version_loads_with_a_warning_naming_both():
    X, y = data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MLPClassifier(hidden_layer_sizes=(4,), max_iter=2).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the same version: no warning
        same = pickle.loads(pickle.dumps(model))
    state = model.__getstate__()
    assert state["_fastnn_version"] == __version__
    state["_fastnn_version"] = "0.0.9"
    older = MLPClassifier.__new__(MLPClassifier)
    with pytest.warns(InconsistentVersionWarning) as caught:
        older.__setstate__(state)
    message = str(caught[0].message)
    assert "0.0.9" in message and __version__ in message and "MLPClassifier" in message
    assert caught[0].message.original_fastnn_version == "0.0.9"
    np.testing.assert_array_equal(older.predict_proba(X), same.predict_proba(X))
