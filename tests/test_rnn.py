"""RNNClassifier and RNNRegressor: input forms, errors, attributes and
learning on small sequence problems."""
import pickle
from dataclasses import replace

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from fastnn import RNNClassifier, RNNRegressor, _engine, make_windows
from fastnn._optimizer import StepSettings

import _kernels  # tests/kernels: the single kernels
from conftest import tol

pytestmark = pytest.mark.usefixtures("quiet")


def sequences(n=300, steps=12, features=3, seed=0, dtype=np.float64):
    """Targets that depend on where in the sequence things happen: the sum
    of the first feature over the last three steps, minus the first step's
    second feature."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, steps, features)).astype(dtype)
    y = X[:, -3:, 0].sum(axis=1) - X[:, 0, 1]
    return X, y


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_regressor_learns_order_dependent_target(cell, bidirectional):
    X, y = sequences()
    model = RNNRegressor(cell=cell, recurrent_layer_sizes=(16,), bidirectional=bidirectional,
                         learning_rate_init=0.01, max_iter=60, random_state=0)
    model.fit(X[:240], y[:240])
    assert model.score(X[240:], y[240:]) > 0.8


@pytest.mark.parametrize("activation", ["leaky_relu", "elu", "gelu", "softplus"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dense_head_takes_every_activation(activation, dtype):
    """The dense head's hidden layers use the activation, in either dtype
    (gelu keeps its pre-activation after the recurrent layer's states)."""
    X, y = sequences(dtype=dtype)
    model = RNNRegressor(recurrent_layer_sizes=(16,), hidden_layer_sizes=(16,),
                         activation=activation, learning_rate_init=0.01, max_iter=60,
                         random_state=0).fit(X[:240], y[:240])
    assert [s.activation for s in model._specs] == ["identity", activation, "identity"]
    assert model.coefs_[0].dtype == dtype
    # the extra head layer overfits 240 sequences a little (relu: 0.94 / 0.77)
    assert model.score(X[:240], y[:240]) > 0.9
    assert model.score(X[240:], y[240:]) > 0.65


def test_classifier_on_sequences_with_string_labels():
    X, y = sequences(n=800)
    labels = np.where(y > 0, "up", "down")
    model = RNNClassifier(recurrent_layer_sizes=(16,), learning_rate_init=0.01, max_iter=40,
                          random_state=0).fit(X[:600], labels[:600])
    proba = model.predict_proba(X[600:])
    assert proba.shape == (200, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    assert set(model.predict(X[600:])) <= {"up", "down"}
    assert model.score(X[600:], labels[600:]) > 0.8  # chance: about 0.5


def test_input_forms_agree():
    """(n, t, f), flat rows with input_shape, and (n, t) as one feature per
    step: the same network, the same fit."""
    X, y = sequences(n=120, steps=6, features=2)
    kw = dict(recurrent_layer_sizes=(5,), max_iter=5, random_state=0)
    three_d = RNNRegressor(**kw).fit(X, y)
    flat = RNNRegressor(input_shape=(6, 2), **kw).fit(X.reshape(120, 12), y)
    np.testing.assert_allclose(three_d.predict(X), flat.predict(X.reshape(120, 12)), **tol(X.dtype))
    assert three_d.n_features_in_ == flat.n_features_in_ == 12
    # without input_shape, flat rows are one feature per step: not the
    # (6, 2) sequences this model was fitted on
    with pytest.raises(ValueError, match="fitted on"):
        three_d.predict(X.reshape(120, 12))

    one_feature = RNNRegressor(**kw).fit(X[:, :, 0], y)
    explicit = RNNRegressor(**kw).fit(X[:, :, :1], y)
    np.testing.assert_allclose(one_feature.predict(X[:, :, 0]), explicit.predict(X[:, :, :1]))
    assert one_feature.coefs_[0].shape == (1 + 5, 4 * 5)


def test_wrong_shapes_are_refused_with_what_was_expected():
    X, y = sequences(n=40, steps=6, features=2)
    with pytest.raises(ValueError, match="steps, features"):
        RNNRegressor(max_iter=1).fit(X[:, :, :, None], y)
    with pytest.raises(ValueError, match="disagrees"):
        RNNRegressor(input_shape=(3, 4), max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="steps\\*features == 12"):
        RNNRegressor(input_shape=(5, 2), max_iter=1).fit(X.reshape(40, 12), y)
    with pytest.raises(ValueError, match="input_shape must be"):
        RNNRegressor(input_shape=(12,), max_iter=1).fit(X.reshape(40, 12), y)
    with pytest.raises(ValueError, match="recurrent_layer_sizes"):
        RNNRegressor(recurrent_layer_sizes=(), max_iter=1).fit(X, y)
    # found by tests/test_properties.py: (4.5, 3) was read as (4, 3), and sequences of
    # no steps or no features failed in the engine with its internal layer list
    with pytest.raises(ValueError, match=r"input_shape must hold positive ints, got \(6.5, 2\)"):
        RNNRegressor(input_shape=(6.5, 2), max_iter=1).fit(X.reshape(40, 12), y)
    for empty in (X[:, :0], X[:, :, :0]):
        with pytest.raises(ValueError, match="every dimension of a sample needs at least one"):
            RNNRegressor(max_iter=1).fit(empty, y)
    model = RNNRegressor(recurrent_layer_sizes=(3,), max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        model.predict(X[:, :5])  # 10 values per sequence, not 12
    with pytest.raises(ValueError, match="fitted on"):
        model.predict(X.reshape(40, 4, 3))  # 12 values, but (4, 3)


def test_multi_step_forecast_has_one_output_per_step():
    t = np.arange(400)
    series = np.sin(t / 8.0) + 0.5 * np.sin(t / 3.0)
    X, y = make_windows(series, window=16, horizon=3)
    model = RNNRegressor(recurrent_layer_sizes=(16,), learning_rate_init=0.01, max_iter=80,
                         random_state=0).fit(X[:300], y[:300])
    pred = model.predict(X[300:])
    assert pred.shape == (len(X) - 300, 3)
    assert model.score(X[300:], y[300:]) > 0.9


def test_stacked_bidirectional_attributes():
    X, y = sequences(n=60, steps=5, features=3)
    model = RNNRegressor(cell="gru", recurrent_layer_sizes=(4, 6), bidirectional=True,
                         hidden_layer_sizes=(7,), max_iter=2, random_state=0).fit(X, y)
    # gru: 3 gates; 2 directions; the second layer reads both directions
    assert [c.shape for c in model.coefs_] == [(3 + 4, 2 * 3 * 4), (8 + 6, 2 * 3 * 6),
                                               (12, 7), (7, 1)]
    # each gru bias vector also holds b_hn (dirs * units)
    assert [b.shape for b in model.intercepts_] == [(2 * 4 * 4,), (2 * 4 * 6,), (7,), (1,)]
    assert model.n_layers_ == 5


def test_lstm_forget_gates_start_open():
    X, y = sequences(n=30, steps=4, features=2)
    model = RNNRegressor(recurrent_layer_sizes=(3,), bidirectional=True, max_iter=1,
                         learning_rate_init=1e-9, random_state=0).fit(X, y)
    b = model.intercepts_[0].reshape(2, 4, 3)  # direction, gate (i, f, g, o), unit
    np.testing.assert_allclose(b[:, 1], 1, atol=1e-6)
    np.testing.assert_allclose(b[:, [0, 2, 3]], 0, atol=1e-6)


def test_float32_stays_float32_and_threads_agree():
    X, y = sequences(n=200, dtype=np.float32)
    kw = dict(recurrent_layer_sizes=(16,), max_iter=3, random_state=0, shuffle=False)
    one = RNNRegressor(n_threads=1, **kw).fit(X, y)
    two = RNNRegressor(n_threads=2, **kw).fit(X, y)
    assert one.coefs_[0].dtype == np.float32
    assert one.predict(X).dtype == np.float32
    np.testing.assert_allclose(one.predict(X), two.predict(X), rtol=1e-3, atol=1e-4)


def test_clip_grad_norm_limits_each_step():
    """With plain sgd (no momentum) every step moves the weights by
    learning_rate * (clipped gradient): at most lr * clip in norm."""
    X, y = sequences(n=64)
    lr, clip = 0.1, 1e-3
    model = RNNRegressor(recurrent_layer_sizes=(8,), solver="sgd", momentum=0, alpha=0,
                         learning_rate_init=lr, batch_size=64, max_iter=1, shuffle=False,
                         clip_grad_norm=clip, random_state=0)
    start = clone(model).set_params(learning_rate_init=1e-300).fit(X, y)
    model.fit(X, y)
    moved = np.concatenate([(a - b).ravel() for a, b in zip(
        model.coefs_ + model.intercepts_, start.coefs_ + start.intercepts_)])
    np.testing.assert_allclose(np.linalg.norm(moved), lr * clip, rtol=1e-6)
    # a bound the gradient never reaches changes nothing
    loose = clone(model).set_params(clip_grad_norm=1e6).fit(X, y)
    free = clone(model).set_params(clip_grad_norm=None).fit(X, y)
    np.testing.assert_array_equal(loose.predict(X), free.predict(X))


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_engine_clipping_leaves_the_weight_decay_alone(solver):
    rng = np.random.default_rng(0)
    n, n_decay, scale, alpha, clip = 50, 30, 0.5, 0.1, 0.2
    params, grad = rng.standard_normal(n), rng.standard_normal(n) * 10
    opt = StepSettings(solver=solver, learning_rate=0.01, alpha=alpha, momentum=0.0,
                       nesterov=False)
    # clipping by hand: the data gradient shrunk to norm `clip`, then the
    # unclipped L2 term added, fed to the same optimizer without clipping
    shrunk = grad * clip / np.linalg.norm(grad * scale)
    by_hand = params.copy()
    _kernels.optim_step(by_hand, np.zeros(_engine.optim_state_size(solver, n)), shrunk,
                       n_decay, scale, replace(opt))
    clipped = params.copy()
    _kernels.optim_step(clipped, np.zeros(_engine.optim_state_size(solver, n)), grad,
                       n_decay, scale, replace(opt, clip_norm=clip))
    np.testing.assert_allclose(clipped, by_hand, rtol=1e-12)


def test_pipeline_grid_search_and_pickle():
    X, y = sequences(n=160, steps=5, features=2)
    flat = X.reshape(160, 10)
    pipe = make_pipeline(StandardScaler(),
                         RNNRegressor(input_shape=(5, 2), recurrent_layer_sizes=(8,),
                                      learning_rate_init=0.01, max_iter=20, random_state=0))
    search = GridSearchCV(pipe, {"rnnregressor__cell": ["rnn", "gru"]}, cv=2).fit(flat, y)
    assert search.best_params_["rnnregressor__cell"] in ("rnn", "gru")
    model = search.best_estimator_
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(flat), model.predict(flat))


def test_partial_fit_and_warm_start_continue_training():
    X, y = sequences(n=100, steps=4, features=2)
    model = RNNRegressor(recurrent_layer_sizes=(6,), random_state=0)
    for _ in range(3):
        model.partial_fit(X, y)
    assert model.n_iter_ == 1 and len(model.loss_curve_) == 3
    assert model.loss_curve_[-1] < model.loss_curve_[0]
    warm = RNNRegressor(recurrent_layer_sizes=(6,), max_iter=2, warm_start=True,
                        random_state=0).fit(X, y)
    first = warm.loss_curve_[-1]
    warm.fit(X, y)
    assert len(warm.loss_curve_) == 4 and warm.loss_curve_[-1] < first
    with pytest.raises(ValueError, match="do not match"):
        warm.set_params(recurrent_layer_sizes=(7,)).fit(X, y)
