"""The device parameter: every estimator has it; 'cuda' where a GPU is
usable (tests/test_cuda_*.py), a clear refusal elsewhere."""
import re

import numpy as np
import pytest

import fastnn

ESTIMATORS = [getattr(fastnn, name) for name in fastnn.__all__ if name.endswith(
    ("Classifier", "Regressor"))]


GPU = fastnn.cuda_available()


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda e: e.__name__)
def test_cpu_is_the_default_and_unknown_devices_are_refused(Estimator):
    assert Estimator().get_params()["device"] == "cpu"
    X, y = np.random.default_rng(0).random((20, 16)), np.arange(20) % 2
    with pytest.raises(ValueError, match="'device' parameter .* among"):
        Estimator(device="tpu").fit(X, y)
    assert len(ESTIMATORS) == 10


@pytest.mark.skipif(bool(GPU), reason="a GPU is usable here: tests/test_cuda_gpu.py")
@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda e: e.__name__)
def test_cuda_without_a_gpu_says_why_before_the_fit_sets_anything(Estimator):
    X, y = np.random.default_rng(0).random((20, 16)), np.arange(20) % 2
    model = Estimator(device="cuda")
    with pytest.raises(ValueError, match="device='cuda' is not available: " + re.escape(GPU.reason)):
        model.fit(X, y)
    assert not hasattr(model, "coefs_") and not hasattr(model, "n_features_in_")


def test_cuda_available_is_a_bool_with_its_reason():
    found = fastnn.cuda_available()
    assert found.reason and found.reason in repr(found)
    assert repr(found).startswith("CUDA available: " if found else "CUDA not available: ")
