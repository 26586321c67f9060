"""Transfer learning: frozen layers (trainable=False), a fitted network's
layers inside a new one (Pretrained) and as features (NetTransformer)."""
import os
import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from fastnn import ConvClassifier, MLPClassifier, NetClassifier, NetRegressor, _engine
from fastnn import layers as L
from fastnn import text
from fastnn._optimizer import StepSettings
from fastnn.datasets import FASHION_MNIST_DIR
from fastnn.transfer import NetTransformer, Pretrained

from conftest import fashion_new_classes, rand

pytestmark = pytest.mark.usefixtures("quiet")


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X / 16).astype(np.float32), y


def images(X):
    return X.reshape(-1, 1, 8, 8)


def snapshot(model):
    return [a.copy() for a in model.coefs_ + model.intercepts_ + list(model.batch_norm_)]


FROZEN_CONV = [L.Conv2D(6, trainable=False), L.BatchNorm(), L.MaxPool2D(), L.Flatten(),
               L.Dense(16)]


@pytest.mark.parametrize("solver", ["sgd", "adam", "adamw", "rmsprop", "adagrad"])
def test_frozen_values_stay_bit_identical_through_fit_partial_fit_and_warm_start(
        digits, solver):
    X, y = digits
    model = NetClassifier(FROZEN_CONV, solver=solver, max_iter=2, random_state=0,
                          learning_rate_init=0.01).fit(images(X), y)
    # the conv's weights, biases and batch norm block (scale, running mean
    # and variance) as they were initialised, to the bit
    first = snapshot(model)
    model.partial_fit(images(X), y)
    model.set_params(warm_start=True).fit(images(X), y)
    after = snapshot(model)
    conv_w, conv_b, norm = 0, 3, 6  # coefs_[0], intercepts_[0], batch_norm_[0]
    for i in (conv_w, conv_b, norm):
        assert np.array_equal(first[i], after[i])
    assert not np.array_equal(first[1], after[1])  # the Dense layer trained
    # the optimizer keeps state for the trainable values only
    trainable = sum(a.size for a in model.coefs_[1:] + model.intercepts_[1:])
    per_value = 2 if solver in ("adam", "adamw") else 1
    assert model._optimizer.state.size == per_value * trainable


def test_lbfgs_leaves_frozen_layers_alone(digits):
    X, y = digits
    model = NetClassifier([L.Dense(20, trainable=False), L.Dense(10)], solver="lbfgs",
                          max_iter=30, random_state=0).fit(X, y)
    first = snapshot(model)
    model.set_params(warm_start=True).fit(X, y)
    assert np.array_equal(first[0], model.coefs_[0])
    assert np.array_equal(first[3], model.intercepts_[0])
    assert not np.array_equal(first[1], model.coefs_[1])


def test_a_frozen_block_freezes_every_layer_in_it(digits):
    X, y = digits
    block = L.Residual([L.Dense(64), L.LayerNorm()], trainable=False)
    model = NetRegressor([block, L.Dense(8)], max_iter=3, random_state=0).fit(X, y)
    first = snapshot(model)
    model.partial_fit(X, y)
    n_frozen = 2  # the block's Dense and LayerNorm
    for a, b in zip(first[:n_frozen], model.coefs_[:n_frozen]):
        assert np.array_equal(a, b)
    assert not np.array_equal(first[n_frozen], model.coefs_[n_frozen])


def test_trainable_must_be_a_bool():
    with pytest.raises(ValueError, match="trainable must be True or False"):
        L.Dense(3, trainable="no")
    with pytest.raises(ValueError, match="trainable must be True or False"):
        L.LSTM(3, trainable=1)


@pytest.mark.parametrize("n_threads", [1, 2])
def test_gradient_through_a_frozen_batch_norm(n_threads):
    """A frozen layer's batch norm normalises by its running statistics in
    training too: the loss is smooth in the layers before it, and its
    input gradient (fnn_batchnorm_infer_backward) matches central
    differences of the training loss."""
    rng = np.random.default_rng(0)
    specs = L.build([L.Dense(5, "tanh"), L.Dense(4, trainable=False), L.BatchNorm()],
                    ("flat", 3), 2)
    net = _engine.Network(specs, "identity", n_threads)
    params = rand(rng, net.n_params) * 0.7
    blocks = net.param_blocks()
    norm_at = blocks[1, 4]
    params[norm_at + 8:norm_at + 12] = rng.random(4) + 0.5  # running variances > 0
    X, Y = rand(rng, 40, 3), rand(rng, 40, 2)
    grad = np.zeros_like(params)
    net.loss_grad(params, grad, X, Y, None, seed=7)
    first = np.r_[blocks[0, 0]:blocks[0, 0] + blocks[0, 1], blocks[0, 2]:blocks[0, 2] + 5]
    h = 1e-6
    for i in first:
        up, down = params.copy(), params.copy()
        up[i] += h
        down[i] -= h
        numeric = (net.loss_grad(up, None, X, Y, None, seed=7)
                   - net.loss_grad(down, None, X, Y, None, seed=7)) / (2 * h)
        assert grad[i] == pytest.approx(numeric, rel=1e-6, abs=1e-9)
    # the frozen layer's batch norm gets no gradient of its own
    assert not grad[norm_at:norm_at + 12].any()


