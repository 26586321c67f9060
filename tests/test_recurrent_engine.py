"""Recurrent kernels (rnn, lstm, gru; one or two directions; every step or
the last one out): against a naive NumPy reference written step by step,
and gradient checks by central differences (float64)."""
import numpy as np
import pytest

from fastnn import _engine
from fastnn._network import GATES, bias_size, coef_shape, dense_layers, recurrent_layer

from conftest import (assert_grad_close, assert_network_gradient, assert_within_rounding,
                      numeric_grad, rand)

CELLS = ["rnn", "lstm", "gru"]


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def reference_forward(X, W, b, spec, N, eps=0.0):
    """The layer's output, one sample and one step at a time, written from
    the cell equations (PyTorch's gate order; the gru resets after the
    recurrent product), in float64.

    Also returns, per output, a first-order bound on the error of a
    computation that rounds with unit `eps`: each product sum of k terms
    adds k * eps times its terms' magnitude, each sigmoid or tanh adds a few
    eps (the fast ones are approximations), and errors already made pass on
    through the weights, the activations' slopes and the cell's products."""
    T, c, D, cell = spec["h"], spec["c"], spec["dirs"], spec["cell"]
    H = spec["oc"] // D
    GH = GATES[cell] * H
    X = X.reshape(N, T, c).astype(np.float64)
    W = W.reshape(c + H, D * GH).astype(np.float64)
    b = b.astype(np.float64)
    act = 8 * eps  # a fast sigmoid's or tanh's own error, outputs within [-1, 1]
    out, bound = np.zeros((N, T, D, H)), np.zeros((N, T, D, H))
    for n in range(N):
        for d in range(D):
            Wx, Wh = W[:c, d * GH:(d + 1) * GH], W[c:, d * GH:(d + 1) * GH]
            bias = b[d * GH:(d + 1) * GH]
            h, cs = np.zeros(H), np.zeros(H)
            e_h, e_c = np.zeros(H), np.zeros(H)  # their error bounds
            for t in (range(T - 1, -1, -1) if d else range(T)):
                x = X[n, t] @ Wx + bias
                x_size = np.abs(X[n, t]) @ np.abs(Wx) + np.abs(bias)
                hw, hw_size = h @ Wh, np.abs(h) @ np.abs(Wh)
                # the step's product sums, with the error h already carries
                e_sum = (c + H + 1) * eps * (x_size + hw_size) + e_h @ np.abs(Wh)
                if cell == "rnn":
                    h = np.tanh(x + hw)
                    e_h = (1 - h * h) * e_sum + act
                elif cell == "lstm":
                    z = x + hw
                    i, f = sigmoid(z[:H]), sigmoid(z[H:2 * H])
                    u, o = np.tanh(z[2 * H:3 * H]), sigmoid(z[3 * H:])
                    e_i, e_f = i * (1 - i) * e_sum[:H] + act, f * (1 - f) * e_sum[H:2 * H] + act
                    e_u = (1 - u * u) * e_sum[2 * H:3 * H] + act
                    e_o = o * (1 - o) * e_sum[3 * H:] + act
                    e_c = (np.abs(f) * e_c + np.abs(cs) * e_f + np.abs(i) * e_u + np.abs(u) * e_i
                           + 2 * eps * (np.abs(f * cs) + np.abs(i * u)))
                    cs = f * cs + i * u
                    tc = np.tanh(cs)
                    e_h = (np.abs(o) * ((1 - tc * tc) * e_c + act) + np.abs(tc) * e_o
                           + eps * np.abs(o * tc))
                    h = o * tc
                else:
                    b_hn = b[D * GH + d * H:D * GH + (d + 1) * H]
                    r = sigmoid(x[:H] + hw[:H])
                    z = sigmoid(x[H:2 * H] + hw[H:2 * H])
                    a = hw[2 * H:] + b_hn
                    cand = np.tanh(x[2 * H:] + r * a)
                    e_r, e_z = r * (1 - r) * e_sum[:H] + act, z * (1 - z) * e_sum[H:2 * H] + act
                    e_a = e_sum[2 * H:] + eps * (np.abs(a) + np.abs(b_hn))
                    e_n = ((1 - cand * cand) * (e_sum[2 * H:] + np.abs(r) * e_a + np.abs(a) * e_r
                                                + 2 * eps * np.abs(r * a)) + act)
                    e_h = (np.abs(1 - z) * e_n + np.abs(h - cand) * e_z + np.abs(z) * e_h
                           + 3 * eps * (np.abs(cand) + np.abs(h)))
                    h = (1 - z) * cand + z * h
                out[n, t, d], bound[n, t, d] = h, e_h
    if spec["oh"] == T:
        return out.reshape(-1), bound.reshape(-1)
    last = [np.concatenate([a[:, T - 1, 0]] + ([a[:, 0, 1]] if D == 2 else []), axis=1)
            for a in (out, bound)]
    return last[0].reshape(-1), last[1].reshape(-1)


