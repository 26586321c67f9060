"""bfloat16 products (precision='bf16'): the engine's AVX512-BF16 GEMM
against NumPy on the same rounded operands, and networks fitted with it.
They run where the CPU has the instructions and skip elsewhere."""
import os
import pickle

import numpy as np
import pytest

from fastnn import ConvClassifier, MLPClassifier, RNNClassifier, _engine
from fastnn.datasets import FASHION_MNIST_DIR

pytestmark = [pytest.mark.skipif(not _engine.bf16_supported(),
                                 reason="this CPU has no AVX512-BF16 instructions"),
              pytest.mark.usefixtures("quiet")]


def to_bf16(x):
    """x rounded to bfloat16 (nearest, ties to even), as float32."""
    x = np.asarray(x, dtype=np.float32)
    bits = x.view(np.uint32).astype(np.uint64)
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16 << 16
    return np.where(np.isnan(x), x, bits.astype(np.uint32).view(np.float32))


def test_operands_round_to_the_nearest_bf16_ties_to_even():
    """A column of values times 1: each value as the product rounds it."""
    import _kernels

    values = np.array([1.0, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -9, -2.5e-3, 3e38, 1e-30,
                       np.inf, np.nan], dtype=np.float32)
    C = np.zeros((len(values), 1), np.float32)
    _kernels.gemm_bf16(values.reshape(-1, 1), np.ones((1, 1), np.float32), C, False, False)
    np.testing.assert_array_equal(C.ravel(), to_bf16(values))
    assert to_bf16(values)[2] == 1 + 4 * 2 ** -8 and to_bf16(values)[1] == 1.0  # (ties)


@pytest.mark.parametrize("n_threads", [1, 2])
@pytest.mark.parametrize("trans_a, trans_b", [(0, 0), (0, 1), (1, 0), (1, 1)])
@pytest.mark.parametrize("M, N, K", [(1, 1, 1), (7, 33, 5), (64, 128, 256), (130, 161, 517),
                                     (9, 300, 2)])
def test_gemm_equals_numpy_on_rounded_operands(M, N, K, trans_a, trans_b, n_threads):
    """Every edge of the blocks (MR 8, NR 32, KC 256, MC 64, NC 128), odd
    K, both transposes, alpha and beta: float32 sums of the bfloat16
    products, within float32 rounding of a float64 sum."""
    import _kernels

    rng = np.random.default_rng(M * N + K)
    A = rng.standard_normal((K, M) if trans_a else (M, K), dtype=np.float32)
    B = rng.standard_normal((N, K) if trans_b else (K, N), dtype=np.float32)
    C = rng.standard_normal((M, N), dtype=np.float32)
    a, b = to_bf16(A).astype(np.float64), to_bf16(B).astype(np.float64)
    product = (a.T if trans_a else a) @ (b.T if trans_b else b)
    scale = (np.abs(a.T if trans_a else a) @ np.abs(b.T if trans_b else b))
    for alpha, beta in [(1.0, 0.0), (0.5, 1.0), (-2.0, 0.25)]:
        got = C.copy()
        _kernels.gemm_bf16(A, B, got, trans_a, trans_b, alpha, beta, n_threads)
        expected = alpha * product + beta * C
        bound = 4 * K * np.finfo(np.float32).eps * (abs(alpha) * scale + abs(beta * C)) + 1e-30
        assert (np.abs(got - expected) <= bound).all()
    # beta 0 never reads C: NaN there stays out
    got = np.full((M, N), np.nan, dtype=np.float32)
    _kernels.gemm_bf16(A, B, got, trans_a, trans_b, 1.0, 0.0, n_threads)
    assert np.isfinite(got).all()