@pytest.mark.parametrize("solver", ["sgd", "adam", "rmsprop"])
def test_optimizer_spans_update_as_the_packed_values_would(solver):
    """The engine's update over trainable spans, with state for those
    values only, equals the update of the packed trainable values."""
    kernels = pytest.importorskip("_kernels", reason="the test-only kernel extension")
    rng = np.random.default_rng(1)
    n, n_decay = 50, 30
    spans = np.array([[3, 12], [20, 34], [40, 47]])
    free = np.concatenate([np.arange(a, b) for a, b in spans])
    params, grad = rand(rng, n), rand(rng, n)
    before = params.copy()
    size = _engine.optim_state_size(solver, len(free))
    state = rand(rng, size) ** 2
    packed, packed_state = params[free].copy(), state.copy()
    opt = StepSettings(solver=solver, learning_rate=0.1, alpha=0.01)
    sq = kernels.optim_step(params, state, grad, n_decay, 0.5, opt, spans=spans)
    opt.t = 0
    packed_sq = kernels.optim_step(packed, packed_state, grad[free].copy(),
                                   int(np.sum(free < n_decay)), 0.5, opt)
    np.testing.assert_array_equal(params[free], packed)
    np.testing.assert_array_equal(state, packed_state)
    assert sq == pytest.approx(packed_sq, rel=1e-12)
    untouched = np.setdiff1d(np.arange(n), free)
    np.testing.assert_array_equal(params[untouched], before[untouched])


# ---- Pretrained -------------------------------------------------------------

@pytest.fixture(scope="module")
def conv(digits):
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # five epochs only
        return ConvClassifier(filters=(8,), hidden_layer_sizes=(32,), max_iter=5,
                              random_state=0).fit(images(X), y)


def test_pretrained_starts_from_the_model_and_keeps_it_frozen(digits, conv):
    X, y = digits
    model = NetClassifier([Pretrained(conv, upto="Flatten"), L.Dense(16)], max_iter=15,
                          random_state=0).fit(images(X), y % 2)
    np.testing.assert_array_equal(model.coefs_[0], conv.coefs_[0])
    np.testing.assert_array_equal(model.intercepts_[0], conv.intercepts_[0])
    model.partial_fit(images(X), y % 2)
    np.testing.assert_array_equal(model.coefs_[0], conv.coefs_[0])
    assert model.score(images(X), y % 2) > 0.85
    # and the model it came from is untouched
    assert model.coefs_[0] is not conv.coefs_[0]


def test_pretrained_trainable_fine_tunes(digits, conv):
    X, y = digits
    model = NetClassifier([Pretrained(conv, upto=-1, trainable=True)], max_iter=2,
                          random_state=0).fit(images(X), y)
    assert model.coefs_[0].shape == conv.coefs_[0].shape
    assert not np.array_equal(model.coefs_[0], conv.coefs_[0])


def test_pretrained_clones_pickles_and_grid_searches(digits, conv):
    X, y = digits
    model = NetClassifier([Pretrained(conv, upto="Flatten"), L.Dense(8)], max_iter=10,
                          random_state=0)
    copy = clone(model).fit(images(X), y)
    back = pickle.loads(pickle.dumps(copy))
    np.testing.assert_array_equal(back.predict_proba(images(X)), copy.predict_proba(images(X)))
    grid = GridSearchCV(model, {"layers": [[Pretrained(conv, upto="Flatten")],
                                           [Pretrained(conv, upto=0), L.Flatten()]]},
                        cv=2).fit(images(X), y)
    assert grid.best_score_ > 0.6  # ten classes


def test_pretrained_refuses_what_it_cannot_take(digits, conv):
    X, y = digits
    with pytest.raises(NotFittedError):
        Pretrained(MLPClassifier())
    with pytest.raises(ValueError, match="fitted fastnn estimator"):
        Pretrained(LogisticRegression())
    with pytest.raises(ValueError, match="outside the model's"):
        Pretrained(conv, upto=9)
    with pytest.raises(ValueError, match="no LSTM layer"):
        Pretrained(conv, upto="LSTM")
    with pytest.raises(ValueError, match="reads images"):
        NetClassifier([L.Flatten(), Pretrained(conv)]).fit(images(X), y)
    changed = clone(conv).fit(images(X), y).set_params(filters=(4,))
    with pytest.raises(ValueError, match="not those it was fitted with"):
        Pretrained(changed)