# (N, steps, features, units, dirs, every step out): odd sizes, one step,
# and batches big enough for the threaded time loop.
CASES = [
    (1, 1, 1, 1, 1, False),
    (2, 3, 2, 3, 1, True),
    (3, 4, 3, 2, 2, False),
    (2, 5, 1, 4, 2, True),
    (1, 1, 2, 3, 2, True),
    (37, 7, 5, 9, 2, False),
    (40, 6, 3, 16, 1, True),
]


def make_layer(case, cell, rng, dtype, scale=0.5):
    N, T, c, H, D, seq = case
    spec = recurrent_layer(T, c, H, cell, D, seq)
    W = rand(rng, int(np.prod(coef_shape(spec))), dtype=dtype) * dtype(scale)
    b = rand(rng, bias_size(spec), dtype=dtype) * dtype(scale)
    X = rand(rng, N * T * c, dtype=dtype)
    return spec, X, W, b


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("n_threads", [1, 2])
def test_recurrent_forward_matches_reference(dtype, cell, case, n_threads):
    rng = np.random.default_rng(sum(case[:5]))
    spec, X, W, b = make_layer(case, cell, rng, dtype)
    Y, _ = _engine.recurrent_forward(X, W, b, spec, case[0], n_threads=n_threads)
    exact, bound = reference_forward(X, W, b, spec, case[0], eps=np.finfo(dtype).eps)
    # the bound is the whole allowance: magnitude 1, one "term"
    assert_within_rounding(Y, exact, bound / np.finfo(dtype).eps, 1, dtype)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("case", CASES[:5])
def test_recurrent_gradient(cell, case):
    """Backpropagation through time against central differences of
    1/2 sum(out^2), for the input, the weights and the biases."""
    N = case[0]
    rng = np.random.default_rng(7 + sum(case[:5]))
    spec, X, W, b = make_layer(case, cell, rng, np.float64)

    def objective():
        Y, _ = _engine.recurrent_forward(X, W, b, spec, N)
        return 0.5 * np.sum(Y ** 2)

    Y, work = _engine.recurrent_forward(X, W, b, spec, N)
    dX, dW, db = np.full_like(X, 5), np.zeros_like(W), np.zeros_like(b)
    _engine.recurrent_backward(dX, dW, db, work, Y, X, W, spec, N)
    for analytic, wrt in [(dX, X), (dW, W), (db, b)]:
        assert_grad_close(analytic, numeric_grad(objective, wrt), thr=1e-6)


