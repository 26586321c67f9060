"""scikit-learn's own estimator contract, run over every public estimator."""
from sklearn.utils.estimator_checks import parametrize_with_checks

from fastnn import (ConvClassifier, ConvRegressor, MLPClassifier, MLPRegressor, RNNClassifier,
                    RNNRegressor)

# Small and quick, but trained enough for the checks that expect a decent
# fit (e.g. check_classifiers_train asks for > 83% training accuracy).
ESTIMATORS = [
    MLPClassifier(hidden_layer_sizes=(16,), max_iter=200, random_state=0),
    MLPRegressor(hidden_layer_sizes=(16,), max_iter=200, random_state=0),
    MLPClassifier(hidden_layer_sizes=(16,), solver="lbfgs", max_iter=200, random_state=0),
    MLPRegressor(hidden_layer_sizes=(16,), solver="sgd", max_iter=200, random_state=0),
    # The checks feed rows of 1 to 30 features: no pooling, so a strip or a
    # tiny square image still fits the network.
    ConvClassifier(filters=(4,), pool_size=1, hidden_layer_sizes=(16,), max_iter=200,
                   random_state=0),
    ConvRegressor(filters=(4,), kernel_size=(1, 3), strides=(1, 2), pool_size=1,
                  hidden_layer_sizes=(16,), max_iter=200, random_state=0),
    # 2-D rows are read as one feature per step: sequences of 1 to 30 steps.
    RNNClassifier(recurrent_layer_sizes=(8,), max_iter=200, learning_rate_init=0.01,
                  random_state=0),
    RNNRegressor(cell="gru", recurrent_layer_sizes=(8,), bidirectional=True, max_iter=200,
                 learning_rate_init=0.01, random_state=0),
]

# Expected failures, each with its reason (none so far).
EXPECTED_FAILED = {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=lambda est: EXPECTED_FAILED)
def test_sklearn_contract(estimator, check):
    check(estimator)
