"""make_windows: shapes, values against a plain loop, dtypes, errors, and
the docstring's example."""
import doctest

import numpy as np
import pytest

import fastnn.windows
from fastnn import make_windows


def loop_windows(series, window, horizon):
    """The obvious loop, as the reference: (window steps, next horizon steps)."""
    series = np.asarray(series, dtype=np.float64)
    steps = series.reshape(len(series), -1)
    X, y = [], []
    for start in range(len(series) - window - horizon + 1):
        X.append(steps[start:start + window])
        y.append(steps[start + window:start + window + horizon].ravel())  # step-major
    return np.array(X), np.array(y)


@pytest.mark.parametrize("t, window, horizon", [(10, 3, 1), (10, 3, 4), (7, 1, 1),
                                                (7, 6, 1), (7, 1, 6), (9, 4, 2)])
def test_one_dimensional_series(t, window, horizon):
    series = np.random.default_rng(0).standard_normal(t)
    X, y = make_windows(series, window, horizon)
    n = t - window - horizon + 1
    assert X.shape == (n, window, 1)
    assert y.shape == ((n,) if horizon == 1 else (n, horizon))
    X_ref, y_ref = loop_windows(series, window, horizon)
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref.reshape(y.shape))


@pytest.mark.parametrize("f", [1, 3])
@pytest.mark.parametrize("window, horizon", [(5, 1), (5, 3), (1, 2)])
def test_two_dimensional_series(f, window, horizon):
    t = 13
    series = np.random.default_rng(1).standard_normal((t, f))
    X, y = make_windows(series, window, horizon)
    n = t - window - horizon + 1
    assert X.shape == (n, window, f)
    # a (t, f) series always gives 2-D targets, (n, f) for one step ahead
    assert y.shape == (n, horizon * f)
    X_ref, y_ref = loop_windows(series, window, horizon)
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)


def test_targets_are_step_major():
    series = np.array([[0, 100], [1, 101], [2, 102], [3, 103], [4, 104]])
    X, y = make_windows(series, window=2, horizon=2)
    np.testing.assert_array_equal(X[0], [[0, 100], [1, 101]])
    np.testing.assert_array_equal(y, [[2, 102, 3, 103], [3, 103, 4, 104]])


def test_shortest_series_gives_one_window():
    X, y = make_windows([1, 2, 3, 4], window=3)
    np.testing.assert_array_equal(X, [[[1], [2], [3]]])
    np.testing.assert_array_equal(y, [4])


@pytest.mark.parametrize("dtype, expected", [(np.float32, np.float32), (np.float64, np.float64),
                                             (np.int32, np.float64), (np.uint8, np.float64),
                                             (bool, np.float64)])
def test_floating_dtype_is_kept_others_become_float64(dtype, expected):
    series = np.arange(20).reshape(10, 2).astype(dtype)
    X, y = make_windows(series, 3, 2)
    assert X.dtype == expected and y.dtype == expected


def test_lists_and_pandas_are_accepted():
    pd = pytest.importorskip("pandas")
    values = [float(v) for v in range(8)]
    X_list, y_list = make_windows(values, 3)
    X_pd, y_pd = make_windows(pd.Series(values), 3)
    np.testing.assert_array_equal(X_list, X_pd)
    np.testing.assert_array_equal(y_list, y_pd)
    X_df, y_df = make_windows(pd.DataFrame({"a": values, "b": values}), 3)
    assert X_df.shape == (5, 3, 2) and y_df.shape == (5, 2)


def test_results_are_contiguous_copies():
    series = np.arange(10, dtype=np.float32)
    for window, horizon in [(1, 1), (4, 2)]:
        X, y = make_windows(series, window, horizon)
        assert X.flags.c_contiguous and y.flags.c_contiguous
        assert X.flags.writeable and y.flags.writeable
        assert not np.shares_memory(X, series) and not np.shares_memory(y, series)
    # a column slice of a bigger array: strided input, contiguous output
    X, y = make_windows(np.arange(30.0).reshape(10, 3)[:, ::2], 2)
    assert X.flags.c_contiguous and y.flags.c_contiguous
    np.testing.assert_array_equal(X[0], [[0, 2], [3, 5]])


@pytest.mark.parametrize("name, value", [("window", 0), ("window", -2), ("window", 2.0),
                                         ("window", "3"), ("window", True), ("horizon", 0),
                                         ("horizon", 1.5), ("horizon", None)])
def test_window_and_horizon_must_be_positive_ints(name, value):
    kwargs = {"window": 2, "horizon": 1, name: value}
    with pytest.raises(ValueError, match=f"The '{name}' parameter of make_windows must be an "
                                         r"int in the range \[1, inf\)"):
        make_windows(np.arange(10.0), **kwargs)


def test_numpy_integers_are_fine_as_sizes():
    X, y = make_windows(np.arange(10.0), np.int64(3), horizon=np.int32(2))
    assert X.shape == (6, 3, 1) and y.shape == (6, 2)


@pytest.mark.parametrize("t, window, horizon", [(3, 3, 1), (4, 2, 3), (0, 1, 1)])
def test_too_short_series(t, window, horizon):
    with pytest.raises(ValueError, match=f"series has {t} time steps, but window={window} and "
                                         f"horizon={horizon} need at least {window + horizon}"):
        make_windows(np.zeros(t), window, horizon)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_values_are_refused(bad):
    series = np.arange(10.0)
    series[4] = bad
    with pytest.raises(ValueError, match="NaN or infinity"):
        make_windows(series, 2)
    with pytest.raises(ValueError, match="NaN or infinity"):
        make_windows(series.astype(np.float32).reshape(5, 2), 2)


def test_wrong_shapes_and_types_are_refused():
    with pytest.raises(ValueError, match=r"1-D series .* or a 2-D series .* shape \(2, 3, 4\)"):
        make_windows(np.zeros((2, 3, 4)), 1)
    with pytest.raises(ValueError, match=r"shape \(\)"):
        make_windows(5.0, 1)
    with pytest.raises(ValueError, match="0 features per time step"):
        make_windows(np.zeros((10, 0)), 2)
    with pytest.raises(ValueError, match="real numbers, got dtype <U1"):
        make_windows(list("abcdef"), 2)
    with pytest.raises(ValueError, match="real numbers, got dtype complex128"):
        make_windows(np.arange(6) * 1j, 2)
    with pytest.raises(ValueError, match="must hold numbers"):
        make_windows(np.array([1.0, "x", 3.0, 4.0], dtype=object), 2)
    # numbers in an object array are converted
    X, y = make_windows(np.array([1, 2.5, 3, 4], dtype=object), 2)
    assert X.dtype == np.float64 and y.tolist() == [3.0, 4.0]


def test_docstring_examples_run():
    result = doctest.testmod(fastnn.windows, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
