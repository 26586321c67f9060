"""The predict path: the fitted flat buffer and engine network are reused
between calls, a plain float array skips scikit-learn's validation only
where that validation would pass it unchanged, and a few rows run on the
calling thread with the same results."""
import pickle
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits

from fastnn import ConvClassifier, MLPClassifier, MLPRegressor, RNNRegressor

pytestmark = pytest.mark.usefixtures("quiet")


def test_edits_to_fitted_weights_show_in_predictions(digits):
    X, y = digits
    model = MLPClassifier(hidden_layer_sizes=(16,), max_iter=5, random_state=0).fit(X, y)
    before = model.predict_proba(X[:5])
    model.coefs_[1][:] = 0  # in place: the views the predict buffer holds
    model.intercepts_[1][:] = np.arange(10.0)
    expect = np.exp(np.arange(10.0)) / np.exp(np.arange(10.0)).sum()
    np.testing.assert_allclose(model.predict_proba(X[:5]), np.tile(expect, (5, 1)), rtol=1e-12)
    model.coefs_[1] = np.ones_like(model.coefs_[1])  # replaced: packed afresh
    model.intercepts_[1] = np.zeros(10)
    np.testing.assert_allclose(model.predict_proba(X[:5]), np.full((5, 10), 0.1), rtol=1e-12)
    assert not np.allclose(before, model.predict_proba(X[:5]))


@pytest.mark.parametrize("make", [
    lambda: MLPRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0),
    lambda: ConvClassifier(filters=(4,), hidden_layer_sizes=(8,), max_iter=2, random_state=0),
    lambda: RNNRegressor(recurrent_layer_sizes=(6,), max_iter=2, random_state=0),
])
def test_pickle_holds_the_weights_once_and_predicts_the_same(digits, make):
    X, y = digits
    model = make().fit(X[:300], y[:300])
    restored = pickle.loads(pickle.dumps(model))
    assert not {"_params", "_param_views", "_inference_nets"} & set(restored.__getstate__())
    np.testing.assert_array_equal(restored.predict(X[:50]), model.predict(X[:50]))
    restored.intercepts_[-1][0] += 5  # the restored weights are the engine's buffer again
    assert not np.allclose(restored.predict(X[:50]), model.predict(X[:50]))


def test_plain_arrays_get_the_validation_errors_of_any_input(digits):
    X, y = digits
    model = MLPClassifier(hidden_layer_sizes=(8,), max_iter=2, random_state=0).fit(X, y)
    bad = X[:3].copy()
    bad[1, 2] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        model.predict(bad)
    with pytest.raises(ValueError, match="X has 63 features, but MLPClassifier is expecting 64"):
        model.predict(X[:3, :63])
    with pytest.raises(ValueError, match="Found array with 0 sample"):
        model.predict(X[:0])
    ints = (X[:4] * 16).astype(np.int64)  # converted, as scikit-learn does
    np.testing.assert_allclose(model.predict_proba(ints), model.predict_proba(ints.astype(float)))


def test_images_and_sequences_skip_validation_only_where_it_would_pass(digits):
    X, y = digits
    images = X.reshape(-1, 8, 8)
    conv = ConvClassifier(filters=(4,), hidden_layer_sizes=(8,), max_iter=2,
                          random_state=0).fit(images, y)
    np.testing.assert_array_equal(conv.predict_proba(images[:3]), conv.predict_proba(X[:3]))
    bad = images[:3].copy()
    bad[1, 2, 3] = np.inf
    with pytest.raises(ValueError, match="contains infinity"):
        conv.predict(bad)
    with pytest.raises(ValueError, match="X has 32 features, but ConvClassifier is expecting 64"):
        conv.predict(images[:3, :4])
    rnn = RNNRegressor(recurrent_layer_sizes=(4,), max_iter=2, random_state=0).fit(
        X.reshape(-1, 16, 4), y)
    np.testing.assert_array_equal(rnn.predict(X[:3].reshape(-1, 16, 4)),
                                  rnn.predict(X[:3].reshape(-1, 16, 4).copy()))
    with pytest.raises(ValueError, match="fitted on"):
        rnn.predict(X[:3].reshape(-1, 8, 8))
    mlp = MLPClassifier(hidden_layer_sizes=(8,), max_iter=2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="Found array with dim 3"):
        mlp.predict(images[:3])


def test_feature_names_are_still_checked():
    pd = pytest.importorskip("pandas")
    X, y = load_digits(return_X_y=True)
    frame = pd.DataFrame(X, columns=["p%d" % i for i in range(64)])
    model = MLPClassifier(hidden_layer_sizes=(8,), max_iter=2, random_state=0).fit(frame, y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.predict(X[:2])
    assert any("does not have valid feature names" in str(w.message) for w in caught)


def test_a_few_rows_predict_as_they_would_in_a_batch(digits):
    """Under SERIAL_ROWS rows the engine runs on the calling thread, a
    single row as matrix-vector products; a big batch is split across
    threads.  Same values, up to rounding."""
    X, y = digits
    model = MLPClassifier(hidden_layer_sizes=(256, 128), max_iter=3, random_state=0,
                          n_threads=2).fit(X, y)
    batch = model.predict_proba(X)
    rows = np.vstack([model.predict_proba(X[i:i + 1]) for i in range(40)])
    np.testing.assert_allclose(rows, batch[:40], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("make", [
    lambda: ConvClassifier(filters=(4,), hidden_layer_sizes=(8,), max_iter=2, random_state=0),
    lambda: RNNRegressor(recurrent_layer_sizes=(6,), max_iter=2, random_state=0),
])
def test_integer_images_and_sequences_train_in_float32(digits, make):
    """uint8 pixels (and any integer or bool input) train the image and
    sequence networks in float32; the MLPs keep scikit-learn's float64."""
    X, y = digits
    pixels = np.round(X[:200] * 16).astype(np.uint8)
    model = make().fit(pixels, y[:200])
    assert model.coefs_[0].dtype == np.float32
    as_float = make().fit(pixels.astype(np.float32), y[:200])
    np.testing.assert_array_equal(model.predict(pixels), as_float.predict(pixels))
    assert MLPClassifier(max_iter=1).fit(pixels, y[:200]).coefs_[0].dtype == np.float64
