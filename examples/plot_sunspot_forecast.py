"""
Forecasting a series with an LSTM
=================================

Next year's sunspot number from the last 12, on the series bundled with
fastnn, against the naive forecast "next year = this year".
"""
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from fastnn import RNNRegressor, make_windows
from fastnn.datasets import load_sunspots

# the fits below stop at max_iter on purpose: no need to say so
warnings.filterwarnings("ignore", category=ConvergenceWarning)

spots = load_sunspots()
series, years = spots.target, spots.years
split = int(0.8 * len(series))
mean, std = series[:split].mean(), series[:split].std()
X, y = make_windows((series - mean) / std, 12)
target = np.arange(len(y)) + 12  # the index of each window's next year
train, test = target < split, target >= split

model = RNNRegressor(cell="lstm", recurrent_layer_sizes=(32,), learning_rate_init=0.01,
                     max_iter=100, random_state=0).fit(X[train], y[train])
forecast = model.predict(X[test]) * std + mean
truth = series[target[test]]
print("RMSE: LSTM %.1f, last year's number %.1f" % (
    np.sqrt(np.mean((forecast - truth) ** 2)),
    np.sqrt(np.mean((series[target[test] - 1] - truth) ** 2))))

fig, ax = plt.subplots(figsize=(7, 3))
ax.plot(years, series, color="grey", label="sunspot number")
ax.plot(years[target[test]], forecast, label="LSTM, one year ahead")
ax.set(xlabel="year", xlim=(1900, 2009))
ax.legend()
fig.tight_layout()
