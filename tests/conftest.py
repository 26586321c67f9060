"""Helpers shared by the test modules: random data, digits, the
ConvergenceWarning filter, gradient checks by central differences, and the
error bounds that fast kernels are held to.

Fast kernels and their references sum the same products in different
orders (BLAS picks its kernel by CPU: Haswell, SkylakeX, Zen...), so their
results may differ by what rounding allows for the sums, which scales with
the magnitude of the terms summed, not with the result: a near-cancelling
sum of large terms is a small number with a large absolute error.
`assert_within_rounding` bounds that error; `rounding_reference` gives the
exact result and the terms' magnitude from a reference kernel.
"""
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning


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
