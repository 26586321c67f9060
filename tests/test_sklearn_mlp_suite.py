"""Drop-in parity: scikit-learn's own MLP test module, run against fastnn.

The installed scikit-learn's `neural_network/tests/test_mlp.py` is copied
with its import switched to fastnn's MLPClassifier and MLPRegressor and run
in a fresh pytest process, with scikit-learn's conftest for its fixtures.
"""
import os
import subprocess
import sys

import pytest
import sklearn

SKLEARN_IMPORT = "from sklearn.neural_network import MLPClassifier, MLPRegressor"

# Tests that read scikit-learn's private internals, which fastnn does not
# mirror (its arithmetic is the C engine's, behind one flat buffer).
PRIVATE_INTERNALS = {
    "test_gradient": "calls MLPClassifier._loss_grad_lbfgs, scikit-learn's private "
                     "NumPy loss; fastnn's gradients are checked by central "
                     "differences in test_engine.py",
}


def test_sklearn_mlp_tests_pass_with_fastnn(tmp_path):
    source = os.path.join(os.path.dirname(sklearn.__file__), "neural_network", "tests",
                          "test_mlp.py")
    if not os.path.exists(source):
        pytest.skip("this scikit-learn install ships without its tests")
    with open(source) as f:
        text = f.read()
    assert text.count(SKLEARN_IMPORT) == 1, "scikit-learn's test module imports the MLPs otherwise"
    target = tmp_path / "test_mlp_fastnn.py"
    target.write_text(text.replace(SKLEARN_IMPORT, "from fastnn import MLPClassifier, MLPRegressor"))
    deselect = sum((["--deselect", "%s::%s" % (target.name, name)] for name in PRIVATE_INTERNALS),
                   [])
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "sklearn.conftest",
         "--rootdir", str(tmp_path), target.name] + deselect,
        capture_output=True, text=True, cwd=tmp_path, timeout=600)
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-2000:]
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert " passed" in summary and "failed" not in summary and "error" not in summary, summary
