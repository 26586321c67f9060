"""Behaviour and drop-in parity of fastnn.MLPClassifier / fastnn.MLPRegressor
with scikit-learn's MLPClassifier / MLPRegressor (scikit-learn 1.9).

Every expectation here is taken from scikit-learn's own code
(sklearn/neural_network/_multilayer_perceptron.py and
_stochastic_optimizers.py); where that is cheap, the test also runs the
scikit-learn estimator on the same data and compares.

Tests whose docstring says "exact sklearn message" check a warning or error
text copied from scikit-learn's source; a reworded message fails them.

Self-check of the tests: ``FASTNN_TEST_REFERENCE=sklearn python -m pytest
tests/test_mlp_behaviour.py`` runs the whole file against scikit-learn's own
estimators (fastnn-only tests, e.g. ``n_threads``, are skipped), which shows
that every expectation below is scikit-learn's behaviour.
"""

import inspect
import os
import pickle
import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import ndtr
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.datasets import (
    load_digits,
    make_classification,
    make_friedman1,
    make_multilabel_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning, NotFittedError
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network import MLPRegressor as SkMLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

REFERENCE = os.environ.get("FASTNN_TEST_REFERENCE", "").lower() == "sklearn"

if REFERENCE:
    MLPClassifier, MLPRegressor = SkMLPClassifier, SkMLPRegressor
else:
    import fastnn

    MLPClassifier, MLPRegressor = fastnn.MLPClassifier, fastnn.MLPRegressor

fastnn_only = pytest.mark.skipif(
    REFERENCE, reason="fastnn-only feature, not in scikit-learn"
)

PAIRS = [(MLPClassifier, SkMLPClassifier), (MLPRegressor, SkMLPRegressor)]
PAIR_IDS = ["classifier", "regressor"]

# fastnn's additions, each defaulting to scikit-learn's behaviour.
ALLOWED_EXTRA_PARAMS = {"n_threads", "dropout", "batch_norm", "class_weight", "device",
                        "warmup_epochs", "monitor", "callbacks", "precision"}

# Exact scikit-learn messages (copied from scikit-learn 1.9 source).
MSG_MAX_ITER = (
    "Stochastic Optimizer: Maximum iterations ({}) reached and the optimization "
    "hasn't converged yet."
)
MSG_BATCH_CLIP = (
    "Got `batch_size` less than 1 or larger than sample size. It is going to be "
    "clipped"
)
MSG_NON_FINITE = (
    "Solver produced non-finite parameter weights. The input data may contain "
    "large values and need to be preprocessed."
)
MSG_VAL_TOO_SMALL = (
    "The validation set is too small. Increase 'validation_fraction' or the size "
    "of your dataset."
)
MSG_PF_EARLY_STOP = "partial_fit does not support early_stopping=True"
MSG_PF_CLASSES = "classes must be passed on the first call to partial_fit."
MSG_COLUMN_Y = (
    "A column-vector y was passed when a 1d array was expected. Please change "
    "the shape of y to (n_samples, ), for example using ravel()."
)


# --------------------------------------------------------------------------
# data and helpers
# --------------------------------------------------------------------------


def _binary(n=120, d=6, seed=0):
    X, y = make_classification(
        n_samples=n, n_features=d, n_informative=4, n_redundant=0, class_sep=2.0,
        random_state=seed,
    )
    return X, y


def _multiclass(n=150, d=6, seed=1):
    X, y = make_classification(
        n_samples=n,
        n_features=d,
        n_informative=4,
        n_redundant=0,
        n_classes=3,
        n_clusters_per_class=1,
        class_sep=2.0,
        random_state=seed,
    )
    return X, y


def _multilabel(n=120, d=6, seed=0):
    X, Y = make_multilabel_classification(
        n_samples=n, n_features=d, n_classes=4, random_state=seed
    )
    return X / X.max(), Y


def _regression(n=120, d=6, n_targets=1, seed=0):
    X, y = make_regression(
        n_samples=n, n_features=d, n_informative=4, n_targets=n_targets,
        noise=1.0, random_state=seed,
    )
    return X, y / y.std(axis=0)


def _counts(n=120, d=5, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d))
    lam = np.exp(0.5 * X[:, 0] - 0.3 * X[:, 1])
    return X, rng.poisson(lam).astype(float)


def _fit(est, X, y, **fit_params):
    """fit, ignoring ConvergenceWarning (many fits here are deliberately short)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, **fit_params)


def _partial_fit(est, X, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.partial_fit(X, y, **kw)


def _params(est):
    return [np.array(a, copy=True) for a in list(est.coefs_) + list(est.intercepts_)]


def _assert_params_close(a, b, rtol=1e-7, atol=1e-10):
    assert len(a) == len(b)
    for pa, pb in zip(a, b):
        assert pa.shape == pb.shape
        np.testing.assert_allclose(pa, pb, rtol=rtol, atol=atol)


def _max_param_diff(a, b):
    return max(float(np.max(np.abs(pa - pb))) for pa, pb in zip(a, b))


def _forward(est, X):
    """NumPy forward pass from the fitted coefs_/intercepts_ (sklearn's math)."""
    acts = {
        "identity": lambda z: z,
        "relu": lambda z: np.maximum(z, 0),
        "tanh": np.tanh,
        "logistic": lambda z: 1.0 / (1.0 + np.exp(-z)),
        "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
        "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))),
        "gelu": lambda z: z * ndtr(z),
        "softplus": lambda z: np.logaddexp(0, z),
    }
    a = np.asarray(X, dtype=np.float64)
    n_layers = len(est.coefs_)
    for i, (W, b) in enumerate(zip(est.coefs_, est.intercepts_)):
        a = a @ np.asarray(W, np.float64) + np.asarray(b, np.float64)
        if i < n_layers - 1:
            a = acts[est.activation](a)
    out = est.out_activation_
    if out == "softmax":
        a = np.exp(a - a.max(axis=1, keepdims=True))
        a /= a.sum(axis=1, keepdims=True)
    elif out == "exp":
        a = np.exp(a)
    else:
        a = acts[out](a)
    return a


@pytest.fixture(scope="module")
def digits_split():
    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=0)
    scaler = StandardScaler().fit(X_tr)
    return scaler.transform(X_tr), scaler.transform(X_te), y_tr, y_te


# --------------------------------------------------------------------------
# constructor parameters and their validation
# --------------------------------------------------------------------------


@pytest.mark.parametrize("Est, SkEst", PAIRS, ids=PAIR_IDS)
def test_default_params_match_sklearn(Est, SkEst):
    ours = Est().get_params(deep=False)
    ref = SkEst().get_params(deep=False)
    missing = set(ref) - set(ours)
    assert not missing, f"parameters missing: {missing}"
    for name, value in ref.items():
        assert ours[name] == value, f"default of {name}: {ours[name]!r} != {value!r}"
        assert type(ours[name]) is type(value), name
    extra = set(ours) - set(ref)
    assert extra <= ALLOWED_EXTRA_PARAMS, f"unexpected parameters: {extra}"
    if not REFERENCE:
        assert "n_threads" in ours
        assert ours["n_threads"] is None


@pytest.mark.parametrize("Est, SkEst", PAIRS, ids=PAIR_IDS)
def test_positional_parameters_match_sklearn(Est, SkEst):
    """sklearn allows a few leading positional parameters; keep the same ones."""

    def positional(cls):
        sig = inspect.signature(cls.__init__)
        return [
            p.name
            for p in sig.parameters.values()
            if p.name != "self" and p.kind == p.POSITIONAL_OR_KEYWORD
        ]

    assert positional(Est) == positional(SkEst)
    args = {"MLPClassifier": ((7,), "tanh"), "MLPRegressor": ("poisson", (7,), "tanh")}
    args = args[SkEst.__name__]
    assert Est(*args).get_params()["hidden_layer_sizes"] == (7,)
    assert Est(*args).get_params()["activation"] == "tanh"


INVALID_COMMON = [
    ("hidden_layer_sizes", 0),
    ("hidden_layer_sizes", "wide"),
    ("activation", "bogus"),
    ("solver", "x"),
    ("alpha", -1.0),
    ("batch_size", 0),
    ("batch_size", "big"),
    ("learning_rate", "fast"),
    ("learning_rate_init", 0.0),
    ("learning_rate_init", -0.1),
    ("power_t", -0.5),
    ("max_iter", 0),
    ("max_iter", 2.5),
    ("shuffle", "yes"),
    ("random_state", "seed"),
    ("tol", -1e-3),
    ("verbose", "loud"),
    ("warm_start", "no"),
    ("momentum", 2.0),
    ("momentum", -0.1),
    ("nesterovs_momentum", "no"),
    ("early_stopping", "no"),
    ("validation_fraction", 1.0),
    ("validation_fraction", -0.1),
    ("beta_1", 1.0),
    ("beta_2", 1.0),
    ("beta_2", -0.5),
    ("epsilon", 0.0),
    ("n_iter_no_change", 0),
    ("n_iter_no_change", -np.inf),
    ("max_fun", 0),
]


@pytest.mark.parametrize("Est, SkEst", PAIRS, ids=PAIR_IDS)
@pytest.mark.parametrize(
    "name, value", INVALID_COMMON, ids=[f"{n}={v!r}" for n, v in INVALID_COMMON]
)
def test_invalid_parameter_raises(Est, SkEst, name, value):
    X, y = _binary(n=40)
    # sanity: scikit-learn rejects this value too
    with pytest.raises(InvalidParameterError):
        SkEst(**{name: value}).fit(X, y)
    est = Est(**{name: value})  # constructing must not validate
    with pytest.raises(InvalidParameterError, match=f"The '{name}' parameter of"):
        est.fit(X, y)


