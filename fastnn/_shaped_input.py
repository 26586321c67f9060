"""Input made of samples with a shape (images, sequences) rather than flat
feature rows: validation that accepts n-D arrays and counts features per
whole sample.  The estimator's _engine_rows turns samples into the engine's
2-D rows."""
import math
from numbers import Integral

import numpy as np
from sklearn.utils.validation import _check_feature_names, check_array, check_X_y


def float_dtypes(X):
    """The dtypes validation may give X: floats stay as they are, integer
    and bool arrays (uint8 images above all) become float32, which trains
    at about twice float64's speed and holds every uint8 and int16 value
    exactly.  (The MLPs keep scikit-learn's float64 for them.)"""
    kind = getattr(getattr(X, "dtype", None), "kind", None)
    return np.float32 if kind in ("b", "i", "u") else (np.float64, np.float32)


def shape_values(input_shape):
    """input_shape as a tuple of ints; int() would quietly truncate 5.5
    and fail on a nested tuple with a message about int()."""
    values = tuple(input_shape)
    if not all(isinstance(v, Integral) and not isinstance(v, bool) and v >= 1 for v in values):
        raise ValueError("input_shape must hold positive ints, got %r." % (input_shape,))
    return tuple(int(v) for v in values)


def check_sample_dims(X):
    """Every dimension of a sample holds at least one value (check_array
    counts features only for 2-D input)."""
    if X.ndim > 2 and 0 in X.shape[1:]:
        raise ValueError("Found array with samples of shape %r; every dimension of a sample "
                         "needs at least one value." % (X.shape[1:],))


def image_shape(X, input_shape):
    """(h, w, c) of the images in validated X: (n, c, h, w), (n, h, w) as
    one channel, or flat rows, read with input_shape=(c, h, w) or (h, w)
    when given, else as one square channel when the length is a square,
    else as a one-pixel-high strip (a 1-D signal)."""
    if X.ndim in (3, 4) and input_shape is not None:
        given = shape_values(input_shape)
        actual = X.shape[1:] if X.ndim == 4 else (1,) + X.shape[1:]
        if given not in (actual, actual[1:]):
            raise ValueError("input_shape=%r disagrees with images shaped %r (c, h, w)."
                             % (input_shape, actual))
    if X.ndim == 4:
        return X.shape[2], X.shape[3], X.shape[1]
    if X.ndim == 3:
        return X.shape[1], X.shape[2], 1
    if X.ndim != 2:
        raise ValueError("Expected images as (n, h, w), (n, c, h, w) or flat rows "
                         "(n, c*h*w); got an array of shape %r." % (X.shape,))
    n_features = X.shape[1]
    if input_shape is not None:
        shape = shape_values(input_shape)
        if len(shape) == 2:
            shape = (1,) + shape
        if len(shape) != 3 or min(shape) < 1 or np.prod(shape) != n_features:
            raise ValueError(
                "input_shape=%r does not fit rows of %d values: expected (c, h, w) "
                "with c*h*w == %d." % (input_shape, n_features, n_features))
        c, h, w = shape
        return h, w, c
    side = math.isqrt(n_features)
    if side * side == n_features:
        return side, side, 1
    return 1, n_features, 1


def image_rows(X, hwc):
    """Validated images of shape hwc -> NHWC rows (channels first in X:
    (n, c, h, w), or flat rows in that order)."""
    h, w, c = hwc
    if X.ndim == 2 and c > 1:
        X = X.reshape(-1, c, h, w)
    if X.ndim == 4:
        X = X.transpose(0, 2, 3, 1)  # NCHW -> NHWC
    return np.ascontiguousarray(X, dtype=X.dtype).reshape(X.shape[0], h * w * c)


def sequence_shape(X, input_shape):
    """(steps, features) of the sequences in validated X: (n, steps,
    features), (n, steps) as one feature per step, or flat rows read with
    input_shape=(steps, features)."""
    given = None
    if input_shape is not None:
        given = shape_values(input_shape)
        if len(given) != 2 or min(given) < 1:
            raise ValueError("input_shape must be (steps, features) with both >= 1, "
                             "got %r." % (input_shape,))
    if X.ndim == 3:
        if given is not None and given != X.shape[1:]:
            raise ValueError("input_shape=%r disagrees with sequences shaped %r "
                             "(steps, features)." % (input_shape, X.shape[1:]))
        return tuple(int(v) for v in X.shape[1:])
    if X.ndim != 2:
        raise ValueError(
            "Expected sequences as (n, steps, features), (n, steps) (one feature per "
            "step) or flat rows (n, steps*features) with input_shape=(steps, features); "
            "got an array of shape %r." % (X.shape,))
    if given is None:
        return X.shape[1], 1
    if given[0] * given[1] != X.shape[1]:
        raise ValueError("input_shape=%r does not fit rows of %d values: expected "
                         "(steps, features) with steps*features == %d."
                         % (input_shape, X.shape[1], X.shape[1]))
    return given


def check_ids(X, embedding):
    """The ids an Embedding reads: whole numbers from 0 to vocab_size - 1."""
    if (X < 0).any():
        raise ValueError("Negative values in data passed to %r: ids run from 0 to %d."
                         % (embedding, embedding.vocab_size - 1))
    bad = (X >= embedding.vocab_size) | (X != np.floor(X))
    if bad.any():
        raise ValueError("%r reads ids from 0 to %d, but X holds %r; size the vocabulary "
                         "to the data (SequenceVectorizer's vocab_size_)."
                         % (embedding, embedding.vocab_size - 1, X[bad].flat[0]))


class ShapedInputMixin:
    """Validation for estimators whose samples are n-D (dense input only)."""

    _SAMPLE_NDIMS = (2, 3, 4)

    def _check_X_y(self, X, y, reset, **kwargs):
        # validate_data's own feature count is X.shape[1] (an image's height
        # or a sequence's length for 3-D input), so the pieces are called here.
        _check_feature_names(self, X, reset=reset)
        X, y = check_X_y(X, y, allow_nd=True, multi_output=True, dtype=float_dtypes(X),
                         **kwargs)
        check_sample_dims(X)
        if not reset:
            self._check_features(X)
        rows = self._engine_rows(X, reset)
        self.n_features_in_ = rows.shape[1]  # one whole sample, whatever its form
        return rows, y

    def _check_features(self, X):
        """scikit-learn's feature-count check, on whole samples (X validated)."""
        n_features = int(np.prod(X.shape[1:]))
        if n_features != self.n_features_in_:
            raise ValueError("X has %d features, but %s is expecting %d features as input."
                             % (n_features, type(self).__name__, self.n_features_in_))

    def _validate_predict_input(self, X):
        self._check_is_fitted()
        _check_feature_names(self, X, reset=False)
        X = check_array(X, allow_nd=True, dtype=float_dtypes(X))
        check_sample_dims(X)
        self._check_features(X)
        return X

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.three_d_array = True
        return tags


class SequenceInputMixin(ShapedInputMixin):
    """Reading sequences (see sequence_shape), for estimators with an
    `input_shape` parameter; the first layer receives them whole."""

    def _engine_rows(self, X, reset):
        shape = sequence_shape(X, self.input_shape)
        if reset:
            self._sequence_tf = shape
        elif shape != self._sequence_tf:
            raise ValueError("X holds sequences of shape (steps, features) = %r; the model "
                             "was fitted on %r." % (shape, self._sequence_tf))
        return np.ascontiguousarray(X, dtype=X.dtype).reshape(X.shape[0], shape[0] * shape[1])

    def _layer_input(self, n_features):
        return ("sequence",) + tuple(self._sequence_tf)

