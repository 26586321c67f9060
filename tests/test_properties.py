"""Property-based tests: every public estimator driven with generated
input, good and bad.

Each generated case (an estimator, then fit or partial_fit, predict,
predict_proba, score or transform on generated data) must end either in a
correct result (finite outputs of the right shape and dtype, probabilities
in [0, 1] summing to 1, labels from the training labels, finite weights
after a fit) or in an exception of scikit-learn's kinds (ValueError,
TypeError, NotFittedError, InvalidParameterError) whose message says what
is wrong; never a crash, a hang, another kind of exception (IndexError,
KeyError, AttributeError...) or silent garbage.  For each case the test
also knows whether it must succeed (finite data of a valid shape), must
fail (NaN, empty, complex, a wrong shape, an invalid parameter) or may do
either (huge magnitudes, which may diverge).

Cases that reach the C engine run in a child process (tests/isolated.py),
one child per test serving all its cases, so a segfault or a hang becomes
a failure that names the case.

Profiles (registered in tests/conftest.py):

- ``ci`` (the default): 40 cases a test (80 for the text one), derandomized, so every run draws
  the same cases; about a minute for the file on two cores.
- ``long``: ``HYPOTHESIS_PROFILE=long python -m pytest tests/test_properties.py``,
  1000 cases a test (2000 for the text one), freshly drawn each run (about two
  minutes on two cores).

``--hypothesis-show-statistics`` prints how many cases each test ran.
"""
import math

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, event, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import fastnn  # noqa: E402
from fastnn import layers as L  # noqa: E402
from fastnn.text import SequenceVectorizer  # noqa: E402

from isolated import Arg, Broken, Worker  # noqa: E402

# a worker fixture lives for the whole test: one child process for all its cases
FIXTURE_OK = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])

TINY = dict(max_iter=2, random_state=0)
F32_MAX = float(np.finfo(np.float32).max)
# scales applied to standard normal values: ordinary, huge, tiny, subnormal
SCALES = [1.0, 1.0, 1.0, 3.0, 1e300, F32_MAX, 1e-300, 5e-324, 1e-42]
HUGE = 1e30
GOOD_DTYPES = ("float64", "float64", "float32", "float16", "int64", "uint8", "bool")
ACCEPTED = ("ValueError", "TypeError")
# what a message shows when an internal error leaks out instead of a check saying what is wrong
LEAKS = ("LayerSpec(", "ufunc", "not supported between instances", "object has no attribute",
         "int() argument", "object is not callable", "object is not iterable", "index ")  # NotFittedError and InvalidParameterError are ValueErrors


@pytest.fixture
def worker():
    w = Worker()
    yield w
    w.stop()


# ---- generated arrays -----------------------------------------------------------

class Data:
    """A generated X (or y): the Arg to pass, and what the oracle needs."""

    def __init__(self, arg, values, why_bad=None):
        self.arg, self.values, self.why_bad = arg, values, why_bad

    @property
    def shape(self):
        return np.shape(self.values)

    @property
    def huge(self):
        v = self.values
        if v.dtype == object:
            v = np.asarray(v.tolist()) if self.why_bad is None else v
        return (v.dtype.kind == "f" and v.size > 0 and bool(np.isfinite(v).all())
                and float(np.abs(v.astype(np.float64)).max()) > HUGE)


def why_bad(values, ndim_ok=(2,)):
    """Why validation must refuse this array, or None."""
    if values.ndim not in ndim_ok:
        return "ndim %d" % values.ndim
    if 0 in values.shape:
        return "an empty dimension"
    if values.dtype.kind == "c":
        return "complex"
    if values.dtype.kind in "OUS":
        try:
            values = values.astype(np.float64)
        except (ValueError, TypeError):
            return "strings"
    if values.dtype.kind == "f" and not np.isfinite(values).all():
        return "NaN or inf"
    return None


