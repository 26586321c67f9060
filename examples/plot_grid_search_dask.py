"""
A grid search on a Dask cluster
===============================

``GridSearchCV`` hands its fits to joblib, and joblib can hand them to a
Dask cluster: the same code searches on one machine's cores or on many
machines.  Here the cluster is local (two worker processes on this
machine, no dashboard); to use a real one, give ``Client`` the scheduler's
address instead.  Each fastnn fit then runs in a worker process with
``n_threads`` threads: one per fit while both workers are busy, so the two
fits do not fight over the same cores.

The scores are the same as those of the search run in this process
(``n_jobs=1``), to the last digit: every fit starts from its own
``random_state``, wherever it runs.  On a search as small as this one the
cluster's overhead (its workers import fastnn on the first task, the data
travels to them) outweighs what two workers gain; it pays when each fit
takes seconds or more, or when the cluster has more cores than this
machine.
"""
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from dask.distributed import Client, LocalCluster
from joblib import parallel_backend
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from fastnn import MLPClassifier

warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_digits(return_X_y=True)
pipeline = make_pipeline(StandardScaler(),
                         MLPClassifier(max_iter=30, random_state=0, n_threads=1))
grid = {"mlpclassifier__hidden_layer_sizes": [(32,), (64,), (128,)],
        "mlpclassifier__alpha": [1e-4, 1e-1]}

# Dask's worker processes start as fresh interpreters that import the main
# module, so a script guards what it runs.
if __name__ == "__main__":
    start = time.perf_counter()
    here = GridSearchCV(pipeline, grid, cv=3, n_jobs=1).fit(X, y)
    print("in this process: %.2f s" % (time.perf_counter() - start))

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster):
        start = time.perf_counter()
        with parallel_backend("dask"):
            on_dask = GridSearchCV(pipeline, grid, cv=3).fit(X, y)
        print("on the Dask cluster (2 workers): %.2f s" % (time.perf_counter() - start))

    scores = on_dask.cv_results_["mean_test_score"]
    print("largest score difference: %.1e"
          % np.abs(scores - here.cv_results_["mean_test_score"]).max())
    best = on_dask.best_params_
    print("best: hidden_layer_sizes=%s, alpha=%g, accuracy %.4f"
          % (best["mlpclassifier__hidden_layer_sizes"], best["mlpclassifier__alpha"],
             on_dask.best_score_))

    # the cross-validated accuracy of each setting
    labels = ["%s\nalpha=%g" % (p["mlpclassifier__hidden_layer_sizes"],
                                p["mlpclassifier__alpha"])
              for p in on_dask.cv_results_["params"]]
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.bar(range(len(scores)), scores, yerr=on_dask.cv_results_["std_test_score"], capsize=3)
    ax.set(xticks=range(len(scores)), xticklabels=labels, ylim=(0.8, 1),
           ylabel="mean CV accuracy")
    ax.tick_params(labelsize=7)
    fig.tight_layout()
    plt.show()
