"""Helpers shared by the test modules: the single-kernel extension, random
data, digits, the ConvergenceWarning filter, gradient checks by central
differences, the error bounds that fast kernels are held to, and a
recurrent layer written from its cell equations.

Fast kernels and their references sum the same products in different
orders (BLAS picks its kernel by CPU: Haswell, SkylakeX, Zen...), so their
results may differ by what rounding allows for the sums, which scales with
the magnitude of the terms summed, not with the result: a near-cancelling
sum of large terms is a small number with a large absolute error.
`assert_within_rounding` bounds that error; `rounding_reference` gives the
exact result and the terms' magnitude from a reference kernel.
"""
import os
import sys
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from fastnn._network import GATES

# The kernels on their own, and their naive references, come from a
# test-only extension (tests/kernels), built here when a source changed:
# `import _kernels` in a test module.
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "kernels"))
from build_kernels import ensure_built  # noqa: E402

ensure_built()

try:
    from hypothesis import settings
except ImportError:  # only tests/test_properties.py needs it, and says so
    settings = None

if settings is not None:
    # "ci": short and derandomized, so every run draws the same cases;
    # "long": HYPOTHESIS_PROFILE=long, a thousand cases a test, new ones each run.
    settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True,
                              print_blob=True)
    settings.register_profile("long", max_examples=1000, deadline=None, print_blob=True)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# ---- the quick subset ----------------------------------------------------------
# `python -m pytest tests -m "not slow"` leaves out what spends its time in
# child processes, clusters, compilers, real data sets and long fits.
SLOW_MODULES = {"test_build.py", "test_cli.py", "test_dask.py", "test_docs_examples.py",
                "test_engine_bounds.py", "test_large_data.py", "test_leaks.py",
                "test_properties.py", "test_ray.py", "test_sklearn_mlp_suite.py"}
SLOW_TESTS = {
    "test_conv.py::test_fashion_mnist_accuracy",
    "test_bf16.py::test_bf16_fits_fashion_mnist_as_well_as_float32",
    "test_transfer.py::test_frozen_layers_of_a_fashion_model_learn_new_classes_from_few_images",
    "test_onnx_import.py::test_a_pytorch_cnn_fine_tuned_with_frozen_convolutions_beats_scratch",
    "test_rnn_data.py::test_next_character_beats_the_most_frequent_character",
    "test_text.py::test_text_models_on_fortunes_match_tfidf_and_logistic_regression",
    "test_text.py::test_a_transformer_encoder_on_fortunes_is_within_002_of_the_gru",
    "test_text.py::test_a_causal_transformer_language_model_writes_words",
    "test_text.py::test_character_language_model_writes_words",
    "test_threads.py::test_idle_engine_threads_sleep_unless_the_user_chose_otherwise",
    "test_threads.py::test_a_child_forked_after_a_threaded_fit_runs_on_one_thread",
}


