"""Every public class and function has a numpydoc docstring: every
parameter of its signature documented (with its default, for the
estimators), and for the estimators every fitted attribute, a See Also
that names importable objects, and Examples (which run as doctests in
test_docstring_examples.py)."""
import importlib
import inspect
import pathlib
import warnings

import numpy as np
import pytest

import fastnn
from fastnn import callbacks, datasets, exceptions, layers, plot, text, transfer

numpydoc = pytest.importorskip("numpydoc.docscrape", reason="numpydoc is not installed")

ESTIMATORS = [fastnn.MLPClassifier, fastnn.MLPRegressor, fastnn.ConvClassifier,
              fastnn.ConvRegressor, fastnn.RNNClassifier, fastnn.RNNRegressor,
              fastnn.NetClassifier, fastnn.NetRegressor, fastnn.AutoencoderTransformer,
              text.SequenceVectorizer]


def _public(module):
    for name in module.__all__:
        obj = getattr(module, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            yield obj


OPTIONAL = []  # modules of the optional extras, where installed
for name in ("onnx", "persistence"):
    try:
        OPTIONAL.append(importlib.import_module("fastnn." + name))
    except ImportError:
        pass

PUBLIC = [obj for module in [fastnn, datasets, text, callbacks, plot, exceptions, transfer]
          + OPTIONAL
          for obj in _public(module)]
LAYERS = list(_public(layers))


def _doc(obj):
    return numpydoc.ClassDoc(obj) if inspect.isclass(obj) else numpydoc.FunctionDoc(obj)


def _signature_names(obj):
    function = obj.__init__ if inspect.isclass(obj) else obj
    return [n for n, p in inspect.signature(function).parameters.items()
            if n != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda e: e.__name__)
def test_every_parameter_is_documented_with_its_default(Estimator):
    doc = numpydoc.ClassDoc(Estimator)
    documented = {p.name: p for p in doc["Parameters"]}
    signature = inspect.signature(Estimator.__init__).parameters
    names = [n for n in signature if n != "self"]
    assert list(documented) == names
    for name in names:
        assert "default=%r" % (signature[name].default,) in documented[name].type, name
        assert " ".join(documented[name].desc).strip(), name
    assert doc["Summary"] and doc["Extended Summary"]


@pytest.mark.parametrize("obj", PUBLIC + LAYERS, ids=lambda o: o.__qualname__)
def test_public_docstring_sections(obj):
    doc = _doc(obj)
    assert doc["Summary"], obj
    documented = [p.name for p in doc["Parameters"]]
    # numpydoc may list two parameters on one line ("a, b : ...")
    documented = [n.strip() for entry in documented for n in entry.split(",")]
    assert documented == _signature_names(obj)
    assert doc["Examples"], obj
    assert doc["See Also"], obj


def _resolve(name, home):
    """The object a See Also entry names: a dotted path, or a name in the
    module of the documented object."""
    module, _, attr = name.rpartition(".")
    if not module:
        return getattr(importlib.import_module(home), attr)
    try:
        return getattr(importlib.import_module(module), attr)
    except ImportError:  # a class's method: module.Class.method
        return getattr(_resolve(module, home), attr)


@pytest.mark.parametrize("obj", PUBLIC + LAYERS, ids=lambda o: o.__qualname__)
def test_see_also_names_exist(obj):
    for names, _ in _doc(obj)["See Also"]:
        for name, _ in names:
            assert _resolve(name, obj.__module__) is not None, name


def _fitted(Estimator):
    rng = np.random.default_rng(0)
    X = rng.random((30, 16))
    y = (X[:, 0] > 0.5).astype(int)
    kwargs = {"max_iter": 2}
    if Estimator in (fastnn.ConvClassifier, fastnn.ConvRegressor):
        kwargs["filters"] = (2,)
    if Estimator in (fastnn.NetClassifier, fastnn.NetRegressor):
        kwargs["layers"] = [layers.Dense(3), layers.BatchNorm()]
    if Estimator is text.SequenceVectorizer:
        return Estimator().fit(["some text", "more"])
    if Estimator in (fastnn.ConvClassifier, fastnn.ConvRegressor, fastnn.RNNClassifier,
                     fastnn.RNNRegressor):
        X = X.reshape(-1, 4, 4)
    target = y if "Classifier" in Estimator.__name__ else X.reshape(len(X), -1)[:, 0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Estimator(**kwargs).fit(X, None if Estimator is fastnn.AutoencoderTransformer
                                       else target)


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda e: e.__name__)
def test_every_fitted_attribute_is_documented(Estimator):
    fitted = {k for k in vars(_fitted(Estimator)) if k.endswith("_") and not k.startswith("_")}
    documented = {a.name for a in numpydoc.ClassDoc(Estimator)["Attributes"]}
    assert fitted and fitted <= documented, fitted - documented


def test_api_reference_lists_every_public_name():
    api = pathlib.Path(__file__).parent.parent / "docs" / "api.rst"
    listed = {line.strip() for line in api.read_text().splitlines()}
    for obj in PUBLIC + LAYERS:
        short = obj.__module__.split(".")[1].lstrip("_")  # fastnn.text.X -> text.X
        names = {obj.__name__, "%s.%s" % (short, obj.__name__)}
        assert names & listed, "%s is missing from docs/api.rst" % obj.__qualname__
