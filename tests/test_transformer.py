"""The Transformer presets: TransformerClassifier over token ids or values,
TransformerRegressor over series; their layers, settings and errors.  The
layers themselves are checked in tests/test_attention.py and
tests/test_net.py, the estimator contract in tests/test_sklearn_checks.py,
a real text task in tests/test_text.py."""
import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from fastnn import TransformerClassifier, TransformerRegressor, make_windows
from fastnn import layers as L

pytestmark = pytest.mark.usefixtures("quiet")


def marker_task(n=1200, steps=10, seed=0):
    """Ids 3 to 7 with one marker (1); the label is the parity of the id
    after the marker; id 0 pads the end of every other row."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(3, 8, (n, steps))
    where = rng.integers(0, steps - 3, n)
    ids[np.arange(n), where] = 1
    y = ids[np.arange(n), where + 1] % 2
    ids[::2, -2:] = 0
    return ids, y


def test_classifier_over_token_ids_learns_a_lookup():
    ids, y = marker_task()
    model = TransformerClassifier(vocab_size=8, d_model=16, heads=2, encoder_layers=1,
                                  positions="learned", learning_rate_init=0.01, max_iter=60,
                                  random_state=0).fit(ids[:1000], y[:1000])
    assert model.score(ids[1000:], y[1000:]) > 0.9
    kinds = [s.kind for s in model._specs]
    assert kinds[:2] == ["embedding", "position"] and kinds.count("attention") == 1
    assert model._specs[kinds.index("attention")].masked  # padding is never attended to


def test_regressor_forecasts_a_series():
    X, y = make_windows(np.sin(np.arange(500) / 5) + 0.1 * np.cos(np.arange(500) / 2),
                        window=12)
    model = TransformerRegressor(d_model=16, heads=2, encoder_layers=1, max_iter=60,
                                 learning_rate_init=0.01, random_state=0).fit(X[:400], y[:400])
    assert model.score(X[400:], y[400:]) > 0.95
    assert model._specs[0].kind == "conv" and model._specs[0].oc == 16  # the projection


def test_settings_reach_the_layers():
    X = np.random.default_rng(1).standard_normal((40, 6, 3))
    model = TransformerRegressor(d_model=8, heads=4, ff=20, encoder_layers=3, pooling="max",
                                 encoder_dropout=0.2, causal=True, positions="sinusoidal",
                                 hidden_layer_sizes=(5,), max_iter=2).fit(X, X[:, 0, 0])
    attention = [s for s in model._specs if s.kind == "attention"]
    assert len(attention) == 3 and all(s.heads == 4 and s.causal for s in attention)
    assert all(s.dropout == 0.2 for s in attention)
    assert max(s.oc for s in model._specs if s.kind == "conv") == 20
    assert "sinusoid" in [s.kind for s in model._specs]
    assert [s.kind for s in model._specs][-3:] == ["maxpool", "dense", "dense"]


def test_clone_pickle_and_grid_search():
    ids, y = marker_task(n=200)
    model = TransformerClassifier(vocab_size=8, d_model=8, heads=2, encoder_layers=1,
                                  max_iter=3, random_state=0)
    search = GridSearchCV(model, {"d_model": [8, 16]}, cv=2).fit(ids, y)
    fitted = search.best_estimator_
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(again.predict_proba(ids), fitted.predict_proba(ids))
    assert clone(model).get_params() == model.get_params()


@pytest.mark.parametrize("make, X, message", [
    (lambda: TransformerClassifier(d_model=10, heads=4), np.zeros((4, 5)),
     "multiple of heads"),
    (lambda: TransformerClassifier(vocab_size=5), np.zeros((4, 5, 2)),
     "must hold token ids"),
    (lambda: TransformerClassifier(vocab_size=5), np.full((4, 5), 7.0), "reads ids from 0 to 4"),
])
def test_settings_that_cannot_work_say_why(make, X, message):
    with pytest.raises(ValueError, match=message):
        make().fit(X, [0, 1, 0, 1])


def test_the_layers_are_the_ones_a_net_would_take():
    """The preset is NetClassifier over fastnn.layers: the same layers
    written out give the same fit."""
    from fastnn import NetClassifier
    ids, y = marker_task(n=150)
    preset = TransformerClassifier(vocab_size=8, d_model=8, heads=2, encoder_layers=1,
                                   max_iter=3, random_state=0).fit(ids, y)
    net = NetClassifier([L.Embedding(8, 8), L.PositionalEmbedding("sinusoidal"),
                         L.TransformerEncoder(heads=2, dropout=0.0), L.GlobalAvgPool()],
                        max_iter=3, random_state=0).fit(ids, y)
    np.testing.assert_array_equal(preset.predict_proba(ids), net.predict_proba(ids))
