"""fastnn.layers and the estimators over any layer stack."""
import dataclasses
import pickle
import re

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import cross_val_score

from fastnn import (ConvClassifier, MLPClassifier, NetClassifier, NetRegressor, RNNClassifier,
                    RNNRegressor, _engine)
from fastnn import layers as L
from fastnn._network import Layout

import _kernels  # tests/kernels: the single kernels
from conftest import assert_network_gradient, rand, recurrent_reference, tol

pytestmark = pytest.mark.usefixtures("quiet")


# ---- the layer specs --------------------------------------------------------

EVERY_KIND = [L.Dense(8, "tanh"), L.Conv2D(4, (3, 2), strides=2, padding="valid"),
              L.MaxPool2D(), L.AvgPool2D((1, 2)), L.Flatten(), L.Dropout(0.25), L.BatchNorm(),
              L.SimpleRNN(3), L.LSTM(4, return_sequences=True), L.GRU(5, bidirectional=True)]


@pytest.mark.parametrize("layer", EVERY_KIND, ids=repr)
def test_layers_are_immutable_values(layer):
    assert eval(repr(layer), vars(L)) == layer  # the repr reads back as the same layer
    assert pickle.loads(pickle.dumps(layer)) == layer
    field = next(iter(dataclasses.fields(layer)), None)
    if field is not None:
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(layer, field.name, getattr(layer, field.name))


@pytest.mark.parametrize("make, message", [
    (lambda: L.Dense(0), "units must be a positive int"),
    (lambda: L.Dense(3, "softmax"), "activation must be one of"),
    (lambda: L.Conv2D(4, kernel_size=(3, 3, 3)), "kernel_size must be an int or a pair"),
    (lambda: L.Conv2D(4, kernel_size=2.5), "kernel_size must be an int or a pair"),
    (lambda: L.Conv2D(4, padding="full"), "padding must be 'same', 'valid' or zeros"),
    (lambda: L.Conv2D(4, 3, padding=3), "from 0 to the kernel size - 1"),
    (lambda: L.Conv1D(4, 3, padding=(1, 1)), "from 0 to the kernel size - 1"),
    (lambda: L.MaxPool2D(0), "pool_size must be a positive int"),
    (lambda: L.Dropout(1.0), r"rate must be in \[0, 1\)"),
    (lambda: L.LSTM(8, return_sequences=1), "return_sequences must be True or False"),
])
def test_bad_settings_fail_when_the_layer_is_made(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_estimator_clone_and_pickle_keep_the_layers(digits):
    X, y = digits
    model = NetClassifier([L.Dense(16), L.Dropout(0.1)], max_iter=3, random_state=0)
    copy = clone(model)
    assert copy.layers == model.layers and copy.layers is not model.layers
    model.fit(X, y)
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.predict_proba(X), model.predict_proba(X))


# ---- shapes -----------------------------------------------------------------

@pytest.mark.parametrize("layers, X_shape, message", [
    ([L.Conv2D(4), L.Dense(3)], (10, 8, 8),
     r"Dense\(units=3.*takes flat input, but receives images of shape \(c, h, w\) = "
     r"\(4, 8, 8\).*Flatten\(\)"),
    ([L.Conv2D(4, 9, padding="valid")], (10, 8, 8),
     r"receives images of shape \(c, h, w\) = \(1, 8, 8\) .* output 0x0"),
    ([L.Dense(4)], (10, 8, 8), r"takes flat rows .* shape \(10, 8, 8\)"),
    ([], (10, 8, 8), r"no layers takes flat rows .* shape \(10, 8, 8\)"),
    ([L.LSTM(4, return_sequences=True)], (10, 5, 2), "hands on sequences of 5 steps of 4"),
    ([L.Dense(4), L.LSTM(3)], (10, 6), r"LSTM\(units=3.* takes sequence input, but receives "
                                       "flat rows of 4 values"),
    ([L.Dropout(0.5), L.Dense(4)], (10, 6), "cannot come first"),
    ([L.Conv2D(4), L.MaxPool2D(), L.BatchNorm(), L.Flatten()], (10, 8, 8),
     "right after a Dense or Conv2D"),
    (L.Dense(4), (10, 6), "The 'layers' parameter of NetClassifier must be"),
    ([L.Dense(4), "relu"], (10, 6), "fastnn.layers objects"),
    # found by tests/test_properties.py: a first entry that is no layer raised
    # AttributeError ('dict' object has no attribute 'takes')
    ([{}], (10, 6), "fastnn.layers objects"),
    (["relu", L.Dense(4)], (10, 6), "fastnn.layers objects"),
])
def test_a_layer_that_cannot_take_its_input_says_so(layers, X_shape, message):
    X = np.zeros(X_shape)
    y = np.arange(X_shape[0]) % 2
    with pytest.raises(ValueError, match=message):
        NetClassifier(layers, max_iter=1).fit(X, y)


