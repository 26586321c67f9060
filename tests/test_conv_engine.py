"""Convolution and pooling kernels: fast against naive references, and
gradient checks by central differences (float64)."""
import numpy as np
import pytest
from scipy.special import ndtr

from fastnn import _engine
from fastnn._network import conv_layer, dense_layers, pool_layer

import _kernels  # tests/kernels: the single kernels
from conftest import (assert_grad_close, assert_network_gradient, assert_within_rounding,
                      numeric_grad, rand, rounding_reference, tol)

DTYPES = [np.float32, np.float64]
THREADS = [1, 2]
# (N, h, w, c, filters, kernel, stride, padding): odd sizes, 1x1 (no im2col),
# stride 2, rectangular kernels, and sizes big enough for the threaded loops.
CONVS = [
    (1, 1, 1, 1, 1, (1, 1), (1, 1), "valid"),
    (2, 5, 7, 3, 4, (3, 3), (1, 1), "same"),
    (3, 6, 5, 2, 5, (3, 3), (2, 2), "same"),
    (2, 7, 7, 1, 3, (3, 2), (2, 1), "valid"),
    (4, 4, 4, 6, 7, (1, 1), (1, 1), "same"),
    (2, 5, 5, 3, 2, (1, 1), (2, 2), "valid"),
    (16, 13, 11, 9, 17, (3, 3), (1, 1), "valid"),
    (33, 9, 9, 4, 8, (5, 5), (2, 2), "same"),
    # columns of over 512 KB a sample: on one thread, one sample per product
    (3, 32, 32, 16, 8, (3, 3), (1, 1), "same"),
]


def spec_of(N, h, w, c, filters, kernel, stride, padding):
    return conv_layer(h, w, c, filters, kernel, stride, padding, "identity")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CONVS)
@pytest.mark.parametrize("n_threads", THREADS)
def test_conv_matches_reference(dtype, case, n_threads):
    N = case[0]
    spec = spec_of(*case)
    rng = np.random.default_rng(sum(case[:5]))
    X = rand(rng, N * spec.h * spec.w * spec.c, dtype=dtype)
    W = rand(rng, spec.kh * spec.kw * spec.c * spec.oc, dtype=dtype)
    b = rand(rng, spec.oc, dtype=dtype)
    Y = _kernels.conv_forward(X, W, b, spec, N, n_threads=n_threads)
    exact, magnitude = rounding_reference(
        lambda X, W, b: _kernels.conv_forward(X, W, b, spec, N, reference=True), [X, W, b])
    taps = spec.kh * spec.kw * spec.c
    assert_within_rounding(Y, exact, magnitude, taps + 1, dtype)

    dY = rand(rng, Y.size, dtype=dtype)
    start = rand(rng, W.size, dtype=dtype), rand(rng, b.size, dtype=dtype)
    out = [np.full_like(X, 7), start[0].copy(), start[1].copy()]
    _kernels.conv_backward(*out, dY, X, W, spec, N, n_threads=n_threads)
    exact, magnitude = rounding_reference(
        lambda dX, dW, db, dY, X, W: _kernels.conv_backward(dX, dW, db, dY, X, W, spec, N,
                                                           reference=True),
        [dY, X, W], outputs=[np.zeros(X.size), start[0], start[1]])
    # dX sums every window and filter that covers a pixel; dW and db every
    # output position of every sample, onto their start value
    positions = N * spec.oh * spec.ow
    for name, a, e, m, terms in zip(["dX", "dW", "db"], out, exact, magnitude,
                                    [spec.kh * spec.kw * spec.oc, positions + 1,
                                     positions + 1]):
        assert_within_rounding(a, e, m, terms, dtype, name)


def test_same_padding_keeps_size_and_valid_shrinks():
    same = conv_layer(28, 28, 1, 8, (3, 3), (1, 1), "same", "relu")
    valid = conv_layer(28, 28, 1, 8, (3, 3), (1, 1), "valid", "relu")
    strided = conv_layer(28, 27, 1, 8, (3, 3), (2, 2), "same", "relu")
    assert (same.oh, same.ow, same.ph) == (28, 28, 1)
    assert (valid.oh, valid.ow, valid.ph) == (26, 26, 0)
    assert (strided.oh, strided.ow) == (14, 14)


