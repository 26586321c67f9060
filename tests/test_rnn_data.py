"""RNNRegressor and RNNClassifier on real sequences: yearly sunspot numbers
(forecasting) and Python's own help texts (next-character prediction).

Both compare with the naive forecast a model has to beat, on data held out
by time, and print the two numbers."""
from collections import Counter

import numpy as np
import pytest

from fastnn import RNNClassifier, RNNRegressor, make_windows
from fastnn.datasets import load_sunspots

pytestmark = pytest.mark.usefixtures("quiet")


def rmse(y, pred):
    return float(np.sqrt(np.mean((np.asarray(y) - np.asarray(pred)) ** 2)))


def test_sunspots_forecast_beats_persistence():
    """Yearly sunspot numbers 1700-2008, 12 years -> next year; the last 20%
    of years held out.  The LSTM's test RMSE must be well below that of
    "next year = this year"."""
    series = load_sunspots().target
    window = 12
    first_test_year = int(0.8 * len(series))  # index of the first held-out year

    # Scale with the training years only, so nothing of the test years leaks.
    mean, std = series[:first_test_year].mean(), series[:first_test_year].std()
    X, y = make_windows((series - mean) / std, window)
    target_year = np.arange(len(y)) + window  # index in series of each window's target
    train, test = target_year < first_test_year, target_year >= first_test_year
    assert train.sum() > 200 and test.sum() > 50

    model = RNNRegressor(cell="lstm", recurrent_layer_sizes=(32,), learning_rate_init=0.01,
                         max_iter=100, early_stopping=False, random_state=0)
    model.fit(X[train], y[train])
    pred = model.predict(X[test])
    assert pred.shape == (test.sum(),)

    # Back in sunspot numbers for the printout; the ratio is scale-free.
    model_rmse = rmse(y[test], pred) * std
    persistence_rmse = rmse(y[test], X[test, -1, 0]) * std
    print("sunspots, %d test years: LSTM RMSE %.1f, persistence RMSE %.1f (%d epochs)"
          % (test.sum(), model_rmse, persistence_rmse, model.n_iter_))
    assert model_rmse < 0.85 * persistence_rmse


def character_codes(text, n_symbols):
    """Each character's code: the n_symbols - 1 most frequent characters
    get 0.. in order of frequency, all others share the last code."""
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)  # code points
    common = [ord(c) for c, _ in Counter(text).most_common(n_symbols - 1)]
    lookup = np.full(int(points.max()) + 1, n_symbols - 1, dtype=np.int64)
    lookup[common] = np.arange(len(common))
    return lookup[points]


def test_next_character_beats_the_most_frequent_character():
    """Python's pydoc topics (about 465k characters), lowercased, 40 symbols
    one-hot: 32 characters -> the next one.  Trained on 12000 windows from
    the start of the text, tested on 3000 from a disjoint later part; the
    accuracy must clearly beat always predicting the commonest character."""
    from pydoc_data.topics import topics

    text = "".join(topics[key] for key in sorted(topics)).lower()
    n_symbols, context, n_train, n_test = 41, 32, 12000, 3000
    codes = character_codes(text, n_symbols)
    assert len(codes) > 300000  # the help texts of any recent CPython

    # Windows of integer codes, one-hot encoded afterwards (32x smaller to cut).
    test_start = len(codes) // 2
    X_train, y_train = make_windows(codes[:n_train + context], context)
    X_test, y_test = make_windows(codes[test_start:test_start + n_test + context], context)
    one_hot = np.eye(n_symbols, dtype=np.float32)  # float32 input trains in float32
    X_train = one_hot[X_train[..., 0].astype(np.int64)]
    X_test = one_hot[X_test[..., 0].astype(np.int64)]
    y_train, y_test = y_train.astype(np.int64), y_test.astype(np.int64)
    assert X_train.shape == (n_train, context, n_symbols) and len(y_test) == n_test

    model = RNNClassifier(cell="gru", recurrent_layer_sizes=(64,), learning_rate_init=0.01,
                          batch_size=128, max_iter=6, random_state=0)
    model.fit(X_train, y_train)
    accuracy = model.score(X_test, y_test)
    commonest = np.bincount(y_train).argmax()
    baseline = float(np.mean(y_test == commonest))
    print("next character, %d test windows: GRU accuracy %.3f, most-frequent-character "
          "baseline %.3f" % (n_test, accuracy, baseline))
    assert accuracy >= baseline + 0.15