def test_no_layers_is_a_linear_model(digits):
    X, y = digits
    model = NetClassifier([], max_iter=5, random_state=0).fit(X, y)
    assert [c.shape for c in model.coefs_] == [(64, 10)] and model.n_layers_ == 2


def test_dropout_and_batch_norm_need_a_stochastic_solver(digits):
    X, y = digits
    with pytest.raises(ValueError, match="stochastic solver"):
        NetClassifier([L.Dense(8), L.BatchNorm()], solver="lbfgs").fit(X, y)


def test_predict_refuses_another_input_form(digits):
    X, y = digits
    model = NetClassifier([L.Conv2D(2), L.Flatten()], max_iter=1, random_state=0)
    model.fit(X.reshape(-1, 8, 8), y)
    assert model.predict(X).shape == y.shape  # flat square rows read as the same images
    with pytest.raises(ValueError):
        model.predict(X.reshape(-1, 4, 16))


# ---- the same networks as the presets ----------------------------------------

@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_dense_stack_is_the_mlp(digits, solver):
    X, y = digits
    kw = dict(solver=solver, max_iter=5, random_state=0)
    mlp = MLPClassifier((32, 16), activation="tanh", **kw).fit(X, y)
    net = NetClassifier([L.Dense(32, "tanh"), L.Dense(16, "tanh")], **kw).fit(X, y)
    for a, b in zip(mlp.coefs_ + mlp.intercepts_, net.coefs_ + net.intercepts_):
        np.testing.assert_array_equal(a, b)
    assert net.loss_curve_ == mlp.loss_curve_ if solver != "lbfgs" else net.loss_ == mlp.loss_


