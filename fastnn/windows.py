"""Turning a time series into supervised windows for the recurrent
estimators."""
import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _check_count(value, name):
    # bool is an Integral too, but window=True is surely a mistake.
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(
            "The '%s' parameter of make_windows must be an int in the range [1, inf). "
            "Got %r instead." % (name, value))
    return int(value)


def _as_numeric_series(series):
    arr = np.asarray(series)
    if arr.dtype.kind == "O":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError("series must hold numbers; converting its values to float "
                             "failed: %s" % exc) from None
    if arr.dtype.kind not in "fiub":
        raise ValueError("series must hold real numbers, got dtype %s." % arr.dtype)
    if arr.ndim not in (1, 2):
        raise ValueError("Expected a 1-D series of shape (t,) or a 2-D series of shape "
                         "(t, f), got an array of shape %r." % (arr.shape,))
    if arr.ndim == 2 and arr.shape[1] == 0:
        raise ValueError("series has 0 features per time step (shape %r); at least 1 "
                         "is required." % (arr.shape,))
    # Floats keep their precision (float32 trains in float32); the rest is
    # promoted once here so that the windows are not copied twice.
    dtype = arr.dtype if arr.dtype.kind == "f" else np.float64
    arr = arr.astype(dtype, copy=False)
    if not np.isfinite(arr).all():
        raise ValueError("Input series contains NaN or infinity.")
    return arr


def make_windows(series, window, horizon=1):
    """Cut a time series into (past window, next values) training pairs.

    Each sample is ``window`` consecutive time steps of the series; its
    target is the ``horizon`` steps that follow.  Windows start at every
    step, so consecutive samples overlap by ``window - 1`` steps.

    Parameters
    ----------
    series : array-like of shape (t,) or (t, f)
        The series in time order: one value per step, or ``f`` features per
        step.  Must be finite and numeric.
    window : int >= 1
        Number of past steps in each sample.
    horizon : int >= 1, default=1
        Number of future steps to predict.

    Returns
    -------
    X : ndarray of shape (n, window, f)
        The windows, with ``n = t - window - horizon + 1`` and ``f = 1`` for
        a 1-D series; the layout that ``RNNRegressor`` and
        ``RNNClassifier`` read.
    y : ndarray of shape (n,), (n, horizon), (n, f) or (n, horizon * f)
        The steps after each window.  For a 1-D series: shape (n,) when
        ``horizon == 1``, else (n, horizon).  For a 2-D series: shape
        (n, horizon * f), step-major (all features of the first future step,
        then all of the second, ...), which is (n, f) when ``horizon == 1``.

    Both arrays are C-contiguous copies.  A floating series keeps its dtype
    (float32 stays float32); any other numeric series becomes float64.

    Raises
    ------
    ValueError
        If ``window`` or ``horizon`` is not a positive int, if the series is
        not 1-D or 2-D, not numeric, not finite, or shorter than
        ``window + horizon`` steps.

    See Also
    --------
    fastnn.RNNRegressor : Forecasts from such windows.
    fastnn.datasets.load_sunspots : A yearly series to cut.

    Notes
    -----
    Neighbouring samples share almost all of their steps, so split a train
    and a test set by time (the last windows as the test set), not at
    random, or the test set leaks into the training set.

    Examples
    --------
    >>> import numpy as np
    >>> from fastnn import make_windows
    >>> X, y = make_windows(np.arange(6.0), window=3)
    >>> X.shape, y.shape
    ((3, 3, 1), (3,))
    >>> X[:, :, 0]
    array([[0., 1., 2.],
           [1., 2., 3.],
           [2., 3., 4.]])
    >>> y
    array([3., 4., 5.])

    Two features per step, two steps ahead:

    >>> series = np.arange(12, dtype=np.float32).reshape(6, 2)
    >>> X, y = make_windows(series, window=3, horizon=2)
    >>> X.shape, y.shape, y.dtype
    ((2, 3, 2), (2, 4), dtype('float32'))
    >>> y[0]  # step 3 (both features), then step 4
    array([6., 7., 8., 9.], dtype=float32)
    """
    window = _check_count(window, "window")
    horizon = _check_count(horizon, "horizon")
    arr = _as_numeric_series(series)
    t = arr.shape[0]
    if t < window + horizon:
        raise ValueError(
            "series has %d time steps, but window=%d and horizon=%d need at least %d."
            % (t, window, horizon, window + horizon))

    steps = arr.reshape(t, -1)  # (t, f): a 1-D series is one feature per step
    n = t - window - horizon + 1
    # sliding_window_view appends the window axis: (starts, f, window) ->
    # transpose to (starts, window, f).  Always copy (not ascontiguousarray):
    # some of these views are already contiguous and would still share
    # memory with the caller's series.
    X = sliding_window_view(steps, window, axis=0)[:n].transpose(0, 2, 1).copy(order="C")
    targets = sliding_window_view(steps[window:], horizon, axis=0).transpose(0, 2, 1)
    targets = targets.copy(order="C")  # (n, horizon, f)
    if arr.ndim == 1:
        y = targets.reshape(n) if horizon == 1 else targets.reshape(n, horizon)
    else:
        y = targets.reshape(n, horizon * steps.shape[1])
    return X, y
