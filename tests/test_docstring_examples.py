"""The Examples sections of fastnn's docstrings run as doctests."""
import doctest
import importlib
import pkgutil

import pytest

import fastnn

MODULES = sorted(name for _, name, _ in pkgutil.walk_packages(fastnn.__path__, "fastnn.")
                 if not name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    if name in ("fastnn.onnx", "fastnn._onnx_graph"):  # the optional onnx extra
        pytest.importorskip("skl2onnx", reason="fastnn.onnx needs skl2onnx (fastnn[onnx])")
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
