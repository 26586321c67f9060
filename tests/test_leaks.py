"""Repeated use leaks nothing: 300 fit / predict / partial_fit cycles of
each estimator keep the process's resident memory flat.  A leak in the
engine (a workspace, a network, a scratch buffer not freed) would grow by
at least its size every cycle."""
import gc
import os
import warnings

import numpy as np
import pytest

from fastnn import (AutoencoderTransformer, ConvClassifier, ConvRegressor, MLPClassifier,
                    MLPRegressor, NetClassifier, RNNClassifier, RNNRegressor)
from fastnn.layers import GRU, Dense, Embedding

CYCLES, WARM_UP = 300, 30
ALLOWED_GROWTH = 4 << 20  # bytes; measured: 0 to 0.1 MB. A leak of 14 KB a cycle fails


def resident_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def growth_over_cycles(cycle):
    """Resident bytes gained over CYCLES calls of cycle, after WARM_UP
    calls that fill the caches a first use fills."""
    for _ in range(WARM_UP):
        cycle()
    gc.collect()
    start = resident_bytes()
    for _ in range(CYCLES):
        cycle()
    gc.collect()
    return resident_bytes() - start


rng = np.random.default_rng(0)
FLAT = rng.standard_normal((64, 16))
LABELS = (FLAT[:, 0] > 0).astype(int)
IDS = rng.integers(0, 10, (64, 6))

CASES = {
    "MLPClassifier": (MLPClassifier(hidden_layer_sizes=(32,)), FLAT, LABELS),
    "MLPRegressor": (MLPRegressor(hidden_layer_sizes=(32,)), FLAT, FLAT[:, 0]),
    "ConvClassifier": (ConvClassifier(filters=(4,), hidden_layer_sizes=(8,)),
                       FLAT.reshape(-1, 4, 4), LABELS),
    "ConvRegressor": (ConvRegressor(filters=(4,), hidden_layer_sizes=(8,), batch_norm=True),
                      FLAT.reshape(-1, 4, 4), FLAT[:, 0]),
    "RNNClassifier": (RNNClassifier(cell="lstm", recurrent_layer_sizes=(8,)),
                      FLAT.reshape(-1, 4, 4), LABELS),
    "RNNRegressor": (RNNRegressor(cell="gru", recurrent_layer_sizes=(8,), bidirectional=True),
                     FLAT.reshape(-1, 4, 4), FLAT[:, 0]),
    "NetClassifier": (NetClassifier([Embedding(10, 4), GRU(6), Dense(8)]), IDS,
                      IDS[:, 0] > 4),
    "AutoencoderTransformer": (AutoencoderTransformer([Dense(8), Dense(2)]), FLAT, None),
}


@pytest.mark.parametrize("name", list(CASES))
def test_repeated_fit_predict_partial_fit_keeps_memory_flat(name):
    model, X, y = CASES[name]
    model.set_params(max_iter=2, random_state=0)
    args = (X,) if y is None else (X, y)

    def cycle():
        model.fit(*args)
        model.predict(X) if y is not None else model.transform(X)
        model.predict(X[:1]) if y is not None else model.transform(X[:1])
        if y is not None and hasattr(model, "classes_"):
            model.partial_fit(X, y, classes=model.classes_)
        else:
            model.partial_fit(*args)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        growth = growth_over_cycles(cycle)
    assert growth < ALLOWED_GROWTH, "%s grew by %.1f MB over %d cycles" % (
        name, growth / 2**20, CYCLES)


class _Fails:
    """A callback that fails in the second epoch of every fit."""

    def __call__(self, estimator, info):
        if info["epoch"] == 2:
            raise MemoryError("simulated")
        return False


def test_failed_fits_leak_nothing():
    """A fit that fails part way (the state restored, the engine's
    buffers dropped) leaves nothing behind either."""
    model = ConvClassifier(filters=(4,), hidden_layer_sizes=(8,), max_iter=5, random_state=0,
                           callbacks=[_Fails()])
    X, y = FLAT.reshape(-1, 4, 4), LABELS

    def cycle():
        with pytest.raises(MemoryError):
            model.fit(X, y)

    growth = growth_over_cycles(cycle)
    assert growth < ALLOWED_GROWTH, "grew by %.1f MB over %d failed fits" % (growth / 2**20,
                                                                            CYCLES)