@st.composite
def arrays(draw, shape, dtypes=("float64", "float64", "float64", "float32", "float32", "float16",
                                "int64", "uint8", "bool", "complex", "object", "strings"),
           poison=True, scales=SCALES, layouts=("C", "C", "F", "strided", "readonly"),
           containers=("array", "array", "list"), ids=None, ndim_ok=(2,)):
    """Values for a given shape with a drawn dtype, magnitude, memory
    layout and container, and maybe NaN or inf at drawn positions."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if ids is not None:  # whole numbers around an Embedding's range
        values = rng.integers(ids[0], ids[1], size=shape).astype(np.float64)
    else:
        values = rng.standard_normal(shape) * draw(st.sampled_from(scales))
    dtype = draw(st.sampled_from(dtypes))
    size = int(np.prod(shape))
    if poison and size and dtype in ("float64", "float32", "float16", "object") and draw(
            st.integers(0, 7)) == 0:
        where = draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=3))
        values.reshape(-1)[where] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    with np.errstate(all="ignore"):
        if dtype in ("int64", "uint8"):
            values = np.clip(np.round(values), 0 if dtype == "uint8" else -100, 100).astype(dtype)
        elif dtype == "bool":
            values = values > 0
        elif dtype == "complex":
            values = values.astype(np.complex128)
        elif dtype == "object":
            values = values.astype(object)
        elif dtype == "strings":
            values = np.full(shape, "a", dtype=object)
        else:
            values = values.astype(dtype)
    layout = draw(st.sampled_from(layouts))
    container = draw(st.sampled_from(containers)) if values.ndim >= 1 else "array"
    arg = Arg(values, layout, container)
    return Data(arg, values, why_bad(values, ndim_ok))


ODD_COLUMNS = {
    "ints": lambda f: list(range(f)),
    "unicode": lambda f: ["çolonne_%d_é✓" % i for i in range(f)],
    "duplicates": lambda f: ["x"] * f,
    "mixed": lambda f: [i if i % 2 else "c%d" % i for i in range(f)],
}


@st.composite
def frames(draw, n, f):
    """A DataFrame with odd column names (ints, unicode, duplicates, mixed)."""
    data = draw(arrays((n, f), dtypes=("float64", "float32", "int64"), containers=("array",),
                       layouts=("C",), scales=(1.0,)))
    kind = draw(st.sampled_from(sorted(ODD_COLUMNS)))
    columns = ODD_COLUMNS[kind](f)
    data.arg = Arg(data.values, container="frame", columns=columns)
    # scikit-learn refuses mixed name types (TypeError) and, through narwhals,
    # duplicate names (ValueError)
    data.maybe_bad = f > 1 and kind in ("mixed", "duplicates")
    return data


LABEL_SETS = [[0, 1, 2], [-5, 7, 100], ["a", "b", "c"], ["ça", "β", "x y"], [True, False],
              [0.5, 1.5, -2.0], [1, "a", 2.5], [np.nan, 1.0], [3.0, 1.0, 2.0], [0, 1, 2]]


CLEAN_LABELS = [LABEL_SETS[i] for i in (0, 1, 2, 3, 4, 8)]


@st.composite
def labels(draw, n, clean=False):
    """Class labels of a drawn kind and count (1 to 3 classes); mixed
    types and NaN included unless clean."""
    pool = draw(st.sampled_from([p for p in LABEL_SETS if not clean or p in CLEAN_LABELS]))
    k = draw(st.integers(1, len(pool)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    chosen = [pool[i] for i in rng.integers(0, k, n)]
    as_list = draw(st.booleans())
    y = chosen if as_list else np.array(chosen, dtype=object if pool == LABEL_SETS[6] else None)
    bad = None
    if any(isinstance(v, float) and math.isnan(v) for v in chosen):
        bad = "NaN label"
    elif any(isinstance(v, float) and v != int(v) for v in chosen) and not (
            pool == LABEL_SETS[6]):
        bad = "continuous labels"  # scikit-learn: Unknown label type
    return y, bad, pool == LABEL_SETS[6]


@st.composite
def targets(draw, n, clean=False):
    """Regression targets: one or two outputs, ordinary or huge, maybe NaN."""
    outputs = draw(st.sampled_from([None, None, 2]))
    shape = (n,) if outputs is None else (n, outputs)
    data = draw(arrays(shape, dtypes=("float64", "float32", "int64"), containers=("array", "list"),
                       layouts=("C",), scales=(1.0,) if clean else (1.0, 1.0, 1e300),
                       ndim_ok=(1, 2), poison=not clean))
    return data.arg, data.why_bad, data.huge, outputs


# ---- judging outcomes ------------------------------------------------------------

def describe(case):
    calls = "; ".join("%s(%s)" % (m, ", ".join([repr(a) for a in args]
                                              + ["%s=%r" % kv for kv in kw.items()]))
                      for m, args, kw in case["calls"])
    return "%r: %s" % (case["estimator"], calls)


def check_error(outcome, call, case, must_name=None):
    """A raised exception must be of scikit-learn's kinds and say something."""
    mro, message, tb = outcome[1:4]
    # partial_fit with lbfgs: scikit-learn's available_if raises AttributeError
    no_partial_fit = call == "partial_fit" and mro[0] == "AttributeError" and (
        "partial_fit" in message)
    assert no_partial_fit or any(kind in mro for kind in ACCEPTED) and not any(
        leak in mro for leak in ("IndexError", "KeyError", "ZeroDivisionError", "MemoryError",
                                 "AttributeError")
    ) or "NotFittedError" in mro, "%s raised %s: %s\n%s\nin %s" % (
        call, mro[0], message, tb, describe(case))
    assert len(message) >= 15 and not any(leak in message for leak in LEAKS), (
        "%s raised %s with a message that does not say what is wrong: %r\nin %s"
        % (call, mro[0], message, describe(case)))
    if must_name is not None:
        assert must_name in message, "%s raised %s without naming %r: %s\nin %s" % (
            call, mro[0], must_name, message, describe(case))


