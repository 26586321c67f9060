"""
scikit-learn's MLP, one import changed
======================================

The same ``MLPClassifier`` parameters and random_state with
``from fastnn import MLPClassifier`` instead of
``from sklearn.neural_network import MLPClassifier``: the same scores (the
same weight trajectory), in a fraction of the time.
"""
import time
import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SklearnMLP

from fastnn import MLPClassifier

# the fits below stop at max_iter on purpose: no need to say so
warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X / 16, y, random_state=0)
sizes = [(64,), (128, 64), (256, 128)]
seconds = {"scikit-learn": [], "fastnn": []}
for hidden in sizes:
    for name, Estimator in [("scikit-learn", SklearnMLP), ("fastnn", MLPClassifier)]:
        start = time.perf_counter()
        model = Estimator(hidden, max_iter=40, random_state=0).fit(X_train, y_train)
        seconds[name].append(time.perf_counter() - start)
        print("%-12s %-10s test accuracy %.4f in %.2f s"
              % (name, hidden, model.score(X_test, y_test), seconds[name][-1]))

fig, ax = plt.subplots(figsize=(6, 3))
positions = range(len(sizes))
ax.bar([p - 0.2 for p in positions], seconds["scikit-learn"], 0.4, label="scikit-learn")
ax.bar([p + 0.2 for p in positions], seconds["fastnn"], 0.4, label="fastnn")
ax.set(xticks=list(positions), xticklabels=[str(s) for s in sizes],
       xlabel="hidden_layer_sizes", ylabel="seconds for 40 epochs")
ax.legend()
fig.tight_layout()