# ---- NetTransformer -----------------------------------------------------------

def test_net_transformer_gives_the_hidden_layer(digits):
    X, y = digits
    mlp = MLPClassifier((12, 6), activation="tanh", max_iter=5, random_state=0).fit(X, y)
    hidden = np.tanh(X @ mlp.coefs_[0] + mlp.intercepts_[0])
    np.testing.assert_allclose(NetTransformer(mlp, upto=0).fit_transform(X), hidden,
                               rtol=1e-5, atol=1e-6)
    second = np.tanh(hidden @ mlp.coefs_[1] + mlp.intercepts_[1])
    np.testing.assert_allclose(NetTransformer(mlp).fit(X).transform(X), second,
                               rtol=1e-5, atol=1e-6)


def test_net_transformer_in_a_pipeline_and_a_grid_search(digits, conv):
    X, y = digits
    pipe = make_pipeline(NetTransformer(conv, upto="Flatten"), LogisticRegression(max_iter=300))
    grid = GridSearchCV(pipe, {"logisticregression__C": [0.1, 1.0]}, cv=2).fit(images(X), y)
    assert grid.best_score_ > 0.8
    # clone shares the fitted model instead of an unfitted copy
    assert clone(pipe).steps[0][1].model is conv
    features = NetTransformer(conv, upto="Flatten").fit(images(X))
    assert features.transform(images(X[:5])).shape == (5, features.n_features_out_)
    assert len(features.get_feature_names_out()) == features.n_features_out_
    back = pickle.loads(pickle.dumps(features))
    np.testing.assert_array_equal(back.transform(images(X[:5])),
                                  features.transform(images(X[:5])))


def test_net_transformer_of_a_conv_layer_applies_its_activation(digits, conv):
    """The conv's relu moves behind its max pool inside the fitted network;
    cut before the pool, the features still have it."""
    X, _ = digits
    out = NetTransformer(conv, upto=0).fit_transform(images(X[:20]))
    assert out.shape == (20, 8 * 8 * 8)
    assert out.min() >= 0 and (out == 0).any()


@pytest.mark.skipif(not os.path.exists(os.path.join(FASHION_MNIST_DIR,
                                                    "train-labels-idx1-ubyte.gz")),
                    reason="Fashion-MNIST absent: install Debian's dataset-fashion-mnist")
def test_frozen_layers_of_a_fashion_model_learn_new_classes_from_few_images():
    """A conv net fitted on Fashion-MNIST's classes 0-4; its layers up to
    Flatten, frozen, with a new head, learn the classes 5-9 from 20 images
    each better than the same network from scratch (measured here, in
    float32: 0.923 against 0.902, two seeds; docs/transfer.md has the
    float64 runs of the gallery example)."""
    X, y, X_new, y_new, few, scored = fashion_new_classes()
    first = ConvClassifier(filters=(16, 32), hidden_layer_sizes=(64,), max_iter=2,
                           random_state=0).fit(X[y < 5][:20000], y[y < 5][:20000])
    tuned, scratch = [], []
    for seed in range(2):
        model = NetClassifier([Pretrained(first, upto="Flatten"), L.Dense(64)], max_iter=100,
                              random_state=seed).fit(X_new[few], y_new[few])
        tuned.append(model.score(X_new[scored], y_new[scored]))
        np.testing.assert_array_equal(model.coefs_[0], first.coefs_[0])  # still frozen
        model = ConvClassifier(filters=(16, 32), hidden_layer_sizes=(64,), max_iter=100,
                               random_state=seed).fit(X_new[few], y_new[few])
        scratch.append(model.score(X_new[scored], y_new[scored]))
    print("new classes from 20 images each: pretrained %.3f, scratch %.3f"
          % (np.mean(tuned), np.mean(scratch)))
    assert np.mean(tuned) > np.mean(scratch) + 0.01


# ---- pretrained word vectors ------------------------------------------------------

def test_read_word_vectors_reads_word2vec_and_glove_files(tmp_path):
    word2vec = tmp_path / "w2v.txt"
    word2vec.write_text("3 2\nCat 1 2\ndog 3 4\ncat 5 6\n", encoding="utf-8")
    vectors = text.read_word_vectors(word2vec)
    assert set(vectors) == {"Cat", "dog", "cat"}
    np.testing.assert_array_equal(vectors["dog"], [3, 4])
    assert vectors["dog"].dtype == np.float32
    lowered = text.read_word_vectors(word2vec, lowercase=True)
    np.testing.assert_array_equal(lowered["cat"], [1, 2])  # a word's first vector
    glove = tmp_path / "glove.txt"
    glove.write_text("the 0.5 0.25 1\nof -1 0 2\n", encoding="utf-8")
    assert set(text.read_word_vectors(glove, vocabulary={"of", "and"})) == {"of"}
    glove.write_text("the 0.5 0.25 1\nof -1 0\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2: 2 values"):
        text.read_word_vectors(glove)
    glove.write_text("the 0.5 x 1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 1"):
        text.read_word_vectors(glove)