def test_invalid_regressor_loss_raises():
    # 'absolute_error' and 'huber', which scikit-learn's MLP refuses, are
    # fastnn extras (tests/test_regression_losses.py)
    X, y = _regression(n=40)
    with pytest.raises(InvalidParameterError, match="The 'loss' parameter of"):
        MLPRegressor(loss="quantile").fit(X, y)
    with pytest.raises(InvalidParameterError, match="The 'loss' parameter of"):
        MLPRegressor(loss="log_loss").fit(X, y)


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor], ids=PAIR_IDS)
def test_partial_fit_validates_params(Est):
    X, y = _binary(n=40)
    kw = {"classes": [0, 1]} if Est is MLPClassifier else {}
    with pytest.raises(InvalidParameterError, match="The 'alpha' parameter of"):
        Est(alpha=-1.0).partial_fit(X, y, **kw)


@pytest.mark.parametrize("sizes", [(2.5,), ("3",), (None,), ((3,),), (4, True)])
def test_hidden_layer_sizes_that_are_not_ints_raise(sizes):
    """Found by tests/test_properties.py: (2.5,) quietly built 2 units, the
    others failed with TypeErrors about '<=' or int()."""
    X, y = _binary(n=40)
    with pytest.raises(ValueError, match="hidden_layer_sizes must hold ints"):
        MLPClassifier(hidden_layer_sizes=sizes, max_iter=1).fit(X, y)


def test_labels_mixing_strings_and_numbers_raise():
    """Found by tests/test_properties.py: an object y of strings and numbers
    failed in numpy's sort with "'<' not supported between instances"."""
    X, y = _binary(n=40)
    mixed = np.array([1, "a"] * 20, dtype=object)
    with pytest.raises(ValueError, match=r"Mix of label input types \(string and number\) in y"):
        MLPClassifier(max_iter=1).fit(X, mixed)
    with pytest.raises(ValueError, match="in y"):
        MLPClassifier(max_iter=1).partial_fit(X, mixed, classes=[0, 1])
    with pytest.raises(ValueError, match="in classes"):
        MLPClassifier(max_iter=1).partial_fit(X, y, classes=np.array([0, "a"], dtype=object))


def test_hidden_layer_size_zero_in_tuple_raises():
    """exact sklearn message: 'hidden_layer_sizes must be > 0, got [4, 0].'"""
    X, y = _binary(n=40)
    with pytest.raises(ValueError, match=re.escape("hidden_layer_sizes must be > 0")):
        SkMLPClassifier(hidden_layer_sizes=(4, 0)).fit(X, y)
    with pytest.raises(ValueError, match=re.escape("hidden_layer_sizes must be > 0")):
        MLPClassifier(hidden_layer_sizes=(4, 0)).fit(X, y)


@fastnn_only
@pytest.mark.parametrize("value", ["many", 1.5])
def test_invalid_n_threads_raises(value):
    X, y = _binary(n=40)
    with pytest.raises(InvalidParameterError, match="The 'n_threads' parameter of"):
        MLPClassifier(hidden_layer_sizes=(3,), max_iter=1, n_threads=value).fit(X, y)


@pytest.mark.parametrize("n_iter_no_change", [1, np.inf])
def test_valid_edge_parameter_values_accepted(n_iter_no_change):
    """Boundary values sklearn accepts: momentum 0 and 1, beta 0,
    validation_fraction 0 (without early stopping), alpha 0, tol 0, inf."""
    X, y = _binary(n=40)
    est = MLPClassifier(
        hidden_layer_sizes=(3,), solver="sgd", momentum=1.0, alpha=0.0, tol=0.0,
        validation_fraction=0.0, beta_1=0.0, beta_2=0.0, power_t=0.0,
        n_iter_no_change=n_iter_no_change, max_iter=2, random_state=0,
    )
    _fit(est, X, y)
    est.set_params(momentum=0.0, solver="adam")
    _fit(est, X, y)
    assert est.n_iter_ == 2


# --------------------------------------------------------------------------
# fitted attributes
# --------------------------------------------------------------------------


def _check_common_attributes(est, X, hidden, n_outputs, out_activation):
    n, d = X.shape
    units = [d, *hidden, n_outputs]
    assert est.n_features_in_ == d
    assert est.n_outputs_ == n_outputs
    assert est.n_layers_ == len(hidden) + 2
    assert est.out_activation_ == out_activation
    assert isinstance(est.coefs_, list) and isinstance(est.intercepts_, list)
    assert len(est.coefs_) == len(est.intercepts_) == est.n_layers_ - 1
    for i, (W, b) in enumerate(zip(est.coefs_, est.intercepts_)):
        assert isinstance(W, np.ndarray) and isinstance(b, np.ndarray)
        assert W.shape == (units[i], units[i + 1])
        assert b.shape == (units[i + 1],)
        assert W.dtype == b.dtype == np.float64
        assert np.isfinite(W).all() and np.isfinite(b).all()
    assert not hasattr(est, "feature_names_in_")
    # stochastic solver, no early stopping
    assert isinstance(est.n_iter_, (int, np.integer))
    assert isinstance(est.loss_curve_, list)
    assert len(est.loss_curve_) == est.n_iter_
    assert np.isscalar(est.loss_) and np.isfinite(est.loss_)
    assert est.loss_ == est.loss_curve_[-1]
    assert est.best_loss_ == min(est.loss_curve_)
    assert est.t_ == n * est.n_iter_
    assert est.validation_scores_ is None
    assert est.best_validation_score_ is None


def test_attributes_binary():
    X, y = _binary()
    est = _fit(MLPClassifier(hidden_layer_sizes=(5, 4), max_iter=4, random_state=0), X, y)
    _check_common_attributes(est, X, [5, 4], 1, "logistic")
    np.testing.assert_array_equal(est.classes_, [0, 1])
    assert est.n_iter_ == 4


def test_attributes_multiclass():
    X, y = _multiclass()
    est = _fit(MLPClassifier(hidden_layer_sizes=(6,), max_iter=3, random_state=0), X, y)
    _check_common_attributes(est, X, [6], 3, "softmax")
    np.testing.assert_array_equal(est.classes_, [0, 1, 2])


def test_attributes_multilabel():
    X, Y = _multilabel()
    est = _fit(MLPClassifier(hidden_layer_sizes=(6,), max_iter=3, random_state=0), X, Y)
    _check_common_attributes(est, X, [6], Y.shape[1], "logistic")
    np.testing.assert_array_equal(est.classes_, np.arange(Y.shape[1]))


def test_multilabel_probabilities_stay_inside_0_1_in_float32():
    """Logits past 17 or -87 round a float32 logistic unit to 1 or 0;
    scikit-learn's multilabel contract wants each strictly inside."""
    X, Y = _multilabel()
    est = _fit(MLPClassifier(hidden_layer_sizes=(6,), max_iter=3, random_state=0),
               X.astype(np.float32), Y)
    est.coefs_[-1][:] = np.where(np.arange(Y.shape[1]) % 2, 1e4, -1e4)  # saturating logits
    proba = est.predict_proba(X.astype(np.float32))
    assert proba.dtype == np.float32
    assert (proba > 0).all() and (proba < 1).all()
    assert (proba.max(0) > 0.999).any() and (proba.min(0) < 1e-30).any()


def test_attributes_string_labels():
    X, y = _multiclass()
    labels = np.array(["cat", "dog", "emu"])[y]
    est = _fit(MLPClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0), X, labels)
    _check_common_attributes(est, X, [5], 3, "softmax")
    np.testing.assert_array_equal(est.classes_, ["cat", "dog", "emu"])
    assert est.classes_.dtype == labels.dtype


def test_attributes_regressor_single_and_multi_output():
    X, y = _regression()
    est = _fit(MLPRegressor(hidden_layer_sizes=(5,), max_iter=3, random_state=0), X, y)
    _check_common_attributes(est, X, [5], 1, "identity")
    assert not hasattr(est, "classes_")
    X, Y = _regression(n_targets=3)
    est = _fit(MLPRegressor(hidden_layer_sizes=(5, 3), max_iter=3, random_state=0), X, Y)
    _check_common_attributes(est, X, [5, 3], 3, "identity")


def test_attributes_poisson():
    X, y = _counts()
    est = _fit(
        MLPRegressor(loss="poisson", hidden_layer_sizes=(5,), max_iter=3, random_state=0),
        X, y,
    )
    _check_common_attributes(est, X, [5], 1, "exp")
    sk = _fit(SkMLPRegressor(loss="poisson", hidden_layer_sizes=(5,), max_iter=3), X, y)
    assert est.out_activation_ == sk.out_activation_
    assert np.all(est.predict(X) > 0)


@pytest.mark.parametrize(
    "hidden, expected",
    [(7, [7]), ((), []), ([5, 4], [5, 4]), (np.array([3, 2]), [3, 2])],
    ids=["int", "empty", "list", "ndarray"],
)
def test_hidden_layer_sizes_forms(hidden, expected):
    X, y = _multiclass()
    est = _fit(MLPClassifier(hidden_layer_sizes=hidden, max_iter=2, random_state=0), X, y)
    sk = _fit(SkMLPClassifier(hidden_layer_sizes=hidden, max_iter=2, random_state=0), X, y)
    assert est.n_layers_ == sk.n_layers_ == len(expected) + 2
    assert [W.shape for W in est.coefs_] == [W.shape for W in sk.coefs_]


@pytest.mark.parametrize(
    "make_data, Est",
    [
        (_binary, MLPClassifier),
        (_multiclass, MLPClassifier),
        (_multilabel, MLPClassifier),
        (_regression, MLPRegressor),
        (lambda: _regression(n_targets=2), MLPRegressor),
        (_counts, MLPRegressor),
    ],
    ids=["binary", "multiclass", "multilabel", "regression", "multi-regression", "poisson"],
)
def test_out_activation_and_n_outputs_match_sklearn(make_data, Est):
    X, y = make_data()
    SkEst = SkMLPClassifier if Est is MLPClassifier else SkMLPRegressor
    kw = {"loss": "poisson"} if make_data is _counts else {}
    ours = _fit(Est(hidden_layer_sizes=(4,), max_iter=2, random_state=0, **kw), X, y)
    ref = _fit(SkEst(hidden_layer_sizes=(4,), max_iter=2, random_state=0, **kw), X, y)
    assert ours.out_activation_ == ref.out_activation_
    assert ours.n_outputs_ == ref.n_outputs_
    assert ours.n_layers_ == ref.n_layers_


