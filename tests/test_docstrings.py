"""Every public estimator documents every parameter of its signature, in
numpydoc's Parameters section, with its default."""
import inspect

import pytest

import fastnn

numpydoc = pytest.importorskip("numpydoc.docscrape", reason="numpydoc is not installed")

ESTIMATORS = [fastnn.MLPClassifier, fastnn.MLPRegressor, fastnn.ConvClassifier,
              fastnn.ConvRegressor, fastnn.RNNClassifier, fastnn.RNNRegressor,
              fastnn.NetClassifier, fastnn.NetRegressor, fastnn.AutoencoderTransformer,
              fastnn.text.SequenceVectorizer]


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
