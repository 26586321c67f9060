"""Dropout: the engine's masks, its gradient with a fixed mask, and the
estimators' dropout parameter."""
import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from fastnn import ConvClassifier, MLPClassifier, MLPRegressor, RNNRegressor, _engine
from fastnn._network import dense_layers, recurrent_layer

from conftest import assert_grad_close, assert_within_rounding, numeric_grad, rand

pytestmark = pytest.mark.usefixtures("quiet")


def network(rates, output="softmax", n_threads=1):
    specs = dense_layers([5, 7, 6, 3], "tanh")
    for spec, rate in zip(specs, rates):
        spec.dropout = rate
    return _engine.Network(specs, output, n_threads)


def test_masks_depend_only_on_the_seed():
    rng = np.random.default_rng(0)
    specs = dense_layers([4, 300, 2], "identity")
    specs[0].dropout = 0.3
    X = rand(rng, 400, 4)
    Y = rand(rng, 400, 2)
    params = rand(rng, _engine.Network(specs, "identity").n_params) * 0.1
    grads = {}
    for n_threads in (1, 2):
        for seed in (11, 12):
            net = _engine.Network(specs, "identity", n_threads)
            g = np.zeros_like(params)
            loss = net.loss_grad(params, g, X, Y, None, seed)
            grads[n_threads, seed] = (loss, g)
    # The masks are the same; the sums differ by rounding only, since one
    # or two threads split the rows into different bands and BLAS calls.
    np.testing.assert_allclose(grads[1, 11][0], grads[2, 11][0], rtol=1e-12)
    g1 = grads[1, 11][1]
    np.testing.assert_allclose(g1, grads[2, 11][1], rtol=1e-10, atol=1e-12 * np.abs(g1).max())
    assert not np.isclose(grads[1, 11][0], grads[1, 12][0], rtol=1e-6)
    # seed 0 is inference: no dropout, the plain network's loss (to
    # rounding: a network with dropout may chunk its rows differently, and
    # BLAS's kernels for other shapes add in another order)
    plain = _engine.Network(dense_layers([4, 300, 2], "identity"), "identity", 2)
    np.testing.assert_allclose(net.loss_grad(params, None, X, Y, None, 0),
                               plain.loss_grad(params, None, X, Y, None), rtol=1e-12)
    # For one sample, a dropped hidden unit feeds nothing to the output
    # layer: its row of the output weights' gradient is exactly zero.
    # About 30% of the 300 units are dropped.
    g = np.zeros_like(params)
    net.loss_grad(params, g, X[:1], Y[:1], None, 11)
    dW = g[4 * 300:4 * 300 + 300 * 2].reshape(300, 2)
    dropped = np.mean(np.all(dW == 0, axis=1))
    assert 0.2 < dropped < 0.4


@pytest.mark.parametrize("rates", [(0.5, 0.0, 0.0), (0.3, 0.6, 0.0)])
def test_dropout_gradient_with_a_fixed_mask(rates):
    rng = np.random.default_rng(1)
    net = network(rates)
    params = rand(rng, net.n_params) * 0.3
    X = rand(rng, 8, 5)
    Y = np.eye(3)[rng.integers(0, 3, 8)]
    grad = np.zeros_like(params)
    net.loss_grad(params, grad, X, Y, None, 77)

    def loss():
        return net.loss_grad(params, None, X, Y, None, 77)

    assert_grad_close(grad, numeric_grad(loss, params), thr=1e-6)


def test_dropout_gradient_through_stacked_recurrent_layers():
    rng = np.random.default_rng(2)
    specs = [recurrent_layer(4, 3, 3, "lstm", 2, True), recurrent_layer(4, 6, 2, "gru", 1, False)]
    specs += dense_layers([2, 4, 2], "relu")
    for spec in specs[:3]:
        spec.dropout = 0.4
    net = _engine.Network(specs, "identity")
    params = rand(rng, net.n_params) * 0.3
    X, Y = rand(rng, 6, 12), rand(rng, 6, 2)
    grad = np.zeros_like(params)
    net.loss_grad(params, grad, X, Y, None, 5)
    assert_grad_close(grad, numeric_grad(lambda: net.loss_grad(params, None, X, Y, None, 5),
                                         params), thr=1e-6)


