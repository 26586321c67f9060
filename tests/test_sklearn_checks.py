"""scikit-learn's own estimator contract, run over every public estimator:
as constructed with no arguments, the way a user or another library calls
check_estimator, and with a sample of non-default settings."""
import numpy as np
import pytest
from sklearn.utils import shuffle
from sklearn.utils.estimator_checks import parametrize_with_checks

from fastnn import (AutoencoderTransformer, ConvClassifier, ConvRegressor, MLPClassifier,
                    MLPRegressor, NetClassifier, NetRegressor, RNNClassifier, RNNRegressor,
                    TransformerClassifier, TransformerRegressor)
from fastnn import layers as L

DEFAULTS = [MLPClassifier(), MLPRegressor(), ConvClassifier(), ConvRegressor(), RNNClassifier(),
            RNNRegressor(), NetClassifier(), NetRegressor(), AutoencoderTransformer(),
            TransformerClassifier(), TransformerRegressor()]

# Small and quick, but trained enough for the checks that expect a decent
# fit (e.g. check_classifiers_train asks for > 83% training accuracy).
SETTINGS = [
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
    # attention over the same sequences; ids through an Embedding
    TransformerClassifier(d_model=16, heads=2, encoder_layers=1, encoder_dropout=0.0,
                          max_iter=200, learning_rate_init=0.01, random_state=0),
    TransformerRegressor(d_model=8, heads=2, encoder_layers=1, positions="learned",
                         pooling="max", encoder_dropout=0.0, max_iter=200,
                         learning_rate_init=0.01, random_state=0),
    TransformerClassifier(vocab_size=1000, d_model=8, heads=2, encoder_layers=1,
                          encoder_dropout=0.0, max_iter=200, learning_rate_init=0.01,
                          random_state=0),
    # the options scikit-learn's MLP lacks, switched on
    MLPClassifier(hidden_layer_sizes=(16, 8), activation="gelu", dropout=(0.1, 0.0),
                  batch_norm=True, solver="adamw", learning_rate="cosine", warmup_epochs=3,
                  class_weight="balanced", max_iter=200, random_state=0),
    MLPRegressor(hidden_layer_sizes=(16,), activation="leaky_relu", dropout=0.1,
                 batch_norm=True, solver="rmsprop", max_iter=200, random_state=0),
    ConvClassifier(filters=(4,), pool_size=1, hidden_layer_sizes=(16,), activation="elu",
                   batch_norm=True, dropout=0.1, solver="adagrad", learning_rate_init=0.01,
                   max_iter=200, random_state=0),
    RNNRegressor(cell="lstm", recurrent_layer_sizes=(32,), hidden_layer_sizes=(16,),
                 activation="softplus", dropout=0.1, clip_grad_norm=1.0,
                 learning_rate_init=0.01, max_iter=200, random_state=0),
    # layer stacks: the checks' 2-D rows as flat rows, strip or square
    # images, and sequences of one feature per step
    NetClassifier([L.Dense(16, "tanh"), L.Dense(8)], max_iter=200, random_state=0),
    NetRegressor([L.Conv2D(4, (1, 3)), L.Flatten(), L.Dense(16)], max_iter=200,
                 random_state=0),
    NetClassifier([L.GRU(8, return_sequences=True), L.Flatten()], max_iter=200,
                  learning_rate_init=0.01, random_state=0),
    AutoencoderTransformer([L.Dense(8, "tanh"), L.Dense(3, "tanh")], [L.Dense(6)],
                           max_iter=100, random_state=0),
    # a text pipeline's final estimators: token ids in (the checks feed
    # whole numbers from 0, as the categorical tag asks)
    NetClassifier([L.Embedding(1000, 4), L.GRU(8)], max_iter=200, learning_rate_init=0.01,
                  random_state=0),
    NetRegressor([L.Embedding(1000, 4), L.GRU(8)], max_iter=200, learning_rate_init=0.01,
                 random_state=0),
]

