"""LayerNorm: the engine against NumPy (and PyTorch, where installed),
its gradient, and the layer in every kind of stack, in ONNX and in skops."""
import numpy as np
import pytest
from sklearn.datasets import load_digits

from fastnn import NetClassifier, NetRegressor, _engine
from fastnn import layers as L

from conftest import assert_network_gradient, rand, tol

pytestmark = pytest.mark.usefixtures("quiet")

# (input shape, rows of the last axis per sample, its width)
SHAPES = {"flat": (("flat", 7), 1, 7), "image": (("image", 3, 4, 5), 12, 5),
          "sequence": (("sequence", 6, 4), 6, 4)}


def spec_of(shape):
    return L.LayerNorm().build(shape, [])[0][0]


def numpy_layernorm(X, scale, shift, width):
    Z = X.reshape(-1, width).astype(np.float64)
    Z = (Z - Z.mean(axis=1, keepdims=True)) / np.sqrt(Z.var(axis=1, keepdims=True) + 1e-5)
    return (Z * scale + shift).reshape(X.shape[0], -1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_threads", [1, 2])
@pytest.mark.parametrize("form", list(SHAPES))
def test_forward_is_numpys(form, n_threads, dtype):
    shape, rows, width = SHAPES[form]
    rng = np.random.default_rng(0)
    net = _engine.Network([spec_of(shape)], "identity", n_threads)
    params = rand(rng, net.n_params, dtype=dtype)
    X = rand(rng, 300, rows * width, dtype=dtype) * 3 + 1
    scale, shift = params[:width], params[width:]
    np.testing.assert_allclose(net.forward(params, X), numpy_layernorm(X, scale, shift, width),
                               **tol(dtype))


@pytest.mark.parametrize("n_threads", [1, 2])
@pytest.mark.parametrize("form", list(SHAPES))
def test_gradient_through_a_network(form, n_threads):
    """Scale, shift and input gradients by central differences, with a
    dense layer before (its gradient comes through LayerNorm's dX)."""
    shape, rows, width = SHAPES[form]
    before = L.Dense(rows * width, "tanh") if form == "flat" else None
    specs = ([] if before is None else before.build(("flat", rows * width), [])[0])
    specs += [spec_of(shape)] + L.Dense(3, "identity").build(("flat", rows * width), [])[0]
    net = _engine.Network(specs, "softmax", n_threads)
    rng = np.random.default_rng(1)
    params = rand(rng, net.n_params) * 0.5
    X = rand(rng, 5, rows * width)
    Y = np.eye(3)[rng.integers(0, 3, 5)]
    assert_network_gradient(net, params, X, Y, rng.random(5) + 0.5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_pytorch_forward_and_gradients(dtype):
    torch = pytest.importorskip("torch", reason="PyTorch parity needs torch")
    rng = np.random.default_rng(2)
    shape, rows, width = SHAPES["sequence"]
    net = _engine.Network([spec_of(shape)], "identity", 1)
    params = rand(rng, net.n_params, dtype=dtype)
    X = rand(rng, 8, rows * width, dtype=dtype) * 2
    Y = rand(rng, 8, rows * width, dtype=dtype)
    grad = np.zeros_like(params)
    net.loss_grad(params, grad, X, Y, None, seed=1)  # half the squared error, summed
    layer = torch.nn.LayerNorm(width, eps=1e-5, dtype=getattr(torch, np.dtype(dtype).name))
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(params[:width].copy()))
        layer.bias.copy_(torch.from_numpy(params[width:].copy()))
    x = torch.from_numpy(X.reshape(8, rows, width).copy()).requires_grad_(True)
    out = layer(x)
    (0.5 * ((out - torch.from_numpy(Y.reshape(out.shape))) ** 2).sum()).backward()
    # float64 to 1e-10; float32 to the error of two float32 computations
    bound = dict(rtol=1e-10, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(net.forward(params, X), out.detach().numpy().reshape(8, -1),
                               **bound)
    np.testing.assert_allclose(grad[:width], layer.weight.grad.numpy(), **bound)
    np.testing.assert_allclose(grad[width:], layer.bias.grad.numpy(), **bound)


STACKS = [
    ("flat", [L.Dense(32), L.LayerNorm(), L.Dense(16)]),
    ("image", [L.Conv2D(8), L.LayerNorm(), L.MaxPool2D(), L.Flatten(), L.Dense(16)]),
    ("sequence", [L.LSTM(8, return_sequences=True), L.LayerNorm(), L.GRU(8)]),
    ("ids", [L.Embedding(17, 8), L.LayerNorm(), L.Conv1D(8), L.GlobalMaxPool()]),
]


def stack_data(form):
    X, y = load_digits(return_X_y=True)
    X = X[:400] / 16
    if form in ("image", "sequence"):  # 8 steps of 8 values: the rows of the image
        return X.reshape(-1, 8, 8), y[:400]
    if form == "ids":
        return np.round(X * 16), y[:400]
    return X, y[:400]


@pytest.mark.parametrize("form, layers", STACKS, ids=[form for form, _ in STACKS])
def test_learns_in_every_kind_of_stack_and_starts_as_the_identity(form, layers):
    X, y = stack_data(form)
    model = NetClassifier(layers, max_iter=30, learning_rate_init=3e-3, random_state=0)
    fresh = NetClassifier(layers, max_iter=1, learning_rate_init=1e-300, random_state=0)
    position = 1  # LayerNorm's weights come after the first layer's
    fresh.fit(X, y)  # one step of 1e-300: where the fit starts
    np.testing.assert_allclose(fresh.coefs_[position], 1, rtol=0, atol=1e-250)
    np.testing.assert_allclose(fresh.intercepts_[position], 0, rtol=0, atol=1e-250)
    # it trains: as well as the same stack without it, for the same epochs
    # (better, here: 0.95 against 0.93 flat, 0.98 / 0.92 images, 0.57 / 0.38
    # sequences, 0.21 / 0.15 ids)
    without = NetClassifier([layer for layer in layers if not isinstance(layer, L.LayerNorm)],
                            max_iter=30, learning_rate_init=3e-3, random_state=0)
    assert model.fit(X, y).score(X, y) >= without.fit(X, y).score(X, y) - 0.02
    # one sample at a time, as in a batch: nothing depends on the batch
    np.testing.assert_allclose(model.predict_proba(X[:1]), model.predict_proba(X[:50])[:1],
                               **tol(np.float64))


@pytest.mark.parametrize("opset", [15, 18])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_onnx_runtime_predicts_as_fastnn(opset, dtype):
    pytest.importorskip("skl2onnx", reason="ONNX export needs skl2onnx")
    ort = pytest.importorskip("onnxruntime", reason="running ONNX needs onnxruntime")
    from fastnn.onnx import to_onnx

    X, y = stack_data("image")
    X = X.astype(dtype)
    model = NetRegressor([L.Conv2D(4), L.LayerNorm(), L.Flatten(), L.Dense(8), L.LayerNorm()],
                         max_iter=3, random_state=0).fit(X, y.astype(dtype))
    flat = X.reshape(len(X), -1)
    onx = to_onnx(model, flat[:1], target_opset=opset)
    ops = {node.op_type for node in onx.graph.node}
    assert ("LayerNormalization" in ops) == (opset >= 17 and dtype == np.float32)
    session = ort.InferenceSession(onx.SerializeToString())
    out = session.run(None, {session.get_inputs()[0].name: flat})[0].ravel()
    expected = model.predict(X)
    bound = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(out, expected, **bound)


def test_skops_round_trip(tmp_path):
    pytest.importorskip("skops", reason="fastnn.persistence needs skops")
    from fastnn import persistence

    X, y = stack_data("flat")
    model = NetClassifier([L.Dense(16), L.LayerNorm()], max_iter=3, random_state=0).fit(X, y)
    path = tmp_path / "model.skops"
    persistence.dump(model, path)
    np.testing.assert_array_equal(persistence.load(path).predict_proba(X), model.predict_proba(X))