def digits():
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    return train_test_split(X, y, random_state=0)


def test_same_random_state_same_fit_and_seeds_differ():
    X_train, X_test, y_train, y_test = digits()
    kw = dict(hidden_layer_sizes=(32, 16), dropout=(0.3, 0.1), max_iter=5)
    a = MLPClassifier(random_state=0, **kw).fit(X_train, y_train)
    b = MLPClassifier(random_state=0, **kw).fit(X_train, y_train)
    c = MLPClassifier(random_state=1, **kw).fit(X_train, y_train)
    for x, y in zip(a.coefs_, b.coefs_):
        np.testing.assert_array_equal(x, y)
    assert not np.allclose(a.coefs_[0], c.coefs_[0])
    # and dropout does change the fit
    no_drop = MLPClassifier(random_state=0, **dict(kw, dropout=0.0)).fit(X_train, y_train)
    assert not np.allclose(a.coefs_[0], no_drop.coefs_[0])


def test_dropout_is_off_at_predict_time():
    X_train, X_test, y_train, y_test = digits()
    model = MLPRegressor(hidden_layer_sizes=(20,), dropout=0.5, max_iter=3,
                         random_state=0).fit(X_train, y_train.astype(float))
    first, again = model.predict(X_test), model.predict(X_test)
    np.testing.assert_array_equal(first, again)
    (W1, w2), (b1, b2) = model.coefs_, model.intercepts_
    hidden = np.maximum(X_test @ W1 + b1, 0)
    # the hidden layer's rounding (through |w2|) and the output's own
    magnitude = ((np.abs(X_test) @ np.abs(W1) + np.abs(b1)) @ np.abs(w2[:, 0])
                 + np.abs(hidden) @ np.abs(w2[:, 0]) + abs(b2[0]))
    assert_within_rounding(first, hidden @ w2[:, 0] + b2[0], magnitude,
                           X_test.shape[1] + len(b1) + 2, np.float64)


def test_dropout_trains_well_on_digits():
    X_train, X_test, y_train, y_test = digits()
    model = MLPClassifier(hidden_layer_sizes=(128,), dropout=0.3, max_iter=60,
                          random_state=0).fit(X_train, y_train)
    assert model.score(X_test, y_test) > 0.95


def test_dropout_on_conv_and_recurrent_estimators():
    X, y = load_digits(return_X_y=True)
    conv = ConvClassifier(filters=(8,), hidden_layer_sizes=(32,), dropout=(0.2, 0.3),
                          learning_rate_init=0.005, max_iter=30,
                          random_state=0).fit(X[:1200] / 16, y[:1200])
    assert conv.score(X[1200:] / 16, y[1200:]) > 0.9
    rng = np.random.default_rng(0)
    seqs = rng.standard_normal((300, 8, 2))
    target = seqs[:, -2:, 0].sum(axis=1)
    rnn = RNNRegressor(recurrent_layer_sizes=(16, 16), dropout=0.1, learning_rate_init=0.01,
                       max_iter=60, random_state=0).fit(seqs[:240], target[:240])
    assert rnn.score(seqs[240:], target[240:]) > 0.7


def test_bad_dropout_settings_are_refused():
    X, y = load_digits(return_X_y=True)
    with pytest.raises(ValueError, match="2 rates for a network with 1 hidden"):
        MLPClassifier(hidden_layer_sizes=(8,), dropout=(0.1, 0.2), max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        MLPClassifier(hidden_layer_sizes=(8,), dropout=(1.0,), max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="stochastic solver"):
        MLPClassifier(hidden_layer_sizes=(8,), dropout=0.2, solver="lbfgs").fit(X, y)
    with pytest.raises(ValueError):
        MLPClassifier(dropout=1.5).fit(X, y)  # the parameter constraint
