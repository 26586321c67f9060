"""ONNX export (fastnn.onnx): every estimator and layer kind converted
with skl2onnx and run by onnxruntime on held-out rows, against predict,
predict_proba and transform; Pipelines, searches, a process without
fastnn, and the errors for what cannot be exported."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

skl2onnx = pytest.importorskip("skl2onnx",
                               reason="ONNX export needs skl2onnx")
ort = pytest.importorskip("onnxruntime",
                         reason="running exported models needs onnxruntime")

from fastnn import TransformerClassifier, TransformerRegressor  # noqa: E402
from fastnn import (AutoencoderTransformer, ConvClassifier, ConvRegressor,  # noqa: E402
                    MLPClassifier, MLPRegressor, NetClassifier, NetRegressor,
                    RNNClassifier, RNNRegressor)
from fastnn import layers as L  # noqa: E402
from fastnn.onnx import to_onnx  # noqa: E402

pytestmark = pytest.mark.usefixtures("quiet")

# relative to the largest expected value: float32 graphs sum in another
# order than the engine's BLAS
RTOL = {np.float32: 1e-5, np.float64: 1e-12}


def flat(X):
    return X.reshape(len(X), -1)


def run(onx, X):
    session = ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: flat(X)})


def assert_close(actual, expected, dtype, rtol=None):
    expected = np.asarray(expected)
    assert actual.dtype == dtype and actual.shape == expected.shape
    rtol = RTOL[dtype] if rtol is None else rtol
    np.testing.assert_allclose(actual, expected, rtol=rtol,
                               atol=rtol * max(np.abs(expected).max(), 1e-30))


def assert_labels(labels, expected, proba):
    """Equal labels wherever the probabilities decide clearly (a tie within
    rounding may go either way)."""
    top = np.sort(proba, axis=1)
    decided = top[:, -1] - top[:, -2] > 1e-5 if proba.shape[1] > 1 else np.ones(len(proba), bool)
    assert decided.mean() > 0.9
    np.testing.assert_array_equal(np.asarray(labels)[decided], np.asarray(expected)[decided])


def check_classifier(model, X_train, y, X_test, dtype=np.float32, rtol=None, **convert):
    X_train, X_test = X_train.astype(dtype), X_test.astype(dtype)
    model.fit(X_train, y)
    labels, proba = run(to_onnx(model, X_train[:1], options={"zipmap": False}, **convert),
                        X_test)
    expected = model.predict_proba(X_test)
    assert_close(proba, expected, dtype, rtol)
    assert_labels(labels, model.predict(X_test), expected)
    return model


def check_regressor(model, X_train, y, X_test, dtype=np.float32, rtol=None, **convert):
    X_train, X_test = X_train.astype(dtype), X_test.astype(dtype)
    model.fit(X_train, y)
    (out,) = run(to_onnx(model, X_train[:1], **convert), X_test)
    assert_close(out, model.predict(X_test).reshape(len(X_test), -1), dtype, rtol)
    return model


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((90, 6))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] + X[:, 2] > 0.5)
    return X[:60], y[:60], X[60:]


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((70, 2, 7, 6))
    y = (X[:, 0, :3].sum(axis=(1, 2)) > 0).astype(int) + (X[:, 1, :, 2:].mean(axis=(1, 2)) > 0)
    return X[:50], y[:50], X[50:]


@pytest.fixture(scope="module")
def sequences():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((70, 6, 3))
    return X[:50], X[:50, :, 0].sum(axis=1), X[50:]


@pytest.fixture(scope="module")
def token_ids():
    """(n, 8) ids from 0 to 9 with padding (id 0) before, after, inside and
    everywhere in some rows."""
    rng = np.random.default_rng(3)
    ids = rng.integers(1, 10, (80, 8)).astype(np.float64)
    ids[::4, :3] = 0
    ids[1::4, -2:] = 0
    ids[2::8, 3:5] = 0
    ids[3] = 0
    return ids[:60], (ids[:60] % 3 == 0).sum(axis=1) > 2, ids[60:]


# ---- MLPs ---------------------------------------------------------------------------

@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu", "leaky_relu",
                                        "elu", "gelu", "softplus"])
def test_mlp_classifier_every_activation(data, activation):
    X, y, X_test = data
    check_classifier(MLPClassifier((8, 5), activation, max_iter=20, learning_rate_init=0.05,
                                   random_state=0), X, y, X_test)


def test_gelu_before_opset_20_is_its_erf_formula(data):
    X, y, X_test = data
    model = check_classifier(MLPClassifier((8,), "gelu", max_iter=20, random_state=0), X, y,
                             X_test, target_opset=18)
    ops = {node.op_type for node in to_onnx(model, X[:1], target_opset=18).graph.node}
    assert "Erf" in ops and "Gelu" not in ops


def test_mlp_float64_with_batch_norm_and_dropout(data):
    X, y, X_test = data
    check_classifier(MLPClassifier((8, 5), "tanh", batch_norm=True, dropout=0.2, max_iter=10,
                                   random_state=0), X, y, X_test, dtype=np.float64)


def test_float64_gelu_runs_in_float32(data):
    # onnxruntime has no float64 Erf or Gelu: that one activation is
    # computed in float32
    X, y, X_test = data
    check_classifier(MLPClassifier((8,), "gelu", max_iter=10, random_state=0), X, y, X_test,
                     dtype=np.float64, rtol=1e-6)


def test_binary_string_labels(data):
    X, y, X_test = data
    model = check_classifier(MLPClassifier((6,), max_iter=20, random_state=0), X,
                             np.where(y > 0, "yes", "no"), X_test)
    labels, proba = run(to_onnx(model, X[:1].astype(np.float32), options={"zipmap": False}),
                        X_test.astype(np.float32))
    assert proba.shape == (len(X_test), 2) and labels.dtype == object
    assert set(labels) <= {"yes", "no"}


def test_multilabel(data):
    X, _, X_test = data
    Y = np.c_[X[:, 0] > 0, X[:, 1] > 0, X[:, 0] + X[:, 2] > 0].astype(int)
    model = MLPClassifier((8,), max_iter=30, random_state=0).fit(X.astype(np.float32), Y)
    labels, proba = run(to_onnx(model, X[:1].astype(np.float32), options={"zipmap": False}),
                        X_test.astype(np.float32))
    expected = model.predict_proba(X_test.astype(np.float32))
    assert_close(proba, expected, np.float32)
    clear = (np.abs(expected - 0.5) > 1e-5).all(axis=1)
    np.testing.assert_array_equal(labels[clear], model.predict(X_test.astype(np.float32))[clear])


def test_zipmap_gives_a_dict_per_row(data):
    X, y, X_test = data
    model = MLPClassifier((6,), max_iter=10, random_state=0).fit(X.astype(np.float32), y)
    labels, rows = run(to_onnx(model, X[:1].astype(np.float32)), X_test.astype(np.float32))
    expected = model.predict_proba(X_test.astype(np.float32))
    got = np.array([[row[c] for c in model.classes_] for row in rows], dtype=np.float32)
    assert_close(got, expected, np.float32)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mlp_regressor_outputs(data, dtype):
    X, y, X_test = data
    Y = np.c_[X[:, 0] - X[:, 1], X[:, 2] * 2, y]
    check_regressor(MLPRegressor(hidden_layer_sizes=(8,), max_iter=20, random_state=0), X, Y,
                    X_test, dtype)
    # one output: (N, 1), as skl2onnx gives scikit-learn's MLPRegressor
    check_regressor(MLPRegressor(loss="poisson", hidden_layer_sizes=(8,), max_iter=20,
                                 random_state=0), X, np.exp(X[:, 0] / 2), X_test, dtype)


# ---- convolutions ----------------------------------------------------------------

@pytest.mark.parametrize("params", [
    dict(),
    dict(padding="valid", pooling=None),
    dict(strides=2, pooling="avg"),
    dict(kernel_size=[(3, 2), (2, 4)], strides=[(1, 2), (2, 1)], pool_size=3),
    dict(pool_size=9),  # larger than the maps: clipped to them
    dict(batch_norm=True, activation="elu", dropout=0.1),
])
def test_conv_classifier(images, params):
    X, y, X_test = images
    check_classifier(ConvClassifier(filters=(3, 4), hidden_layer_sizes=(6,), max_iter=5,
                                    random_state=0, **params), X, y, X_test)


def test_conv_regressor_flat_rows_and_float64(images):
    X, y, X_test = images
    # flat rows with input_shape, and one-channel (n, h, w) images
    check_regressor(ConvRegressor(filters=(3,), input_shape=(2, 7, 6), hidden_layer_sizes=(),
                                  max_iter=5, random_state=0), flat(X), y, flat(X_test),
                    np.float64)
    check_regressor(ConvRegressor(filters=(2,), padding="valid", pool_size=(2, 3), max_iter=5,
                                  random_state=0), X[:, 0], np.c_[y, -y], X_test[:, 0])


# ---- recurrent layers --------------------------------------------------------------

@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_rnn_regressor_stacked(sequences, cell, bidirectional):
    X, y, X_test = sequences
    # two layers: the first returns its sequence to the second
    check_regressor(RNNRegressor(cell=cell, recurrent_layer_sizes=(4, 3),
                                 bidirectional=bidirectional, hidden_layer_sizes=(5,),
                                 max_iter=5, random_state=0), X, y, X_test)


def test_rnn_classifier_flat_rows_float64(sequences):
    X, y, X_test = sequences
    check_classifier(RNNClassifier(cell="gru", recurrent_layer_sizes=(5,), bidirectional=True,
                                   input_shape=(6, 3), dropout=0.1, max_iter=5, random_state=0),
                     flat(X), y > 0, flat(X_test), dtype=np.float64)


# ---- layer stacks --------------------------------------------------------------------

@pytest.mark.parametrize("stack", [
    [L.Conv1D(4, 3, strides=2, padding="valid", activation="gelu"), L.AvgPool1D(2),
     L.Flatten(), L.Dense(5, "softplus"), L.BatchNorm()],
    [L.Conv1D(4, 2), L.MaxPool1D(4), L.GlobalMaxPool()],
    [L.Conv1D(3, 3, strides=2, padding=1), L.Flatten()],
    [L.LSTM(4, return_sequences=True), L.Dropout(0.2), L.GlobalAvgPool()],
    [L.GRU(3, return_sequences=True, bidirectional=True), L.Flatten()],
    [L.Flatten(), L.Dense(6, "leaky_relu")],
])
def test_net_regressor_sequences(sequences, stack):
    X, y, X_test = sequences
    check_regressor(NetRegressor(stack, max_iter=5, random_state=0), X, np.c_[y, y ** 2],
                    X_test)


def test_net_classifier_images(images):
    X, y, X_test = images
    stack = [L.Conv2D(3, 2, activation="tanh"), L.BatchNorm(), L.MaxPool2D(2),
             L.Conv2D(2, (3, 2), padding="valid", activation="leaky_relu"),
             L.GlobalMaxPool(), L.Dense(4, "logistic")]
    check_classifier(NetClassifier(stack, max_iter=5, random_state=0), X, y, X_test)
    check_classifier(NetClassifier([L.Conv2D(3, 3, strides=2), L.GlobalAvgPool()], max_iter=5,
                                   random_state=0), X, y, X_test, dtype=np.float64)
    # zeros on each side (PyTorch's padding=1), strided
    for dtype in (np.float32, np.float64):
        check_classifier(NetClassifier([L.Conv2D(3, 3, strides=2, padding=1), L.Flatten()],
                                       max_iter=5, random_state=0), X, y, X_test, dtype=dtype)


@pytest.mark.parametrize("stack", [
    [L.Embedding(10, 4), L.GRU(5, return_sequences=True, bidirectional=True), L.LSTM(3)],
    [L.Embedding(10, 4), L.SimpleRNN(3, bidirectional=True)],
    [L.Embedding(10, 4), L.LSTM(4, return_sequences=True), L.Dropout(0.1), L.GlobalMaxPool()],
    [L.Embedding(10, 4), L.GlobalAvgPool()],
    [L.Embedding(10, 4), L.Conv1D(3, 3), L.MaxPool1D(2), L.GlobalAvgPool()],
    [L.Embedding(10, 4, mask_padding=False), L.LSTM(3, bidirectional=True)],
])
def test_embedding_and_padding_mask(token_ids, stack):
    ids, y, ids_test = token_ids
    check_classifier(NetClassifier(stack, max_iter=5, random_state=0), ids, y, ids_test)


def test_masked_recurrence_float64(token_ids):
    ids, y, ids_test = token_ids
    stack = [L.Embedding(10, 3), L.LSTM(3, return_sequences=True, bidirectional=True),
             L.GRU(2)]
    check_regressor(NetRegressor(stack, max_iter=3, random_state=0), ids, y.astype(float),
                    ids_test, np.float64)


def test_autoencoder_transform(data, images):
    X, _, X_test = data
    for dtype in (np.float32, np.float64):
        model = AutoencoderTransformer([L.Dense(6), L.BatchNorm(), L.Dropout(0.1),
                                        L.Dense(3, "tanh")], max_iter=5, random_state=0)
        model.fit(X.astype(dtype))
        (code,) = run(to_onnx(model, X[:1].astype(dtype)), X_test.astype(dtype))
        assert_close(code, model.transform(X_test.astype(dtype)), dtype)
    X, X_test = flat(images[0]).astype(np.float32), flat(images[2]).astype(np.float32)
    model = AutoencoderTransformer([L.Conv2D(2), L.MaxPool2D(), L.Flatten(), L.Dense(4)],
                                   input_shape=(2, 7, 6), max_iter=3, random_state=0).fit(X)
    (code,) = run(to_onnx(model), X_test)  # no X: sized by the model
    assert_close(code, model.transform(X_test), np.float32)


# ---- with scikit-learn ---------------------------------------------------------------

def test_pipeline_and_grid_search_through_skl2onnx(data, images):
    X, y, X_test = (a.astype(np.float32) for a in data)
    pipe = make_pipeline(StandardScaler(), MLPClassifier((6,), max_iter=10, random_state=0))
    pipe.fit(X, y)
    labels, proba = run(skl2onnx.to_onnx(pipe, X[:1], options={"zipmap": False}), X_test)
    assert_close(proba, pipe.predict_proba(X_test), np.float32)
    assert_labels(labels, pipe.predict(X_test), pipe.predict_proba(X_test))

    X, y, X_test = images
    X, X_test = flat(X).astype(np.float32), flat(X_test).astype(np.float32)
    search = GridSearchCV(ConvRegressor(filters=(2,), input_shape=(2, 7, 6), max_iter=3,
                                        random_state=0),
                          {"hidden_layer_sizes": [(), (4,)]}, cv=2).fit(X, y)
    (out,) = run(skl2onnx.to_onnx(search.best_estimator_, X[:1]), X_test)
    assert_close(out, search.predict(X_test).reshape(-1, 1), np.float32)


def test_runs_where_fastnn_cannot_be_imported(tmp_path, token_ids):
    ids, y, ids_test = token_ids
    model = NetClassifier([L.Embedding(10, 3), L.GRU(3)], max_iter=3, random_state=0)
    model.fit(ids.astype(np.float32), y)
    X = ids_test.astype(np.float32)
    (tmp_path / "model.onnx").write_bytes(
        to_onnx(model, X[:1], options={"zipmap": False}).SerializeToString())
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "proba.npy", model.predict_proba(X))
    np.save(tmp_path / "labels.npy", model.predict(X).astype(np.int64))
    script = textwrap.dedent("""
        import sys
        class NoFastnn:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == "fastnn":
                    raise ImportError("fastnn is blocked")
        sys.meta_path.insert(0, NoFastnn())
        try:
            import fastnn
        except ImportError:
            pass
        else:
            sys.exit("fastnn was importable")
        import numpy as np, onnxruntime as ort
        session = ort.InferenceSession("model.onnx", providers=["CPUExecutionProvider"])
        labels, proba = session.run(None, {"X": np.load("X.npy")})
        np.testing.assert_allclose(proba, np.load("proba.npy"), rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(labels, np.load("labels.npy"))
        print("ok")
    """)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_fastnn_imports_without_skl2onnx():
    # skl2onnx stays optional: fastnn does not load it, and fastnn.onnx
    # says how to install it when it is missing
    script = textwrap.dedent("""
        import sys
        import fastnn
        assert "skl2onnx" not in sys.modules, "import fastnn loaded skl2onnx"
        class NoSkl2onnx:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == "skl2onnx":
                    raise ImportError("No module named 'skl2onnx'")
        sys.meta_path.insert(0, NoSkl2onnx())
        try:
            import fastnn.onnx
        except ImportError as exc:
            print(exc)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert 'pip install skl2onnx onnx onnxruntime' in done.stdout
    assert 'pip install -e ".[onnx]"' in done.stdout


# ---- what cannot be exported -------------------------------------------------------

def test_clear_errors(data):
    X, y, _ = (a.astype(np.float32) for a in data)
    model = MLPClassifier((4,), max_iter=3, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="target_opset >= 13"):
        to_onnx(model, X[:1], target_opset=12)
    with pytest.raises(ValueError, match="expecting 6 features"):
        to_onnx(model, X[:1, :5])


# ---- residual blocks and branches -----------------------------------------------------

JOINED_ROWS = [L.Dense(5, "tanh"),
               L.Residual([L.Dense(5, "elu"), L.Dense(5, "identity")], activation="relu"),
               L.Residual([L.Dense(3)]),
               L.Parallel([[L.Dense(4, "tanh")], [L.Columns(1, 3)], []]),
               L.Parallel([[L.Dense(3)], [L.Dense(3, "logistic")]], join="add", activation="relu")]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_residual_blocks_and_branches(data, dtype):
    X, y, X_test = data
    check_classifier(NetClassifier(JOINED_ROWS, max_iter=5, random_state=0), X, y, X_test,
                     dtype)


def test_residual_images(images):
    X, y, X_test = images
    stack = [L.Conv2D(3), L.Residual([L.Conv2D(3), L.Conv2D(3, activation="identity")], "relu"),
             L.Residual([L.Conv2D(4), L.MaxPool2D(2)]), L.GlobalAvgPool()]
    check_classifier(NetClassifier(stack, max_iter=5, random_state=0), X, y, X_test)


def test_residual_over_masked_text(token_ids):
    ids, y, ids_test = token_ids
    stack = [L.Embedding(10, 4),
             L.Residual([L.LayerNorm(), L.GRU(4, return_sequences=True)]), L.GlobalAvgPool()]
    check_classifier(NetClassifier(stack, max_iter=5, random_state=0), ids, y, ids_test)


def test_two_inputs_ids_and_numbers(token_ids):
    ids, y, ids_test = token_ids
    rng = np.random.default_rng(5)
    X, X_test = np.hstack([ids, rng.random((len(ids), 3))]), \
        np.hstack([ids_test, rng.random((len(ids_test), 3))])
    stack = [L.Parallel([[L.Columns(0, 8), L.Embedding(10, 4, mask_padding=False), L.GRU(3)],
                         [L.Columns(8, 11), L.Dense(3, "tanh")]]), L.Dense(4)]
    check_classifier(NetClassifier(stack, max_iter=5, random_state=0), X, y, X_test)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_attention_with_padding_and_causal_masks(token_ids, dtype):
    ids, y, ids_test = token_ids
    stack = [L.Embedding(10, 4), L.PositionalEmbedding(),
             L.Residual([L.LayerNorm(), L.MultiHeadAttention(2)]),
             L.PositionalEmbedding("sinusoidal"), L.MultiHeadAttention(1, causal=True),
             L.GlobalAvgPool()]
    check_classifier(NetClassifier(stack, max_iter=5, random_state=0), ids, y, ids_test, dtype)


def test_attention_over_sequences(sequences):
    X, y, X_test = sequences
    stack = [L.Conv1D(4, 1), L.PositionalEmbedding("sinusoidal"),
             L.TransformerEncoder(heads=2, ff=8, causal=True), L.Flatten()]
    check_regressor(NetRegressor(stack, max_iter=5, random_state=0), X, y, X_test)


def test_transformer_presets(token_ids, sequences):
    """TransformerClassifier on token ids (padding masked) and
    TransformerRegressor on numeric sequences convert like the networks
    they preset."""
    ids, y, ids_test = token_ids
    check_classifier(TransformerClassifier(vocab_size=10, d_model=8, heads=2, encoder_layers=1,
                                           max_iter=3, random_state=0), ids, y, ids_test)
    X, y, X_test = sequences
    check_regressor(TransformerRegressor(d_model=8, heads=2, encoder_layers=1, max_iter=3,
                                         random_state=0), X, y, X_test)
