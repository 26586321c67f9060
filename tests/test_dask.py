"""Training and predicting on a Dask cluster: dask-ml's Incremental trains
any fastnn estimator by partial_fit over the blocks of a Dask array, and
ParallelPostFit predicts block by block; GridSearchCV runs its fits on the
cluster through joblib.  Each is checked against the same work done in
this process.  The cluster is local: two worker processes on 127.0.0.1,
no dashboard."""
import warnings

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from fastnn import (AutoencoderTransformer, ConvClassifier, ConvRegressor, MLPClassifier,
                    MLPRegressor, NetClassifier, NetRegressor, RNNClassifier, RNNRegressor)
from fastnn.layers import GRU, Conv1D, Dense, Embedding, GlobalMaxPool

da = pytest.importorskip("dask.array", reason="needs dask and dask-ml")
distributed = pytest.importorskip("distributed", reason="needs dask and dask-ml")
wrappers = pytest.importorskip("dask_ml.wrappers", reason="needs dask and dask-ml")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

BLOCK = 100
rng = np.random.default_rng(0)
X = rng.standard_normal((400, 16)).astype(np.float32)
LABELS = (X[:, 0] + X[:, 1] > 0).astype(int)
IDS = rng.integers(0, 12, (400, 8)).astype(np.float32)

# Every estimator on 2-D blocks (dask-ml's wrappers split rows of 2-D
# arrays): images and sequences as flat rows with input_shape.  One thread
# each, so that the cluster's fits add in the same order as this process's.
CASES = {
    "MLPClassifier": (MLPClassifier(hidden_layer_sizes=(8,)), X, LABELS),
    "MLPRegressor": (MLPRegressor(hidden_layer_sizes=(8,)), X, X[:, 0]),
    "ConvClassifier": (ConvClassifier(filters=(3,), hidden_layer_sizes=(), input_shape=(1, 4, 4)),
                       X, LABELS),
    "ConvRegressor": (ConvRegressor(filters=(3,), hidden_layer_sizes=(4,),
                                    input_shape=(1, 4, 4)), X, X[:, 0]),
    "RNNClassifier": (RNNClassifier(cell="lstm", recurrent_layer_sizes=(4,),
                                    input_shape=(4, 4)), X, LABELS),
    "RNNRegressor": (RNNRegressor(cell="gru", recurrent_layer_sizes=(4,), input_shape=(4, 4)),
                     X, X[:, 0]),
    "NetClassifier": (NetClassifier([Embedding(12, 4), GRU(5), Dense(6)]), IDS,
                      (IDS[:, 0] > 5).astype(int)),
    "NetRegressor": (NetRegressor([Conv1D(4), GlobalMaxPool()], input_shape=(8, 2)), X,
                     X[:, 2]),
    "AutoencoderTransformer": (AutoencoderTransformer([Dense(8), Dense(3)]), X, None),
}


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client


def blocks(a):
    return da.from_array(a, chunks=(BLOCK,) + a.shape[1:])


def fresh(name):
    model, data, target = CASES[name]
    return model.set_params(random_state=0, n_threads=1), data, target


@pytest.mark.parametrize("name", list(CASES))
def test_incremental_trains_as_partial_fit_over_the_blocks(client, name):
    model, data, target = fresh(name)
    classes = {"classes": np.unique(target)} if "Classifier" in name else {}
    on_cluster = wrappers.Incremental(model, shuffle_blocks=False)
    on_cluster.fit(blocks(data), None if target is None else blocks(target), **classes)
    here = fresh(name)[0]
    for start in range(0, len(data), BLOCK):
        rows = slice(start, start + BLOCK)
        if target is None:
            here.partial_fit(data[rows])
        else:
            here.partial_fit(data[rows], target[rows], **classes)
    for trained, expected in zip(on_cluster.estimator_.coefs_, here.coefs_):
        np.testing.assert_array_equal(trained, expected)
    assert on_cluster.estimator_.t_ == here.t_ == len(data)


@pytest.mark.parametrize("name", list(CASES))
def test_parallel_post_fit_predicts_block_by_block(client, name):
    model, data, target = fresh(name)
    model.set_params(max_iter=3)
    model.fit(data) if target is None else model.fit(data, target)
    wrapped = wrappers.ParallelPostFit(model)
    methods = ["transform"] if target is None else ["predict"]
    if hasattr(model, "predict_proba"):
        methods.append("predict_proba")
    for method in methods:
        result = getattr(wrapped, method)(blocks(data))
        assert isinstance(result, da.Array)
        expected = np.concatenate([getattr(model, method)(data[start:start + BLOCK])
                                   for start in range(0, len(data), BLOCK)])
        np.testing.assert_array_equal(result.compute(), expected)


def test_grid_search_on_the_cluster_scores_as_in_this_process(client):
    from joblib import parallel_backend
    grid = {"hidden_layer_sizes": [(4,), (8,)], "alpha": [1e-4, 1e-1]}
    model = MLPClassifier(max_iter=20, random_state=0, n_threads=1)
    here = GridSearchCV(model, grid, cv=3).fit(X, LABELS)
    with parallel_backend("dask"):
        there = GridSearchCV(model, grid, cv=3).fit(X, LABELS)
    np.testing.assert_array_equal(there.cv_results_["mean_test_score"],
                                  here.cv_results_["mean_test_score"])


def _default_threads():
    from fastnn._threads import effective_n_threads
    return effective_n_threads(None)


def test_workers_take_one_thread_by_default(client):
    """Dask starts worker processes with OMP_NUM_THREADS=1 (unless the
    environment that starts them sets it: that wins), so a fit there takes
    one thread unless n_threads says otherwise (docs/scaling.md)."""
    import os
    from fastnn import _engine
    expected = min(int(os.environ.get("OMP_NUM_THREADS", "1")), _engine.num_procs())
    assert set(client.run(_default_threads).values()) == {expected}