# With dropout or batch norm a row of weight 2 is not the same as the row
# twice: dropout draws one mask per row and batch norm's statistics count
# rows.  (With those options off the checks pass, see the estimators above.)
STOCHASTIC_LAYER_FAILURES = {
    check: "dropout masks and batch statistics are per row, so a weight of 2 "
           "is not a duplicated row"
    for check in ("check_sample_weight_equivalence_on_dense_data",
                  "check_sample_weight_equivalence_on_sparse_data")
}


# The default recurrent estimators train a 30-step LSTM for up to 200 adam
# epochs on the check's 15 rows.  A weight of 2 and a repeated row give the
# same gradient up to the last bit of a float64 sum, and those training runs
# amplify a last-bit difference about tenfold every 20 epochs, to 1e-3 by
# the end (test_weights_equal_repeated_rows_until_rounding_grows shows the
# two fits agreeing to rounding over the first epochs).  No summation order
# makes the two sums bitwise equal, so the check's 1e-7 cannot hold on
# every CPU; it may pass on some.
LONG_RECURRENT_FIT_FAILURES = {
    "check_sample_weight_equivalence_on_dense_data":
        "200 epochs of a 30-step LSTM amplify the last-bit difference between a "
        "weighted and a repeated row's float64 gradient beyond the check's 1e-7",
}


# What the checks feed a network that reads token ids.
RAW_FLOATS = "the check's own data skip the categorical tag: floats, which are not ids"
ID_FAILURES = {
    "check_sample_weight_equivalence_on_dense_data": RAW_FLOATS,
    "check_classifiers_one_label_sample_weights": RAW_FLOATS,
    "check_class_weight_classifiers": RAW_FLOATS,
    "check_methods_sample_order_invariance":
        "categorical data come as int32, which trains in float32; a row's float32 result "
        "moves by 1e-7 relative with its place in a BLAS block",
    "check_regressor_data_not_an_array":
        "the int32 array trains in float32, the wrapper without a dtype in float64: "
        "200 epochs apart",
}


def expected_failures(estimator):
    params = estimator.get_params()
    if isinstance(next(iter(params.get("layers") or ()), None), L.Embedding) \
            or params.get("vocab_size"):
        return ID_FAILURES
    if params.get("dropout") or params.get("batch_norm") or params.get("encoder_dropout"):
        return STOCHASTIC_LAYER_FAILURES
    if any(estimator is default for default in DEFAULTS[4:6]):  # the recurrent ones
        return LONG_RECURRENT_FIT_FAILURES
    return {}


@parametrize_with_checks(DEFAULTS + SETTINGS, expected_failed_checks=expected_failures)
def test_sklearn_contract(estimator, check):
    check(estimator)


def sample_weight_check_data():
    """The rows, labels and integer weights of scikit-learn's
    sample-weight equivalence check, and the rows repeated by weight."""
    rng = np.random.RandomState(42)
    X, y, sw = rng.rand(15, 30), rng.randint(0, 3, size=15), rng.randint(0, 5, size=15)
    weighted = shuffle(X, y, sw, random_state=0)
    return X, weighted, (X.repeat(sw, axis=0), y.repeat(sw))


@pytest.mark.parametrize("Estimator", [RNNClassifier, RNNRegressor])
def test_weights_equal_repeated_rows_until_rounding_grows(Estimator):
    """The default recurrent estimators' expected failure above is rounding
    grown by a long fit, not a wrong weighting: over the first 40 epochs a
    weighted fit and a fit on repeated rows agree to float64 rounding."""
    X, (Xw, yw, sw), (Xr, yr) = sample_weight_check_data()
    weighted = Estimator(max_iter=40, random_state=0).fit(Xw, yw, sample_weight=sw)
    repeated = Estimator(max_iter=40, random_state=0).fit(Xr, yr)
    method = "predict_proba" if Estimator is RNNClassifier else "predict"
    np.testing.assert_allclose(getattr(weighted, method)(X), getattr(repeated, method)(X),
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(weighted.loss_curve_, repeated.loss_curve_, rtol=1e-12)