POOLS = [(2, 4, 4, 3, (2, 2)), (3, 5, 7, 2, (2, 3)), (1, 3, 3, 1, (3, 3)), (40, 12, 12, 16, (2, 2))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", ["maxpool", "avgpool"])
@pytest.mark.parametrize("case", POOLS)
@pytest.mark.parametrize("n_threads", THREADS)
def test_pool_matches_reference(dtype, kind, case, n_threads):
    N, h, w, c, size = case
    spec = pool_layer(kind, h, w, c, size)
    rng = np.random.default_rng(h * w)
    X = rand(rng, N * h * w * c, dtype=dtype)
    taps = size[0] * size[1]
    Y = _kernels.pool_forward(X, spec, N, n_threads=n_threads)
    Y_ref = _kernels.pool_forward(X.astype(np.float64), spec, N, reference=True)
    # a max is exact; an average sums its window (then scales, one rounding)
    magnitude = _kernels.pool_forward(np.abs(X).astype(np.float64), spec, N, reference=True)
    assert_within_rounding(Y, Y_ref, magnitude, taps + 1, dtype)
    dY = rand(rng, Y.size, dtype=dtype)
    dX = np.full_like(X, 3)
    _kernels.pool_backward(dX, dY, X, spec, N, n_threads=n_threads)
    # each input cell receives at most one window's share (windows do not
    # overlap): the input only routes, so it keeps its sign
    dX_ref, magnitude = (np.zeros(X.size), np.zeros(X.size))
    _kernels.pool_backward(dX_ref, dY.astype(np.float64), X.astype(np.float64), spec, N,
                          reference=True)
    _kernels.pool_backward(magnitude, np.abs(dY).astype(np.float64), X.astype(np.float64), spec,
                          N, reference=True)
    assert_within_rounding(dX, dX_ref, magnitude, 2, dtype)


# ---- gradient checks ------------------------------------------------------

@pytest.mark.parametrize("case", [c for c in CONVS if c[0] * c[1] * c[2] < 200])
def test_conv_gradient(case):
    N = case[0]
    spec = spec_of(*case)
    rng = np.random.default_rng(1)
    X = rand(rng, N * spec.h * spec.w * spec.c)
    W = rand(rng, spec.kh * spec.kw * spec.c * spec.oc)
    b = rand(rng, spec.oc)

    def objective():
        return 0.5 * np.sum(_kernels.conv_forward(X, W, b, spec, N) ** 2)

    dY = _kernels.conv_forward(X, W, b, spec, N)
    dX, dW, db = np.empty_like(X), np.zeros_like(W), np.zeros_like(b)
    _kernels.conv_backward(dX, dW, db, dY, X, W, spec, N)
    assert_grad_close(dX, numeric_grad(objective, X))
    assert_grad_close(dW, numeric_grad(objective, W))
    assert_grad_close(db, numeric_grad(objective, b))


@pytest.mark.parametrize("kind", ["maxpool", "avgpool"])
@pytest.mark.parametrize("case", POOLS[:3])
def test_pool_gradient(kind, case):
    N, h, w, c, size = case
    spec = pool_layer(kind, h, w, c, size)
    rng = np.random.default_rng(2)
    X = rand(rng, N * h * w * c)

    def objective():
        return 0.5 * np.sum(_kernels.pool_forward(X, spec, N) ** 2)

    dY = _kernels.pool_forward(X, spec, N)
    dX = np.empty_like(X)
    _kernels.pool_backward(dX, dY, X, spec, N)
    skip = None
    if kind == "maxpool":
        # A point is at a kink when its window's two largest values are
        # closer than the finite-difference step could tell apart.
        img = X.reshape(N, h, w, c)
        skip = np.zeros(img.shape, bool)
        kh, kw = size
        for oy in range(h // kh):
            for ox in range(w // kw):
                win = img[:, oy * kh:(oy + 1) * kh, ox * kw:(ox + 1) * kw, :].reshape(N, -1, c)
                top = np.sort(win, axis=1)
                near = (top[:, -1] - top[:, -2]) < 1e-4 if win.shape[1] > 1 else np.zeros((N, c), bool)
                skip[:, oy * kh:(oy + 1) * kh, ox * kw:(ox + 1) * kw, :] |= near[:, None, None, :]
    assert_grad_close(dX, numeric_grad(objective, X), skip=skip)


def small_conv_net(pool, n_threads=1):
    conv1 = conv_layer(6, 5, 2, 3, (3, 3), (1, 1), "same", "tanh")
    pool1 = pool_layer(pool, 6, 5, 3, (2, 2))
    conv2 = conv_layer(3, 2, 3, 4, (2, 2), (1, 1), "valid", "relu")
    head = dense_layers([conv2.oh * conv2.ow * conv2.oc, 5, 3], "logistic")
    return _engine.Network([conv1, pool1, conv2] + head, "softmax", n_threads)


@pytest.mark.parametrize("pool", ["maxpool", "avgpool"])
def test_conv_network_gradient(pool):
    """The whole conv -> pool -> conv -> dense stack through the flat buffer."""
    net = small_conv_net(pool)
    rng = np.random.default_rng(3)
    N = 4
    params = rand(rng, net.n_params) * 0.5
    X = rand(rng, N, 6 * 5 * 2)
    Y = np.eye(3)[rng.integers(0, 3, N)]
    assert_network_gradient(net, params, X, Y, None)


@pytest.mark.parametrize("dtype", DTYPES)
def test_conv_network_threads_agree(dtype):
    rng = np.random.default_rng(4)
    conv = conv_layer(12, 12, 3, 16, (3, 3), (1, 1), "same", "relu")
    pool = pool_layer("maxpool", 12, 12, 16, (2, 2))
    head = dense_layers([6 * 6 * 16, 10], "relu")
    X = rand(rng, 64, 12 * 12 * 3, dtype=dtype)
    Y = np.eye(10, dtype=dtype)[rng.integers(0, 10, 64)]
    results = []
    for n_threads in THREADS:
        net = _engine.Network([conv, pool] + head, "softmax", n_threads)
        params = (rand(np.random.default_rng(5), net.n_params) * 0.1).astype(dtype)
        grad = np.zeros_like(params)
        results.append((net.loss_grad(params, grad, X, Y, None), grad, net.forward(params, X)))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-5)
    for a, b in zip(results[0][1:], results[1][1:]):
        np.testing.assert_allclose(a, b, **tol(dtype))


def test_inconsistent_layers_are_refused():
    conv = conv_layer(6, 6, 1, 2, (3, 3), (1, 1), "valid", "relu")
    with pytest.raises(ValueError, match="inconsistent layer sizes"):
        _engine.Network([conv] + dense_layers([10, 2], "relu"), "softmax")  # 4*4*2 != 10


@pytest.mark.parametrize("act", ["relu", "tanh", "logistic", "leaky_relu", "elu", "softplus"])
def test_activation_after_max_pool_is_the_same_network(act):
    """ConvClassifier applies a conv's activation after its max pool (max
    commutes with a non-decreasing function): same outputs, same gradients."""
    conv_first = conv_layer(7, 5, 2, 3, (3, 3), (1, 1), "same", act)
    conv_plain = conv_layer(7, 5, 2, 3, (3, 3), (1, 1), "same", "identity")
    head = dense_layers([3 * 2 * 3, 4], act)
    before = _engine.Network([conv_first, pool_layer("maxpool", 7, 5, 3, (2, 2))] + head, "softmax")
    after = _engine.Network([conv_plain, pool_layer("maxpool", 7, 5, 3, (2, 2), act)] + head,
                            "softmax")
    rng = np.random.default_rng(6)
    # small weights: a saturated softmax would meet the loss's probability
    # clipping, whose flat region central differences see and (p - y) not
    params = rand(rng, before.n_params) * 0.3
    X, Y = rand(rng, 5, 7 * 5 * 2), np.eye(4)[rng.integers(0, 4, 5)]
    np.testing.assert_allclose(before.forward(params, X), after.forward(params, X), rtol=1e-12)
    g_before = np.zeros_like(params)
    before.loss_grad(params, g_before, X, Y, None)
    # the reordered form (input gradients written in place, a ragged 7x5
    # image under 2x2 pooling) is right by central differences, and equal
    g_after = assert_network_gradient(after, params, X, Y, None)
    np.testing.assert_allclose(g_before, g_after, rtol=1e-10, atol=1e-12)


def test_gelu_after_max_pool_is_another_network():
    """gelu is not monotone (its minimum is near z = -0.75), so max pooling
    does not commute with it: the reordered network computes something
    else, which is why ConvClassifier keeps gelu before the pool."""
    conv_first = conv_layer(4, 4, 1, 1, (1, 1), (1, 1), "valid", "gelu")
    conv_plain = conv_layer(4, 4, 1, 1, (1, 1), (1, 1), "valid", "identity")
    head = dense_layers([4, 2], "gelu")  # one layer: the output's, no activation
    before = _engine.Network([conv_first, pool_layer("maxpool", 4, 4, 1, (2, 2))] + head,
                             "identity")
    after = _engine.Network([conv_plain, pool_layer("maxpool", 4, 4, 1, (2, 2), "gelu")] + head,
                            "identity")
    # weights first (conv 1, head 4x2), then biases (conv 1, head 2): the
    # conv passes pixels through and each output sums the four pools
    params = np.r_[1.0, np.ones(8), np.zeros(3)]
    assert params.size == before.n_params
    X = np.full((1, 16), -3.0)
    X[0, 0] = -0.5  # the first 2x2 window holds -0.5 and three -3
    gelu = lambda z: z * ndtr(z)
    expect_before = 3 * gelu(-3.0) + max(gelu(-0.5), gelu(-3.0))  # = 4 gelu(-3)
    expect_after = 3 * gelu(-3.0) + gelu(max(-0.5, -3.0))
    assert expect_before - expect_after > 0.1
    np.testing.assert_allclose(before.forward(params, X), [[expect_before] * 2], rtol=1e-12)
    np.testing.assert_allclose(after.forward(params, X), [[expect_after] * 2], rtol=1e-12)
