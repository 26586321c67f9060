"""The C engine: fast kernels against naive references, gradient checks by
central differences, and losses / optimizers against scikit-learn's own
NumPy code."""
from dataclasses import replace

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit, ndtr
from sklearn.neural_network._base import ACTIVATIONS, LOSS_FUNCTIONS
from sklearn.neural_network._stochastic_optimizers import AdamOptimizer, SGDOptimizer

from fastnn import _engine
from fastnn._network import conv_layer, dense_layers, pool_layer, recurrent_layer
from fastnn._optimizer import StepSettings

import _kernels  # tests/kernels: the single kernels
from conftest import (assert_grad_close, assert_network_gradient, assert_within_rounding,
                      numeric_grad, rand, rounding_reference, tol)

DTYPES = [np.float32, np.float64]
THREADS = [1, 2]
# (N, C, OC): ones, primes, sizes that are not multiples of a SIMD width,
# one row (matrix-vector products) or one output, and products big enough
# for the threaded paths (GEMM split by rows and by columns, the parallel
# bias gradient).
SHAPES = [(1, 1, 1), (7, 3, 5), (1, 17, 9), (33, 1, 7), (64, 31, 70), (5, 129, 3),
          (9, 5, 1), (1, 300, 200), (300, 200, 100), (20, 300, 500), (33, 517, 129),
          (700, 20, 130)]
ACTS = ["identity", "logistic", "tanh", "relu", "leaky_relu", "elu", "gelu", "softplus"]
NEW_ACTS = ACTS[4:]  # beyond scikit-learn's
# Activations whose derivative cannot be written from the output: the
# single-kernel backward refuses them, the network keeps their input.
FROM_INPUT_ONLY = {"gelu"}
OUTPUTS = ["identity", "logistic", "softmax", "exp"]
# (output, n_outputs) pairs; softmax needs at least two outputs.
OUTPUT_SHAPES = [(o, k) for o in OUTPUTS for k in (1, 3) if (o, k) != ("softmax", 1)]
# the robust regression losses, on identity outputs
ROBUST = ["absolute_error", "huber"]


def dense_net(units, activation, output, n_threads=1):
    return _engine.Network(dense_layers(units, activation), output, n_threads)


def activation_f64(act, z):
    """f(z) in float64: scikit-learn's for its four, else NumPy / SciPy
    forms that stay accurate in the tails (gelu through ndtr, not 1 + erf)."""
    z = np.asarray(z, np.float64)
    with np.errstate(invalid="ignore"):  # NaN in, NaN out
        if act == "leaky_relu":
            return np.where(z > 0, z, 0.01 * z)
        if act == "elu":
            return np.where(z > 0, z, np.expm1(np.minimum(z, 0)))
        if act == "gelu":
            return np.where(z == -np.inf, 0.0, z * ndtr(z))  # 0 is the limit at -inf
        if act == "softplus":
            return np.logaddexp(0, z)
        out = z.copy()
        ACTIVATIONS[act](out)
        return out


def activation_grad_f64(act, z):
    """f'(z) in float64, straight from the definitions."""
    z = np.asarray(z, np.float64)
    with np.errstate(invalid="ignore"):
        return {
            "identity": lambda: np.ones_like(z),
            "logistic": lambda: expit(z) * (1 - expit(z)),
            "tanh": lambda: 1 - np.tanh(z) ** 2,
            "relu": lambda: (z > 0).astype(np.float64),
            "leaky_relu": lambda: np.where(z > 0, 1.0, 0.01),
            "elu": lambda: np.where(z > 0, 1.0, np.exp(np.minimum(z, 0))),
            "gelu": lambda: ndtr(z) + np.nan_to_num(z * np.exp(-z * z / 2)) / np.sqrt(2 * np.pi),
            "softplus": lambda: expit(z),
        }[act]()


