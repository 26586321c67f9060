"""Batch normalisation: gradients in training mode, running statistics,
inference mode, and the estimators' batch_norm parameter."""
import pickle
from dataclasses import replace

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from fastnn import ConvClassifier, MLPClassifier, MLPRegressor, _engine
from fastnn._network import Layout, conv_layer, dense_layers, pool_layer
from fastnn._optimizer import StepSettings

from conftest import assert_grad_close, numeric_grad, rand

EPS = 1e-5


pytestmark = pytest.mark.usefixtures("quiet")


def normed(specs):
    for spec in specs[:-1]:
        if spec.kind in ("dense", "conv"):
            spec.batch_norm = True
    return specs


def random_params(rng, specs, scale=0.5):
    """Random weights and biases, and statistics blocks with scales around
    1 and plausible running statistics."""
    layout = Layout(specs)
    params = rand(rng, layout.n_params) * scale
    for block in layout.views(params)[2]:
        block[0] = 1 + 0.3 * rng.standard_normal(block.shape[1])
        block[2] = 0.5 + rng.random(block.shape[1])
    return params, layout


@pytest.mark.parametrize("activation", ["tanh", "relu", "gelu"])
def test_dense_batch_norm_gradient_in_training_mode(activation):
    rng = np.random.default_rng(0)
    specs = normed(dense_layers([5, 6, 4, 3], activation))
    net = _engine.Network(specs, "softmax")
    params, layout = random_params(rng, specs)
    X = rand(rng, 9, 5)
    Y = np.eye(3)[rng.integers(0, 3, 9)]
    grad = np.zeros_like(params)
    net.loss_grad(params, grad, X, Y, None, 1)  # seed != 0: training mode
    numeric = numeric_grad(lambda: net.loss_grad(params, None, X, Y, None, 1), params)
    assert_grad_close(grad, numeric, thr=1e-6)
    # the running statistics get no gradient
    for block in layout.views(grad)[2]:
        assert not block[1:].any()


def test_conv_batch_norm_gradient_in_training_mode():
    rng = np.random.default_rng(1)
    conv = conv_layer(6, 5, 2, 3, (3, 3), (1, 1), "same", "tanh")
    specs = normed([conv, pool_layer("avgpool", 6, 5, 3, (2, 2))]
                   + dense_layers([3 * 2 * 3, 4, 2], "tanh"))
    net = _engine.Network(specs, "identity")
    params, _ = random_params(rng, specs)
    X, Y = rand(rng, 4, 6 * 5 * 2), rand(rng, 4, 2)
    grad = np.zeros_like(params)
    net.loss_grad(params, grad, X, Y, None, 3)
    assert_grad_close(grad, numeric_grad(lambda: net.loss_grad(params, None, X, Y, None, 3),
                                         params), thr=1e-6)


def test_training_normalises_by_the_batch_and_inference_by_running_statistics():
    rng = np.random.default_rng(2)
    specs = normed(dense_layers([3, 4, 1], "identity"))
    net = _engine.Network(specs, "identity")
    params, layout = random_params(rng, specs)
    (W, w2), (b, b2), (stats,) = layout.views(params)
    X = rand(rng, 50, 3) * 3 + 1
    Z = X @ W
    gamma, mean, var = stats

    inferred = (gamma * (Z - mean) / np.sqrt(var + EPS) + b) @ w2 + b2
    np.testing.assert_allclose(net.forward(params, X), inferred, rtol=1e-10)

    # in training, with Y = 0 the summed loss is 1/2 sum(out^2)
    trained = (gamma * (Z - Z.mean(0)) / np.sqrt(Z.var(0) + EPS) + b) @ w2 + b2
    loss = net.loss_grad(params, None, X, np.zeros((50, 1)), None, 7)
    assert loss == pytest.approx(0.5 * np.sum(trained ** 2), rel=1e-10)


def test_training_steps_move_the_running_statistics():
    rng = np.random.default_rng(3)
    specs = normed(dense_layers([3, 4, 1], "relu"))
    net = _engine.Network(specs, "identity")
    params, layout = random_params(rng, specs)
    X = rand(rng, 64, 3) * 2 + 3
    Z = X @ layout.views(params)[0][0]
    opt = StepSettings(solver="sgd", learning_rate=1e-300, alpha=0.0, momentum=0.0,
                       nesterov=False)
    state = np.zeros(_engine.optim_state_size("sgd", layout.n_params))
    for _ in range(60):  # one full batch per step: 1 - 0.9^60 of the way
        net.train_epoch(params, np.empty_like(params), state, X, np.zeros((64, 1)), None,
                        np.arange(64), 64, replace(opt), 1.0, 5)
    _, mean, var = layout.views(params)[2][0]
    np.testing.assert_allclose(mean, Z.mean(0), rtol=1e-2)
    np.testing.assert_allclose(var, Z.var(0, ddof=1), rtol=1e-2)


def digits():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X, y, random_state=0)


def test_mlp_with_batch_norm_learns_and_predicts_independently_of_batching():
    X_train, X_test, y_train, y_test = digits()
    model = MLPClassifier(hidden_layer_sizes=(64, 32), batch_norm=True, max_iter=40,
                          random_state=0).fit(X_train, y_train)  # unscaled pixels
    assert model.score(X_test, y_test) > 0.93
    assert [b.shape for b in model.batch_norm_] == [(3, 64), (3, 32)]
    whole = model.predict_proba(X_test)
    in_pieces = np.vstack([model.predict_proba(X_test[i:i + 7])
                           for i in range(0, len(X_test), 7)])
    np.testing.assert_allclose(in_pieces, whole, rtol=1e-12)
    one_row = model.predict_proba(X_test[:1])
    np.testing.assert_allclose(one_row, whole[:1], rtol=1e-12)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict_proba(X_test), whole)


def test_conv_with_batch_norm_keeps_the_activation_before_the_pool():
    X_train, X_test, y_train, y_test = digits()
    model = ConvClassifier(filters=(8,), hidden_layer_sizes=(32,), batch_norm=True,
                           max_iter=15, random_state=0).fit(X_train / 16, y_train)
    conv, pool = model._specs[0], model._specs[1]
    assert conv.batch_norm and conv.activation == "relu"
    assert pool.activation == "identity"
    assert model.score(X_test / 16, y_test) > 0.9


def test_batch_norm_warm_start_and_errors():
    X_train, _, y_train, _ = digits()
    X_train = StandardScaler().fit_transform(X_train)
    model = MLPRegressor(hidden_layer_sizes=(8,), batch_norm=True, max_iter=2, warm_start=True,
                         random_state=0).fit(X_train, y_train.astype(float))
    stats = model.batch_norm_[0].copy()
    model.fit(X_train, y_train.astype(float))
    assert not np.array_equal(stats[1], model.batch_norm_[0][1])  # statistics kept moving
    with pytest.raises(ValueError, match="do not match"):
        model.set_params(batch_norm=False).fit(X_train, y_train.astype(float))
    with pytest.raises(ValueError, match="stochastic solver"):
        MLPClassifier(batch_norm=True, solver="lbfgs").fit(X_train, y_train)
    no_norm = MLPClassifier(hidden_layer_sizes=(8,), max_iter=1).fit(X_train, y_train)
    assert no_norm.batch_norm_ == []