def test_bf16_differs_from_float32_by_the_operands_rounding():
    """Not float32 products in disguise: the result is the rounded
    operands' product, which differs from the float32 one."""
    import _kernels

    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((40, 70), dtype=np.float32), rng.standard_normal(
        (70, 50), dtype=np.float32)
    C = np.zeros((40, 50), np.float32)
    _kernels.gemm_bf16(A, B, C, False, False)
    exact = A.astype(np.float64) @ B
    rounded = to_bf16(A).astype(np.float64) @ to_bf16(B)
    assert np.abs(C - rounded).max() < 1e-4 < np.abs(C - exact).max()


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return (X / 16).astype(np.float32), y


@pytest.mark.parametrize("make, steps", [
    (lambda precision: MLPClassifier((64,), max_iter=30, random_state=0, precision=precision),
     False),
    (lambda precision: ConvClassifier(filters=(8,), hidden_layer_sizes=(32,), max_iter=5,
                                      random_state=0, precision=precision), False),
    (lambda precision: RNNClassifier(recurrent_layer_sizes=(16,), max_iter=5, random_state=0,
                                     precision=precision), True)],
    ids=["mlp", "conv", "rnn"])
def test_a_bf16_fit_learns_as_float32_does(digits, make, steps):
    """The same fit with bfloat16 products: float32 values, close scores,
    different weights (the products did change)."""
    X, y = digits
    samples = X.reshape(-1, 8, 8) if steps else X  # the rnn: 8 steps of 8
    full, half = make(None).fit(samples, y), make("bf16").fit(samples.astype(np.float64), y)
    assert half.coefs_[0].dtype == np.float32  # float64 input trains float32 values
    assert abs(full.score(samples, y) - half.score(samples, y)) < 0.03
    assert not np.array_equal(full.coefs_[0], half.coefs_[0])
    # its predictions are its network's, with bfloat16 products too
    proba = half.predict_proba(samples)
    np.testing.assert_allclose(proba.sum(1), 1, rtol=1e-5)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(half)).predict_proba(samples), proba)
    assert np.abs(proba - half.set_params(precision=None).predict_proba(samples)).max() > 0


def test_bf16_on_a_cpu_without_it_is_a_clear_error(digits, monkeypatch):
    X, y = digits
    monkeypatch.setattr(_engine, "bf16_supported", lambda: False)
    model = MLPClassifier((8,), max_iter=2, precision="bf16")
    with pytest.raises(ValueError, match="AVX512-BF16"):
        model.fit(X, y)
    assert not hasattr(model, "coefs_")  # nothing of a fitted model left behind


@pytest.mark.skipif(not os.path.exists(os.path.join(FASHION_MNIST_DIR,
                                                    "t10k-labels-idx1-ubyte.gz")),
                    reason="Fashion-MNIST absent: install Debian's dataset-fashion-mnist")
def test_bf16_fits_fashion_mnist_as_well_as_float32():
    """The issue's bar: test accuracy within 0.5 points of the float32
    fit, for an MLP (all 60,000 images, 5 epochs) and the default
    ConvClassifier (10,000 images, 2 epochs), averaged over two seeds.
    Measured here: MLP +0.29 and -0.14 points, conv +0.08 and +0.14."""
    from fastnn.datasets import load_fashion_mnist

    X, y = load_fashion_mnist("train", return_X_y=True)
    X_test, y_test = load_fashion_mnist("test", return_X_y=True)
    X, X_test = (X / 255).astype(np.float32), (X_test / 255).astype(np.float32)
    images, test_images = X[:10000].reshape(-1, 1, 28, 28), X_test.reshape(-1, 1, 28, 28)
    for fit, score in [
            (lambda p, s: MLPClassifier((256, 128), max_iter=5, random_state=s,
                                        precision=p).fit(X, y), lambda m: m.score(X_test, y_test)),
            (lambda p, s: ConvClassifier(max_iter=2, random_state=s, precision=p).fit(
                images, y[:10000]), lambda m: m.score(test_images, y_test))]:
        gaps = [score(fit("bf16", seed)) - score(fit(None, seed)) for seed in (0, 1)]
        assert abs(np.mean(gaps)) <= 0.005, gaps