# ---- fast kernels against the naive references ---------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("n_threads", THREADS)
def test_dense_matches_reference(dtype, shape, n_threads):
    N, C, OC = shape
    rng = np.random.default_rng(sum(shape))
    X, W, b, dY = rand(rng, N, C, dtype=dtype), rand(rng, C, OC, dtype=dtype), rand(rng, OC, dtype=dtype), rand(rng, N, OC, dtype=dtype)
    Y = _kernels.dense_forward(X, W, b, n_threads=n_threads)
    exact, magnitude = rounding_reference(
        lambda X, W, b: _kernels.dense_forward(X, W, b, reference=True), [X, W, b])
    assert_within_rounding(Y, exact, magnitude, C + 1, dtype)
    # the reference itself, against NumPy's float64 product
    assert_within_rounding(exact, X.astype(np.float64) @ W + b, magnitude, C + 1, np.float64)

    # Parameter gradients accumulate onto what is there; dX is overwritten.
    start = rand(rng, C, OC, dtype=dtype), rand(rng, OC, dtype=dtype)
    out = [np.full((N, C), 7, dtype), start[0].copy(), start[1].copy()]
    _kernels.dense_backward(*out, dY, X, W, n_threads=n_threads)
    exact, magnitude = rounding_reference(
        lambda dX, dW, db, dY, X, W: _kernels.dense_backward(dX, dW, db, dY, X, W, reference=True),
        [dY, X, W], outputs=[np.zeros((N, C)), start[0], start[1]])
    for name, a, e, m, terms in zip(["dX", "dW", "db"], out, exact, magnitude,
                                    [OC, N + 1, N + 1]):
        assert_within_rounding(a, e, m, terms, dtype, name)
    dY64 = dY.astype(np.float64)
    for e, numpy_result, m, terms in zip(
            exact, [dY64 @ W.T, start[0] + X.T.astype(np.float64) @ dY64,
                    start[1] + dY64.sum(0)], magnitude, [OC, N + 1, N + 1]):
        assert_within_rounding(e, numpy_result, m, terms, np.float64)