def judge(case, outcomes, expect):
    """expect: per call, 'ok' (must succeed), 'raise' (must raise), or
    'either'; plus the checks a success must pass, as a function."""
    fitted = None
    for (method, args, kwargs), outcome, (want, check) in zip(case["calls"], outcomes, expect):
        call = method
        event("%s: %s" % (method, "ok" if outcome[0] == "ok" else outcome[1][0]))
        if outcome[0] == "raised":
            assert want != "ok", "%s must succeed but raised %s: %s\n%s\nin %s" % (
                call, outcome[1][0], outcome[2], outcome[3], describe(case))
            check_error(outcome, call, case)
            if fitted is False:
                assert "NotFittedError" in outcome[1], (
                    "%s after a failed fit raised %s, not NotFittedError: %s\nin %s"
                    % (call, outcome[1][0], outcome[2], describe(case)))
            if fitted is None and method in ("fit", "partial_fit"):
                fitted = outcome[5] if outcome[5]["fitted"] else False
                if fitted:
                    # only a diverging fit stops fitted, keeping its last finite weights
                    assert "non-finite parameter weights" in outcome[2], (
                        "%s raised %s but left the estimator fitted\nin %s"
                        % (call, outcome[2], describe(case)))
                    assert fitted["finite_weights"], ("non-finite weights kept", describe(case))
            continue
        assert want != "raise", "%s must raise but returned %r\nin %s" % (
            call, outcome[1], describe(case))
        result = outcome[1]
        if method in ("fit", "partial_fit"):
            assert result["fitted"] and result["finite_weights"], (
                "%s left weights that are not finite: %r\nin %s" % (call, result, describe(case)))
            fitted = result
        elif check is not None:
            check(result, fitted, case, outcome[2])
    return fitted


def nothing_fitted_raises(outcome):
    """A predict on a model whose fit failed raises NotFittedError."""
    assert outcome[0] == "raised" and "NotFittedError" in outcome[1], outcome


def finite(a):
    return np.issubdtype(np.asarray(a).dtype, np.floating) and np.isfinite(a).all()


def classifier_checks(n_rows, classes_of_y):
    def predict(result, fitted, case, warned):
        assert result.shape == (n_rows,), (result.shape, describe(case))
        assert set(result.tolist()) <= set(np.asarray(fitted["classes"]).tolist()), (
            "predicted labels outside classes_", result, fitted["classes"], describe(case))
        if classes_of_y is not None:
            assert np.asarray(fitted["classes"]).tolist() == classes_of_y, (
                "classes_ are not the training labels", fitted["classes"], classes_of_y)

    def proba(result, fitted, case, warned):
        k = len(fitted["classes"])
        # one class: scikit-learn's MLP gives two columns (see the report)
        assert result.shape == (n_rows, max(k, 2)), (result.shape, k, describe(case))
        assert result.dtype in (np.float32, np.float64), result.dtype
        assert finite(result), ("non-finite probabilities", result, describe(case))
        assert (result >= 0).all() and (result <= 1).all(), (result, describe(case))
        np.testing.assert_allclose(result.sum(axis=1), 1, rtol=1e-4, err_msg=describe(case))

    def score(result, fitted, case, warned):
        assert 0 <= result <= 1, ("accuracy out of [0, 1]", result, describe(case))
    return {"predict": predict, "predict_proba": proba, "score": score}


def regressor_checks(n_rows):
    def predict(result, fitted, case, warned):
        shape = (n_rows,) if fitted["n_outputs"] == 1 else (n_rows, fitted["n_outputs"])
        assert result.shape == shape, (result.shape, shape, describe(case))
        assert result.dtype in (np.float32, np.float64), result.dtype
        assert finite(result), ("non-finite predictions", result, describe(case))

    def score(result, fitted, case, warned):
        # R^2 of one sample is undefined: NaN with a warning, as scikit-learn
        assert not np.isnan(result) or n_rows < 2, ("NaN score", describe(case), warned)
    return {"predict": predict, "score": score}


def transform_checks(n_rows):
    def transform(result, fitted, case, warned):
        assert result.shape == (n_rows, fitted["code_width"]), (result.shape, describe(case))
        assert finite(result), ("non-finite code", result, describe(case))

    def score(result, fitted, case, warned):
        assert result <= 0 and not np.isnan(result), (result, describe(case))
    return {"transform": transform, "score": score}


