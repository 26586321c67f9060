"""What to do instead, added to scikit-learn's message when input cannot be
read: n-D arrays given to an estimator of flat rows, and text or category
columns given to any estimator.  The exception keeps its type and
scikit-learn's words, and gains a sentence that names the fastnn estimator
or the transformer that fits."""
import contextlib

from sklearn.base import is_classifier


def _task(estimator):
    return "Classifier" if is_classifier(estimator) else "Regressor"


def _nd_hint(estimator, X):
    ndim = getattr(X, "ndim", None)
    if ndim is None or ndim < 3 or 3 in getattr(estimator, "_SAMPLE_NDIMS", (2,)):
        return None
    task = _task(estimator)
    return ("%s reads rows of features, shape (n_samples, n_features). For images use "
            "fastnn.Conv%s, which reads (n, h, w) or (n, c, h, w); for sequences "
            "fastnn.RNN%s, which reads (n, steps, features); or flatten the samples with "
            "X.reshape(len(X), -1)." % (type(estimator).__name__, task, task))


def _text_columns(X):
    """Names of a DataFrame's columns that hold no numbers (numpy and
    pandas dtypes alike have a kind: b, i, u, f, c are numbers)."""
    if not hasattr(X, "dtypes") or not hasattr(X, "columns"):
        return []
    return [str(name) for name, dtype in zip(X.columns, X.dtypes)
            if getattr(dtype, "kind", "O") not in "biufc"]


def _text_hint(X, message):
    if "string" not in message:
        return None
    columns = _text_columns(X)
    where = ("X has columns that hold no numbers (%s)" % ", ".join(columns[:5]) if columns
             else "X holds text")
    return ("%s: encode categories first, e.g. with OneHotEncoder or OrdinalEncoder in a "
            "sklearn.compose.ColumnTransformer; for free text, "
            "fastnn.text.SequenceVectorizer turns strings into token ids for an Embedding "
            "layer." % where)


@contextlib.contextmanager
def explained(estimator, X):
    """Re-raise a ValueError or TypeError from reading X with a hint added."""
    try:
        yield
    except (ValueError, TypeError) as error:
        message = str(error)
        hint = _nd_hint(estimator, X) if "dim" in message else _text_hint(X, message)
        if hint is None or len(error.args) != 1:
            raise
        raise type(error)("%s%s %s" % (message, "" if message.endswith(".") else ".",
                                       hint)) from error
