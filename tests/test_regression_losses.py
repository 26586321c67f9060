"""The robust regression losses, 'absolute_error' and 'huber', on every
regressor (their kernels are checked in test_engine.py)."""
import numpy as np
import pytest

from fastnn import ConvRegressor, MLPRegressor, NetRegressor, RNNRegressor
from fastnn import layers as L

pytestmark = pytest.mark.usefixtures("quiet")

REGRESSORS = {
    "mlp": lambda loss: MLPRegressor(hidden_layer_sizes=(32,), loss=loss),
    "net": lambda loss: NetRegressor([L.Dense(32)], loss=loss),
    "conv": lambda loss: ConvRegressor(filters=(4,), pool_size=1, hidden_layer_sizes=(16,),
                                       loss=loss),
    "rnn": lambda loss: RNNRegressor(recurrent_layer_sizes=(16,), loss=loss),
}


def data_with_outliers():
    """A linear target over 16 features (a 4x4 image, or 16 steps), with
    one row in twenty shifted by 50."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 16))
    y = X @ np.linspace(-1, 1, 16) + 0.05 * rng.standard_normal(400)
    y[:20] += 50
    return X, y


@pytest.mark.parametrize("kind", list(REGRESSORS))
def test_robust_losses_ignore_outliers(kind):
    X, y = data_with_outliers()
    errors = {}
    for loss in ("squared_error", "absolute_error", "huber"):
        model = REGRESSORS[kind](loss).set_params(max_iter=150, learning_rate_init=0.01,
                                                  random_state=0).fit(X, y)
        assert model.out_activation_ == "identity"
        errors[loss] = np.median(np.abs(model.predict(X[20:]) - y[20:]))
    # the squared error pulls every prediction towards the outliers
    assert errors["absolute_error"] < errors["squared_error"] / 3, errors
    assert errors["huber"] < errors["squared_error"] / 3, errors


def test_loss_is_the_mean_robust_loss():
    """With one batch and plain sgd at a rate of 0, loss_ is the loss of
    the starting weights, averaged over rows and outputs."""
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((50, 4)), 3 * rng.standard_normal((50, 2))
    for loss in ("absolute_error", "huber"):
        model = MLPRegressor(hidden_layer_sizes=(5,), loss=loss, solver="sgd", momentum=0,
                             learning_rate_init=1e-300, alpha=0, batch_size=50, max_iter=1,
                             random_state=0).fit(X, Y)
        R = np.abs(model.predict(X) - Y)
        per_value = R if loss == "absolute_error" else np.where(R <= 1, 0.5 * R * R, R - 0.5)
        np.testing.assert_allclose(model.loss_, per_value.mean(), rtol=1e-10)