def run(worker, case, expect):
    try:
        outcomes = worker.run(case, describe)
    except Broken as broken:
        pytest.fail(str(broken), pytrace=False)
    return judge(case, outcomes, expect)


# ---- flat input: the MLPs, Net over Dense layers, the autoencoder -------------------

FLAT = {
    "MLPClassifier": lambda: fastnn.MLPClassifier((3,), **TINY),
    "MLPRegressor": lambda: fastnn.MLPRegressor(hidden_layer_sizes=(3,), **TINY),
    "NetClassifier": lambda: fastnn.NetClassifier([L.Dense(3, "tanh"), L.Dropout(0.2)],
                                                  **TINY),
    "NetRegressor": lambda: fastnn.NetRegressor([L.Dense(3), L.BatchNorm()], **TINY),
    "AutoencoderTransformer": lambda: fastnn.AutoencoderTransformer([L.Dense(3), L.Dense(2)],
                                                                    **TINY),
}


@st.composite
def flat_cases(draw):
    name = draw(st.sampled_from(sorted(FLAT)))
    est = FLAT[name]()
    est.set_params(solver=draw(st.sampled_from(["adam", "sgd", "lbfgs"])),
                   max_iter=draw(st.integers(1, 3)))
    if name.startswith("Net") and est.layers[-1].__class__ is not L.Dense:
        est.set_params(solver=draw(st.sampled_from(["adam", "sgd"])))
    # half the cases are clean (finite, valid dtypes and shapes), to reach the
    # checks on results as often as those on refusals
    clean = draw(st.booleans())
    n = draw(st.sampled_from([1, 2, 3, 7, 12] if clean else [0, 1, 2, 3, 7, 12]))
    f = draw(st.sampled_from([1, 2, 5] if clean else [0, 1, 2, 5]))
    X = draw(arrays((n, f), poison=False, dtypes=GOOD_DTYPES) if clean else
             st.one_of(arrays((n, f)), arrays((n, f)), arrays((n, f)), frames(n, f))
             if n and f else arrays(
        draw(st.sampled_from([(n, f), (n,), (n, f, 2)]))))
    fit_bad = X.why_bad
    maybe_bad = getattr(X, "maybe_bad", False) or X.huge
    kind = "transformer" if name.startswith("Auto") else (
        "classifier" if name.endswith("Classifier") else "regressor")
    if kind == "transformer" and n < 2:
        fit_bad = fit_bad or "one sample"
    classes_of_y = None
    if kind == "classifier":
        y, y_bad, mixed = draw(labels(n, clean))
        fit_bad = fit_bad or y_bad
        maybe_bad = maybe_bad or mixed
        if not mixed and not y_bad:
            classes_of_y = np.unique(np.asarray(y)).tolist()
    elif kind == "regressor":
        y, y_bad, y_huge, outputs = draw(targets(n, clean))
        fit_bad = fit_bad or y_bad
        maybe_bad = maybe_bad or y_huge
    else:
        y = None
    method = draw(st.sampled_from(["fit", "fit", "partial_fit"]))
    kwargs = {}
    if method == "partial_fit":
        if est.solver == "lbfgs" and kind != "regressor":
            # (scikit-learn's regressor keeps partial_fit with lbfgs, running lbfgs)
            fit_bad = fit_bad or "lbfgs has no partial_fit"
        if kind == "classifier":
            kwargs["classes"] = np.unique(np.asarray(y)) if classes_of_y is not None else [0, 1]
            if classes_of_y is None:
                maybe_bad = True
    fit_args = (X.arg,) if y is None else (X.arg, y)
    calls = [(method, fit_args, kwargs)]
    fit_want = "raise" if fit_bad else ("either" if maybe_bad else "ok")
    expect = [(fit_want, None)]

    # then predicting: on the training X, or on other generated rows
    n_pred = draw(st.sampled_from([0, 1, 4]))
    if draw(st.booleans()) or not (n and f):
        P = draw(arrays((max(n_pred, 1), f if f else 1), poison=not clean))
        if draw(st.integers(0, 3)) == 0:  # another feature count
            P = draw(arrays((max(n_pred, 1), f + 1)))
        if n_pred == 0:
            P = draw(arrays((0, max(f, 1))))
    else:
        P = X
    n_rows = P.shape[0] if P.values.ndim else 0
    wrong_features = P.values.ndim < 2 or P.values.ndim > 2 or X.values.ndim != 2 or (
        P.shape[1] != X.shape[1])
    pred_bad = P.why_bad or ("wrong feature count" if wrong_features else None)
    if fit_want == "raise":
        pred_want = "raise"
    elif pred_bad:
        pred_want = "raise"
    elif fit_want == "either" or P.huge or getattr(P, "maybe_bad", False):
        pred_want = "either"
    else:
        pred_want = "ok"
    if kind == "classifier":
        checks = classifier_checks(n_rows, classes_of_y if method == "fit" else None)
        y_score = (list(np.asarray(y, dtype=object)[:1]) * n_rows) if n else [0] * n_rows
        names = ["predict", "predict_proba"]
    elif kind == "regressor":
        checks = regressor_checks(n_rows)
        y_score = np.zeros(n_rows if outputs is None else (n_rows, outputs))
        names = ["predict"]
    else:
        checks = transform_checks(n_rows)
        y_score = None
        names = ["transform"]
    for m in names:
        calls.append((m, (P.arg,), {}))
        expect.append((pred_want, checks[m]))
    if kind != "transformer":
        calls.append(("score", (P.arg, y_score), {}))
        expect.append((pred_want, checks["score"]))
    else:
        calls.append(("score", (P.arg,), {}))
        expect.append((pred_want, checks["score"]))
    return {"estimator": est, "calls": calls}, expect


