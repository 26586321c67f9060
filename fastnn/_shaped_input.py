"""Input made of samples with a shape (images, sequences) rather than flat
feature rows: validation that accepts n-D arrays and counts features per
whole sample.  The estimator's _engine_rows turns samples into the engine's
2-D rows."""
import numpy as np
from sklearn.utils.validation import _check_feature_names, check_array, check_is_fitted, check_X_y


def float_dtypes(X):
    """The dtypes validation may give X: floats stay as they are, integer
    and bool arrays (uint8 images above all) become float32, which trains
    at about twice float64's speed and holds every uint8 and int16 value
    exactly.  (The MLPs keep scikit-learn's float64 for them.)"""
    kind = getattr(getattr(X, "dtype", None), "kind", None)
    return np.float32 if kind in ("b", "i", "u") else (np.float64, np.float32)


class ShapedInputMixin:
    """Validation for estimators whose samples are n-D (dense input only)."""

    def _check_X_y(self, X, y, reset, **kwargs):
        # validate_data's own feature count is X.shape[1] (an image's height
        # or a sequence's length for 3-D input), so the pieces are called here.
        _check_feature_names(self, X, reset=reset)
        X, y = check_X_y(X, y, allow_nd=True, multi_output=True, dtype=float_dtypes(X),
                         **kwargs)
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
        check_is_fitted(self)
        _check_feature_names(self, X, reset=False)
        X = check_array(X, allow_nd=True, dtype=float_dtypes(X))
        self._check_features(X)
        return X

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.three_d_array = True
        return tags
