"""Saving and loading with skops (fastnn.persistence): every estimator
round-trips, predicts the same and trains on as the original would; its
file names only fastnn's trusted types; a doctored file is refused."""
import json
import pickle
import subprocess
import sys
import warnings
import zipfile

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

pytest.importorskip("skops", reason="fastnn.persistence needs skops")
import skops.io as sio  # noqa: E402
from skops.io.exceptions import UntrustedTypesFoundException  # noqa: E402

from fastnn import (AutoencoderTransformer, ConvClassifier, ConvRegressor,  # noqa: E402
                    MLPClassifier, MLPRegressor, NetClassifier, NetRegressor, RNNClassifier,
                    RNNRegressor, TransformerClassifier)
from fastnn import layers as L  # noqa: E402
from fastnn import persistence  # noqa: E402
from fastnn.callbacks import ModelCheckpoint, ReduceLROnPlateau  # noqa: E402
from fastnn.exceptions import InconsistentVersionWarning  # noqa: E402
from fastnn.text import SequenceVectorizer  # noqa: E402

pytestmark = pytest.mark.usefixtures("quiet")

N = 48


def _data(kind, dtype):
    """(X, y) of N samples for the kind of estimator under test."""
    rng = np.random.RandomState(0)
    X = rng.rand(N, 16).astype(dtype)
    y = {"binary": (X[:, 0] > 0.5).astype(int),
         "strings": np.array(["cat", "dog", "owl"], dtype=object)[(X[:, :3].argmax(axis=1))],
         "multilabel": (X[:, :3] > 0.5).astype(int),
         "real": X[:, 0] + X[:, 1],
         "two outputs": X[:, :2] * 2 - 1}
    if kind == "ids":  # token ids for an Embedding, padding at the end
        X = rng.randint(1, 7, size=(N, 6)).astype(dtype)
        X[::3, 4:] = 0
        return X, (X[:, 0] > 3).astype(int)
    if kind == "images":
        return X.reshape(N, 4, 4), y["binary"]
    return X, y.get(kind)


# (name, estimator, data kind); each fits in a few epochs on N rows
CASES = [
    ("mlp-binary", lambda: MLPClassifier(hidden_layer_sizes=(5,), max_iter=3), "binary"),
    ("mlp-strings", lambda: MLPClassifier(hidden_layer_sizes=(5, 4), max_iter=3), "strings"),
    ("mlp-multilabel", lambda: MLPClassifier(hidden_layer_sizes=(5,), max_iter=3),
     "multilabel"),
    ("mlp-regressor", lambda: MLPRegressor(hidden_layer_sizes=(5,), max_iter=3, solver="sgd",
                                           callbacks=[ReduceLROnPlateau(patience=1)]),
     "two outputs"),
    ("conv-classifier", lambda: ConvClassifier(filters=(2,), hidden_layer_sizes=(4,),
                                               max_iter=3), "images"),
    ("conv-regressor", lambda: ConvRegressor(filters=(2, 3), hidden_layer_sizes=(4,),
                                             batch_norm=True, input_shape=(1, 4, 4),
                                             max_iter=3), "real"),
    ("rnn-classifier", lambda: RNNClassifier(recurrent_layer_sizes=(3,), cell="gru",
                                             input_shape=(4, 4), max_iter=3), "strings"),
    ("rnn-regressor", lambda: RNNRegressor(recurrent_layer_sizes=(3,), cell="lstm",
                                           bidirectional=True, input_shape=(8, 2),
                                           max_iter=3), "real"),
    ("net-embedding", lambda: NetClassifier(
        [L.Embedding(7, 3), L.LSTM(4, return_sequences=True), L.Dropout(0.1),
         L.GlobalAvgPool()], max_iter=3), "ids"),
    ("net-conv", lambda: NetRegressor(
        [L.Conv1D(3, kernel_size=2), L.MaxPool1D(), L.Flatten(), L.Dense(4), L.BatchNorm(),
         L.Dropout(0.2)], input_shape=(8, 2), early_stopping=True, max_iter=3), "real"),
    ("net-image", lambda: NetClassifier(
        [L.Conv2D(2, 3, padding="valid"), L.AvgPool2D(), L.Flatten(), L.Dense(3, "tanh")],
        max_iter=3, solver="rmsprop"), "images"),
    ("net-residual", lambda: NetClassifier(
        [L.Dense(5), L.Residual([L.Dense(5, "tanh"), L.Dense(5, "identity")], "relu"),
         L.Parallel([[L.Columns(0, 3)], [L.Dense(3)]], join="add")], max_iter=3), "binary"),
    ("transformer-text", lambda: TransformerClassifier(vocab_size=7, d_model=4, heads=2,
                                                       encoder_layers=1, max_iter=3), "ids"),
    ("autoencoder", lambda: AutoencoderTransformer([L.Dense(6), L.Dense(2, "tanh")],
                                                   max_iter=3), None),
    ("pipeline", lambda: make_pipeline(StandardScaler(),
                                       MLPRegressor(hidden_layer_sizes=(3,), max_iter=3)),
     "real"),
]


