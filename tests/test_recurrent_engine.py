"""Recurrent kernels (rnn, lstm, gru; one or two directions; every step or
the last one out): against a naive NumPy reference written step by step,
and gradient checks by central differences (float64)."""
from dataclasses import replace

import numpy as np
import pytest

from fastnn import _engine
from fastnn._network import GATES, bias_size, coef_shape, dense_layers, recurrent_layer

import _kernels  # tests/kernels: the single kernels
from conftest import (assert_grad_close, assert_network_gradient, assert_within_rounding,
                      numeric_grad, rand, recurrent_reference)

CELLS = ["rnn", "lstm", "gru"]


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
@pytest.mark.parametrize("infer", [False, True], ids=["keep", "infer"])
def test_recurrent_forward_matches_reference(dtype, cell, case, n_threads, infer):
    """Both kernels: the one that keeps every step's gates for backward,
    and the inference one that overwrites them step after step."""
    rng = np.random.default_rng(sum(case[:5]))
    spec, X, W, b = make_layer(case, cell, rng, dtype)
    Y, _ = _kernels.recurrent_forward(X, W, b, spec, case[0], n_threads=n_threads,
                                     infer=infer)
    exact, bound = recurrent_reference(X, W, b, spec, case[0], eps=np.finfo(dtype).eps)
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
        Y, _ = _kernels.recurrent_forward(X, W, b, spec, N)
        return 0.5 * np.sum(Y ** 2)

    Y, work = _kernels.recurrent_forward(X, W, b, spec, N)
    dX, dW, db = np.full_like(X, 5), np.zeros_like(W), np.zeros_like(b)
    _kernels.recurrent_backward(dX, dW, db, work, Y, X, W, spec, N)
    for analytic, wrt in [(dX, X), (dW, W), (db, b)]:
        assert_grad_close(analytic, numeric_grad(objective, wrt), thr=1e-6)


def gradient_term_magnitudes(work, X, W, spec, N, start_W, start_b):
    """Upper bounds on the magnitude of the terms that each of dX, dW and
    db sums, from the gate gradients that backward leaves at the head of
    its work area (their largest value g): dX = dZ Wx^T sums g |Wx| over a
    row of Wx; dW = A^T dZ sums |a| g over every step of every sample, a
    being an input or a hidden state (|h| <= 1); db sums g as often."""
    T, c, D = spec.h, spec.c, spec.dirs
    H = spec.oc // D
    g = np.abs(work[:N * T * D * GATES[spec.cell] * H]).max()
    if spec.cell == "gru":  # the candidate's recurrent-term gradient follows the states
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
    dY = rand(rng, N * spec.oh * spec.oc, dtype=dtype)
    start_W, start_b = rand(rng, W.size, dtype=dtype), rand(rng, b.size, dtype=dtype)
    results = []
    for n_threads in (1, 2):
        _, work = _kernels.recurrent_forward(X, W, b, spec, N, n_threads=n_threads)
        out = [np.empty_like(X), start_W.copy(), start_b.copy()]
        _kernels.recurrent_backward(*out, work, dY, X, W, spec, N, n_threads=n_threads)
        results.append(out)
    magnitudes = gradient_term_magnitudes(work, X, W, spec, N, start_W, start_b)
    T, GH = spec.h, spec.oc * GATES[cell]
    for name, one, two, m, terms in zip(["dX", "dW", "db"], *results, magnitudes,
                                        [GH, N * T + 1, N * T + 1]):
        assert_within_rounding(one, two, m, terms, dtype, name)
    # parameter gradients were added onto what was there
    zero = [np.empty_like(X), np.zeros_like(W), np.zeros_like(b)]
    _, work = _kernels.recurrent_forward(X, W, b, spec, N)
    _kernels.recurrent_backward(*zero, work, dY, X, W, spec, N)
    for accumulated, alone, start, m in zip(results[0][1:], zero[1:], (start_W, start_b),
                                            magnitudes[1:]):
        assert_within_rounding(accumulated, start.astype(np.float64) + alone, m, N * T + 1, dtype)


def stacked(cell, dirs, T=4, c=3, units=(3, 2), outputs=2, output="identity"):
    """Recurrent layers (all but the last give every step) and a dense head."""
    specs = []
    for i, H in enumerate(units):
        specs.append(recurrent_layer(T, c, H, cell, dirs, i < len(units) - 1))
        c = dirs * H
    specs += dense_layers([specs[-1].oh * specs[-1].oc, 4, outputs], "tanh")
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
    for bad in [replace(good, oc=3), replace(good, dirs=3, oc=6), replace(good, oh=2),
                replace(good, w=2), replace(good, h=0)]:
        with pytest.raises(ValueError):
            _engine.Network([bad], "identity")
    with pytest.raises(ValueError, match="unknown recurrent cell"):
        replace(good, cell="transformer")
