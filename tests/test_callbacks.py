"""An explicit validation set (eval_set), verbose output and callbacks."""
import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from fastnn import MLPClassifier, MLPRegressor, NetClassifier
from fastnn import layers as L
from fastnn.callbacks import ModelCheckpoint, ReduceLROnPlateau

pytestmark = pytest.mark.usefixtures("quiet")


@pytest.fixture(scope="module")
def split(digits):
    X, y = digits
    return X[:1200], y[:1200], X[1200:], y[1200:]


class Recorder:
    """Keeps every epoch's figures; stops after `stop_at` epochs."""

    def __init__(self, stop_at=None):
        self.stop_at = stop_at
        self.seen = []

    def __call__(self, estimator, info):
        self.seen.append(dict(info, score=estimator.score(*self.data) if hasattr(
            self, "data") else None))
        return self.stop_at is not None and info["epoch"] >= self.stop_at


def test_eval_set_is_scored_every_epoch(split):
    X, y, X_val, y_val = split
    recorder = Recorder()
    recorder.data = (X_val, y_val)
    model = MLPClassifier((16,), max_iter=8, random_state=0, callbacks=[recorder])
    model.fit(X, y, eval_set=[(X_val, y_val)])
    assert len(model.validation_scores_) == len(model.validation_loss_curve_) == 8
    # each epoch's recorded score is the model's score on the set at that epoch
    np.testing.assert_allclose(model.validation_scores_, [s["score"] for s in recorder.seen])
    assert model.validation_scores_[-1] == model.score(X_val, y_val)
    assert model.best_validation_score_ is None  # no early stopping: nothing kept aside
    assert model.t_ == 8 * len(y)


def test_early_stopping_uses_the_eval_set_instead_of_a_hold_out(split):
    X, y, X_val, y_val = split
    model = MLPClassifier((16,), max_iter=200, early_stopping=True, n_iter_no_change=3,
                          random_state=0).fit(X, y, eval_set=[(X_val, y_val, np.ones(len(y_val)))])
    assert model.t_ == model.n_iter_ * len(y)  # every training row trained
    assert model.n_iter_ < 200
    assert model.score(X_val, y_val) == pytest.approx(model.best_validation_score_)


@pytest.mark.parametrize("make, eval_set, message", [
    (lambda: MLPClassifier(max_iter=2), [(np.ones((3, 64)), [0, 1, 99])], "classes"),
    (lambda: MLPClassifier(max_iter=2), (np.ones((3, 64)), [0, 1, 2]), "list of one"),
    (lambda: MLPClassifier(solver="lbfgs", max_iter=2), [(np.ones((3, 64)), [0, 1, 2])],
     "stochastic"),
    (lambda: MLPRegressor(max_iter=2), [(np.ones((3, 64)), np.ones((3, 2)))], "output"),
    (lambda: MLPClassifier(max_iter=2), [(np.ones((3, 5)), [0, 1, 2])], "features"),
])
def test_bad_eval_sets_are_refused(split, make, eval_set, message):
    X, y, _, _ = split
    with pytest.raises(ValueError, match=message):
        make().fit(X, y.astype(float) if "Regressor" in type(make()).__name__ else y,
                   eval_set=eval_set)


def test_verbose_reports_validation_and_time(split, capsys):
    X, y, X_val, y_val = split
    MLPClassifier((8,), max_iter=2, verbose=True).fit(X, y, eval_set=[(X_val, y_val)])
    out = capsys.readouterr().out
    for line in ("Iteration 2, loss = ", "Validation score: ", "Validation loss: ",
                 "Epoch time: "):
        assert out.count(line) == (1 if line.startswith("Iteration 2") else 2), out


def test_a_callback_sees_each_epoch_and_may_stop_the_fit(split):
    X, y, _, _ = split
    recorder = Recorder(stop_at=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # stopping is not a failure
        model = MLPClassifier((8,), max_iter=50, random_state=0, callbacks=[recorder]).fit(X, y)
    assert model.n_iter_ == 3 and [s["epoch"] for s in recorder.seen] == [1, 2, 3]
    assert [s["loss"] for s in recorder.seen] == model.loss_curve_
    assert all(s["validation_score"] is None and s["seconds"] > 0 for s in recorder.seen)
    assert recorder.seen[0]["learning_rate"] == model.learning_rate_init


def test_reduce_lr_on_plateau_lowers_the_rate():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((200, 4)), rng.integers(0, 2, 200)  # nothing to learn
    plateau = ReduceLROnPlateau(factor=0.5, patience=2, min_delta=10.0)  # never improves
    model = MLPClassifier((4,), max_iter=7, learning_rate_init=0.01, random_state=0,
                          callbacks=[plateau]).fit(X, y)
    # epochs 1-3 at 0.01; after epochs 3 and 5 the rate halves
    assert model._optimizer.rates == [0.01] * 3 + [0.005] * 2 + [0.0025] * 2


def test_model_checkpoint_keeps_the_best_model(split, tmp_path):
    X, y, X_val, y_val = split
    path = str(tmp_path / "best.pkl")
    checkpoint = ModelCheckpoint(path, monitor="validation_score")
    model = NetClassifier([L.Dense(16)], max_iter=12, learning_rate_init=0.05,
                          random_state=0, callbacks=[checkpoint])
    model.fit(X, y, eval_set=[(X_val, y_val)])
    with open(path, "rb") as f:
        best = pickle.load(f)
    assert checkpoint.best_ == max(model.validation_scores_)
    assert best.score(X_val, y_val) == checkpoint.best_
    assert best.n_iter_ == checkpoint.best_epoch_
    with pytest.raises(ValueError, match="validation set"):
        NetClassifier([L.Dense(4)], max_iter=2, callbacks=[checkpoint]).fit(X, y)


def test_callbacks_survive_clone_and_pickle_and_start_afresh(split, tmp_path):
    X, y, _, _ = split
    checkpoint = ModelCheckpoint(str(tmp_path / "m.pkl"))
    model = MLPClassifier((8,), max_iter=3, random_state=0, callbacks=[checkpoint]).fit(X, y)
    twin = clone(model)
    assert twin.callbacks[0] is not checkpoint and twin.callbacks[0].path == checkpoint.path
    again = pickle.loads(pickle.dumps(model))
    assert again.callbacks[0].best_ == checkpoint.best_
    first_best = checkpoint.best_
    model.set_params(max_iter=1).fit(X, y)  # a new fit: the checkpoint starts over
    assert checkpoint.best_epoch_ == 1 and checkpoint.best_ > first_best


def test_verbose_2_shows_progress_within_each_epoch(split, capsys):
    X, y, _, _ = split
    MLPClassifier((8,), max_iter=2, batch_size=120, verbose=2).fit(X, y)
    lines = [l for l in capsys.readouterr().out.splitlines() if l.startswith("epoch ")]
    # output is not a terminal here: a plain line at each tenth of an epoch
    assert len(lines) == 20, lines
    assert lines[0].startswith("epoch 1:  10% (120/1200 samples, ")
    assert lines[-1].startswith("epoch 2: 100% (1200/1200 samples, ") and "ETA 0.0 s" in lines[-1]