def _fit(estimator, X, y, method="fit"):
    if isinstance(estimator, AutoencoderTransformer):
        return getattr(estimator, method)(X)
    return getattr(estimator, method)(X, y)


def _outputs(estimator, X):
    """Everything the estimator computes from X."""
    out = []
    for name in ("predict", "predict_proba", "transform", "inverse_transform"):
        if hasattr(estimator, name):
            arg = estimator.transform(X) if name == "inverse_transform" else X
            out.append(getattr(estimator, name)(arg))
    return out


def _assert_same_arrays(got, want):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and np.array_equal(g, w)


def _assert_same_outputs(a, b, X):
    _assert_same_arrays(_outputs(a, X), _outputs(b, X))


def _final(estimator):
    return estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator


def _type_name(obj):
    return type(obj).__module__ + "." + type(obj).__qualname__


def _expected_untrusted(estimator):
    """The fastnn types the estimator's file names, found from the
    estimator itself: its class, its layers, its callbacks."""
    net = _final(estimator)
    names = {_type_name(net)}

    def add(objects):
        for obj in objects:
            names.add(_type_name(obj))
            add(getattr(obj, "layers", ()))  # a Residual's
            for branch in getattr(obj, "branches", ()):  # a Parallel's
                add(branch)
    for name in ("layers", "decoder_layers", "callbacks"):
        add(getattr(net, name, None) or ())
    return sorted(names)


def _dump(estimator, tmp_path, name="model.skops"):
    path = tmp_path / name
    persistence.dump(estimator, path)
    return path


@pytest.fixture(params=CASES, ids=[case[0] for case in CASES])
def case(request):
    return request.param


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_round_trip_predicts_and_trains_on_as_the_original(case, dtype, tmp_path):
    _, make, kind = case
    X, y = _data(kind, dtype)
    model = make()
    _fit(model.set_params(**{_param(model, "random_state"): 0}), X, y)
    path = _dump(model, tmp_path)

    # the file needs only fastnn's trusted types, and exactly this model's
    untrusted = sio.get_untrusted_types(file=path)
    assert untrusted == _expected_untrusted(model)
    assert set(untrusted) <= set(persistence.TRUSTED_TYPES)

    loaded = persistence.load(path)
    assert type(loaded) is type(model)
    net, again = _final(model), _final(loaded)
    assert again.coefs_[0].dtype == dtype
    _assert_same_arrays(again.coefs_ + again.intercepts_ + again.batch_norm_,
                        net.coefs_ + net.intercepts_ + net.batch_norm_)
    # as after unpickling, the fitted arrays are views of the engine's buffer
    assert all(np.shares_memory(c, again._params) for c in again.coefs_)
    _assert_same_outputs(loaded, model, X)

    # training goes on from the same weights and solver state: a pickled
    # copy, the loaded model and the original take the same step
    pickled = pickle.loads(pickle.dumps(model))
    if not getattr(net, "early_stopping", False):  # which partial_fit refuses
        for estimator in (pickled, loaded, model):
            _fit(_final(estimator), X, y, "partial_fit")
        _assert_same_outputs(loaded, model, X)
        _assert_same_outputs(pickled, model, X)
    for estimator in (pickled, loaded, model):
        _final(estimator).set_params(warm_start=True, max_iter=2)
        _fit(estimator, X, y)
    _assert_same_outputs(loaded, model, X)
    _assert_same_outputs(pickled, model, X)
    assert _final(loaded).loss_curve_ == _final(model).loss_curve_