@FIXTURE_OK
@given(flat_cases())
def test_flat_estimators_on_generated_input(worker, case_expect):
    case, expect = case_expect
    run(worker, case, expect)


# ---- images and sequences: Conv, RNN, Net over conv, recurrent and Embedding layers ----

VOCAB = 5
SHAPED = {  # name: (estimator, the input form its first layer reads, classifier?)
    "ConvClassifier": (lambda: fastnn.ConvClassifier((2,), hidden_layer_sizes=(3,), **TINY),
                       "image", True),
    "ConvRegressor": (lambda: fastnn.ConvRegressor((2,), kernel_size=2, strides=2,
                                                   pooling="avg", hidden_layer_sizes=(),
                                                   **TINY), "image", False),
    "RNNClassifier": (lambda: fastnn.RNNClassifier("gru", (2,), **TINY), "sequence", True),
    "RNNRegressor": (lambda: fastnn.RNNRegressor("lstm", (2,), bidirectional=True, **TINY),
                     "sequence", False),
    "NetClassifier-conv": (lambda: fastnn.NetClassifier(
        [L.Conv2D(2), L.MaxPool2D(), L.Flatten()], **TINY), "image", True),
    "NetRegressor-conv1d": (lambda: fastnn.NetRegressor(
        [L.Conv1D(2, 2), L.GlobalMaxPool()], **TINY), "sequence", False),
    "NetClassifier-embedding": (lambda: fastnn.NetClassifier(
        [L.Embedding(VOCAB, 2), L.LSTM(2)], **TINY), "ids", True),
    "NetRegressor-embedding": (lambda: fastnn.NetRegressor(
        [L.Embedding(VOCAB, 2), L.GlobalAvgPool()], **TINY), "ids", False),
    "NetRegressor-flatten": (lambda: fastnn.NetRegressor([L.Flatten(), L.Dense(3)], **TINY),
                             "any", False),
}
NDIMS = {"image": (2, 3, 4), "sequence": (2, 3), "ids": (2, 3), "any": (2, 3, 4, 5)}


def reading(form, sample, input_shape):
    """'ok', 'raise' or 'either': can the first layer read samples of this
    shape (X.shape[1:]) with this input_shape?"""
    if input_shape is None:
        if form == "ids" and len(sample) == 2 and sample[1] != 1:
            return "raise"  # one id per step
        return "ok"
    if form == "any":
        return "either"
    if not all(isinstance(v, int) and v >= 1 for v in input_shape):
        return "raise"
    if len(sample) == 1:  # flat rows, read with input_shape
        lengths = (2, 3) if form == "image" else (2,)
        fits = len(input_shape) in lengths and math.prod(input_shape) == sample[0]
        if form == "ids" and fits and input_shape[1] != 1:
            return "raise"
        return "ok" if fits else "raise"
    if form == "image":
        actual = sample if len(sample) == 3 else (1,) + sample
        return "ok" if input_shape in (actual, actual[1:]) else "raise"
    return reading(form, sample, None) if input_shape == sample else "raise"