def test_lbfgs_attributes_like_sklearn():
    """lbfgs sets loss_ and n_iter_ but no loss_curve_/best_loss_/validation
    attributes, and t_ stays 0 -- even with early_stopping=True."""
    X, y = _binary()
    for early_stopping in (False, True):
        kw = dict(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=15,
                  random_state=0, early_stopping=early_stopping)
        ours = _fit(MLPClassifier(**kw), X, y)
        ref = _fit(SkMLPClassifier(**kw), X, y)
        for attr in ("loss_curve_", "best_loss_", "validation_scores_",
                     "best_validation_score_"):
            assert hasattr(ours, attr) == hasattr(ref, attr), attr
        assert ours.t_ == ref.t_
        assert np.isscalar(ours.loss_) and np.isfinite(ours.loss_)
        assert 1 <= ours.n_iter_ <= 15


@pytest.mark.parametrize(
    "case", ["binary", "multiclass", "multilabel", "squared", "squared-multi", "poisson"]
)
@pytest.mark.parametrize("n_batches", [1, 4])
def test_loss_definition_matches_sklearn(case, n_batches):
    """With a vanishing learning rate the weights stay at their initial values,
    so loss_ after one epoch is sklearn's loss at those weights: mean data loss
    plus, per mini-batch, 0.5 * alpha * ||W||^2 / batch_size weighted by the
    batch's share -- i.e. n_batches * 0.5 * alpha * ||W||^2 / n overall."""
    from scipy.special import xlogy

    alpha = 0.5
    if case in ("binary", "multiclass", "multilabel"):
        X, y = {"binary": _binary, "multiclass": _multiclass,
                "multilabel": _multilabel}[case](n=120)
        est = MLPClassifier()
    else:
        X, y = {"squared": _regression, "squared-multi": lambda n: _regression(
            n=n, n_targets=2), "poisson": _counts}[case](n=120)
        est = MLPRegressor(loss="poisson" if case == "poisson" else "squared_error")
    n = X.shape[0]
    est.set_params(hidden_layer_sizes=(5,), solver="sgd", learning_rate_init=1e-12,
                   momentum=0.0, alpha=alpha, batch_size=n // n_batches,
                   max_iter=1, random_state=0, activation="tanh")
    _fit(est, X, y)
    p = _forward(est, X)
    if case == "binary":
        p = np.clip(p[:, 0], 1e-16, 1 - 1e-16)
        data = -np.mean(xlogy(y, p) + xlogy(1 - y, 1 - p))
    elif case == "multilabel":
        data = -np.mean(xlogy(y, p) + xlogy(1 - y, 1 - p), axis=0).sum()
    elif case == "multiclass":
        data = -np.mean(np.log(p[np.arange(n), y]))
    elif case == "poisson":
        p = p[:, 0]
        data = np.mean(xlogy(y, y / p) - y + p)
    else:
        Y = y.reshape(n, -1)
        data = 0.5 * np.mean((Y - p) ** 2, axis=0).mean()
    sq = sum(float(np.sum(np.asarray(W, np.float64) ** 2)) for W in est.coefs_)
    expected = data + n_batches * 0.5 * alpha * sq / n
    assert est.loss_ == pytest.approx(expected, rel=1e-6)


# --------------------------------------------------------------------------
# initialisation and randomness
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "activation, factor", [("relu", 6.0), ("tanh", 6.0), ("identity", 6.0), ("logistic", 2.0),
                           ("leaky_relu", 6.0), ("elu", 6.0), ("gelu", 6.0), ("softplus", 6.0)]
)
def test_glorot_uniform_init(activation, factor):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 40))
    y = rng.randint(0, 5, size=60)
    est = MLPClassifier(hidden_layer_sizes=(30, 20), activation=activation, solver="sgd",
                        learning_rate_init=1e-12, momentum=0.0, max_iter=1,
                        random_state=0)
    _fit(est, X, y)
    units = [40, 30, 20, 5]
    for i, (W, b) in enumerate(zip(est.coefs_, est.intercepts_)):
        bound = np.sqrt(factor / (units[i] + units[i + 1]))
        absW = np.abs(W)
        assert absW.max() <= bound * (1 + 1e-6)
        assert np.abs(b).max() <= bound * (1 + 1e-6)
        # uniform on [-bound, bound]: fills the range, mean |w| = bound/2
        assert absW.max() > 0.9 * bound
        assert 0.4 * bound < absW.mean() < 0.6 * bound
        assert abs(W.mean()) < 0.15 * bound
        assert len(np.unique(b)) == b.size  # intercepts are random too


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor], ids=PAIR_IDS)
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_same_random_state_same_model(Est, solver):
    X, y = _binary() if Est is MLPClassifier else _regression()
    kw = dict(hidden_layer_sizes=(6,), solver=solver, max_iter=6, batch_size=32)
    a = _fit(Est(random_state=3, **kw), X, y)
    b = _fit(Est(random_state=3, **kw), X, y)
    c = _fit(Est(random_state=4, **kw), X, y)
    _assert_params_close(_params(a), _params(b), rtol=1e-9, atol=1e-12)
    assert _max_param_diff(_params(a), _params(c)) > 1e-3
    # a RandomState instance is accepted and equally reproducible
    d = _fit(Est(random_state=np.random.RandomState(7), **kw), X, y)
    e = _fit(Est(random_state=np.random.RandomState(7), **kw), X, y)
    _assert_params_close(_params(d), _params(e), rtol=1e-9, atol=1e-12)


def test_refit_without_warm_start_reinitialises():
    X, y = _binary()
    est = MLPClassifier(hidden_layer_sizes=(6,), max_iter=5, random_state=0)
    first = _params(_fit(est, X, y))
    second = _params(_fit(est, X, y))
    _assert_params_close(first, second, rtol=1e-9, atol=1e-12)
    assert est.n_iter_ == 5 and len(est.loss_curve_) == 5


# --------------------------------------------------------------------------
# batch size
# --------------------------------------------------------------------------


@pytest.mark.parametrize("n, auto_size, other", [(260, 200, 130), (60, 60, 30)])
def test_batch_size_auto_is_min_200_n(n, auto_size, other):
    X, y = _binary(n=n)
    kw = dict(hidden_layer_sizes=(5,), solver="sgd", max_iter=2, random_state=0,
              learning_rate_init=0.05)
    auto = _fit(MLPClassifier(batch_size="auto", **kw), X, y)
    explicit = _fit(MLPClassifier(batch_size=auto_size, **kw), X, y)
    different = _fit(MLPClassifier(batch_size=other, **kw), X, y)
    _assert_params_close(_params(auto), _params(explicit), rtol=1e-9, atol=1e-12)
    assert _max_param_diff(_params(auto), _params(different)) > 1e-4


def test_batch_size_larger_than_n_warns_and_clips():
    """exact sklearn message (UserWarning)."""
    X, y = _binary(n=50)
    kw = dict(hidden_layer_sizes=(5,), solver="sgd", max_iter=2, random_state=0)
    with pytest.warns(UserWarning, match=re.escape(MSG_BATCH_CLIP)):
        _fit(SkMLPClassifier(batch_size=1000, **kw), X, y)
    with pytest.warns(UserWarning, match=re.escape(MSG_BATCH_CLIP)):
        big = _fit(MLPClassifier(batch_size=1000, **kw), X, y)
    full = _fit(MLPClassifier(batch_size=50, **kw), X, y)
    _assert_params_close(_params(big), _params(full), rtol=1e-9, atol=1e-12)


def test_batch_size_ignored_by_lbfgs():
    X, y = _binary(n=50)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = MLPClassifier(hidden_layer_sizes=(5,), solver="lbfgs", batch_size=1000,
                          max_iter=10, random_state=0).fit(X, y)
        b = MLPClassifier(hidden_layer_sizes=(5,), solver="lbfgs", batch_size=7,
                          max_iter=10, random_state=0).fit(X, y)
    _assert_params_close(_params(a), _params(b), rtol=1e-9, atol=1e-12)


def test_full_batch_sgd_does_not_depend_on_shuffle():
    X, y = _binary(n=64)
    kw = dict(hidden_layer_sizes=(5,), solver="sgd", max_iter=4, random_state=0,
              learning_rate_init=0.1)
    a = _fit(MLPClassifier(batch_size=64, shuffle=True, **kw), X, y)
    b = _fit(MLPClassifier(batch_size=64, shuffle=False, **kw), X, y)
    _assert_params_close(_params(a), _params(b), rtol=1e-7, atol=1e-10)
    c = _fit(MLPClassifier(batch_size=8, shuffle=True, **kw), X, y)
    d = _fit(MLPClassifier(batch_size=8, shuffle=False, **kw), X, y)
    assert _max_param_diff(_params(c), _params(d)) > 1e-4


# --------------------------------------------------------------------------
# partial_fit
# --------------------------------------------------------------------------


def test_partial_fit_requires_classes_on_first_call():
    """exact sklearn message."""
    X, y = _binary()
    with pytest.raises(ValueError, match=re.escape(MSG_PF_CLASSES)):
        MLPClassifier(hidden_layer_sizes=(4,)).partial_fit(X, y)


def test_partial_fit_subset_of_classes_then_unseen_class():
    X, y = _multiclass()
    est = MLPClassifier(hidden_layer_sizes=(5,), random_state=0)
    mask = y < 2
    est.partial_fit(X[mask], y[mask], classes=[0, 1, 2])
    np.testing.assert_array_equal(est.classes_, [0, 1, 2])
    assert est.out_activation_ == "softmax"
    assert est.predict_proba(X).shape == (X.shape[0], 3)
    est.partial_fit(X, y)  # all three classes now: fine
    y_bad = np.where(y == 2, 7, y)
    with pytest.raises(ValueError, match=re.escape("`y` has classes not in `self.classes_`")):
        est.partial_fit(X, y_bad)
    with pytest.raises(ValueError, match="is not the same as on last call to partial_fit"):
        est.partial_fit(X, y, classes=[0, 1])