def _param(estimator, name):
    """The parameter's name as set_params takes it (through a Pipeline)."""
    if hasattr(estimator, "steps"):
        return "%s__%s" % (estimator.steps[-1][0], name)
    return name
def _settings(estimator):
    """The final estimator's parameters, callbacks by type and state."""
    params = _final(estimator).get_params(deep=False)
    params["callbacks"] = [(type(c), vars(c)) for c in params.get("callbacks") or ()]
    return params


def test_unfitted_estimators_round_trip(case, tmp_path):
    _, make, kind = case
    model = make()
    loaded = persistence.load(_dump(model, tmp_path))
    assert sio.get_untrusted_types(file=tmp_path / "model.skops") == _expected_untrusted(model)
    assert type(loaded) is type(model) and not hasattr(_final(loaded), "coefs_")
    assert _settings(loaded) == _settings(model)
    # and both fit to the same model
    X, y = _data(kind, np.float64)
    for estimator in (loaded, model):
        _fit(estimator.set_params(**{_param(estimator, "random_state"): 1}), X, y)
    _assert_same_outputs(loaded, model, X)


def test_sequence_vectorizer_round_trip(tmp_path):
    texts = ["the cat sat", "The dog sat!", "a cat, a dog", "dogs bark"]
    vec = SequenceVectorizer(analyzer="word", max_tokens=6, padding="pre").fit(texts)
    path = _dump(vec, tmp_path)
    assert sio.get_untrusted_types(file=path) == ["fastnn.text.SequenceVectorizer"]
    loaded = persistence.load(path)
    assert loaded.vocabulary_ == vec.vocabulary_ and loaded.get_params() == vec.get_params()
    unseen = texts + ["a bird sat", ""]
    assert np.array_equal(loaded.transform(unseen), vec.transform(unseen))
    unfitted = persistence.load(_dump(SequenceVectorizer(max_length=3), tmp_path, "new.skops"))
    assert unfitted.get_params() == SequenceVectorizer(max_length=3).get_params()
    assert np.array_equal(unfitted.fit(texts).transform(texts), SequenceVectorizer(
        max_length=3).fit(texts).transform(texts))


def test_trusted_types_are_fastnn_public_types_only():
    layer_names = ["AvgPool1D", "AvgPool2D", "BatchNorm", "Columns", "Conv1D", "Conv2D",
                   "Dense", "Dropout", "Embedding", "Flatten", "GRU", "GlobalAvgPool",
                   "GlobalMaxPool", "LSTM", "LayerNorm", "MaxPool1D", "MaxPool2D",
                   "MultiHeadAttention", "Parallel", "PositionalEmbedding",
                   "Residual", "SimpleRNN", "TransformerEncoder"]
    expected = (["fastnn.autoencoder.AutoencoderTransformer",
                 "fastnn.callbacks.ReduceLROnPlateau",
                 "fastnn.conv.ConvClassifier", "fastnn.conv.ConvRegressor"]
                + ["fastnn.layers." + name for name in layer_names]
                + ["fastnn.mlp.MLPClassifier", "fastnn.mlp.MLPRegressor",
                   "fastnn.net.NetClassifier", "fastnn.net.NetRegressor",
                   "fastnn.rnn.RNNClassifier", "fastnn.rnn.RNNRegressor",
                   "fastnn.text.SequenceVectorizer",
                   "fastnn.transfer.NetTransformer", "fastnn.transfer.Pretrained",
                   "fastnn.transformer.TransformerClassifier",
                   "fastnn.transformer.TransformerRegressor"])
    assert persistence.TRUSTED_TYPES == tuple(sorted(expected))
    assert all(hasattr(L, name) for name in layer_names)