def test_embedding_weights_line_up_with_the_vectorizer():
    vectorizer = text.SequenceVectorizer(analyzer="word").fit(["a cat sat", "a dog"])
    vectors = {"a": np.full(3, 2.0), "dog": np.arange(3.0), "zebra": np.ones(3)}
    with pytest.warns(UserWarning, match="2 of the vectorizer's 4 tokens have no pretrained"):
        weights = text.embedding_weights(vectorizer, vectors, random_state=0)
    assert weights.shape == (vectorizer.vocab_size_, 3)
    assert not weights[0].any()  # padding
    np.testing.assert_array_equal(weights[vectorizer.vocabulary_["dog"]], [0, 1, 2])
    np.testing.assert_array_equal(weights[vectorizer.vocabulary_["a"]], [2, 2, 2])
    assert np.isfinite(weights).all() and weights[vectorizer.vocabulary_["cat"]].any()
    L.Embedding(6, 3, weights=weights)
    with pytest.raises(ValueError, match="shape \\(vocab_size, dim\\) = \\(7, 3\\)"):
        L.Embedding(7, 3, weights=weights)


def test_pretrained_vectors_carry_what_the_training_texts_never_showed():
    """Words of two kinds (their vectors say which); the training texts use
    half of the words, the scored ones only the other half.  A frozen
    embedding of the vectors classifies the unseen words' texts; one
    learned from the training texts cannot."""
    rng = np.random.default_rng(0)
    words = ["w%d" % i for i in range(200)]
    kind = np.arange(200) % 2
    vectors = {w: np.r_[2.0 * kind[i] - 1, rng.normal(0, 0.3, 7)] for i, w in enumerate(words)}

    def texts(pool, n):
        picks = [rng.choice(pool, 6) for _ in range(n)]
        return [" ".join(words[i] for i in p) for p in picks], \
            np.array([int(kind[p].mean() > 0.5) for p in picks])

    seen, unseen = np.arange(100), np.arange(100, 200)
    X_train, y_train = texts(seen, 300)
    X_test, y_test = texts(unseen, 300)
    vectorizer = text.SequenceVectorizer(analyzer="word", max_length=6).fit(words)
    weights = text.embedding_weights(vectorizer, vectors, random_state=0)
    scores = {}
    for name, embedding in [("pretrained", L.Embedding(vectorizer.vocab_size_, 8,
                                                       weights=weights, trainable=False)),
                            ("learned", L.Embedding(vectorizer.vocab_size_, 8))]:
        model = NetClassifier([embedding, L.GlobalAvgPool()], max_iter=100,
                              learning_rate_init=0.05, random_state=0)
        model.fit(vectorizer.transform(X_train), y_train)
        scores[name] = model.score(vectorizer.transform(X_test), y_test)
        if name == "pretrained":
            np.testing.assert_array_equal(model.coefs_[0], weights.astype(model.coefs_[0].dtype))
    assert scores["pretrained"] > 0.9 > 0.7 > scores["learned"], scores


@pytest.mark.parametrize("n_threads", [1, 2])
def test_frozen_layers_in_front_get_no_gradient_and_the_rest_the_same(n_threads):
    """The walk back ends at the first layer after a frozen prefix: the
    prefix's gradient stays 0, every other value's is the one the network
    without frozen layers gets, to the bit."""
    rng = np.random.default_rng(3)
    stack = [L.Conv2D(3), L.MaxPool2D(), L.Flatten(), L.Dense(6)]
    frozen = [L.Conv2D(3, trainable=False)] + stack[1:]
    shape = ("image", 6, 6, 2)
    nets = [_engine.Network(L.build(layers, shape, 4), "softmax", n_threads)
            for layers in (stack, frozen)]
    params = rand(rng, nets[0].n_params) * 0.5
    X, Y = rand(rng, 50, 72), np.eye(4)[rng.integers(0, 4, 50)]
    grads = []
    for net in nets:
        grad = np.zeros_like(params)
        net.loss_grad(params, grad, X, Y, None, seed=5)
        grads.append(grad)
    conv = nets[1].param_blocks()[0]
    prefix = np.r_[conv[0]:conv[0] + conv[1], conv[2]:conv[2] + conv[3]]
    assert not grads[1][prefix].any() and grads[0][prefix].any()
    rest = np.setdiff1d(np.arange(len(params)), prefix)
    np.testing.assert_array_equal(grads[1][rest], grads[0][rest])