def test_partial_fit_single_seen_class_of_two_is_binary():
    X, y = _binary()
    est = MLPClassifier(hidden_layer_sizes=(4,), random_state=0)
    est.partial_fit(X[y == 0], y[y == 0], classes=[0, 1])
    assert est.out_activation_ == "logistic"
    assert est.n_outputs_ == 1
    assert est.predict_proba(X).shape == (X.shape[0], 2)


def test_partial_fit_not_available_for_lbfgs_classifier():
    est = MLPClassifier(solver="lbfgs")
    assert not hasattr(est, "partial_fit")
    with pytest.raises(AttributeError):
        est.partial_fit
    # availability follows the current solver
    est.set_params(solver="sgd")
    assert hasattr(est, "partial_fit")
    assert hasattr(MLPClassifier(solver="adam"), "partial_fit")


def test_partial_fit_lbfgs_regressor_like_sklearn():
    """sklearn quirk: MLPRegressor's availability check is never called
    (``available_if(lambda est: est._check_solver)`` without parentheses), so
    MLPRegressor(solver='lbfgs').partial_fit exists and runs an lbfgs fit that
    continues from the current weights."""
    X, y = _regression()
    assert hasattr(MLPRegressor(solver="lbfgs"), "partial_fit") == hasattr(
        SkMLPRegressor(solver="lbfgs"), "partial_fit"
    )
    if hasattr(SkMLPRegressor(solver="lbfgs"), "partial_fit"):
        est = MLPRegressor(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=5,
                           random_state=0)
        _partial_fit(est, X, y)
        loss1 = est.loss_
        _partial_fit(est, X, y)
        assert est.loss_ < loss1


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor], ids=PAIR_IDS)
def test_partial_fit_counters_like_sklearn(Est):
    """sklearn resets n_iter_ to 0 at the start of every stochastic pass, so
    after each partial_fit n_iter_ == 1, while t_ and loss_curve_ accumulate."""
    X, y = _binary() if Est is MLPClassifier else _regression()
    SkEst = SkMLPClassifier if Est is MLPClassifier else SkMLPRegressor
    kw = {"classes": np.unique(y)} if Est is MLPClassifier else {}
    ours = Est(hidden_layer_sizes=(4,), random_state=0)
    ref = SkEst(hidden_layer_sizes=(4,), random_state=0)
    n = X.shape[0]
    for call in range(1, 4):
        ours.partial_fit(X, y, **kw)
        ref.partial_fit(X, y, **kw)
        assert ours.n_iter_ == ref.n_iter_ == 1
        assert ours.t_ == ref.t_ == call * n
        assert len(ours.loss_curve_) == len(ref.loss_curve_) == call
        assert ours.loss_ == ours.loss_curve_[-1]
    # training does progress
    assert ours.loss_curve_[-1] < ours.loss_curve_[0]


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor], ids=PAIR_IDS)
def test_partial_fit_with_early_stopping_raises(Est):
    """exact sklearn message."""
    X, y = _binary()
    kw = {"classes": [0, 1]} if Est is MLPClassifier else {}
    with pytest.raises(ValueError, match=re.escape(MSG_PF_EARLY_STOP)):
        Est(early_stopping=True).partial_fit(X, y, **kw)


def test_partial_fit_after_fit_continues():
    X, y = _binary()
    est = MLPClassifier(hidden_layer_sizes=(5,), solver="sgd", momentum=0.0,
                        learning_rate_init=0.01, max_iter=3, random_state=0)
    _fit(est, X, y)
    before = _params(est)
    curve = list(est.loss_curve_)
    # sklearn keeps the optimizer of the previous fit in partial_fit, so a
    # learning_rate_init changed in between is not used
    est.set_params(learning_rate_init=1e4)
    est.partial_fit(X, y)
    after = _params(est)
    assert est.loss_curve_[:3] == pytest.approx(curve)
    assert len(est.loss_curve_) == 4
    assert est.t_ == 4 * X.shape[0]
    step = _max_param_diff(before, after)
    assert 0 < step < 0.5


def test_partial_fit_sample_weight_ones_equals_none():
    X, y = _binary()
    a = MLPClassifier(hidden_layer_sizes=(5,), random_state=0)
    b = MLPClassifier(hidden_layer_sizes=(5,), random_state=0)
    for _ in range(2):
        a.partial_fit(X, y, classes=[0, 1])
        b.partial_fit(X, y, classes=[0, 1], sample_weight=np.ones(len(y)))
    _assert_params_close(_params(a), _params(b), rtol=1e-9, atol=1e-12)


# --------------------------------------------------------------------------
# warm_start
# --------------------------------------------------------------------------


def test_warm_start_continues_from_previous_weights():
    X, y = _binary()
    kw = dict(hidden_layer_sizes=(6,), solver="sgd", momentum=0.0,
              learning_rate_init=0.1, max_iter=5, random_state=0)
    est = _fit(MLPClassifier(warm_start=True, **kw), X, y)
    trained = _params(est)
    curve1 = list(est.loss_curve_)
    # second fit with a vanishing learning rate: weights stay where they were
    est.set_params(learning_rate_init=1e-12, max_iter=3)
    _fit(est, X, y)
    _assert_params_close(trained, _params(est), rtol=0, atol=1e-8)
    # sklearn: n_iter_ counts this fit, t_ and loss_curve_ accumulate
    assert est.n_iter_ == 3
    assert est.t_ == 8 * X.shape[0]
    assert len(est.loss_curve_) == 8
    assert est.loss_curve_[:5] == pytest.approx(curve1)
    assert est.loss_curve_[5] < curve1[0]
    # without warm_start the same second fit starts from a fresh init
    cold = MLPClassifier(warm_start=False, **kw)
    _fit(cold, X, y)
    cold.set_params(learning_rate_init=1e-12, max_iter=3)
    _fit(cold, X, y)
    assert _max_param_diff(trained, _params(cold)) > 1e-3
    assert len(cold.loss_curve_) == 3


def test_warm_start_lbfgs_continues():
    X, y = _binary()
    kw = dict(hidden_layer_sizes=(6,), solver="lbfgs", max_iter=5, random_state=0)
    warm = _fit(MLPClassifier(warm_start=True, **kw), X, y)
    loss1 = warm.loss_
    _fit(warm, X, y)
    assert warm.loss_ < loss1 - 1e-6
    cold = _fit(MLPClassifier(warm_start=False, **kw), X, y)
    _fit(cold, X, y)
    assert cold.loss_ == pytest.approx(loss1, rel=1e-9)


def test_warm_start_with_different_classes_raises():
    """exact sklearn message (prefix)."""
    X, y = _multiclass()
    est = _fit(MLPClassifier(hidden_layer_sizes=(4,), max_iter=2, warm_start=True,
                             random_state=0), X, y)
    msg = "warm_start can only be used where `y` has the same classes as in the previous call to fit."
    with pytest.raises(ValueError, match=re.escape(msg)):
        est.fit(X, np.where(y == 2, 5, y))
    with pytest.raises(ValueError, match=re.escape(msg)):
        est.fit(X[y < 2], y[y < 2])


def test_warm_start_with_different_n_features_raises():
    X, y = _binary()
    est = _fit(MLPClassifier(hidden_layer_sizes=(4,), max_iter=2, warm_start=True), X, y)
    with pytest.raises(ValueError, match="features"):
        est.fit(X[:, :4], y)


# --------------------------------------------------------------------------
# early stopping
# --------------------------------------------------------------------------


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor], ids=PAIR_IDS)
def test_early_stopping_attributes(Est):
    X, y = _multiclass(n=200) if Est is MLPClassifier else _regression(n=200)
    est = _fit(Est(hidden_layer_sizes=(8,), early_stopping=True, validation_fraction=0.25,
                   n_iter_no_change=3, learning_rate_init=0.02, max_iter=300,
                   random_state=0), X, y)
    assert est.n_iter_ < 300  # it did stop early
    assert isinstance(est.validation_scores_, list)
    assert len(est.validation_scores_) == est.n_iter_ == len(est.loss_curve_)
    assert est.best_validation_score_ == max(est.validation_scores_)
    assert est.best_loss_ is None
    assert est.t_ == est.n_iter_ * 150  # trained on the 150 training rows only
    if Est is MLPClassifier:
        # accuracies on ceil(0.25 * 200) = 50 validation rows
        scores = np.asarray(est.validation_scores_) * 50
        np.testing.assert_allclose(scores, np.round(scores), atol=1e-9)
    else:
        assert np.all(np.asarray(est.validation_scores_) <= 1.0)  # R^2


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor], ids=PAIR_IDS)
def test_early_stopping_restores_best_weights(Est):
    """Refit the identical model for exactly as many epochs as it took to reach
    its best validation score: those weights must be the restored ones."""
    if Est is MLPClassifier:
        X, y = _multiclass(n=200)
    else:  # noisy target, so that the validation R^2 peaks early
        rng = np.random.RandomState(0)
        X = rng.normal(size=(200, 6))
        y = np.sin(X[:, 0]) + 0.5 * X[:, 1] + 0.5 * rng.normal(size=200)
    # regressor: tol=0, so a stop means n_iter_no_change + 1 epochs strictly
    # below the best; classifier: accuracy moves in steps of 1/50 > tol
    kw = dict(hidden_layer_sizes=(8,), early_stopping=True, validation_fraction=0.25,
              n_iter_no_change=4, tol=1e-4 if Est is MLPClassifier else 0.0,
              learning_rate_init=0.1, random_state=0)
    full = _fit(Est(max_iter=300, **kw), X, y)
    assert full.n_iter_ < 300
    scores = full.validation_scores_
    best = int(np.argmax(scores))  # first maximum: sklearn updates on strict >
    assert best + 1 < full.n_iter_  # best epoch is not the last one
    short = _fit(Est(max_iter=best + 1, **kw), X, y)
    np.testing.assert_allclose(short.validation_scores_, scores[: best + 1], rtol=1e-9)
    _assert_params_close(_params(full), _params(short), rtol=1e-7, atol=1e-10)


