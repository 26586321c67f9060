"""GridSearchCV's fits on a local Ray instance through joblib's ray
backend (the recipe of docs/scaling.md) score as in this process."""
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV

from fastnn import MLPClassifier

ray = pytest.importorskip("ray", reason="needs ray: pip install ray")


def test_grid_search_through_ray_scores_as_in_this_process():
    import joblib
    from ray.util.joblib import register_ray

    X, y = load_digits(return_X_y=True)
    grid = {"hidden_layer_sizes": [(16,), (32,)], "alpha": [1e-4, 1e-1]}
    model = MLPClassifier(max_iter=20, random_state=0, n_threads=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        here = GridSearchCV(model, grid, cv=3).fit(X / 16, y)
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        try:
            register_ray()
            with joblib.parallel_backend("ray"):
                there = GridSearchCV(model, grid, cv=3).fit(X / 16, y)
        finally:
            ray.shutdown()
    np.testing.assert_array_equal(there.cv_results_["mean_test_score"],
                                  here.cv_results_["mean_test_score"])