@st.composite
def shaped_cases(draw):
    name = draw(st.sampled_from(sorted(SHAPED)))
    make, form, classifier = SHAPED[name]
    est = make()
    est.set_params(max_iter=draw(st.integers(1, 3)))
    clean = draw(st.booleans())  # finite data of a shape the first layer reads
    n = draw(st.sampled_from([1, 3, 6] if clean else [0, 1, 3, 6]))
    ndim = draw(st.sampled_from(NDIMS[form] if clean else (1,) + NDIMS[form] + (5,)))
    dims = tuple(draw(st.lists(st.sampled_from([1, 2, 3, 5] if clean else [0, 1, 2, 3, 5]),
                               min_size=ndim - 1, max_size=ndim - 1)))
    if clean and form == "ids" and ndim == 3:
        dims = dims[:1] + (1,)
    shape = (n,) + dims
    ids = (0, VOCAB) if form == "ids" else None
    if ids and not clean and draw(st.integers(0, 5)) == 0:
        ids = (-1, VOCAB + 2)  # out of the vocabulary, maybe
    kw = dict(ids=ids, ndim_ok=NDIMS[form], poison=not clean)
    if ids:
        kw["dtypes"] = ("float64", "float32", "int64", "uint8", "bool", "object")
    elif clean:
        kw["dtypes"] = GOOD_DTYPES
    X = draw(arrays(shape, **kw))
    input_shape = None
    if not clean and draw(st.integers(0, 2)) == 0:
        sample = dims if len(dims) > 1 else None
        input_shape = draw(st.one_of(
            st.tuples(st.integers(0, 5), st.integers(1, 5)),
            st.tuples(st.integers(1, 3), st.integers(1, 5), st.integers(1, 5)),
            st.just(sample) if sample else st.just((1, 2)),
            st.just((1, 2.5, 2)), st.just((-1, 4))))
        est.set_params(input_shape=input_shape)
    sample = shape[1:]
    fit_bad = X.why_bad
    want = "raise" if fit_bad else reading(form, sample, input_shape)
    if ids and want != "raise" and X.values.size and X.why_bad is None:
        v = np.asarray(X.values.tolist(), dtype=np.float64)
        if (v < 0).any() or (v >= VOCAB).any():
            want = "raise"
    if want == "ok" and X.huge:
        want = "either"
    n_rows = n
    if classifier:
        y, y_bad, mixed = draw(labels(n, clean))
        classes_of_y = None if (y_bad or mixed) else np.unique(np.asarray(y)).tolist()
        if y_bad:
            want = "raise"
        elif mixed and want == "ok":
            want = "either"
    else:
        y, y_bad, y_huge, outputs = draw(targets(n, clean))
        if y_bad:
            want = "raise"
        elif y_huge and want == "ok":
            want = "either"
    calls, expect = [("fit", (X.arg, y), {})], [(want, None)]

    # predicting on the same samples, or on samples of another shape
    if draw(st.integers(0, 2)) or want == "raise":
        P, pred_want = X, want
    else:
        other = tuple(draw(st.lists(st.sampled_from([1, 2, 3, 5]), min_size=len(dims),
                                    max_size=len(dims))))
        P = draw(arrays((2,) + other, ids=ids and (0, VOCAB), ndim_ok=NDIMS[form],
                        dtypes=("float64", "float32", "int64"), scales=(1.0,)))
        same = math.prod(other) == math.prod(dims)
        pred_want = "raise" if P.why_bad or not same or want == "raise" else (
            "either" if want == "either" or other != dims else "ok")
        n_rows = 2
    checks = classifier_checks(n_rows, classes_of_y) if classifier else regressor_checks(n_rows)
    for m in ["predict", "predict_proba"] if classifier else ["predict"]:
        calls.append((m, (P.arg,), {}))
        expect.append((pred_want, checks[m]))
    return {"estimator": est, "calls": calls}, expect


@FIXTURE_OK
@given(shaped_cases())
def test_image_and_sequence_estimators_on_generated_input(worker, case_expect):
    case, expect = case_expect
    run(worker, case, expect)


# ---- invalid parameters, set with set_params, then fit ------------------------------