@pytest.mark.parametrize("dtype", DTYPES)
def test_rounding_bound_catches_a_missing_term(dtype):
    """The bound the kernels are held to is loose enough for any summation
    order and tight enough to see one typical product left out of a sum."""
    rng = np.random.default_rng(0)
    X, W, b = rand(rng, 40, 700, dtype=dtype), rand(rng, 700, 30, dtype=dtype), np.zeros(30, dtype)
    Y = _kernels.dense_forward(X, W, b, n_threads=2)
    exact, magnitude = rounding_reference(
        lambda X, W, b: _kernels.dense_forward(X, W, b, reference=True), [X, W, b])
    assert_within_rounding(Y, exact, magnitude, 701, dtype)
    terms = X[3].astype(np.float64) * W[:, 5]
    typical = np.argsort(np.abs(terms))[len(terms) // 2]
    Y[3, 5] -= terms[typical]
    with pytest.raises(AssertionError, match="1 of 1200 values beyond the rounding bound"):
        assert_within_rounding(Y, exact, magnitude, 701, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("n", [1, 7, 100003])
@pytest.mark.parametrize("n_threads", THREADS)
def test_activation_matches_reference(dtype, act, n, n_threads):
    rng = np.random.default_rng(n)
    Z, dA = rand(rng, n, dtype=dtype) * 3, rand(rng, n, dtype=dtype)
    A, A_ref = Z.copy(), Z.copy()
    _kernels.activation_forward(A, act, n_threads=n_threads)
    _kernels.activation_forward(A_ref, act, reference=True)
    np.testing.assert_allclose(A, A_ref, **tol(dtype))
    np.testing.assert_allclose(A, activation_f64(act, Z), **tol(dtype))
    # the derivative from the input Z: every activation
    dZi, dZi_ref = np.empty_like(A), np.empty_like(A)
    _kernels.activation_backward_from_input(dZi, dA, Z, act, n_threads=n_threads)
    _kernels.activation_backward_from_input(dZi_ref, dA, Z, act, reference=True)
    np.testing.assert_allclose(dZi, dZi_ref, **tol(dtype))
    np.testing.assert_allclose(dZi, dA * activation_grad_f64(act, Z), **tol(dtype))
    # ... and from the output A, where it can be written from A
    dZ, dZ_ref = np.empty_like(A), np.empty_like(A)
    if act in FROM_INPUT_ONLY:
        for reference in (False, True):
            with pytest.raises(ValueError, match="invalid argument"):
                _kernels.activation_backward(dZ, dA, A, act, reference=reference)
        return
    _kernels.activation_backward(dZ, dA, A, act, n_threads=n_threads)
    _kernels.activation_backward(dZ_ref, dA, A, act, reference=True)
    np.testing.assert_allclose(dZ, dZ_ref, **tol(dtype))
    np.testing.assert_allclose(dZ, dZi, **tol(dtype))


# ---- losses and optimizers against scikit-learn --------------------------

def targets(rng, output, N, K):
    if output == "softmax":
        return np.eye(K)[rng.integers(0, K, N)]
    if output == "logistic":
        return (rng.random((N, K)) < 0.5).astype(float)
    if output == "exp":
        return rng.poisson(2.0, (N, K)).astype(float)
    return rng.standard_normal((N, K))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("output,K", OUTPUT_SHAPES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("N", [37, 6000])  # 6000 rows run the threaded loop
def test_loss_matches_sklearn(dtype, output, K, weighted, N):
    rng = np.random.default_rng(K)
    Z, Y = rand(rng, N, K, dtype=dtype), targets(rng, output, N, K).astype(dtype)
    sw = (rng.random(N) + 0.1).astype(dtype) if weighted else None
    P = Z.copy()
    loss, dZ = _kernels.output_loss(P, Y, sw, output, n_threads=2)
    expect_P = Z.astype(np.float64)
    ACTIVATIONS[output](expect_P)
    np.testing.assert_allclose(P, expect_P, **tol(dtype))
    name = {"identity": "squared_error", "exp": "poisson", "softmax": "log_loss",
            "logistic": "binary_log_loss"}[output]
    sk = LOSS_FUNCTIONS[name](Y, P, sw)
    # The engine returns the weighted sum; scikit-learn the weighted mean
    # (and, for squared error, also the mean over outputs).
    denom = (N if sw is None else sw.sum()) * (K if output == "identity" else 1)
    np.testing.assert_allclose(loss / denom, sk, rtol=1e-4 if dtype == np.float32 else 1e-9)
    w = 1 if sw is None else sw[:, None]
    np.testing.assert_allclose(dZ, w * (P - Y), **tol(dtype))


def sklearn_steps(params, grads, n_decay, scale, kw):
    """Run scikit-learn's optimizer on the flat vector, split into a decayed
    and an undecayed part like coefs_ and intercepts_."""
    parts = [params[:n_decay].copy(), params[n_decay:].copy()]
    alpha = kw.alpha
    if kw.solver == "sgd":
        opt = SGDOptimizer(parts, kw.learning_rate, "constant", kw.momentum, kw.nesterov)
    else:
        opt = AdamOptimizer(parts, kw.learning_rate, kw.beta_1, kw.beta_2, kw.epsilon)
    for g in grads:
        gp = [(g[:n_decay] + alpha * parts[0]) * scale, g[n_decay:] * scale]
        opt.update_params(parts, gp)
    return np.concatenate(parts)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("solver,nesterov", [("sgd", True), ("sgd", False), ("adam", False)])
@pytest.mark.parametrize("n", [1, 9, 70001])
@pytest.mark.parametrize("n_threads", THREADS)
def test_optimizer_matches_sklearn(dtype, solver, nesterov, n, n_threads):
    rng = np.random.default_rng(n)
    params = rand(rng, n, dtype=dtype)
    grads = [rand(rng, n, dtype=dtype) for _ in range(3)]
    n_decay, alpha, scale = n // 2 + 1, 0.01, 0.25
    opt = StepSettings(solver=solver, learning_rate=0.01, alpha=alpha, nesterov=nesterov)
    state = np.zeros(2 * n if solver == "adam" else n, dtype=dtype)
    p = params.copy()
    for g in grads:
        before = p[:n_decay].astype(np.float64)
        sq = _kernels.optim_step(p, state, g, n_decay, scale, opt, n_threads=n_threads)
        np.testing.assert_allclose(sq, before @ before, rtol=1e-5)
    assert opt.t == (3 if solver == "adam" else 0)
    expect = sklearn_steps(params.astype(np.float64), [g.astype(np.float64) for g in grads],
                           n_decay, scale, opt)
    np.testing.assert_allclose(p, expect, **tol(dtype))


# ---- gradient checks, float64 --------------------------------------------

@pytest.mark.parametrize("shape", [(1, 1, 1), (4, 3, 5), (3, 7, 2)])
def test_dense_gradient(shape):
    N, C, OC = shape
    rng = np.random.default_rng(0)
    X, W, b = rand(rng, N, C), rand(rng, C, OC), rand(rng, OC)

    def objective():  # 1/2 sum(out^2), so every output matters
        return 0.5 * np.sum(_kernels.dense_forward(X, W, b) ** 2)

    dY = _kernels.dense_forward(X, W, b)
    dX, dW, db = np.empty_like(X), np.zeros_like(W), np.zeros_like(b)
    _kernels.dense_backward(dX, dW, db, dY, X, W)
    assert_grad_close(dX, numeric_grad(objective, X))
    assert_grad_close(dW, numeric_grad(objective, W))
    assert_grad_close(db, numeric_grad(objective, b))


@pytest.mark.parametrize("act", ACTS)
def test_activation_gradient(act):
    rng = np.random.default_rng(1)
    Z = rand(rng, 40) * 2

    def forward():
        A = Z.copy()
        _kernels.activation_forward(A, act)
        return A

    A = forward()
    numeric = numeric_grad(lambda: 0.5 * np.sum(forward() ** 2), Z)
    kink = np.abs(Z) < 1e-4 if act in ("relu", "leaky_relu") else None
    dZ = np.empty_like(A)
    _kernels.activation_backward_from_input(dZ, A, Z, act)  # dA = A for 1/2 sum(A^2)
    assert_grad_close(dZ, numeric, skip=kink)
    if act not in FROM_INPUT_ONLY:
        dZ = np.empty_like(A)
        _kernels.activation_backward(dZ, A, A, act)
        assert_grad_close(dZ, numeric, skip=kink)


def robust_loss_f64(output, R):
    """Per-value loss and its derivative at residuals R = P - Y."""
    A = np.abs(R)
    if output == "absolute_error":
        return A, np.sign(R)
    return np.where(A <= 1, 0.5 * R * R, A - 0.5), np.clip(R, -1, 1)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("output", ROBUST)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("N", [37, 6000])
def test_robust_losses_match_numpy(dtype, output, weighted, N):
    rng = np.random.default_rng(3)
    Z, Y = rand(rng, N, 3, dtype=dtype) * 2, rand(rng, N, 3, dtype=dtype)
    sw = (rng.random(N) + 0.1).astype(dtype) if weighted else None
    P = Z.copy()
    loss, dZ = _kernels.output_loss(P, Y, sw, output, n_threads=2)
    np.testing.assert_array_equal(P, Z)  # an identity output
    value, slope = robust_loss_f64(output, Z.astype(np.float64) - Y)
    w = np.ones(N) if sw is None else sw.astype(np.float64)
    np.testing.assert_allclose(loss, (w[:, None] * value).sum(),
                               rtol=1e-5 if dtype == np.float32 else 1e-12)
    np.testing.assert_allclose(dZ, w[:, None] * slope, **tol(dtype))


@pytest.mark.parametrize("output,K", OUTPUT_SHAPES + [(o, k) for o in ROBUST for k in (1, 3)])
def test_loss_gradient(output, K):
    rng = np.random.default_rng(2)
    N = 6
    Z, Y, sw = rand(rng, N, K), targets(rng, output, N, K), rng.random(N) + 0.5

    def loss():
        return _kernels.output_loss(Z.copy(), Y, sw, output)[0]

    dZ = _kernels.output_loss(Z.copy(), Y, sw, output)[1]
    assert_grad_close(dZ, numeric_grad(loss, Z))


@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("output,K", [("identity", 2), ("logistic", 1), ("logistic", 3),
                                      ("softmax", 4), ("exp", 2)])
@pytest.mark.parametrize("sparse", [False, True])
def test_network_gradient(act, output, K, sparse):
    """Whole network, through the flat parameter buffer."""
    rng = np.random.default_rng(3)
    units = [5, 4, 3, K]
    N = 7
    net = dense_net(units, act, output, n_threads=2)
    params = rand(rng, net.n_params) * 0.7
    X = rand(rng, N, units[0])
    if sparse:
        X[rng.random(X.shape) < 0.5] = 0
        X = _engine.CSRBatches(sp.csr_matrix(X), np.float64)
    Y, sw = targets(rng, output, N, K), rng.random(N) + 0.5
    assert_network_gradient(net, params, X, Y, sw)


@pytest.mark.parametrize("act", NEW_ACTS)
def test_network_gradient_through_every_layer_kind(act):
    """The activation on layers that keep data of their own from forward to
    backward (a conv's im2col columns, a recurrent layer's states), on a
    pointwise conv (no columns), a pool and dense layers: a gelu layer's
    pre-activation is kept after that data, and read back from there."""
    rng = np.random.default_rng(11)
    conv = conv_layer(6, 5, 2, 3, (3, 3), (1, 1), "same", act)
    pool = pool_layer("maxpool", 6, 5, 3, (2, 2), act)
    point = conv_layer(3, 2, 3, 4, (1, 1), (1, 1), "valid", act)
    images = _engine.Network([conv, pool, point] + dense_layers([24, 5, 3], act), "softmax", 2)
    seq = replace(recurrent_layer(4, 3, 5, "gru", 2, True), activation=act)
    last = replace(recurrent_layer(4, 10, 3, "lstm", 1, False), activation=act)
    sequences = _engine.Network([seq, last] + dense_layers([3, 4, 2], act), "identity", 2)
    for net, n_in, K, output in [(images, 60, 3, "softmax"), (sequences, 12, 2, "identity")]:
        params = rand(rng, net.n_params) * 0.5
        X = rand(rng, 5, n_in)
        Y, sw = targets(rng, output, 5, K), rng.random(5) + 0.5
        assert_network_gradient(net, params, X, Y, sw)


# ---- the network entry points --------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_sparse_and_dense_input_agree(dtype):
    rng = np.random.default_rng(4)
    X = rand(rng, 50, 20, dtype=dtype)
    X[rng.random(X.shape) < 0.7] = 0
    X[3] = 0  # an empty row
    net = dense_net([20, 8, 3], "relu", "softmax", n_threads=2)
    params = rand(rng, net.n_params, dtype=dtype) * 0.3
    Xs = _engine.CSRBatches(sp.csr_matrix(X), dtype)
    np.testing.assert_allclose(net.forward(params, X), net.forward(params, Xs), **tol(dtype))
    Y = np.eye(3, dtype=dtype)[rng.integers(0, 3, 50)]
    g_dense, g_sparse = np.zeros_like(params), np.zeros_like(params)
    l_dense = net.loss_grad(params, g_dense, X, Y, None)
    l_sparse = net.loss_grad(params, g_sparse, Xs, Y, None)
    np.testing.assert_allclose(l_dense, l_sparse, rtol=1e-5)
    np.testing.assert_allclose(g_dense, g_sparse, **tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_train_epoch_threads_agree(dtype, solver):
    """Big enough that the GEMM split, the parallel optimizer step and the
    parallel element-wise loops all run with two threads."""
    rng = np.random.default_rng(5)
    X = rand(rng, 600, 13, dtype=dtype)
    Y = np.eye(4, dtype=dtype)[rng.integers(0, 4, 600)]
    order = rng.permutation(600).astype(np.int64)
    results = []
    for n_threads in THREADS:
        net = dense_net([13, 300, 120, 4], "tanh", "softmax", n_threads=n_threads)
        assert net.n_params > 32768
        params = (rand(np.random.default_rng(6), net.n_params) * 0.3).astype(dtype)
        opt = StepSettings(solver=solver, learning_rate=1e-2, alpha=1e-3)
        state = np.zeros(_engine.optim_state_size(solver, net.n_params), dtype)
        total = net.train_epoch(params, np.empty_like(params), state, X, Y, None,
                                order, 256, opt, 1.0)
        assert opt.t == (3 if solver == "adam" else 0)  # ceil(600 / 256) steps
        results.append((total, params))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-4)
    np.testing.assert_allclose(results[0][1], results[1][1], **tol(dtype))


def split_bands(net, n, dtype):
    """Bands a training pass over n rows is split into, read from the extra
    gradient blocks its workspace holds."""
    extra = net.workspace(n, dtype, True).size - net.workspace(n, dtype).size
    return 1 + extra // net.n_params


def split_cases():
    """Networks of every layer kind, with dropout on hidden layers, and the
    width of their input rows."""
    conv = conv_layer(6, 5, 2, 8, (3, 3), (1, 1), "same", "relu")
    pool = pool_layer("avgpool", 6, 5, 8, (2, 2))
    images = [replace(conv, dropout=0.2), pool] + dense_layers([48, 40, 3], "tanh")
    images[2].dropout = 0.3
    seq = recurrent_layer(6, 3, 20, "lstm", 2, True)
    sequences = [replace(seq, dropout=0.25), recurrent_layer(6, 40, 12, "gru", 1, False)]
    sequences += dense_layers([12, 3], "relu")
    dense = dense_layers([30, 64, 48, 3], "relu")
    dense[0].dropout = 0.5
    return [("dense", dense, 30), ("images", images, 60), ("sequences", sequences, 18)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", ["dense", "sparse", "images", "sequences"])
def test_split_batch_matches_the_whole(case, dtype):
    """A training pass split into bands of rows (one per thread) gives the
    loss, gradient and dropout masks of the unsplit pass, up to the order
    in which the bands' gradients are added."""
    cases = {name: (specs, width) for name, specs, width in split_cases()}
    specs, width = cases["dense" if case == "sparse" else case]
    rng = np.random.default_rng(12)
    N = 150
    X = rand(rng, N, width, dtype=dtype)
    if case == "sparse":
        X[rng.random(X.shape) < 0.6] = 0
        X = _engine.CSRBatches(sp.csr_matrix(X), dtype)
    Y = np.eye(3, dtype=dtype)[rng.integers(0, 3, N)]
    sw = (rng.random(N) + 0.5).astype(dtype)
    one, two = (_engine.Network(specs, "softmax", t) for t in (1, 2))
    assert split_bands(one, N, dtype) == 1 and split_bands(two, N, dtype) == 2
    params = (rand(rng, one.n_params) * 0.3).astype(dtype)
    results = []
    for net in (one, two):
        grad = np.full_like(params, 0.5)  # parameter gradients accumulate
        results.append((net.loss_grad(params, grad, X, Y, sw, seed=99), grad))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-5 if dtype == np.float32
                               else 1e-12)
    np.testing.assert_allclose(results[1][1], results[0][1], **tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", ["dense", "sparse", "images", "sequences"])
def test_split_forward_matches_the_whole(case, dtype):
    """Inference splits its rows into bands as training does (the same
    cases split in two); rows do not interact, so the output is the
    one-thread one, row for row."""
    cases = {name: (specs, width) for name, specs, width in split_cases()}
    specs, width = cases["dense" if case == "sparse" else case]
    rng = np.random.default_rng(13)
    X = rand(rng, 150, width, dtype=dtype)
    if case == "sparse":
        X[rng.random(X.shape) < 0.6] = 0
        X = _engine.CSRBatches(sp.csr_matrix(X), dtype)
    one, two = (_engine.Network(specs, "softmax", t) for t in (1, 2))
    params = (rand(rng, one.n_params) * 0.3).astype(dtype)
    np.testing.assert_allclose(two.forward(params, X), one.forward(params, X), **tol(dtype))


def test_small_batches_are_not_split():
    """Below the cost model's threshold a pass stays on one thread, and
    batch norm (statistics of the whole batch) is never split."""
    net = dense_net([5, 4, 3], "relu", "softmax", n_threads=2)
    assert split_bands(net, 50, np.float64) == 1
    specs = dense_layers([30, 64, 48, 3], "relu")
    assert split_bands(_engine.Network(specs, "softmax", 2), 150, np.float64) == 2
    specs[0].batch_norm = True
    assert split_bands(_engine.Network(specs, "softmax", 2), 150, np.float64) == 1


def test_scratch_holds_every_threads_partial_gradients():
    """The caller's scratch (kernels allocate nothing): per-thread copies of
    the largest layer's weights and biases, and batch norm's sums; one
    thread needs none without batch norm."""
    specs = dense_layers([20, 8, 3], "relu")
    assert _engine.Network(specs, "softmax", 1).scratch().size == 0
    assert _engine.Network(specs, "softmax", 2).scratch().size == 2 * (20 * 8 + 8) * 8
    specs[0].batch_norm = True
    # batch norm: its sums and one partial row per thread, 2 * 8 doubles each
    assert _engine.Network(specs, "softmax", 1).scratch().size == 2 * 2 * 8 * 8
    # for the threads actually used: no more than the processors
    threads = min(4, _engine.num_procs())
    expected = threads * (20 * 8 + 8) * 8 if threads > 1 else 2 * 2 * 8 * 8
    assert _engine.Network(specs, "softmax", 4).scratch().size == expected


def test_nonfinite_loss_keeps_parameters():
    net = dense_net([2, 3, 1], "relu", "identity")
    params = np.ones(net.n_params)
    X = np.array([[np.inf, 1.0], [1.0, 1.0]])
    Y = np.zeros((2, 1))
    opt = StepSettings(solver="sgd", learning_rate=0.1, alpha=0.0)
    before = params.copy()
    with pytest.raises(_engine.NonFiniteLoss):
        net.train_epoch(params, np.empty_like(params), np.zeros_like(params), X, Y, None,
                        np.arange(2, dtype=np.int64), 2, opt, 1.0)
    np.testing.assert_array_equal(params, before)


def test_zero_weight_batch_is_not_finite():
    """A batch whose weights sum to 0 has no defined gradient (scikit-learn
    divides by that sum and ends with non-finite weights)."""
    net = dense_net([2, 3, 1], "relu", "identity")
    params = np.ones(net.n_params)
    opt = StepSettings(solver="adam", learning_rate=0.1, alpha=0.0)
    with pytest.raises(_engine.NonFiniteLoss):
        net.train_epoch(params, np.empty_like(params), np.zeros(2 * net.n_params),
                        np.ones((2, 2)), np.zeros((2, 1)), np.zeros(2),
                        np.arange(2, dtype=np.int64), 2, opt, 1.0)


def test_entry_points_refuse_inconsistent_shapes():
    net = dense_net([4, 3, 2], "relu", "softmax")
    params = np.zeros(net.n_params)
    X, Y = np.ones((5, 4)), np.ones((5, 2))
    with pytest.raises(ValueError, match="parameter buffer"):
        net.forward(params[:-1], X)
    with pytest.raises(ValueError, match="features"):
        net.forward(params, np.ones((5, 3)))
    with pytest.raises(ValueError, match="Y has shape"):
        net.loss_grad(params, np.zeros_like(params), X, np.ones((5, 3)), None)
    with pytest.raises(ValueError, match="sample weights"):
        net.loss_grad(params, np.zeros_like(params), X, Y, np.ones(4))
    opt = StepSettings(solver="sgd", learning_rate=0.1, alpha=0.0)
    with pytest.raises(ValueError, match="outside X"):
        net.train_epoch(params, np.zeros_like(params), np.zeros_like(params), X, Y, None,
                        np.array([0, 5], dtype=np.int64), 2, opt, 1.0)
    with pytest.raises(ValueError, match="inconsistent shapes"):
        _kernels.dense_forward(X, np.ones((3, 2)), np.ones(2))


def test_malformed_csr_is_refused():
    good = sp.csr_matrix(np.eye(3))
    bad = sp.csr_matrix((good.data, good.indices, np.array([0, 2, 1, 3])), shape=(3, 3))
    with pytest.raises(ValueError, match="malformed CSR"):
        _engine.CSRBatches(bad, np.float64)
    # A column index past the width is caught by the C loop itself.
    wide = _engine.CSRBatches(sp.csr_matrix(np.eye(3)), np.float64)
    narrow = dense_net([3, 2], "relu", "identity")
    wide.indices[2] = 7
    with pytest.raises(ValueError, match="invalid argument"):
        narrow.forward(np.zeros(narrow.n_params), wide)


def test_bad_layer_sizes_are_refused():
    with pytest.raises(ValueError, match="inconsistent layer sizes"):
        dense_net([3, 0, 2], "relu", "identity")


@pytest.mark.parametrize("act", ["logistic", "tanh"] + NEW_ACTS)
def test_float32_activations_at_the_edges(act):
    """float32 uses its own vectorised exp (and expm1, log1p, erfc): check
    it where libm's edge cases live (underflow, overflow, infinities, NaN,
    values near zero, gelu's minimum and the underflow of its Phi), in f
    and in both derivatives: no NaN or inf where the true value is finite."""
    z = np.array([-1e30, -100, -88.5, -87.4, -20, -13.5, -5, -1.5, -0.75, -1e-3, -1e-7, 0,
                  1e-7, 1e-3, 0.5, 1.5, 5, 9, 20, 87.4, 88.5, 100, 1e30, np.inf, -np.inf,
                  np.nan], dtype=np.float32)
    A = z.copy()
    _kernels.activation_forward(A, act)
    with np.errstate(over="ignore"):
        expect = activation_f64(act, z)
    np.testing.assert_allclose(A, expect, rtol=2e-6, atol=2e-7)
    assert np.isnan(A[-1])
    np.testing.assert_array_equal(np.isfinite(A[:-1]), np.isfinite(expect[:-1]))
    grad = activation_grad_f64(act, z[:-1])
    assert np.isfinite(grad).all()
    dZ = np.empty_like(z)
    _kernels.activation_backward_from_input(dZ, np.ones_like(z), z, act)
    np.testing.assert_allclose(dZ[:-1], grad, rtol=2e-6, atol=2e-7)
    if act not in FROM_INPUT_ONLY:
        _kernels.activation_backward(dZ, np.ones_like(z), A, act)
        np.testing.assert_allclose(dZ[:-1], grad, rtol=2e-6, atol=2e-7)


@pytest.mark.parametrize("act", ["logistic", "tanh", "elu"])
def test_float64_exp_and_tanh_are_within_a_few_ulp(act):
    """float64 uses fnn_math.h's vectorised exp, expm1 and tanh: within 4
    ulp of NumPy's over a dense grid, tiny magnitudes (tanh and expm1 keep
    their relative accuracy near 0) and the ends of the range, where
    results below the smallest normal double may come out as 0."""
    z = np.concatenate([np.linspace(-40, 40, 400001), np.logspace(-300, 2.9, 20001),
                        -np.logspace(-300, 2.9, 20001), [-745.0, -708.0, 708.0, 710.0, 1e300,
                                                         -1e300, np.inf, -np.inf]])
    A = z.copy()
    _kernels.activation_forward(A, act)
    with np.errstate(over="ignore"):
        expect = activation_f64(act, z)
    finite = np.isfinite(expect)
    np.testing.assert_array_equal(A[~finite], expect[~finite])
    normal = finite & (np.abs(expect) >= np.finfo(np.float64).tiny)
    ulps = np.abs(A - expect)[normal] / np.spacing(np.abs(expect[normal]))
    assert ulps.max() <= 4
    tiny = finite & ~normal
    np.testing.assert_allclose(A[tiny], expect[tiny], rtol=0, atol=np.finfo(np.float64).tiny)
    nan = np.array([np.nan])
    _kernels.activation_forward(nan, act)
    assert np.isnan(nan[0])


@pytest.mark.parametrize("act", NEW_ACTS)
def test_float32_activations_are_accurate(act):
    """f and f' in float32 (fnn_math.h's expm1, log1p, erfc) against float64
    over a dense grid and many magnitudes.  gelu's forward bound is wider
    only in the far tail (|z| > 5, Phi < 3e-7), where the rounding of
    erfc's argument is amplified by its square (see fnn_math.h)."""
    z = np.concatenate([np.linspace(-30, 30, 200001), np.logspace(-30, 1.5, 5001),
                        -np.logspace(-30, 1.5, 5001)]).astype(np.float32)
    A = z.copy()
    _kernels.activation_forward(A, act)
    expect = activation_f64(act, z)
    np.testing.assert_allclose(A, expect, rtol=3e-5 if act == "gelu" else 4e-7, atol=1e-30)
    near = np.abs(z) < 5
    np.testing.assert_allclose(A[near], expect[near], rtol=3e-6, atol=1e-30)
    grad = activation_grad_f64(act, z)
    dZ = np.empty_like(z)
    _kernels.activation_backward_from_input(dZ, np.ones_like(z), z, act)
    np.testing.assert_allclose(dZ, grad, rtol=4e-7, atol=4e-7)
    if act not in FROM_INPUT_ONLY:
        _kernels.activation_backward(dZ, np.ones_like(z), A, act)
        np.testing.assert_allclose(dZ, grad, rtol=4e-7, atol=4e-7)


def test_float32_exp_outputs_overflow_to_inf():
    """An exp output (Poisson) past float range is inf, so divergence shows;
    a softmax over huge logits stays a distribution."""
    Z = np.array([[100.0, 0.0], [-100.0, 1.0], [1e30, -1e30]], dtype=np.float32)
    P = Z.copy()
    _kernels.output_loss(P, np.zeros_like(Z), None, "exp")
    assert np.isinf(P[0, 0]) and P[1, 0] == 0 and np.isinf(P[2, 0])
    np.testing.assert_allclose(P[0, 1], 1.0)
    np.testing.assert_allclose(P[1, 1], np.e, rtol=1e-6)
    S = Z.copy()
    _kernels.output_loss(S, np.eye(2, dtype=np.float32)[[0, 1, 0]], None, "softmax")
    np.testing.assert_allclose(S.sum(1), 1, rtol=1e-6)
    np.testing.assert_allclose(S[2], [1, 0], atol=1e-7)