def test_early_stopping_split_is_stratified():
    """Constant X: the network can only predict the majority class, so each
    validation score is the majority share of the validation set. With a
    stratified split of 90/10 labels and 20 validation rows it is exactly 0.9
    (or 0.1 while the minority class is predicted) for every random_state."""
    X = np.zeros((100, 3))
    y = np.array([0] * 90 + [1] * 10)
    for rs in range(4):
        est = _fit(MLPClassifier(hidden_layer_sizes=(3,), early_stopping=True,
                                 validation_fraction=0.2, learning_rate_init=0.05,
                                 max_iter=40, random_state=rs), X, y)
        got = set(np.round(est.validation_scores_, 10))
        assert got <= {0.9, 0.1}, (rs, got)
        assert est.best_validation_score_ == pytest.approx(0.9)


def test_early_stopping_validation_set_too_small():
    """exact sklearn message."""
    X, y = _regression(n=10)
    with pytest.raises(ValueError, match=re.escape(MSG_VAL_TOO_SMALL)):
        SkMLPRegressor(early_stopping=True, validation_fraction=0.1).fit(X, y)
    with pytest.raises(ValueError, match=re.escape(MSG_VAL_TOO_SMALL)):
        MLPRegressor(early_stopping=True, validation_fraction=0.1).fit(X, y)
    # classifier: the stratified split itself refuses (1 row < 2 classes)
    Xc, yc = _binary(n=10)
    with pytest.raises(ValueError):
        MLPClassifier(early_stopping=True, validation_fraction=0.1).fit(Xc, yc)


@pytest.mark.parametrize("n_iter_no_change", [1, 3])
@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor], ids=PAIR_IDS)
def test_early_stopping_huge_tol_epoch_count(Est, n_iter_no_change):
    X, y = _binary() if Est is MLPClassifier else _regression()
    SkEst = SkMLPClassifier if Est is MLPClassifier else SkMLPRegressor
    kw = dict(hidden_layer_sizes=(4,), early_stopping=True, tol=1e6, max_iter=100,
              n_iter_no_change=n_iter_no_change, random_state=0)
    ours = _fit(Est(**kw), X, y)
    ref = _fit(SkEst(**kw), X, y)
    assert ours.n_iter_ == ref.n_iter_ == n_iter_no_change + 2
    assert len(ours.validation_scores_) == ours.n_iter_


# --------------------------------------------------------------------------
# stopping rule, convergence warnings, learning-rate schedules
# --------------------------------------------------------------------------


@pytest.mark.parametrize("solver", ["adam", "sgd"])
@pytest.mark.parametrize("n_iter_no_change", [1, 4])
def test_loss_based_stopping_rule(solver, n_iter_no_change):
    """sklearn stops once ``_no_improvement_count > n_iter_no_change``; with a
    huge tol every epoch after the first counts as no improvement, so the fit
    ends after n_iter_no_change + 2 epochs, without a ConvergenceWarning."""
    X, y = _binary()
    kw = dict(hidden_layer_sizes=(4,), solver=solver, tol=1e6, max_iter=50,
              n_iter_no_change=n_iter_no_change, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ours = MLPClassifier(**kw).fit(X, y)
        ref = SkMLPClassifier(**kw).fit(X, y)
    assert ours.n_iter_ == ref.n_iter_ == n_iter_no_change + 2
    assert len(ours.loss_curve_) == ours.n_iter_


def test_tol_zero_small_improvements_keep_going():
    X, y = _binary()
    est = _fit(MLPClassifier(hidden_layer_sizes=(6,), tol=0.0, n_iter_no_change=np.inf,
                             max_iter=12, random_state=0), X, y)
    assert est.n_iter_ == 12


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor], ids=PAIR_IDS)
@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_convergence_warning_stochastic(Est, solver):
    """exact sklearn message."""
    X, y = _binary() if Est is MLPClassifier else _regression()
    est = Est(hidden_layer_sizes=(4,), solver=solver, max_iter=3, random_state=0)
    with pytest.warns(ConvergenceWarning, match=re.escape(MSG_MAX_ITER.format(3))):
        est.fit(X, y)
    assert est.n_iter_ == 3


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor], ids=PAIR_IDS)
def test_convergence_warning_lbfgs_max_iter(Est):
    X, y = _binary() if Est is MLPClassifier else _regression()
    est = Est(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=3, random_state=0)
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
        est.fit(X, y)
    assert 1 <= est.n_iter_ <= 3


def test_lbfgs_max_fun():
    X, y = _binary()
    est = MLPClassifier(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=500, max_fun=3,
                        random_state=0)
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
        est.fit(X, y)
    assert est.n_iter_ <= 3
    ref = _fit(SkMLPClassifier(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=500,
                               max_fun=3, random_state=0), X, y)
    assert abs(est.n_iter_ - ref.n_iter_) <= 1


def test_lbfgs_fits_small_problem():
    X, y = _multiclass()
    est = _fit(MLPClassifier(hidden_layer_sizes=(10,), solver="lbfgs", max_iter=200,
                             random_state=0), X, y)
    ref = _fit(SkMLPClassifier(hidden_layer_sizes=(10,), solver="lbfgs", max_iter=200,
                               random_state=0), X, y)
    acc = est.score(X, y)
    assert acc >= 0.95
    assert acc >= ref.score(X, y) - 0.05
    assert est.n_iter_ <= 200
    assert np.isfinite(est.loss_) and est.loss_ < 0.3


def test_schedules_identical_during_first_epoch():
    """invscaling/adaptive only change the rate at the end of an epoch."""
    X, y = _binary()
    kw = dict(hidden_layer_sizes=(5,), solver="sgd", learning_rate_init=0.1,
              batch_size=20, max_iter=1, random_state=0)
    fits = [_params(_fit(MLPClassifier(learning_rate=lr, **kw), X, y))
            for lr in ("constant", "invscaling", "adaptive")]
    _assert_params_close(fits[0], fits[1], rtol=1e-9, atol=1e-12)
    _assert_params_close(fits[0], fits[2], rtol=1e-9, atol=1e-12)


def test_invscaling_schedule():
    """After each epoch sklearn sets lr = learning_rate_init / (t_ + 1) ** power_t."""
    X, y = _binary(n=100)
    kw = dict(hidden_layer_sizes=(5,), solver="sgd", learning_rate_init=0.1,
              momentum=0.0, batch_size=100, random_state=0)
    # power_t = 0: same as constant
    a = _fit(MLPClassifier(learning_rate="invscaling", power_t=0.0, max_iter=4, **kw), X, y)
    b = _fit(MLPClassifier(learning_rate="constant", max_iter=4, **kw), X, y)
    _assert_params_close(_params(a), _params(b), rtol=1e-9, atol=1e-12)
    # power_t = 2: after the first epoch the rate is 0.1 / 101**2 -> almost frozen
    one = _params(_fit(MLPClassifier(learning_rate="invscaling", power_t=2.0,
                                     max_iter=1, **kw), X, y))
    four = _params(_fit(MLPClassifier(learning_rate="invscaling", power_t=2.0,
                                      max_iter=4, **kw), X, y))
    const4 = _params(_fit(MLPClassifier(learning_rate="constant", max_iter=4, **kw), X, y))
    moved_inv = _max_param_diff(one, four)
    moved_const = _max_param_diff(one, const4)
    assert moved_const > 1e-3
    assert moved_inv < 0.01 * moved_const


@pytest.mark.parametrize("n_iter_no_change", [1, 2])
def test_adaptive_divides_rate_instead_of_stopping(n_iter_no_change):
    """sgd + adaptive: on no improvement the rate is divided by 5 and training
    goes on until the rate would drop below 1e-6; adam ignores 'adaptive'."""
    X, y = _binary()
    kw = dict(hidden_layer_sizes=(4,), learning_rate_init=0.1, tol=1e6, max_iter=200,
              n_iter_no_change=n_iter_no_change, random_state=0)
    counts = {}
    for solver, lr in [("sgd", "constant"), ("sgd", "adaptive"), ("adam", "adaptive")]:
        ours = _fit(MLPClassifier(solver=solver, learning_rate=lr, **kw), X, y)
        ref = _fit(SkMLPClassifier(solver=solver, learning_rate=lr, **kw), X, y)
        assert ours.n_iter_ == ref.n_iter_, (solver, lr)
        counts[solver, lr] = ours.n_iter_
    # 0.1 / 5**8 < 1e-6: 8 divisions, then the 9th trigger stops
    assert counts["sgd", "constant"] == n_iter_no_change + 2
    assert counts["sgd", "adaptive"] == n_iter_no_change + 2 + 8 * (n_iter_no_change + 1)
    assert counts["adam", "adaptive"] == n_iter_no_change + 2


def test_nesterov_and_momentum():
    X, y = _binary()
    kw = dict(hidden_layer_sizes=(6,), solver="sgd", learning_rate_init=0.05,
              max_iter=8, random_state=0)
    on = _fit(MLPClassifier(nesterovs_momentum=True, momentum=0.9, **kw), X, y)
    off = _fit(MLPClassifier(nesterovs_momentum=False, momentum=0.9, **kw), X, y)
    for est in (on, off):
        assert est.loss_curve_[-1] < est.loss_curve_[0]
    assert _max_param_diff(_params(on), _params(off)) > 1e-5
    # without momentum the nesterov flag makes no difference
    on0 = _fit(MLPClassifier(nesterovs_momentum=True, momentum=0.0, **kw), X, y)
    off0 = _fit(MLPClassifier(nesterovs_momentum=False, momentum=0.0, **kw), X, y)
    _assert_params_close(_params(on0), _params(off0), rtol=1e-9, atol=1e-12)
    assert _max_param_diff(_params(on0), _params(on)) > 1e-5


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_every_activation_and_solver_learns(activation, solver):
    X, y = _binary()
    kw = dict(hidden_layer_sizes=(6,), activation=activation, solver=solver,
              learning_rate_init=0.05 if solver == "sgd" else 0.02, max_iter=50,
              random_state=0)
    est = _fit(MLPClassifier(**kw), X, y)
    ref = _fit(SkMLPClassifier(**kw), X, y)
    assert est.score(X, y) > 0.7
    assert est.score(X, y) >= ref.score(X, y) - 0.1
    if solver != "lbfgs":
        assert est.loss_curve_[-1] < 0.8 * est.loss_curve_[0]