def pytest_collection_modifyitems(items):
    for item in items:
        module = item.path.name
        if module in SLOW_MODULES or "%s::%s" % (module, item.originalname) in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def quiet():
    """Silences ConvergenceWarning: the tests train for few epochs on
    purpose.  A module takes it with
    `pytestmark = pytest.mark.usefixtures("quiet")`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture(scope="session")
def digits():
    """scikit-learn's digits with pixels scaled to [0, 1], and the labels;
    a module may define its own split or scaling under the same name."""
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


def rand(rng, *shape, dtype=np.float64):
    return np.ascontiguousarray(rng.standard_normal(shape), dtype=dtype)


def fashion_new_classes(per_class=20, n_scored=3000):
    """Fashion-MNIST's training images ((n, 1, 28, 28) float32 in [0, 1])
    and labels, for transfer from the classes 0-4 to the classes 5-9:
    (X, y, X_new, y_new, few, scored), `few` per_class images of each new
    class to train on, `scored` others to score, indices into X_new."""
    from fastnn.datasets import load_fashion_mnist
    X, y = load_fashion_mnist("train", return_X_y=True)
    X = (X.reshape(-1, 1, 28, 28) / 255).astype(np.float32)
    X_new, y_new = X[y >= 5], y[y >= 5]
    rng = np.random.default_rng(0)
    scored = rng.permutation(len(y_new))[:n_scored]
    few = np.concatenate([
        rng.permutation(np.setdiff1d(np.flatnonzero(y_new == c), scored))[:per_class]
        for c in range(5, 10)])
    return X, y, X_new, y_new, few, scored


def tol(dtype):
    """Tolerance relative to each value, for results with no long sum
    behind them (element-wise functions, optimizer steps) and for whole
    networks, where differences in summation order pass through several
    layers and a loss and are no longer bounded term by term."""
    return dict(rtol=2e-4, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)


# ---- rounding bounds for sums of products ---------------------------------

def assert_within_rounding(actual, exact, magnitude, terms, dtype, err_msg=""):
    """|actual - exact| <= terms * eps(dtype) * magnitude, elementwise.

    `exact` is computed in float64 (or is itself a result of `dtype` with
    the same bound), `magnitude` is the sum of the absolute values of the
    terms each output adds up and `terms` the longest such sum.  A
    floating-point sum of n terms in any order is within about n * eps / 2
    of the exact one, times the terms' magnitude (Higham, Accuracy and
    Stability of Numerical Algorithms, 3.1); eps instead of eps / 2 also
    covers a reference that rounds as much.  The bound still catches a
    wrong or missing term for every size tested: a term weighs about
    magnitude / n, far above n * eps * magnitude while n^2 < 1 / eps."""
    actual, exact = np.asarray(actual, np.float64), np.asarray(exact, np.float64)
    bound = terms * np.finfo(dtype).eps * np.asarray(magnitude, np.float64)
    # the smallest normal number: a sum that is exactly 0 may still round
    # through subnormals
    bound = bound + np.finfo(dtype).tiny
    err = np.abs(actual - exact)
    bad = ~(err <= bound)  # NaN counts as bad
    assert not bad.any(), "%s%d of %d values beyond the rounding bound; worst %g > %g at %s" % (
        err_msg + ": " if err_msg else "", bad.sum(), bad.size,
        err.reshape(-1)[np.flatnonzero(bad)[0]], bound.reshape(-1)[np.flatnonzero(bad)[0]],
        np.flatnonzero(bad)[:5])


def rounding_reference(kernel, arrays, outputs=()):
    """(exact, magnitude) of a bilinear kernel run by its reference.

    kernel(*outputs, *arrays) writes into `outputs` (if any) or returns its
    result.  It runs twice in float64: on the arrays, giving the exact
    result, and on their absolute values (outputs too: a gradient that
    accumulates onto a start value), giving the magnitude of the terms
    every output sums.  Sound for products and sums of the inputs (dense,
    conv, average pooling); for max pooling pass the gradient's absolute
    value and the input as it is, since the input only routes."""
    def run(transform):
        outs = [transform(np.asarray(o, np.float64)).copy() for o in outputs]
        ins = [transform(np.asarray(a, np.float64)) if isinstance(a, np.ndarray) else a
               for a in arrays]
        result = kernel(*outs, *ins)
        return outs if outputs else result
    return run(lambda a: a), run(np.abs)


# ---- gradient checks ---------------------------------------------------------

def numeric_grad(f, x, h=1e-6):
    """Central differences of the scalar f with respect to every entry of x."""
    g = np.zeros_like(x)
    flat, gf = x.reshape(-1), g.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        up = f()
        flat[i] = old - h
        down = f()
        flat[i] = old
        gf[i] = (up - down) / (2 * h)
    return g


def assert_grad_close(analytic, numeric, thr=1e-5, skip=None):
    """Relative check thr * max(|a|, |b|, 1), skipping points at a kink."""
    a, b = analytic.reshape(-1), numeric.reshape(-1)
    keep = np.ones(a.shape, bool) if skip is None else ~skip.reshape(-1)
    bound = thr * np.maximum(np.maximum(np.abs(a), np.abs(b)), 1)
    bad = keep & (np.abs(a - b) > bound)
    assert not bad.any(), "max error %g at %s" % (np.abs(a - b)[keep].max(), np.flatnonzero(bad)[:5])


def assert_network_gradient(net, params, X, Y, sw, thr=1e-5):
    """The engine's gradient of the summed loss through the flat parameter
    buffer against central differences of that loss."""
    grad = np.zeros_like(params)
    net.loss_grad(params, grad, X, Y, sw)

    def loss():
        return net.loss_grad(params, np.zeros_like(params), X, Y, sw)

    assert_grad_close(grad, numeric_grad(loss, params), thr=thr)
    return grad


# ---- recurrent layers, from the cell equations ----------------------------

def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def recurrent_reference(X, W, b, spec, N, eps=0.0):
    """The layer's output, one sample and one step at a time, written from
    the cell equations (PyTorch's gate order; the gru resets after the
    recurrent product), in float64.

    Also returns, per output, a first-order bound on the error of a
    computation that rounds with unit `eps`: each product sum of k terms
    adds k * eps times its terms' magnitude, each sigmoid or tanh adds a few
    eps (the fast ones are approximations), and errors already made pass on
    through the weights, the activations' slopes and the cell's products."""
    T, c, D, cell = spec.h, spec.c, spec.dirs, spec.cell
    H = spec.oc // D
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
    if spec.oh == T:
        return out.reshape(-1), bound.reshape(-1)
    last = [np.concatenate([a[:, T - 1, 0]] + ([a[:, 0, 1]] if D == 2 else []), axis=1)
            for a in (out, bound)]
    return last[0].reshape(-1), last[1].reshape(-1)