# ---- doctored files ------------------------------------------------------------

def _doctor(path, edit):
    """A copy of the skops file at path whose schema.json edit(schema)
    has changed; returns the copy's path."""
    with zipfile.ZipFile(path) as src:
        members = {name: src.read(name) for name in src.namelist()}
    schema = json.loads(members["schema.json"])
    edit(schema)
    members["schema.json"] = json.dumps(schema).encode()
    doctored = path.with_name("doctored-" + path.name)
    with zipfile.ZipFile(doctored, "w") as dst:
        for name, data in members.items():
            dst.writestr(name, data)
    return doctored


def _attrs(schema):
    """The estimator's attribute nodes by name."""
    return schema["content"]["content"]


def _edit(node, **changes):
    """Changes a node in place.  Its __id__ goes: skops builds each id's
    node once and reuses it, so an edited copy of, say, the int 4 would
    otherwise give way to the first node of that id."""
    node.pop("__id__", None)
    node.update(changes)


def _rename(node, module, name):
    _edit(node, __module__=module, __class__=name)


def _json(value):
    """A node of a value that JSON holds."""
    return {"__class__": type(value).__name__, "__module__": "builtins",
            "__loader__": "JsonNode", "content": json.dumps(value), "is_json": True}


@pytest.fixture
def saved(tmp_path):
    X, y = _data("binary", np.float64)
    model = NetClassifier([L.Dense(4)], max_iter=2, random_state=0,
                          callbacks=[ReduceLROnPlateau()]).fit(X, y)
    return model, _dump(model, tmp_path)


def _first_layer(schema):
    return _attrs(schema)["layers"]["content"][0]


DOCTORINGS = {
    # the estimator itself becomes a call of os.system
    "os.system": lambda s: _rename(s, "os", "system"),
    # a layer is rebuilt by calling its class with its settings: name eval
    # instead and the settings are evaluated
    "builtins.eval": lambda s: (_rename(_first_layer(s), "builtins", "eval"),
                                _edit(_first_layer(s), content={
                                    "__class__": "tuple", "__module__": "builtins",
                                    "__loader__": "TupleNode", "content": [_json("1 + 1")]})),
    # a function where a hyperparameter was
    "subprocess.getoutput": lambda s: _attrs(s).update(activation={
        "__class__": "getoutput", "__module__": "subprocess", "__loader__": "FunctionNode"}),
    # a fastnn type that is not trusted
    "fastnn.callbacks.ModelCheckpoint": lambda s: _rename(
        _attrs(s)["callbacks"]["content"][0], "fastnn.callbacks", "ModelCheckpoint"),
}


@pytest.mark.parametrize("name", DOCTORINGS)
def test_a_doctored_file_is_refused(saved, name):
    _, path = saved
    doctored = _doctor(path, DOCTORINGS[name])
    assert name in sio.get_untrusted_types(file=doctored)
    with pytest.raises(UntrustedTypesFoundException, match=name):
        persistence.load(doctored)
    with pytest.raises(UntrustedTypesFoundException, match=name):
        sio.load(doctored, trusted=list(persistence.TRUSTED_TYPES))


def test_the_doctored_layer_would_run_once_trusted(saved):
    # the refusal above is what stops it: trusted, eval runs
    _, path = saved
    doctored = _doctor(path, DOCTORINGS["builtins.eval"])
    assert persistence.load(doctored, trusted=["builtins.eval"]).layers[0] == 2