def gradient_term_magnitudes(work, X, W, spec, N, start_W, start_b):
    """Upper bounds on the magnitude of the terms that each of dX, dW and
    db sums, from the gate gradients that backward leaves at the head of
    its work area (their largest value g): dX = dZ Wx^T sums g |Wx| over a
    row of Wx; dW = A^T dZ sums |a| g over every step of every sample, a
    being an input or a hidden state (|h| <= 1); db sums g as often."""
    T, c, D = spec["h"], spec["c"], spec["dirs"]
    H = spec["oc"] // D
    g = np.abs(work[:N * T * D * GATES[spec["cell"]] * H]).max()
    if spec["cell"] == "gru":  # the candidate's recurrent-term gradient follows the states
        g = max(g, np.abs(work[N * T * D * (GATES["gru"] + 1) * H:][:N * T * D * H]).max())
    Wm = np.abs(W.astype(np.float64)).reshape(c + H, -1)
    x_sums = np.abs(X.astype(np.float64)).reshape(N * T, c).sum(0)
    dX = np.tile(g * Wm[:c].sum(1), N * T)
    dW = np.abs(start_W) + g * np.concatenate([x_sums, np.full(H, N * T)])[:, None].repeat(
        Wm.shape[1], axis=1).reshape(-1)
    db = np.abs(start_b) + g * N * T
    return dX, dW, db


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cell", CELLS)
def test_recurrent_backward_threads_agree_and_accumulate(dtype, cell):
    case = CASES[-2]
    N = case[0]
    rng = np.random.default_rng(3)
    spec, X, W, b = make_layer(case, cell, rng, dtype)
    dY = rand(rng, N * spec["oh"] * spec["oc"], dtype=dtype)
    start_W, start_b = rand(rng, W.size, dtype=dtype), rand(rng, b.size, dtype=dtype)
    results = []
    for n_threads in (1, 2):
        _, work = _engine.recurrent_forward(X, W, b, spec, N, n_threads=n_threads)
        out = [np.empty_like(X), start_W.copy(), start_b.copy()]
        _engine.recurrent_backward(*out, work, dY, X, W, spec, N, n_threads=n_threads)
        results.append(out)
    magnitudes = gradient_term_magnitudes(work, X, W, spec, N, start_W, start_b)
    T, GH = spec["h"], spec["oc"] * GATES[cell]
    for name, one, two, m, terms in zip(["dX", "dW", "db"], *results, magnitudes,
                                        [GH, N * T + 1, N * T + 1]):
        assert_within_rounding(one, two, m, terms, dtype, name)
    # parameter gradients were added onto what was there
    zero = [np.empty_like(X), np.zeros_like(W), np.zeros_like(b)]
    _, work = _engine.recurrent_forward(X, W, b, spec, N)
    _engine.recurrent_backward(*zero, work, dY, X, W, spec, N)
    for accumulated, alone, start, m in zip(results[0][1:], zero[1:], (start_W, start_b),
                                            magnitudes[1:]):
        assert_within_rounding(accumulated, start.astype(np.float64) + alone, m, N * T + 1, dtype)


def stacked(cell, dirs, T=4, c=3, units=(3, 2), outputs=2, output="identity"):
    """Recurrent layers (all but the last give every step) and a dense head."""
    specs = []
    for i, H in enumerate(units):
        specs.append(recurrent_layer(T, c, H, cell, dirs, i < len(units) - 1))
        c = dirs * H
    specs += dense_layers([specs[-1]["oh"] * specs[-1]["oc"], 4, outputs], "tanh")
    return _engine.Network(specs, output)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("dirs", [1, 2])
@pytest.mark.parametrize("layers", [1, 2])
def test_recurrent_network_gradient(cell, dirs, layers):
    """Stacked recurrent layers into a dense head, through the flat
    parameter buffer and the loss (softmax cross-entropy)."""
    rng = np.random.default_rng(layers * 10 + dirs)
    net = stacked(cell, dirs, units=(3, 2)[:layers], outputs=3, output="softmax")
    params = rand(rng, net.n_params) * 0.3
    X = rand(rng, 5, 4 * 3)
    Y = np.eye(3)[rng.integers(0, 3, 5)]
    assert_network_gradient(net, params, X, Y, None, thr=1e-6)


def test_bad_recurrent_layers_are_refused():
    good = recurrent_layer(4, 3, 2, "lstm", 2, False)
    _engine.Network([good], "identity")
    for bad in [dict(good, oc=3), dict(good, dirs=3, oc=6), dict(good, oh=2),
                dict(good, w=2), dict(good, h=0)]:
        with pytest.raises(ValueError):
            _engine.Network([bad], "identity")
    with pytest.raises(KeyError):
        _engine.Network([dict(good, cell="transformer")], "identity")
