"""Data larger than one wants to copy: a fit on a 2 GB memory-mapped array
allocates almost nothing beside it, and predict goes through a million
rows in bounded extra memory.  Memory is counted with tracemalloc, which
sees NumPy's allocations (the engine's workspaces are NumPy arrays) but not
the file's pages that the kernel caches."""
import shutil
import tracemalloc
import warnings

import numpy as np
import pytest

from sklearn.neural_network import MLPClassifier as Reference

from fastnn import MLPClassifier, MLPRegressor

ROWS, COLUMNS = 1_000_000, 500  # 2.0 GB of float32


def _memmap(folder, rows, columns, seed):
    if shutil.disk_usage(folder).free < rows * columns * 4 * 1.25:
        pytest.skip("not enough free disk space for a %.1f GB array" % (rows * columns * 4e-9))
    X = np.lib.format.open_memmap(folder / "X.npy", mode="w+", dtype=np.float32,
                                  shape=(rows, columns))
    rng = np.random.default_rng(seed)
    for start in range(0, rows, 50_000):
        X[start:start + 50_000] = rng.standard_normal((min(50_000, rows - start), columns),
                                                      dtype=np.float32)
    X.flush()
    return np.load(folder / "X.npy", mmap_mode="r")  # read-only, as a shared file would be


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    X = _memmap(tmp_path_factory.mktemp("memmap"), ROWS, COLUMNS, seed=0)
    y = (X[:, 0] - X[:, 1]).astype(np.float32)
    return X, y


def _peak_bytes(function):
    tracemalloc.start()
    try:
        result = function()
        return tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("options", [{"shuffle": False}, {"shuffle": True},
                                     {"early_stopping": True, "shuffle": True}],
                         ids=["in order", "shuffled", "early stopping"])
def test_fit_on_a_memmap_allocates_under_5_percent_of_it(big, options):
    X, y = big
    model = MLPRegressor(hidden_layer_sizes=(4,), max_iter=1, batch_size=500,
                         random_state=0, **options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one epoch does not converge
        peak, _ = _peak_bytes(lambda: model.fit(X, y))
    assert peak < 0.05 * X.nbytes, "%.0f MB allocated for a %.0f MB X" % (peak / 1e6,
                                                                          X.nbytes / 1e6)
    assert np.isfinite(model.loss_) and model.n_iter_ == 1
    if options.get("early_stopping"):
        assert len(model.validation_scores_) == 1


def test_held_out_rows_are_those_of_scikit_learns_split():
    """Holding out by index takes the very rows train_test_split would, so
    an early-stopping fit of the in-memory and of the memory-mapped array
    are the same fit."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((300, 5))
    y = (X[:, 0] > 0).astype(int)
    kw = dict(hidden_layer_sizes=(6,), early_stopping=True, max_iter=8, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MLPClassifier(**kw).fit(X, y)
        reference = Reference(**kw).fit(X, y)
    assert model.validation_scores_ == reference.validation_scores_
    for ours, theirs in zip(model.coefs_, reference.coefs_):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_predict_on_a_million_rows_in_bounded_memory(tmp_path):
    X = _memmap(tmp_path, 1_000_000, 100, seed=2)
    rng = np.random.default_rng(3)
    rows = rng.integers(0, len(X), 2000)
    X_train = np.asarray(X[np.sort(rows)])
    y_train = (X_train[:, 0] > 0).astype(int) + (X_train[:, 1] > 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MLPClassifier(hidden_layer_sizes=(64, 32), max_iter=5,
                              random_state=0).fit(X_train, y_train)
    peak, proba = _peak_bytes(lambda: model.predict_proba(X))
    extra = peak - proba.nbytes
    assert extra < 0.05 * X.nbytes, "%.0f MB beyond the result" % (extra / 1e6)
    peak, labels = _peak_bytes(lambda: model.predict(X))
    assert peak - labels.nbytes - proba.nbytes < 0.05 * X.nbytes
    np.testing.assert_array_equal(labels, model.classes_[proba.argmax(axis=1)])
    # what predicting a block of rows, or one row, at a time gives, to
    # float32 rounding: BLAS's kernels add in an order that depends on a
    # row's place in the block (and one row goes through matrix-vector
    # kernels), so the last bit differs between batchings, as it does for
    # scikit-learn's MLP
    for start in rng.integers(0, len(X) - 5000, 5):
        np.testing.assert_allclose(model.predict_proba(X[start:start + 4097]),
                                   proba[start:start + 4097], rtol=1e-5, atol=1e-7)
    for i in rng.integers(0, len(X), 200):
        np.testing.assert_allclose(model.predict_proba(X[i:i + 1])[0], proba[i],
                                   rtol=1e-5, atol=1e-7)