# --------------------------------------------------------------------------
# sample_weight
# --------------------------------------------------------------------------


def _lbfgs_reg(**kw):
    return MLPRegressor(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=40,
                        random_state=0, **kw)


def test_sample_weight_constant_scaling():
    """sklearn divides the L2 term by sum(sample_weight): with weights 2 the
    objective equals the unweighted one with alpha / 2."""
    X, y = _regression(n=60)
    none = _fit(_lbfgs_reg(alpha=0.0), X, y)
    twos = _fit(_lbfgs_reg(alpha=0.0), X, y, sample_weight=np.full(60, 2.0))
    _assert_params_close(_params(none), _params(twos), rtol=1e-6, atol=1e-8)
    w_alpha = _fit(_lbfgs_reg(alpha=1.0), X, y, sample_weight=np.full(60, 2.0))
    half_alpha = _fit(_lbfgs_reg(alpha=0.5), X, y)
    full_alpha = _fit(_lbfgs_reg(alpha=1.0), X, y)
    _assert_params_close(_params(w_alpha), _params(half_alpha), rtol=1e-5, atol=1e-7)
    assert _max_param_diff(_params(w_alpha), _params(full_alpha)) > 1e-4


def test_integer_sample_weight_equals_repetition():
    X, y = _regression(n=60)
    w = np.random.RandomState(0).randint(1, 4, size=60)
    weighted = _fit(_lbfgs_reg(alpha=0.01), X, y, sample_weight=w.astype(float))
    repeated = _fit(_lbfgs_reg(alpha=0.01), np.repeat(X, w, axis=0), np.repeat(y, w))
    np.testing.assert_allclose(weighted.predict(X), repeated.predict(X), rtol=1e-4,
                               atol=1e-5)


def test_zero_sample_weight_equals_dropping_rows():
    X, y = _regression(n=60)
    w = np.ones(60)
    w[::3] = 0.0
    weighted = _fit(_lbfgs_reg(alpha=0.01), X, y, sample_weight=w)
    dropped = _fit(_lbfgs_reg(alpha=0.01), X[w > 0], y[w > 0])
    np.testing.assert_allclose(weighted.predict(X), dropped.predict(X), rtol=1e-4,
                               atol=1e-5)


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor], ids=PAIR_IDS)
def test_sample_weight_stochastic(Est):
    X, y = _binary() if Est is MLPClassifier else _regression()
    kw = dict(hidden_layer_sizes=(5,), max_iter=4, batch_size=30, random_state=0)
    none = _fit(Est(**kw), X, y)
    ones = _fit(Est(**kw), X, y, sample_weight=np.ones(len(y)))
    _assert_params_close(_params(none), _params(ones), rtol=1e-9, atol=1e-12)
    w = np.random.RandomState(1).uniform(0.1, 3.0, size=len(y))
    weighted = _fit(Est(**kw), X, y, sample_weight=w)
    assert _max_param_diff(_params(none), _params(weighted)) > 1e-5


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor], ids=PAIR_IDS)
def test_sample_weight_wrong_length_raises(Est):
    """exact sklearn message (from _check_sample_weight)."""
    X, y = _binary(n=100)
    with pytest.raises(ValueError, match=re.escape("sample_weight.shape == (99,), expected (100,)!")):
        Est(max_iter=2).fit(X, y, sample_weight=np.ones(99))


# --------------------------------------------------------------------------
# verbose
# --------------------------------------------------------------------------


def test_verbose_prints_iterations(capsys):
    X, y = _binary()
    est = _fit(MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, verbose=True,
                             random_state=0), X, y)
    out = capsys.readouterr().out
    lines = re.findall(r"^Iteration (\d+), loss = (\d+\.\d{8})$", out, flags=re.M)
    assert [int(i) for i, _ in lines] == [1, 2, 3]
    np.testing.assert_allclose([float(v) for _, v in lines], est.loss_curve_, atol=1e-8)


def test_verbose_early_stopping_and_stop_message(capsys):
    """exact sklearn messages: 'Validation score: %f' per epoch and the
    'did not improve ... Stopping.' line."""
    X, y = _binary()
    est = _fit(MLPClassifier(hidden_layer_sizes=(4,), max_iter=50, verbose=True,
                             early_stopping=True, tol=1e6, n_iter_no_change=2,
                             random_state=0), X, y)
    out = capsys.readouterr().out
    scores = re.findall(r"^Validation score: (\d+\.\d{6})$", out, flags=re.M)
    assert len(scores) == est.n_iter_ == 4
    assert ("Validation score did not improve more than tol=1000000.000000 for 2 "
            "consecutive epochs. Stopping.") in out
    _fit(MLPClassifier(hidden_layer_sizes=(4,), max_iter=50, verbose=True, tol=1e6,
                       n_iter_no_change=2, random_state=0), X, y)
    out = capsys.readouterr().out
    assert ("Training loss did not improve more than tol=1000000.000000 for 2 "
            "consecutive epochs. Stopping.") in out


def test_not_verbose_prints_nothing(capsys):
    X, y = _binary()
    _fit(MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0), X, y)
    _fit(MLPClassifier(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=3,
                       random_state=0), X, y)
    captured = capsys.readouterr()
    assert captured.out == ""


# --------------------------------------------------------------------------
# prediction outputs
# --------------------------------------------------------------------------


def test_binary_predict_proba():
    X, y = _binary()
    est = _fit(MLPClassifier(hidden_layer_sizes=(5,), max_iter=20, random_state=0), X, y)
    proba = est.predict_proba(X)
    assert proba.shape == (X.shape[0], 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert np.all((proba >= 0) & (proba <= 1))
    pred = est.predict(X)
    np.testing.assert_array_equal(pred, est.classes_[(proba[:, 1] > 0.5).astype(int)])
    np.testing.assert_allclose(est.predict_log_proba(X), np.log(proba), rtol=1e-12)
    assert est.score(X, y) == pytest.approx(accuracy_score(y, pred))
    # the probabilities are the network's outputs
    np.testing.assert_allclose(proba[:, 1], _forward(est, X)[:, 0], rtol=1e-9, atol=1e-12)


def test_multiclass_predict_proba():
    X, y = _multiclass()
    est = _fit(MLPClassifier(hidden_layer_sizes=(5,), max_iter=20, random_state=0), X, y)
    proba = est.predict_proba(X)
    assert proba.shape == (X.shape[0], 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(est.predict(X), est.classes_[proba.argmax(axis=1)])
    np.testing.assert_allclose(est.predict_log_proba(X), np.log(proba), rtol=1e-12)
    np.testing.assert_allclose(proba, _forward(est, X), rtol=1e-9, atol=1e-12)


def test_multilabel_predict():
    X, Y = _multilabel()
    est = _fit(MLPClassifier(hidden_layer_sizes=(8,), max_iter=30, random_state=0), X, Y)
    ref = _fit(SkMLPClassifier(hidden_layer_sizes=(8,), max_iter=30, random_state=0), X, Y)
    pred = est.predict(X)
    proba = est.predict_proba(X)
    assert pred.shape == Y.shape
    assert proba.shape == Y.shape
    assert pred.dtype == ref.predict(X).dtype
    assert set(np.unique(pred)) <= {0, 1}
    np.testing.assert_array_equal(pred, (proba > 0.5).astype(pred.dtype))
    assert np.all((proba >= 0) & (proba <= 1))
    np.testing.assert_allclose(proba, _forward(est, X), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("kind", ["str-array", "list", "object"])
def test_string_labels_roundtrip(kind):
    X, y = _multiclass()
    names = np.array(["alpha", "beta", "gamma"])[y]
    labels = {"str-array": names, "list": list(names),
              "object": names.astype(object)}[kind]
    kw = dict(hidden_layer_sizes=(6,), learning_rate_init=0.01, max_iter=50, random_state=0)
    est = _fit(MLPClassifier(**kw), X, labels)
    ref = _fit(SkMLPClassifier(**kw), X, labels)
    pred = est.predict(X)
    assert pred.dtype == ref.predict(X).dtype
    assert est.classes_.dtype == ref.classes_.dtype
    np.testing.assert_array_equal(est.classes_, ref.classes_)
    assert set(pred) <= {"alpha", "beta", "gamma"}
    assert est.score(X, labels) > 0.75


def test_binary_string_labels():
    X, y = _binary()
    labels = np.array(["no", "yes"])[y]
    est = _fit(MLPClassifier(hidden_layer_sizes=(6,), max_iter=30, random_state=0), X, labels)
    np.testing.assert_array_equal(est.classes_, ["no", "yes"])
    proba = est.predict_proba(X)
    assert proba.shape == (len(y), 2)
    np.testing.assert_array_equal(est.predict(X), np.where(proba[:, 1] > 0.5, "yes", "no"))


def test_regressor_multi_output():
    X, Y = _regression(n_targets=3)
    est = _fit(MLPRegressor(hidden_layer_sizes=(8,), max_iter=30, random_state=0), X, Y)
    pred = est.predict(X)
    assert pred.shape == (X.shape[0], 3)
    assert est.coefs_[-1].shape == (8, 3)
    np.testing.assert_allclose(pred, _forward(est, X), rtol=1e-9, atol=1e-12)
    assert est.score(X, Y) == pytest.approx(r2_score(Y, pred))


def test_regressor_single_output_shape():
    X, y = _regression()
    est = _fit(MLPRegressor(hidden_layer_sizes=(8,), max_iter=30, random_state=0), X, y)
    pred = est.predict(X)
    assert pred.shape == (X.shape[0],)
    assert pred.dtype == np.float64
    np.testing.assert_allclose(pred, _forward(est, X)[:, 0], rtol=1e-9, atol=1e-12)
    assert est.score(X, y) == pytest.approx(r2_score(y, pred))


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor], ids=PAIR_IDS)
def test_column_vector_y_warns(Est):
    """exact sklearn message (DataConversionWarning)."""
    X, y = _binary()
    y = y if Est is MLPClassifier else y.astype(float)
    est = Est(hidden_layer_sizes=(4,), max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.warns(DataConversionWarning, match=re.escape(MSG_COLUMN_Y)):
            est.fit(X, y.reshape(-1, 1))
    assert est.predict(X).shape == (X.shape[0],)
    assert est.n_outputs_ == 1


# --------------------------------------------------------------------------
# input types: sparse, pandas, dtypes
# --------------------------------------------------------------------------


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_input_matches_dense(solver, fmt):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(100, 12)) * (rng.uniform(size=(100, 12)) < 0.3)
    y = (X[:, 0] + X[:, 1] - X[:, 2] > 0).astype(int)
    Xs = sp.csr_matrix(X) if fmt == "csr" else sp.csc_matrix(X)
    kw = dict(hidden_layer_sizes=(6,), solver=solver, max_iter=15, random_state=0)
    dense = _fit(MLPClassifier(**kw), X, y)
    sparse = _fit(MLPClassifier(**kw), Xs, y)
    _assert_params_close(_params(dense), _params(sparse), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(sparse.predict_proba(Xs), dense.predict_proba(X),
                               rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(dense.predict_proba(Xs), dense.predict_proba(X),
                               rtol=1e-12, atol=1e-14)


def test_sparse_regressor():
    X, y = _regression()
    X[np.abs(X) < 0.8] = 0.0
    kw = dict(hidden_layer_sizes=(6,), max_iter=10, random_state=0)
    dense = _fit(MLPRegressor(**kw), X, y)
    sparse = _fit(MLPRegressor(**kw), sp.csr_matrix(X), y)
    np.testing.assert_allclose(sparse.predict(sp.csr_matrix(X)), dense.predict(X),
                               rtol=1e-5, atol=1e-7)


def test_pandas_feature_names():
    pd = pytest.importorskip("pandas")
    X, y = _binary()
    cols = [f"f{i}" for i in range(X.shape[1])]
    df = pd.DataFrame(X, columns=cols)
    est = _fit(MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0), df, y)
    np.testing.assert_array_equal(est.feature_names_in_, cols)
    assert est.feature_names_in_.dtype == object
    arr = _fit(MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0), X, y)
    assert not hasattr(arr, "feature_names_in_")
    np.testing.assert_allclose(est.predict_proba(df), arr.predict_proba(X), rtol=1e-9)
    # renamed columns: sklearn 1.9 raises
    renamed = df.rename(columns={"f5": "other"})
    with pytest.raises(ValueError, match="The feature names should match those that were passed during fit"):
        est.predict(renamed)
    # ndarray into a model fitted on a DataFrame, and the reverse: sklearn warns
    with pytest.warns(UserWarning, match="X does not have valid feature names, but MLPClassifier was fitted with feature names"):
        est.predict(X)
    with pytest.warns(UserWarning, match="X has feature names, but MLPClassifier was fitted without feature names"):
        arr.predict(df)


def test_pandas_regressor_and_series_target():
    pd = pytest.importorskip("pandas")
    X, y = _regression()
    df = pd.DataFrame(X, columns=list("abcdef"))
    est = _fit(MLPRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0), df,
               pd.Series(y))
    np.testing.assert_array_equal(est.feature_names_in_, list("abcdef"))
    assert est.predict(df).shape == (len(y),)


