"""Residual blocks, parallel branches and Columns (fastnn.layers): how they
are written into the engine's layer order, their errors, and what they
learn.  Their gradients, their values against a NumPy reference and ONNX
are checked with every other layer kind (tests/test_net.py STACKS,
tests/test_onnx.py)."""
import dataclasses
import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from fastnn import NetClassifier, NetRegressor
from fastnn import layers as L

pytestmark = pytest.mark.usefixtures("quiet")

BLOCKS = [L.Residual([L.Dense(4), L.Dense(4, "identity")], activation="relu"),
          L.Parallel([[L.Dense(3)], [L.Columns(0, 2)], []], join="concat"),
          L.Columns(1, 3)]


@pytest.mark.parametrize("layer", BLOCKS, ids=repr)
def test_blocks_are_immutable_values(layer):
    assert eval(repr(layer), vars(L)) == layer
    assert pickle.loads(pickle.dumps(layer)) == layer
    with pytest.raises(dataclasses.FrozenInstanceError):
        layer.activation = "tanh"


def test_the_engine_order_of_a_residual_and_a_projection():
    specs = L.build([L.Dense(6), L.Residual([L.Dense(6), L.Dense(6, "identity")], "relu"),
                     L.Residual([L.Dense(3)])], ("flat", 5), 2)
    kinds = [(s.kind, s.src) for s in specs]
    # tensor t is the output of spec t - 1: the first block adds tensor 1
    # (its input); the second reads its input again (take of tensor 4),
    # projects it and adds the block's output (tensor 5)
    assert kinds == [("dense", 0), ("dense", 0), ("dense", 0), ("add", 1), ("dense", 0),
                     ("take", 4), ("dense", 0), ("add", 5), ("dense", 0)]
    assert specs[3].activation == "relu" and specs[6].activation == "identity"
    assert (specs[6].c, specs[6].oc) == (6, 3)  # the projection


def test_the_engine_order_of_branches():
    specs = L.build([L.Parallel([[L.Dense(4)], [L.Columns(2, 5), L.Dense(2)], []])],
                    ("flat", 6), 1)
    kinds = [(s.kind, s.src, s.src_at) for s in specs]
    assert kinds == [("dense", 0, 0), ("take", 0, 2), ("dense", 0, 0), ("concat", 1, 0),
                     ("take", 0, 0), ("concat", 4, 0), ("dense", 0, 0)]
    assert [s.oc for s in specs[:6]] == [4, 3, 2, 6, 6, 12]


@pytest.mark.parametrize("layers, shape, message", [
    ([L.Residual([L.Conv2D(3), L.Flatten()])], ("image", 4, 4, 1),
     "must hand on the form it receives"),
    ([L.Residual([L.Conv2D(3, 3, padding="valid")]), L.Flatten()], ("image", 7, 7, 1),
     "no strided 1x1 convolution"),
    ([L.Parallel([[L.Dense(3)], [L.Dense(4)]], join="add")], ("flat", 5), "one shape"),
    ([L.Parallel([[L.Conv2D(2)], [L.Conv2D(2, strides=2)]])], ("image", 4, 4, 1),
     "agree on the positions"),
    ([L.Columns(2, 9)], ("flat", 5), "only 5 features"),
    ([L.Parallel([[L.Columns(0, 3), L.Embedding(5, 2)], []])], ("flat", 5),
     "mask_padding=False"),
    ([L.Dense(3), L.Embedding(5, 2)], ("flat", 5), "follow Columns of the input"),
])
def test_a_block_that_cannot_be_built_says_why(layers, shape, message):
    with pytest.raises(ValueError, match=message):
        L.build(layers, shape, 2)


