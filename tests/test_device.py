"""The device parameter: every estimator has it, 'cpu' is the only one."""
import numpy as np
import pytest

import fastnn

ESTIMATORS = [getattr(fastnn, name) for name in fastnn.__all__ if name.endswith(
    ("Classifier", "Regressor"))]


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda e: e.__name__)
def test_cpu_is_the_default_and_other_devices_are_refused(Estimator):
    assert Estimator().get_params()["device"] == "cpu"
    X, y = np.random.default_rng(0).random((20, 16)), np.arange(20) % 2
    with pytest.raises(ValueError, match="device='cuda' is not available"):
        Estimator(device="cuda").fit(X, y)
    assert len(ESTIMATORS) == 10
