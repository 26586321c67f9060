"""The yearly sunspot numbers, 1700-2008, bundled with fastnn."""
import csv
import os

import numpy as np
from sklearn.utils import Bunch

PATH = os.path.join(os.path.dirname(__file__), "data", "sunspots.csv")

DESCR = """Yearly sunspot numbers
======================

The yearly mean sunspot number from 1700 to 2008 (309 values), the series
time-series courses forecast.  Source: the U.S. National Geophysical Data
Center (NOAA), as statsmodels distributes it (statsmodels.datasets.sunspots);
public domain.  target holds the numbers, years their years; data is the
same series as one column, for make_windows.
"""


def load_sunspots(*, return_X_y=False):
    """Load the yearly sunspot numbers (1700-2008) as a Bunch.

    Parameters
    ----------
    return_X_y : bool, default=False
        Return (data, target) instead of the Bunch.

    Returns
    -------
    Bunch with ``target`` (309,) float64 sunspot numbers, ``years`` (309,)
    int64, ``data`` (309, 1) the same numbers as a column, ``DESCR``; or
    (data, target).

    See Also
    --------
    fastnn.make_windows : The series cut into forecasting samples.

    Examples
    --------
    >>> from fastnn import make_windows
    >>> from fastnn.datasets import load_sunspots
    >>> spots = load_sunspots()
    >>> int(spots.years[0]), float(spots.target[0])
    (1700, 5.0)
    >>> X, y = make_windows(spots.target, window=12, horizon=1)
    >>> X.shape
    (297, 12, 1)
    """
    with open(PATH, newline="") as f:
        rows = list(csv.DictReader(f))
    years = np.array([int(r["year"]) for r in rows], dtype=np.int64)
    target = np.array([float(r["sunspots"]) for r in rows])
    data = target.reshape(-1, 1).copy()
    if return_X_y:
        return data, target
    return Bunch(data=data, target=target, years=years, feature_names=["sunspots"],
                 DESCR=DESCR)
