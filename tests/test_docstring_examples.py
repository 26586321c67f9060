"""The Examples sections of fastnn's docstrings run as doctests."""
import doctest
import importlib
import pkgutil

import pytest

import fastnn

MODULES = sorted(name for _, name, _ in pkgutil.walk_packages(fastnn.__path__, "fastnn.")
                 if not name.endswith("__main__"))
# modules built on an optional dependency, by the package they need
OPTIONAL = {"fastnn.persistence": "skops", "fastnn.onnx": "skl2onnx", "fastnn._onnx_graph": "onnx"}


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    if name in OPTIONAL:
        pytest.importorskip(OPTIONAL[name], reason="%s needs %s" % (name, OPTIONAL[name]))
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