@pytest.mark.parametrize("make, message", [
    (lambda: L.Residual(L.Dense(3)), "layers must be a list"),
    (lambda: L.Residual([L.Dense(3)], activation="softmax"), "activation must be one of"),
    (lambda: L.Parallel([[L.Dense(3)]]), "at least two"),
    (lambda: L.Parallel([[L.Dense(3)], [L.Dense(3)]], join="max"), "join must be"),
    (lambda: L.Parallel([[L.Dense(3)], ["Dense"]]), "fastnn.layers objects"),
    (lambda: L.Columns(3, 3), "start < stop"),
])
def test_bad_block_settings_fail_when_made(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_blocks_clone_pickle_and_vary_in_a_grid_search(digits):
    X, y = digits
    X, y = X[:300], y[:300]
    wide = [L.Dense(16), L.Residual([L.Dense(16), L.Dense(16, "identity")], "relu")]
    split = [L.Parallel([[L.Columns(0, 32), L.Dense(8)], [L.Columns(32, 64), L.Dense(8)]])]
    model = NetClassifier(wide, max_iter=5, random_state=0)
    assert clone(model).get_params()["layers"] == wide
    search = GridSearchCV(model, {"layers": [wide, split]}, cv=2).fit(X, y)
    assert search.best_estimator_.layers in (wide, split)
    fitted = search.best_estimator_
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(again.predict_proba(X), fitted.predict_proba(X))


def test_a_deep_residual_stack_trains_where_the_plain_one_stalls(digits):
    """Twelve sigmoid layers: the plain stack's gradients fade on the way
    back and it barely moves in 30 epochs; the same layers as residual
    blocks train."""
    X, y = digits
    plain = [L.Dense(32, "tanh")] + [L.Dense(32, "logistic") for _ in range(12)]
    residual = [L.Dense(32, "tanh")] + [L.Residual([L.Dense(32, "logistic")])
                                        for _ in range(12)]
    scores = {}
    for name, layers in [("plain", plain), ("residual", residual)]:
        scores[name] = NetClassifier(layers, max_iter=30, random_state=0).fit(X, y).score(X, y)
    assert scores["residual"] > 0.9
    assert scores["residual"] > scores["plain"] + 0.2


def test_two_inputs_learn_what_neither_alone_does():
    """The label needs both inputs: whether token 3 occurs in the ids, and
    the sign of a numeric column.  Each branch alone is near chance on
    one half of the rule."""
    rng = np.random.default_rng(0)
    n = 1200
    ids = rng.integers(1, 8, (n, 6)).astype(float)
    numbers = rng.standard_normal((n, 2))
    y = ((ids == 3).any(axis=1) ^ (numbers[:, 0] > 0)).astype(int)
    X = np.hstack([ids, numbers])
    words = [L.Columns(0, 6), L.Embedding(8, 8, mask_padding=False), L.GlobalMaxPool()]
    both = NetClassifier([L.Parallel([words, [L.Columns(6, 8), L.Dense(8)]]), L.Dense(32)],
                         max_iter=60, random_state=0).fit(X[:1000], y[:1000])
    ids_only = NetClassifier(words + [L.Dense(32)], max_iter=60,
                             random_state=0).fit(X[:1000], y[:1000])
    assert both.score(X[1000:], y[1000:]) > 0.9
    assert ids_only.score(X[1000:], y[1000:]) < 0.7


def test_residual_regressor_on_sequences():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((300, 8, 3))
    y = X[:, :, 0].sum(axis=1)
    model = NetRegressor([L.Conv1D(8, 3), L.Residual([L.Conv1D(8, 3, activation="tanh"),
                                                      L.Conv1D(8, 1, activation="identity")]),
                          L.GlobalAvgPool()], max_iter=80, learning_rate_init=0.01,
                         random_state=0).fit(X, y)
    assert model.score(X, y) > 0.9


def test_the_engine_refuses_joins_that_do_not_line_up():
    from dataclasses import replace

    import scipy.sparse as sp

    from fastnn import _engine
    from fastnn._network import LayerSpec

    dense = LayerSpec(kind="dense", h=1, w=1, c=4, oh=1, ow=1, oc=4)
    add = LayerSpec(kind="add", h=1, w=1, c=4, oh=1, ow=1, oc=4, src=1)
    out = LayerSpec(kind="dense", h=1, w=1, c=4, oh=1, ow=1, oc=2)
    _engine.Network([dense, add, out], "identity")  # lines up
    for bad in (replace(add, src=3),  # not an earlier tensor
                replace(add, oc=5, c=5),  # widths differ from tensor 1's
                replace(add, src_at=1),
                LayerSpec(kind="take", h=1, w=1, c=4, oh=1, ow=1, oc=3, src=1, src_at=2)):
        with pytest.raises(ValueError):
            _engine.Network([dense, bad, replace(out, c=bad.oc)], "identity")
    with pytest.raises(ValueError):  # src on a kind that is no join
        _engine.Network([dense, replace(dense, src=1), out], "identity")
    # a join of the input itself cannot read CSR rows
    net = _engine.Network([dense, replace(add, src=0), out], "identity")
    params = np.zeros(net.n_params)
    X = np.ones((3, 4))
    assert net.forward(params, X).shape == (3, 2)
    with pytest.raises(ValueError):
        net.forward(params, _engine.CSRBatches(sp.csr_matrix(X), np.float64))