BAD_INTS = [-1, 0, 2.5, "3", None, float("nan")]
BAD_SIZES = [0, -2, (0,), (2.5,), ("a",), ((3,),), (None,), "3", None]
BAD_REALS = [-1.0, float("nan"), "0.1", None, [0.1]]
BAD_FRACTIONS = [-0.1, 1.5, float("nan"), "half", None]
BAD_STRINGS = ["nope", "", 3, None, "RELU"]
BAD_BOOLS = ["yes", 2, None]
BAD_PARAMS = {
    "hidden_layer_sizes": BAD_SIZES, "max_iter": BAD_INTS, "batch_size": BAD_INTS,
    "n_iter_no_change": BAD_INTS, "max_fun": BAD_INTS, "warmup_epochs": [-1, 2.5, "1", None],
    "alpha": BAD_REALS, "learning_rate_init": BAD_REALS + [0.0], "power_t": BAD_REALS,
    "tol": BAD_REALS, "epsilon": BAD_REALS + [0.0], "momentum": BAD_FRACTIONS,
    "beta_1": BAD_FRACTIONS, "beta_2": BAD_FRACTIONS, "validation_fraction": BAD_FRACTIONS,
    "dropout": BAD_FRACTIONS + [[0.1, 0.2, 0.3]], "activation": BAD_STRINGS,
    "solver": BAD_STRINGS, "learning_rate": BAD_STRINGS, "monitor": BAD_STRINGS,
    "device": ["gpu", "", 3, None], "shuffle": BAD_BOOLS, "warm_start": BAD_BOOLS,
    "nesterovs_momentum": BAD_BOOLS, "early_stopping": BAD_BOOLS, "batch_norm": BAD_BOOLS,
    "n_threads": [0, 2.5, "all"], "random_state": ["seed", -1, 2.5],
    "verbose": ["loud", None], "callbacks": ["x", 3],
    # classifiers, regressors
    "class_weight": [{"z": 1.0}, "heavy", 3], "loss": BAD_STRINGS,
    # conv, rnn, net
    "filters": BAD_SIZES, "kernel_size": BAD_SIZES + [(3, 3, 3)], "strides": BAD_SIZES,
    "pool_size": BAD_SIZES, "padding": BAD_STRINGS, "pooling": BAD_STRINGS[:3],
    "cell": BAD_STRINGS, "recurrent_layer_sizes": BAD_SIZES, "bidirectional": BAD_BOOLS,
    "clip_grad_norm": [-1.0, 0.0, "1", float("nan")],
    "input_shape": [(0, 4), (1, 2.5, 2), "ab", 5, ((1,), 2), (-1, 4), (1, 1, 1, 8)],
    "layers": ["abc", [{}], [L.Dense(2), "relu"], [None], L.Dense(2)],
    "decoder_layers": ["abc", [{}], [None]],
}
PARAM_ESTIMATORS = {  # estimator, one valid (X, y)
    "MLPClassifier": (lambda: fastnn.MLPClassifier((2,), **TINY), "flat", True),
    "MLPRegressor": (lambda: fastnn.MLPRegressor(hidden_layer_sizes=(2,), **TINY), "flat",
                     False),
    "ConvClassifier": (lambda: fastnn.ConvClassifier((2,), hidden_layer_sizes=(2,), **TINY),
                       "image", True),
    "RNNRegressor": (lambda: fastnn.RNNRegressor("rnn", (2,), **TINY), "sequence", False),
    "NetClassifier": (lambda: fastnn.NetClassifier([L.Dense(2)], **TINY), "flat", True),
    "NetRegressor": (lambda: fastnn.NetRegressor([L.LSTM(2)], **TINY), "sequence", False),
    "AutoencoderTransformer": (lambda: fastnn.AutoencoderTransformer([L.Dense(2)], **TINY),
                               "flat", None),
}
GOOD_X = {"flat": np.arange(16.0).reshape(8, 2) / 16, "image": np.arange(72.0).reshape(8, 3, 3),
          "sequence": np.arange(48.0).reshape(8, 3, 2) / 48}


@st.composite
def bad_parameter_cases(draw):
    name = draw(st.sampled_from(sorted(PARAM_ESTIMATORS)))
    make, form, classifier = PARAM_ESTIMATORS[name]
    est = make()
    param = draw(st.sampled_from(sorted(set(BAD_PARAMS) & set(est.get_params()))))
    value = draw(st.sampled_from(BAD_PARAMS[param]))
    if param in ("momentum", "nesterovs_momentum"):
        est.set_params(solver="sgd")  # where they are read
    if param in ("validation_fraction", "n_iter_no_change"):
        est.set_params(early_stopping=True)
    if param == "max_fun":
        est.set_params(solver="lbfgs")
    est.set_params(**{param: value})
    X = GOOD_X[form]
    y = np.arange(8) % 2 if classifier is not None else None
    args = (X,) if y is None else (X, y)
    return {"estimator": est, "calls": [("fit", args, {}), ("predict" if y is not None else
                                                             "transform", (X,), {})]}, param


@FIXTURE_OK
@given(bad_parameter_cases())
def test_invalid_parameters_are_refused_by_name(worker, case_param):
    """An invalid value set with set_params makes fit raise ValueError or
    TypeError (InvalidParameterError among them) naming the parameter, and
    leaves the estimator unfitted."""
    case, param = case_param
    try:
        outcomes = worker.run(case, describe)
    except Broken as broken:
        pytest.fail(str(broken), pytrace=False)
    fit, after = outcomes
    event("%s: %s" % (param, fit[1][0] if fit[0] == "raised" else "accepted"))
    assert fit[0] == "raised", "fit accepted %s=%r: %r" % (
        param, case["estimator"].get_params()[param], fit[1])
    # a bad layer list may be refused by the layer that cannot take the data
    check_error(fit, "fit", case, must_name="layer" if param == "layers" else param)
    nothing_fitted_raises(after)


# ---- text.SequenceVectorizer (plain Python: runs in this process) --------------------

TEXTS = st.one_of(st.text(max_size=12), st.sampled_from(["", " ", "\x00", "çà ✓ 日本", "a.b,c!",
                                                         "The cat sat.", "ABC abc"]))