def test_edited_layer_settings_and_specs_are_checked(saved):
    _, path = saved

    def bad_units(schema):  # Dense(units=-3): its constructor refuses it
        _edit(_first_layer(schema)["content"]["content"][0], content="-3")

    with pytest.raises(ValueError, match="units must be a positive int"):
        persistence.load(_doctor(path, bad_units))

    def bad_spec(schema):  # an engine layer spec with a size that is no int
        _edit(_attrs(schema)["_specs"]["content"][0]["content"]["oc"], content='"4"')

    with pytest.raises(ValueError, match="oc must be of type int"):
        persistence.load(_doctor(path, bad_spec))


# ---- what dump and load accept ---------------------------------------------------

class StopAfterTwo:
    """A callback of the user's own."""

    def __call__(self, estimator, info):
        return info["epoch"] >= 2


@pytest.mark.parametrize("callback, name", [
    (ModelCheckpoint("never-written.pkl"), "fastnn.callbacks.ModelCheckpoint"),
    (StopAfterTwo(), __name__ + ".StopAfterTwo")])
def test_dump_refuses_what_load_would(callback, name, tmp_path):
    model = MLPClassifier(callbacks=[callback])
    with pytest.raises(TypeError, match=name):
        persistence.dump(model, tmp_path / "model.skops")
    assert not (tmp_path / "model.skops").exists()
    # saved by skops itself, it loads once its type is trusted
    sio.dump(model, tmp_path / "model.skops")
    with pytest.raises(UntrustedTypesFoundException, match=name):
        persistence.load(tmp_path / "model.skops")
    loaded = persistence.load(tmp_path / "model.skops", trusted=[name])
    assert type(loaded.callbacks[0]) is type(callback)
    with pytest.raises(TypeError, match="trusted must be"):
        persistence.load(tmp_path / "model.skops", trusted=True)


def test_pickles_of_the_former_state_still_load():
    # before, the state held the LayerSpec and OptimizerState objects
    X, y = _data("binary", np.float32)
    model = MLPClassifier(hidden_layer_sizes=(4,), max_iter=2, random_state=0).fit(X, y)
    old_state = {k: v for k, v in vars(model).items() if k not in model._UNPICKLED}
    old = MLPClassifier.__new__(MLPClassifier)
    with pytest.warns(InconsistentVersionWarning, match="unrecorded version"):
        old.__setstate__(old_state)  # (which did not record fastnn's version)
    assert old._specs == model._specs and old._optimizer is model._optimizer
    _assert_same_outputs(old, model, X)


def test_skops_is_optional():
    # fastnn does not import skops, and without it fastnn.persistence says
    # how to get it
    code = ("import sys, fastnn; assert 'skops' not in sys.modules; sys.modules['skops'] = None\n"
            "try:\n    import fastnn.persistence\nexcept ImportError as e:\n    print(e)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert "pip install skops" in out and 'pip install -e ".[skops]"' in out


def test_transfer_learning_models_round_trip(tmp_path):
    """A network that starts with a fitted model's layers (Pretrained, which
    holds that model) and a NetTransformer of it load back trusted."""
    from fastnn.transfer import NetTransformer, Pretrained
    rng = np.random.default_rng(0)
    X, y = rng.random((60, 6)), rng.integers(0, 3, 60)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = MLPClassifier((5,), max_iter=5, random_state=0).fit(X, y)
        model = NetClassifier([Pretrained(base), L.Dense(4)], max_iter=3,
                              random_state=0).fit(X, y)
    for obj, out in [(model, lambda m: m.predict_proba(X)),
                     (NetTransformer(base).fit(X), lambda m: m.transform(X))]:
        path = tmp_path / "model.skops"
        persistence.dump(obj, path)
        np.testing.assert_array_equal(out(persistence.load(path)), out(obj))
