"""AutoencoderTransformer: the code, the decoding, the score, and what the
code is worth to a classifier."""
import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline

from fastnn import AutoencoderTransformer
from fastnn import layers as L

from conftest import rand

pytestmark = pytest.mark.usefixtures("quiet")


def numpy_dense(A, W, b, activation):
    Z = A @ W + b
    return {"relu": np.maximum(Z, 0), "tanh": np.tanh(Z), "identity": Z}[activation]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_code_and_reconstruction_are_the_two_halves(dtype):
    X = rand(np.random.default_rng(0), 80, 6).astype(dtype)
    ae = AutoencoderTransformer([L.Dense(5, "tanh"), L.Dense(3, "relu")], max_iter=20,
                                random_state=0).fit(X)
    W, b = ae.coefs_, ae.intercepts_
    assert [w.shape for w in W] == [(6, 5), (5, 3), (3, 5), (5, 6)]  # the mirrored decoder
    code = numpy_dense(numpy_dense(X, W[0], b[0], "tanh"), W[1], b[1], "relu")
    Z = ae.transform(X)
    assert Z.dtype == dtype and Z.shape == (80, 3)
    np.testing.assert_allclose(Z, code, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-6)
    R = numpy_dense(numpy_dense(Z, W[2], b[2], "tanh"), W[3], b[3], "identity")
    np.testing.assert_allclose(ae.inverse_transform(Z), R, rtol=1e-4, atol=1e-5)
    assert ae.score(X) == pytest.approx(-np.mean((R - X) ** 2), rel=1e-4)
    assert list(ae.get_feature_names_out()) == ["autoencodertransformer%d" % i
                                                for i in range(3)]


def test_decoder_layers_replace_the_mirror():
    X = rand(np.random.default_rng(1), 50, 7)
    ae = AutoencoderTransformer([L.Dense(4)], [L.Dense(9, "tanh"), L.Dense(5)], max_iter=5,
                                random_state=0).fit(X)
    assert [w.shape for w in ae.coefs_] == [(7, 4), (4, 9), (9, 5), (5, 7)]
    assert ae.inverse_transform(ae.transform(X)).shape == (50, 7)


def test_clear_errors():
    X = rand(np.random.default_rng(2), 30, 4)
    with pytest.raises(NotFittedError):
        AutoencoderTransformer().transform(X)
    with pytest.raises(ValueError, match="code"):
        AutoencoderTransformer([L.Dense(3), L.BatchNorm()]).fit(X)
    with pytest.raises(ValueError, match="at least one layer"):
        AutoencoderTransformer([]).fit(X)
    ae = AutoencoderTransformer([L.Dense(2)], max_iter=2).fit(X)
    with pytest.raises(ValueError, match="the code has 2"):
        ae.inverse_transform(np.ones((3, 3)))
    with pytest.raises(ValueError, match="features"):
        ae.transform(np.ones((3, 5)))
    # found by tests/test_properties.py: flat rows leave input_shape unread, and
    # (0, 4) was accepted without a word
    with pytest.raises(ValueError, match="input_shape must hold positive ints"):
        AutoencoderTransformer([L.Dense(2)], input_shape=(0, 4), max_iter=1).fit(X)
    with pytest.raises(ValueError, match=r"input_shape=\(1, 1, 1, 8\) does not fit samples of 4"):
        AutoencoderTransformer([L.Dense(2)], input_shape=(1, 1, 1, 8), max_iter=1).fit(X)
    with pytest.raises(ValueError, match="decoder_layers must hold fastnn.layers objects"):
        AutoencoderTransformer([L.Dense(2)], decoder_layers=[{}], max_iter=1).fit(X)
    # an invalid layers value: fit names it, and transform still says "not fitted"
    # (the estimator's tags read layers; they raised TypeError)
    bad = AutoencoderTransformer(L.Dense(2), max_iter=1)
    with pytest.raises(ValueError, match="'layers' parameter"):
        bad.fit(X)
    with pytest.raises(NotFittedError):
        bad.transform(X)
    # a sample with an empty dimension, behind a Flatten
    with pytest.raises(ValueError, match="every dimension of a sample"):
        AutoencoderTransformer([L.Flatten(), L.Dense(2)], max_iter=1).fit(np.ones((5, 0, 3)))


def test_clone_pickle_and_partial_fit():
    X = rand(np.random.default_rng(3), 40, 5)
    ae = AutoencoderTransformer([L.Dense(3)], max_iter=3, random_state=0).fit(X)
    again = pickle.loads(pickle.dumps(ae))
    np.testing.assert_array_equal(again.transform(X), ae.transform(X))
    before = ae.score(X)
    for _ in range(30):
        ae.partial_fit(X)
    assert ae.score(X) > before
    assert clone(ae).get_params()["layers"] == [L.Dense(3)]


def test_digits_code_serves_a_classifier_as_well_as_pca(digits):
    """16 numbers per image, learned without the labels, then
    LogisticRegression on them: close to PCA's 16 components."""
    X, y = digits

    def accuracy(reducer):
        pipe = make_pipeline(reducer, LogisticRegression(max_iter=3000))
        return cross_val_score(pipe, X, y, cv=3).mean()

    ae = AutoencoderTransformer([L.Dense(128, "tanh"), L.Dense(16, "tanh")], max_iter=300,
                                learning_rate_init=3e-3, random_state=0)
    pca = accuracy(PCA(16))
    assert accuracy(ae) >= pca - 0.02, pca


@pytest.mark.parametrize("encoder, decoder", [
    ([L.Dense(8, "elu"), L.BatchNorm(), L.Dense(3, "tanh")], [L.Dense(6), L.BatchNorm()]),
    ([L.Dense(5), L.Dropout(0.2), L.Dense(2)], None),
])
def test_decoding_the_code_is_the_whole_network(encoder, decoder):
    """transform then inverse_transform gives the network's own
    reconstruction: the two halves cut the weights, biases and batch norm
    statistics where they belong."""
    X = rand(np.random.default_rng(4), 60, 7)
    ae = AutoencoderTransformer(encoder, decoder, max_iter=5, random_state=0).fit(X)
    np.testing.assert_allclose(ae.inverse_transform(ae.transform(X)), ae._predict(X),
                               rtol=1e-10, atol=1e-12)


def test_images_fit_as_whole_samples():
    """(n, c, h, w) images: n_features_in_ counts a whole image, and the
    model is the one fitted on the same images as flat rows."""
    images = np.random.default_rng(0).random((30, 2, 6, 7))
    stack = [L.Conv2D(2), L.Flatten(), L.Dense(3)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = AutoencoderTransformer(stack, max_iter=3, random_state=0).fit(images)
        flat = AutoencoderTransformer(stack, input_shape=(2, 6, 7), max_iter=3,
                                      random_state=0).fit(images.reshape(30, -1))
    assert model.n_features_in_ == flat.n_features_in_ == 2 * 6 * 7
    np.testing.assert_array_equal(model.transform(images), flat.transform(images.reshape(30, -1)))
    with pytest.raises(ValueError, match="expecting 84 features"):
        model.transform(images[:, :1])