NOT_TEXT = st.sampled_from([None, 3, 2.5, b"bytes", ["nested"], np.nan])


@settings(max_examples=2 * settings.default.max_examples)
@given(fit_texts=st.lists(st.one_of(TEXTS, TEXTS, TEXTS, TEXTS, NOT_TEXT), max_size=5),
       other=st.lists(st.one_of(TEXTS, TEXTS, TEXTS, NOT_TEXT), max_size=4),
       container=st.sampled_from(["list", "list", "tuple", "array", "series", "frame",
                                  "string"]),
       params=st.fixed_dictionaries({}, optional={
           "analyzer": st.sampled_from(["char", "word", "byte", None]),
           "max_length": st.sampled_from([None, 1, 3, 0, -1, 2.5, "3"]),
           "max_tokens": st.sampled_from([None, 3, 10, 2, 0, 3.5]),
           "lowercase": st.sampled_from([True, False, "no"]),
           "padding": st.sampled_from(["post", "pre", "left"])}))
def test_sequence_vectorizer_on_generated_text(fit_texts, other, container, params):
    import pandas as pd

    def wrap(texts):
        if container == "tuple":
            return tuple(texts)
        if container == "array":
            return np.array(texts, dtype=object)
        if container == "series":
            return pd.Series(texts, dtype=object)
        if container == "frame":
            return pd.DataFrame({"text": pd.Series(texts, dtype=object)})
        if container == "string":
            return "".join(t for t in texts if isinstance(t, str))
        return list(texts)

    valid_params = {"analyzer": ("char", "word"), "max_length": (None, 1, 3),
                    "max_tokens": (None, 3, 10), "lowercase": (True, False),
                    "padding": ("post", "pre")}
    good_params = all(v in valid_params[k] for k, v in params.items())
    good_input = container not in ("frame", "string")
    vectorizer = SequenceVectorizer(**params)
    good_fit = good_params and good_input and fit_texts and all(
        isinstance(t, str) for t in fit_texts)
    try:
        vectorizer.fit(wrap(fit_texts))
        event("fit: ok")
    except (ValueError, TypeError) as exc:
        event("fit: " + type(exc).__name__)
        assert not good_fit, "fit refused good input: %r" % exc
        assert len(str(exc)) >= 15 and not any(leak in str(exc) for leak in LEAKS), exc
        with pytest.raises(ValueError, match="not fitted"):
            vectorizer.transform(["abc"])
        return
    assert good_fit, "fit accepted %r with %r" % (wrap(fit_texts), params)
    good_other = good_input and all(isinstance(t, str) for t in other)
    try:
        ids = vectorizer.transform(wrap(other))
        event("transform: ok")
    except (ValueError, TypeError) as exc:
        event("transform: " + type(exc).__name__)
        assert not good_other, "transform refused good input: %r" % exc
        assert len(str(exc)) >= 15 and not any(leak in str(exc) for leak in LEAKS), exc
        return
    assert good_other, "transform accepted %r" % (wrap(other),)
    assert ids.shape == (len(other), vectorizer.max_length_) and ids.dtype == np.int32
    assert ((ids >= 0) & (ids < vectorizer.vocab_size_)).all()
    # the ids decode to the texts' own tokens, cut at max_length
    decoded = vectorizer.inverse_transform(ids)
    for text, tokens in zip(other, decoded):
        expected = [t if t in vectorizer.vocabulary_ else "<unk>"
                    for t in vectorizer._tokens(text)[:vectorizer.max_length_]]
        # characters come back joined into one string
        assert tokens == ("".join(expected) if vectorizer.analyzer == "char" else expected)


# ---- the child process helper itself ------------------------------------------------

def test_a_crash_or_hang_in_the_child_names_its_case_and_the_next_case_runs():
    import faulthandler
    import time
    from types import SimpleNamespace

    worker = Worker(timeout=5)
    try:
        fine = {"estimator": SimpleNamespace(add=divmod), "calls": [("add", (7, 2), {})]}
        assert worker.run(fine)[0][:2] == ("ok", (3, 1))
        crash = {"estimator": SimpleNamespace(go=faulthandler._sigsegv), "calls": [("go", (), {})]}
        with pytest.raises(Broken, match=r"(?s)killed by signal \d+.*while running .*go.*"
                                         r"breaks a fresh child on its own"):
            worker.run(crash)
        hang = {"estimator": SimpleNamespace(wait=time.sleep), "calls": [("wait", (60,), {})]}
        with pytest.raises(Broken, match="no answer after 5 s"):
            worker.run(hang)
        assert worker.run(fine)[0][:2] == ("ok", (3, 1))  # a new child took over
    finally:
        worker.stop()