def _outputs(est, X):
    return est.predict_proba(X) if is_classifier(est) else est.predict(X)


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor], ids=PAIR_IDS)
@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_float32_kept(Est, solver):
    X, y = _multiclass() if Est is MLPClassifier else _regression()
    X32 = X.astype(np.float32)
    kw = dict(hidden_layer_sizes=(6,), solver=solver, max_iter=5, random_state=0,
              learning_rate_init=0.01)
    e32 = _fit(Est(**kw), X32, y)
    e64 = _fit(Est(**kw), X, y)
    for W in list(e32.coefs_) + list(e32.intercepts_):
        assert W.dtype == np.float32
    for W in list(e64.coefs_) + list(e64.intercepts_):
        assert W.dtype == np.float64
    p32, p64 = _outputs(e32, X32), _outputs(e64, X)
    assert p32.dtype == np.float32
    assert p64.dtype == np.float64
    np.testing.assert_allclose(p32, p64, rtol=1e-2, atol=2e-3)
    # sklearn agrees on the output dtype
    SkEst = SkMLPClassifier if Est is MLPClassifier else SkMLPRegressor
    assert p32.dtype == _outputs(_fit(SkEst(**kw), X32, y), X32).dtype


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor], ids=PAIR_IDS)
def test_float32_lbfgs(Est):
    """sklearn's lbfgs hands back scipy's float64 vector, so its float32 fits end
    with float64 weights; keeping float32 (fastnn's dtype rule) is accepted as well. Either
    way the float32 fit must agree with the float64 one."""
    X, y = _multiclass() if Est is MLPClassifier else _regression()
    X32 = X.astype(np.float32)
    kw = dict(hidden_layer_sizes=(6,), solver="lbfgs", max_iter=5, random_state=0)
    e32 = _fit(Est(**kw), X32, y)
    e64 = _fit(Est(**kw), X, y)
    assert e32.coefs_[0].dtype in (np.float32, np.float64)
    assert all(W.dtype == e32.coefs_[0].dtype for W in e32.coefs_ + e32.intercepts_)
    assert _outputs(e32, X32).dtype in (np.float32, np.float64)
    np.testing.assert_allclose(_outputs(e32, X32), _outputs(e64, X), rtol=1e-2, atol=5e-3)


def test_float32_fit_predicts_as_the_float64_fit():
    """scikit-learn's test_mlp_regressor_dtypes_casting, with a bound that
    holds for every BLAS kernel family: relative where the predictions are
    not near 0, and absolute (relative to the largest) where they are, since
    a near-cancelling float32 sum's rounding scales with its terms, not with
    its result (conftest.py).  150 epochs of adam in float32 stay within
    about 1e-5 of float64 here, whatever the kernels."""
    X, y = load_digits(n_class=2, return_X_y=True)
    kw = dict(alpha=1e-5, hidden_layer_sizes=(5, 3), random_state=1, max_iter=150, tol=1e-3)
    pred_64 = _fit(MLPRegressor(**kw), X[:300], y[:300]).predict(X[300:])
    pred_32 = _fit(MLPRegressor(**kw), X[:300].astype(np.float32),
                   y[:300]).predict(X[300:].astype(np.float32))
    np.testing.assert_allclose(pred_32, pred_64, rtol=5e-4, atol=1e-4 * np.abs(pred_64).max())


def test_float32_binary_predict_proba_dtype():
    X, y = _binary()
    est = _fit(MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0),
               X.astype(np.float32), y)
    assert est.predict_proba(X.astype(np.float32)).dtype == np.float32


def test_integer_X_trains_in_float64():
    X, y = _binary()
    Xi = np.round(X * 10).astype(np.int64)
    est = _fit(MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0), Xi, y)
    assert est.coefs_[0].dtype == np.float64


@pytest.mark.parametrize(
    "scale, lr", [(1e30, 1e-3), (1.0, 1e10)], ids=["huge-X", "huge-learning-rate"]
)
def test_diverging_fit_raises_like_sklearn(scale, lr):
    """exact sklearn message."""
    X, y = make_regression(n_samples=50, n_features=4, random_state=0)
    X = X * scale
    kw = dict(hidden_layer_sizes=(5,), solver="sgd", learning_rate_init=lr, max_iter=20,
              random_state=0)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match=re.escape(MSG_NON_FINITE)):
            SkMLPRegressor(**kw).fit(X, y)
        with pytest.raises(ValueError, match=re.escape(MSG_NON_FINITE)):
            MLPRegressor(**kw).fit(X, y)


# --------------------------------------------------------------------------
# errors before/at predict time
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "Est, method",
    [(MLPClassifier, "predict"), (MLPClassifier, "predict_proba"),
     (MLPClassifier, "predict_log_proba"), (MLPRegressor, "predict")],
)
def test_not_fitted_error(Est, method):
    X, _ = _binary()
    with pytest.raises(NotFittedError, match="is not fitted yet"):
        getattr(Est(), method)(X)


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor], ids=PAIR_IDS)
def test_wrong_number_of_features(Est):
    X, y = _binary()
    est = _fit(Est(hidden_layer_sizes=(4,), max_iter=2), X, y)
    name = Est.__name__
    with pytest.raises(ValueError, match=f"X has 3 features, but {name} is expecting 6 features as input"):
        est.predict(X[:, :3])


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor], ids=PAIR_IDS)
def test_nan_input_raises(Est):
    X, y = _binary()
    X = X.copy()
    X[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        Est(max_iter=2).fit(X, y)


# --------------------------------------------------------------------------
# accuracy parity with scikit-learn on real data
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "solver, kw",
    [
        ("adam", dict(max_iter=30, learning_rate_init=0.01)),
        ("sgd", dict(max_iter=30, learning_rate_init=0.05)),
        ("lbfgs", dict(max_iter=100, alpha=1e-2)),
    ],
)
def test_digits_accuracy_parity(digits_split, solver, kw):
    X_tr, X_te, y_tr, y_te = digits_split
    ours, ref = [], []
    for seed in (0, 1):
        params = dict(hidden_layer_sizes=(32,), solver=solver, random_state=seed, **kw)
        ours.append(_fit(MLPClassifier(**params), X_tr, y_tr).score(X_te, y_te))
        ref.append(_fit(SkMLPClassifier(**params), X_tr, y_tr).score(X_te, y_te))
    assert min(ours) > 0.94
    assert abs(np.mean(ours) - np.mean(ref)) <= 0.015, (ours, ref)