def test_conv_stack_is_the_conv_preset(digits):
    X, y = digits
    kw = dict(max_iter=4, random_state=0)
    conv = ConvClassifier(filters=(4, 6), hidden_layer_sizes=(16,), **kw).fit(X, y)
    net = NetClassifier([L.Conv2D(4), L.MaxPool2D(), L.Conv2D(6), L.MaxPool2D(), L.Flatten(),
                         L.Dense(16)], **kw).fit(X, y)
    assert len(net.coefs_) == len(conv.coefs_) == 4
    for a, b in zip(conv.coefs_ + conv.intercepts_, net.coefs_ + net.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_recurrent_stack_is_the_rnn_preset():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 7, 2))
    y = X[:, :, 0].sum(axis=1)
    kw = dict(max_iter=4, random_state=0)
    rnn = RNNRegressor(cell="gru", recurrent_layer_sizes=(6, 5), bidirectional=True,
                       **kw).fit(X, y)
    net = NetRegressor([L.GRU(6, return_sequences=True, bidirectional=True),
                        L.GRU(5, bidirectional=True)], **kw).fit(X, y)
    for a, b in zip(rnn.coefs_ + rnn.intercepts_, net.coefs_ + net.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


# ---- summary -----------------------------------------------------------------

def summary_lines(model):
    lines = []
    model.summary(print_fn=lines.append)
    return lines[0].splitlines()


def n_fitted_values(model):
    return sum(a.size for a in model.coefs_ + model.intercepts_ + model.batch_norm_)


def test_summary_lists_each_layer_its_shape_and_parameters(digits):
    X, y = digits
    layers = [L.Conv2D(4, 3), L.BatchNorm(), L.MaxPool2D(), L.Flatten(), L.Dense(16),
              L.Dropout(0.2)]
    model = NetClassifier(layers, max_iter=2, random_state=0)
    with pytest.raises(NotFittedError):
        model.summary()
    lines = summary_lines(model.fit(X[:200].reshape(-1, 8, 8), y[:200]))
    rows = lines[2:-2]
    assert [row.startswith(repr(layer)) for row, layer in zip(rows, layers)] == [True] * 6
    assert rows[-1].startswith("Dense(units=10) output, softmax")
    shapes, counts = zip(*(re.search(r"(\([\d, ]+\))\s+(\d+)$", row).groups() for row in rows))
    # one sample's shape as the user gives it: (c, h, w) for images
    assert shapes == ("(4, 8, 8)", "(4, 8, 8)", "(4, 4, 4)", "(64,)", "(16,)", "(16,)", "(10,)")
    assert [int(c) for c in counts] == [3 * 3 * 4 + 4, 3 * 4, 0, 0, 64 * 16 + 16, 0, 16 * 10 + 10]
    assert lines[-1] == "Total params: {:,}".format(n_fitted_values(model))


@pytest.mark.parametrize("make, X_shape", [
    (lambda: MLPClassifier((7, 5), max_iter=2), (60, 4)),
    (lambda: RNNClassifier(cell="gru", recurrent_layer_sizes=(3, 4), bidirectional=True,
                           max_iter=2), (60, 5, 2)),
    (lambda: ConvClassifier(filters=(2,), hidden_layer_sizes=(), max_iter=2), (60, 6, 6)),
])
def test_summary_of_the_presets_counts_every_fitted_value(make, X_shape):
    X = rand(np.random.default_rng(0), *X_shape)
    model = make().fit(X, np.arange(60) % 3)
    assert summary_lines(model)[-1] == "Total params: {:,}".format(n_fitted_values(model))


# ---- every layer through the engine ------------------------------------------

# (the input shape, the layers) of a stack with every layer kind
STACKS = {
    "dense": (("flat", 6), [L.Dense(5, "gelu"), L.Dropout(0.3), L.Dense(4, "logistic"),
                       L.BatchNorm(), L.LayerNorm()]),
    "images": (("image", 6, 5, 2), [L.Conv2D(3, (3, 2), padding="same", activation="elu"),
                           L.BatchNorm(), L.LayerNorm(), L.MaxPool2D((2, 1)),
                           L.Conv2D(4, 2, strides=(1, 2), padding="valid"),
                           L.AvgPool2D(), L.Flatten(), L.Dense(5, "softplus")]),
    "sequences": (("sequence", 5, 3), [L.SimpleRNN(3, return_sequences=True),
                           L.LSTM(4, return_sequences=True, bidirectional=True),
                           L.LayerNorm(), L.Dropout(0.2), L.GRU(3), L.Dense(4, "leaky_relu")]),
    "flattened sequences": (("sequence", 4, 2), [L.LSTM(3, return_sequences=True), L.Flatten(),
                                     L.Dense(3)]),
    "images pooled whole": (("image", 4, 3, 2), [L.Conv2D(3, 2), L.GlobalAvgPool()]),
    # zeros on each side, as PyTorch pads: 6 rows, stride 2 -> 3
    "images, padded": (("image", 6, 5, 2), [L.Conv2D(3, 3, strides=2, padding=1),
                           L.Conv2D(2, (3, 2), padding=(1, 0), activation="tanh"),
                           L.Flatten()]),
    # ids in: padding (0) masked where mask_padding, else an id like any
    "text, recurrent": (("sequence", 6, 1), [L.Embedding(5, 3),
                           L.GRU(3, return_sequences=True, bidirectional=True),
                           L.LayerNorm(), L.Dropout(0.2), L.LSTM(2), L.Dense(3, "tanh")]),
    "text, recurrent, unmasked": (("sequence", 5, 1), [L.Embedding(4, 2, mask_padding=False),
                           L.SimpleRNN(3, return_sequences=True), L.GlobalMaxPool()]),
    "text, max pooled": (("sequence", 6, 1), [L.Embedding(5, 3), L.GlobalMaxPool()]),
    "text, average pooled": (("sequence", 6, 1), [L.Embedding(5, 3),
                           L.SimpleRNN(2, return_sequences=True), L.GlobalAvgPool()]),
    "text, convolved": (("sequence", 7, 1), [L.Embedding(6, 3), L.Conv1D(4, 3, activation="elu"),
                           L.MaxPool1D(2), L.Conv1D(2, 2, strides=2, padding="valid"),
                           L.AvgPool1D(1), L.Conv1D(3, 3, strides=2, padding=1),
                           L.GlobalMaxPool(), L.Dense(3)]),
    # joins: residual blocks (with and without a projection), branches
    # joined by concat and add, columns of the input
    "residual and branches": (("flat", 6), [
        L.Dense(5, "tanh"),
        L.Residual([L.Dense(5, "gelu"), L.Dropout(0.2), L.Dense(5, "identity")], "relu"),
        L.Residual([L.Dense(3, "elu")]),
        L.Parallel([[L.Dense(4, "tanh")], [L.Columns(1, 3)], []], activation="elu"),
        L.Parallel([[L.Dense(3)], [L.Dense(3, "logistic")]], join="add", activation="tanh")]),
    "residual images": (("image", 4, 4, 2), [
        L.Conv2D(3), L.Residual([L.Conv2D(3), L.Conv2D(3, activation="identity")], "relu"),
        L.Residual([L.Conv2D(4), L.MaxPool2D(2)]), L.Flatten()]),
    "text, residual": (("sequence", 6, 1), [
        L.Embedding(5, 4), L.Residual([L.LayerNorm(), L.GRU(4, return_sequences=True)]),
        L.GlobalAvgPool()]),
    "attention": (("sequence", 5, 4), [
        L.MultiHeadAttention(2), L.Residual([L.LayerNorm(), L.MultiHeadAttention(4, causal=True)]),
        L.Flatten(), L.Dense(3, "tanh")]),
    # the mask through a Transformer's feed-forward (width-1 Conv1D) to
    # the next layer's attention and the pool
    "text, encoder": (("sequence", 5, 1), [L.Embedding(5, 4),
                           L.TransformerEncoder(4, 2, 6, layers=2, dropout=0.0),
                           L.GlobalAvgPool()]),
    "text, attention": (("sequence", 6, 1), [
        L.Embedding(5, 4), L.PositionalEmbedding(), L.MultiHeadAttention(2), L.Dropout(0.2),
        L.PositionalEmbedding("sinusoidal"),
        L.MultiHeadAttention(1, causal=True), L.GlobalAvgPool()]),
    # two inputs from one X: 4 ids, then 2 numbers
    "ids and numbers": (("flat", 6), [
        L.Parallel([[L.Columns(0, 4), L.Embedding(5, 3, mask_padding=False), L.GRU(3)],
                    [L.Columns(4, 6), L.Dense(3, "tanh")]]),
        L.Dense(4)]),
}


def test_every_engine_layer_kind_has_each_of_its_facets():
    """The registry's walk: every kind the engine lists (fastnn.h) is built
    by some public layer (the stacks above use every one), and has, where
    it has weights, their user-facing shape and an initializer, and an ONNX
    emitter.  A new kind that lacks one fails here."""
    pytest.importorskip("onnx", reason="the ONNX emitters need onnx")
    from fastnn import _engine, _initial_weights, _onnx_graph
    from fastnn._network import WEIGHT_SHAPES

    built = {}
    for shape, layers in STACKS.values():
        for spec in L.build(layers, shape, 2):
            built.setdefault(spec.kind, spec)
    assert set(built) == set(_engine.LAYER_KINDS)
    for kind, spec in built.items():
        weights = _engine.layer_param_counts(spec)[0]
        assert (kind in WEIGHT_SHAPES) == (weights > 0), kind
        assert (kind in _initial_weights.BY_KIND) == (weights > 0), kind
        if weights:
            assert int(np.prod(WEIGHT_SHAPES[kind](spec))) == weights, kind
        assert kind in _onnx_graph.LAYERS, kind


def stack_input(stack, rng, n):
    """Rows for STACKS[stack]: values, or for a text stack ids with
    padding (0) after, before and inside the sequences, and one row of
    padding alone."""
    shape, layers = STACKS[stack]
    if stack == "ids and numbers":
        return np.hstack([rng.integers(0, 5, (n, 4)).astype(np.float64), rand(rng, n, 2)])
    if not isinstance(layers[0], L.Embedding):
        return rand(rng, n, int(np.prod(shape[1:])))
    ids = rng.integers(1, layers[0].vocab_size, (n, shape[1])).astype(np.float64)
    ids[rng.random(ids.shape) < 0.3] = 0
    ids[0] = 0
    ids[1, -2:] = ids[2, :2] = 0
    return ids


def stack_specs(stack):
    """The engine layers of STACKS[stack] with 3 outputs."""
    shape, layers = STACKS[stack]
    return L.build(layers, shape, 3)


@pytest.mark.parametrize("n_threads", [1, 2])
@pytest.mark.parametrize("stack", list(STACKS))
def test_every_layer_kind_has_the_gradient_of_its_loss(stack, n_threads):
    specs = stack_specs(stack)
    net = _engine.Network(specs, "softmax", n_threads)
    rng = np.random.default_rng(7)
    params = rand(rng, net.n_params) * 0.5
    X = stack_input(stack, rng, 6)
    Y = np.eye(3)[rng.integers(0, 3, 6)]
    assert_network_gradient(net, params, X, Y, rng.random(6) + 0.5)


def reference_network(specs, params, X):
    """The network's logits layer by layer, from the engine's naive
    reference kernels and the recurrent cell equations, in float64
    (inference: batch norm by its running statistics)."""
    coefs, intercepts, norms = Layout(specs).views(params)
    A, N = X, X.shape[0]
    kept = X != 0  # the steps that are not padding, for masked layers
    tensors = [X]  # the input, then every layer's output: what joins read
    weighted = norm_index = 0
    for spec in specs:
        kind = spec.kind
        alone = dataclasses.replace(spec, activation="identity", batch_norm=False)  # a layer by itself
        if kind in L.JOINS:  # positions x features
            S = tensors[spec.src].reshape(N, spec.oh * spec.ow, -1)
            if kind == "take":
                A = S[:, :, spec.src_at:spec.src_at + spec.oc]
            elif kind == "add":
                A = A.reshape(S.shape) + S
            else:
                A = np.concatenate([S, A.reshape(N, spec.oh * spec.ow, -1)], axis=2)
            A = A.reshape(N, -1)
        elif kind == "position":
            A = (A.reshape(N, spec.h, spec.c) + coefs[weighted]).reshape(N, -1)
            weighted += 1
        elif kind == "sinusoid":  # the Transformer paper's table
            t, j = np.arange(spec.h)[:, None], np.arange(spec.c)
            angle = t / 10000.0 ** (2 * (j // 2) / spec.c)
            A = (A.reshape(N, spec.h, spec.c) + np.where(j % 2, np.cos(angle), np.sin(angle))
                 ).reshape(N, -1)
        elif kind == "attention":
            A = attention_reference(A, coefs[weighted], intercepts[weighted], spec,
                                    kept if spec.masked else None)
            weighted += 1
        elif spec.masked and kind in ("maxpool", "avgpool"):
            A = masked_pool_reference(A.reshape(N, spec.h, spec.c), kept, kind)
        elif kind in ("maxpool", "avgpool"):
            A = _kernels.pool_forward(A.ravel(), alone, N, reference=True).reshape(N, -1)
        elif kind == "embedding":
            A = coefs[weighted][A.astype(int)].reshape(N, -1)
            weighted += 1
        elif kind == "layernorm":  # over the last axis, as PyTorch's
            Z = A.reshape(-1, spec.c)
            Z = (Z - Z.mean(axis=1, keepdims=True)) / np.sqrt(Z.var(axis=1, keepdims=True) + 1e-5)
            A = (Z * coefs[weighted] + intercepts[weighted]).reshape(N, -1)
            weighted += 1
        elif spec.masked:
            A = masked_recurrent_reference(A, coefs[weighted], intercepts[weighted], spec, kept)
            weighted += 1
        else:
            W, b = coefs[weighted], intercepts[weighted]
            weighted += 1
            shift = b
            if spec.batch_norm:
                shift = np.zeros_like(b)  # the bias is batch norm's shift
            if kind == "dense":
                A = _kernels.dense_forward(A, W, shift, reference=True)
            elif kind == "conv":
                A = _kernels.conv_forward(A.ravel(), W.ravel(), shift, alone, N,
                                         reference=True).reshape(N, -1)
            else:
                A = recurrent_reference(A, W, b, spec, N)[0].reshape(N, -1)
            if spec.batch_norm:
                gamma, mean, var = norms[norm_index]
                norm_index += 1
                width = spec.oc
                Z = A.reshape(-1, width)
                A = (gamma * (Z - mean) / np.sqrt(var + 1e-5) + b).reshape(N, -1)
        A = np.ascontiguousarray(A)
        if spec.activation != "identity":
            flat = A.ravel().copy()
            _kernels.activation_forward(flat, spec.activation, reference=True)
            A = flat.reshape(N, -1)
        tensors.append(A)
    return A


def attention_reference(A, W, b, spec, kept):
    """Self-attention from its definition, sample by sample and head by
    head; keys at padding steps (not kept) and, when causal, after the
    query get no weight; a query with no key left attends to nothing."""
    N, T, D, H = A.shape[0], spec.h, spec.c, spec.heads
    dh = D // H
    X = A.reshape(N, T, D)
    Q, K, V = (X @ W[:, k * D:(k + 1) * D] + b[k * D:(k + 1) * D] for k in range(3))
    out = np.zeros((N, T, D))
    for n in range(N):
        for h in range(H):
            cols = slice(h * dh, (h + 1) * dh)
            scores = Q[n][:, cols] @ K[n][:, cols].T / np.sqrt(dh)
            allowed = np.ones((T, T), bool)
            if spec.causal:
                allowed &= np.tri(T, dtype=bool)
            if kept is not None:
                allowed &= kept[n][None, :]
            weights = np.where(allowed, np.exp(scores - np.where(allowed, scores, -np.inf).max(
                axis=1, keepdims=True, initial=-np.inf)), 0)
            total = weights.sum(axis=1, keepdims=True)
            weights = np.divide(weights, total, out=np.zeros_like(weights), where=total > 0)
            out[n][:, cols] = weights @ V[n][:, cols]
    return (out @ W[:, 3 * D:] + b[3 * D:]).reshape(N, -1)


def masked_pool_reference(A, kept, kind):
    """Each feature's max or mean over the kept steps (0 with none)."""
    pool = np.max if kind == "maxpool" else np.mean
    return np.array([pool(a[k], axis=0) if k.any() else np.zeros(a.shape[1])
                     for a, k in zip(A, kept)])


def masked_recurrent_reference(A, W, b, spec, kept):
    """The layer run on each sequence's kept steps alone; with
    return_sequences, a padding step hands on its direction's previous
    output (forward: the last kept step before it; backward: the first
    after it), zeros before any."""
    N, T, D = A.shape[0], spec.h, spec.dirs
    H = spec.oc // D
    out = np.zeros((N, spec.oh, spec.oc))
    for n in range(N):
        steps = np.flatnonzero(kept[n])
        if not steps.size:
            continue
        short = dataclasses.replace(spec, h=steps.size, oh=steps.size if spec.oh == T else 1,
                                    masked=False)
        x = A[n].reshape(T, spec.c)[steps][None]
        y = recurrent_reference(x.ravel(), W, b, short, 1)[0].reshape(short.oh, spec.oc)
        if spec.oh == 1:
            out[n, 0] = y[0]
            continue
        for t in range(T):
            before, after = steps[steps <= t], steps[steps >= t]
            if before.size:
                out[n, t, :H] = y[np.searchsorted(steps, before[-1]), :H]
            if D == 2 and after.size:
                out[n, t, H:] = y[np.searchsorted(steps, after[0]), H:]
    return out.reshape(N, -1)


@pytest.mark.parametrize("n_threads", [1, 2])
@pytest.mark.parametrize("stack", list(STACKS))
def test_every_layer_kind_matches_the_reference_network(stack, n_threads):
    specs = stack_specs(stack)
    net = _engine.Network(specs, "identity", n_threads)
    rng = np.random.default_rng(8)
    params = rand(rng, net.n_params) * 0.5
    for block in Layout(specs).views(params)[2]:
        block[2] = np.abs(block[2]) + 0.5  # running variances are positive
    X = stack_input(stack, rng, 40)
    np.testing.assert_allclose(net.forward(params, X), reference_network(specs, params, X),
                               **tol(np.float64))


# ---- what the layer stacks learn ----------------------------------------------

def test_conv_stack_on_digit_images(digits):
    X, y = digits
    model = NetClassifier([L.Conv2D(32), L.MaxPool2D(), L.Flatten(), L.Dense(128),
                           L.Dropout(0.3)], max_iter=40, learning_rate_init=3e-3,
                          random_state=0)
    scores = cross_val_score(model, X.reshape(-1, 8, 8), y, cv=3)
    assert scores.mean() >= 0.95, scores


def counted_xor_sequences(n, seed):
    """Sequences of 10 steps of 2 values; the class says how many steps
    have both values of the same sign (<= 3, 4, 5, 6, >= 7).  Each step
    needs an XOR before the count: a job for one layer under another."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 10, 2))
    count = ((X[:, :, 0] > 0) == (X[:, :, 1] > 0)).sum(axis=1)
    return X, np.digitize(count, [4, 5, 6, 7])


def test_stacked_recurrent_layers_learn_what_one_layer_does_not():
    X, y = counted_xor_sequences(3000, seed=0)
    X_test, y_test = counted_xor_sequences(1000, seed=1)
    kw = dict(max_iter=80, learning_rate_init=1e-2, random_state=0)
    stacked = NetClassifier([L.LSTM(8, return_sequences=True), L.GRU(8)], **kw).fit(X, y)
    # one recurrent layer of twice the units, with more parameters than
    # the stack (larger ones fit the training set and score worse still)
    single = [RNNClassifier(cell=cell, recurrent_layer_sizes=16, **kw).fit(X, y)
              for cell in ("lstm", "gru")]
    assert all(stacked.coefs_[0].size + stacked.coefs_[1].size < model.coefs_[0].size
               for model in single)
    best_single = max(model.score(X_test, y_test) for model in single)
    assert stacked.score(X_test, y_test) >= 0.85
    assert stacked.score(X_test, y_test) >= best_single + 0.08, best_single