@pytest.mark.parametrize("activation", ["leaky_relu", "elu", "gelu", "softplus"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activations_beyond_sklearn_learn_digits(digits_split, activation, dtype):
    """Each activation scikit-learn lacks learns digits, in either dtype,
    and the fitted model computes exactly that function: predict_proba
    against a NumPy forward pass over coefs_ / intercepts_."""
    X_tr, X_te, y_tr, y_te = (a.astype(dtype) if a.dtype.kind == "f" else a
                              for a in digits_split)
    est = _fit(MLPClassifier(hidden_layer_sizes=(32,), activation=activation, max_iter=30,
                             learning_rate_init=0.01, random_state=0), X_tr, y_tr)
    assert est.coefs_[0].dtype == dtype
    assert est.score(X_te, y_te) > 0.9
    close = dict(rtol=1e-9, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(est.predict_proba(X_te), _forward(est, X_te), **close)


@pytest.mark.parametrize(
    "solver, kw",
    [
        ("adam", dict(max_iter=200, learning_rate_init=0.01, alpha=1e-2)),
        ("lbfgs", dict(max_iter=60, alpha=1e-1)),
    ],
)
def test_regression_r2_parity(solver, kw):
    X, y = make_friedman1(n_samples=600, noise=0.3, random_state=0)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=0)
    scaler = StandardScaler().fit(X_tr)
    X_tr, X_te = scaler.transform(X_tr), scaler.transform(X_te)
    mu, sd = y_tr.mean(), y_tr.std()
    y_tr, y_te = (y_tr - mu) / sd, (y_te - mu) / sd
    ours, ref = [], []
    for seed in (0, 1, 2):
        params = dict(hidden_layer_sizes=(32,), solver=solver, random_state=seed, **kw)
        ours.append(_fit(MLPRegressor(**params), X_tr, y_tr).score(X_te, y_te))
        ref.append(_fit(SkMLPRegressor(**params), X_tr, y_tr).score(X_te, y_te))
    assert min(ours) > 0.85
    assert abs(np.mean(ours) - np.mean(ref)) <= 0.03, (ours, ref)


TRAJECTORY_CASES = {
    "adam": (MLPClassifier, SkMLPClassifier, _multiclass, {}),
    "sgd-nesterov": (MLPClassifier, SkMLPClassifier, _binary,
                     dict(solver="sgd", learning_rate_init=0.05)),
    "sgd-invscaling": (MLPClassifier, SkMLPClassifier, _binary,
                       dict(solver="sgd", learning_rate="invscaling",
                            learning_rate_init=0.5, nesterovs_momentum=False)),
    "lbfgs": (MLPClassifier, SkMLPClassifier, _multiclass, dict(solver="lbfgs")),
    "early-stopping": (MLPClassifier, SkMLPClassifier, _multiclass,
                       dict(early_stopping=True, learning_rate_init=0.01)),
    "multilabel": (MLPClassifier, SkMLPClassifier, _multilabel, {}),
    "regressor": (MLPRegressor, SkMLPRegressor, _regression, dict(alpha=0.1)),
    "poisson": (MLPRegressor, SkMLPRegressor, _counts, dict(loss="poisson")),
}


@pytest.mark.parametrize("case", list(TRAJECTORY_CASES))
def test_same_trajectory_as_sklearn(case):
    """Stronger than the API requires: fastnn follows sklearn's use of the
    random stream (Glorot draws, shuffles, validation split), so with the same
    random_state a short fit lands on sklearn's weights up to rounding."""
    Est, SkEst, make_data, extra = TRAJECTORY_CASES[case]
    X, y = make_data()
    kw = dict(hidden_layer_sizes=(7, 5), max_iter=6, batch_size=32, random_state=0,
              **extra)
    ours = _fit(Est(**kw), X, y)
    ref = _fit(SkEst(**kw), X, y)
    assert ours.n_iter_ == ref.n_iter_
    _assert_params_close(_params(ours), _params(ref), rtol=1e-6, atol=1e-9)
    assert ours.loss_ == pytest.approx(ref.loss_, rel=1e-6)
    if hasattr(ref, "loss_curve_"):
        np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-6)
    if getattr(ref, "validation_scores_", None) is not None:
        np.testing.assert_allclose(ours.validation_scores_, ref.validation_scores_,
                                   rtol=1e-9)


# --------------------------------------------------------------------------
# pickle, clone, threads, meta-estimators
# --------------------------------------------------------------------------


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor], ids=PAIR_IDS)
def test_pickle_roundtrip(Est):
    X, y = _multiclass() if Est is MLPClassifier else _regression()
    est = _fit(Est(hidden_layer_sizes=(6, 4), max_iter=5, random_state=0), X, y)
    loaded = pickle.loads(pickle.dumps(est))
    assert type(loaded) is type(est)
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    if Est is MLPClassifier:
        np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))
        np.testing.assert_array_equal(loaded.classes_, est.classes_)
    for a, b in zip(_params(loaded), _params(est)):
        np.testing.assert_array_equal(a, b)
    assert loaded.loss_curve_ == est.loss_curve_
    assert loaded.get_params() == est.get_params()
    # training state survives too: continuing gives the same model
    kw = {"classes": np.unique(y)} if Est is MLPClassifier else {}
    _partial_fit(est, X, y, **kw)
    _partial_fit(loaded, X, y, **kw)
    _assert_params_close(_params(loaded), _params(est), rtol=1e-9, atol=1e-12)


def test_pickle_unfitted():
    est = MLPClassifier(hidden_layer_sizes=(3,), alpha=0.5)
    loaded = pickle.loads(pickle.dumps(est))
    assert loaded.get_params() == est.get_params()
    assert not hasattr(loaded, "coefs_")


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor], ids=PAIR_IDS)
def test_clone(Est):
    X, y = _binary()
    params = dict(hidden_layer_sizes=(6,), alpha=0.3, max_iter=3, random_state=2,
                  solver="sgd", learning_rate="adaptive")
    if not REFERENCE:
        params["n_threads"] = 1
    est = _fit(Est(**params), X, y)
    cloned = clone(est)
    assert cloned is not est
    assert cloned.get_params() == est.get_params()
    for attr in ("coefs_", "intercepts_", "n_iter_", "loss_curve_", "classes_", "t_"):
        assert not hasattr(cloned, attr)
    with pytest.raises(NotFittedError):
        cloned.predict(X)
    refit = _fit(cloned, X, y)
    _assert_params_close(_params(refit), _params(est), rtol=1e-9, atol=1e-12)


def test_estimator_type():
    assert is_classifier(MLPClassifier())
    assert is_regressor(MLPRegressor())
    assert not is_regressor(MLPClassifier())


@fastnn_only
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_n_threads_do_not_change_results(solver):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 40))
    y = (X[:, :5].sum(axis=1) > 0).astype(int) + (X[:, 5] > 1)
    kw = dict(hidden_layer_sizes=(64, 32), solver=solver, max_iter=8, random_state=0)
    one = _fit(MLPClassifier(n_threads=1, **kw), X, y)
    two = _fit(MLPClassifier(n_threads=2, **kw), X, y)
    np.testing.assert_allclose(one.predict_proba(X), two.predict_proba(X), rtol=1e-6,
                               atol=1e-8)
    assert one.n_iter_ == two.n_iter_
    assert two.get_params()["n_threads"] == 2
    # n_threads only matters at fit/predict time: predicting with another
    # setting gives the same numbers
    two.set_params(n_threads=1)
    np.testing.assert_allclose(two.predict_proba(X), one.predict_proba(X), rtol=1e-6,
                               atol=1e-8)


def test_pipeline():
    X, y = _multiclass()
    X = X * 50 + 3
    pipe = make_pipeline(StandardScaler(), MLPClassifier(
        hidden_layer_sizes=(8,), learning_rate_init=0.01, max_iter=60, random_state=0))
    _fit(pipe, X, y)
    assert pipe.score(X, y) > 0.85
    assert pipe.predict_proba(X).shape == (len(y), 3)


def test_grid_search_over_alpha():
    X, y = _binary()
    grid = GridSearchCV(
        MLPClassifier(hidden_layer_sizes=(5,), learning_rate_init=0.01, max_iter=50,
                      random_state=0),
        {"alpha": [1e-4, 1.0]}, cv=3, n_jobs=1,
    )
    _fit(grid, X, y)
    assert grid.best_params_["alpha"] in (1e-4, 1.0)
    assert len(grid.cv_results_["mean_test_score"]) == 2
    assert np.all(np.isfinite(grid.cv_results_["mean_test_score"]))
    assert isinstance(grid.best_estimator_, MLPClassifier)
    assert grid.best_estimator_.alpha == grid.best_params_["alpha"]
    assert grid.score(X, y) > 0.7


def test_cross_val_score_regressor():
    X, y = _regression()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = cross_val_score(
            MLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=50,
                         random_state=0), X, y, cv=3,
        )
    assert scores.shape == (3,)
    assert np.all(scores > 0.5)


# ---- weights of either sign, and mixed dtypes at predict time ------------

def test_negative_sample_weights_follow_sklearn():
    """scikit-learn divides by the weight sum whatever its sign; so do we."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 3))
    y = X.sum(1)
    kw = dict(hidden_layer_sizes=(5,), max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = MLPRegressor(**kw).fit(X, y, sample_weight=-np.ones(50))
        ref = SkMLPRegressor(**kw).fit(X, y, sample_weight=-np.ones(50))
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-6)


def test_float64_input_on_float32_model_predicts_float64():
    """As in scikit-learn, whose float32 weights meet float64 data in a
    float64 matrix product."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3))
    y = X.sum(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
        model.fit(X.astype(np.float32), y)
        ref = SkMLPRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
        ref.fit(X.astype(np.float32), y)
    assert model.coefs_[0].dtype == np.float32
    assert model.predict(X).dtype == ref.predict(X).dtype == np.float64
    assert model.predict(X.astype(np.float32)).dtype == np.float32
    np.testing.assert_allclose(model.predict(X), ref.predict(X), rtol=1e-4, atol=1e-5)
