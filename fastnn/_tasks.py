"""What a network does with its output: classify or regress.

These carry scikit-learn's MLPClassifier / MLPRegressor behaviour (labels,
probabilities, scores, partial_fit rules) for any network architecture; the
public estimators add only their constructor and their layers.
"""
import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin, _fit_context
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import column_or_1d
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import _check_partial_fit_first_call, type_of_target, unique_labels

from ._base import BaseNetwork


def _check_label_types(labels, name):
    """Labels that mix strings and numbers: sorting them fails with a
    TypeError about '<' deep in numpy, so say what is wrong first."""
    labels = np.asarray(labels)
    if labels.dtype == object and len({isinstance(v, str) for v in labels.ravel()}) > 1:
        raise ValueError("Mix of label input types (string and number) in %s: use labels of "
                         "one type." % name)


class ClassifierNetwork(ClassifierMixin, BaseNetwork):
    """A network ending in softmax (multiclass) or logistic units (binary,
    multilabel), trained on log-loss."""

    _parameter_constraints: dict = {
        **BaseNetwork._parameter_constraints,
        "class_weight": [None, dict, StrOptions({"balanced"})],
    }

    def _weigh_classes(self, Y, sample_weight):
        """Per-sample weights from class_weight ('balanced': n_samples /
        (n_classes * count of the class) over this call's y; multilabel: the
        product over labels, each a binary output), times sample_weight."""
        if self.class_weight is None:
            return sample_weight
        if self._label_binarizer.y_type_ == "multilabel-indicator":
            labels = Y.astype(np.int64)  # one binary output per label, as scikit-learn
        else:
            labels = self._label_binarizer.inverse_transform(Y if Y.shape[1] > 1 else Y[:, 0])
        weights = compute_sample_weight(self.class_weight, labels).astype(Y.dtype)
        return weights if sample_weight is None else weights * sample_weight

    def _output_activation(self):
        if self._label_binarizer.y_type_ == "multiclass":
            return "softmax"
        return "logistic"  # binary and multilabel

    def _validate_input(self, X, y, incremental, reset):
        X, y = self._check_X_y(X, y, reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        _check_label_types(y, "y")
        # New classes on a fresh fit; the same classes on warm_start; a
        # subset of the known ones on partial_fit (scikit-learn's rules).
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start:
                if set(classes) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same "
                        "classes as in the previous call to fit. Previously "
                        f"got {self.classes_}, `y` has {classes}")
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(
                    "`y` has classes not in `self.classes_`. "
                    f"`self.classes_` has {self.classes_}. 'y' has {classes}.")
        y = self._label_binarizer.transform(y).astype(X.dtype)
        return X, y

    def _validation_targets(self, y):
        """(labels for the score, encoded targets for the loss) of an
        eval_set's y, whose classes must be known ones."""
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        unknown = np.setdiff1d(unique_labels(y), self.classes_)
        if len(unknown):
            raise ValueError("eval_set's y has classes the training y lacks: %s." % (unknown,))
        return y, self._label_binarizer.transform(y)

    def predict(self, X):
        """Predict class labels (an indicator matrix for multilabel y)."""
        self._check_is_fitted()
        return self._predict(X)

    _score_function = staticmethod(accuracy_score)

    def _predict_from_output(self, out):
        return self._label_binarizer.inverse_transform(out.ravel() if self.n_outputs_ == 1
                                                       else out)

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch over the given data.  `classes` is required on the
        first call and may list labels that this batch lacks."""
        # (type_of_target below sorts y: mixed labels would fail there)
        _check_label_types(y, "y")
        if classes is not None:
            _check_label_types(classes, "classes")
        if _check_partial_fit_first_call(self, classes):
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict_log_proba(self, X):
        """Logarithm of predict_proba."""
        y_prob = self.predict_proba(X)
        return np.log(y_prob, out=y_prob)

    def predict_proba(self, X):
        """Class probabilities, columns ordered as ``classes_``."""
        self._check_is_fitted()
        y_pred = self._forward_pass_fast(X)
        if self.n_outputs_ == 1:
            y_pred = y_pred.ravel()
        if y_pred.ndim == 1:
            return np.vstack([1 - y_pred, y_pred]).T
        if self._label_binarizer.y_type_ == "multilabel-indicator":
            # a logistic unit is never 0 or 1, but rounds to them in float32
            # (logits past -87 or 17): keep each label's probability inside
            finfo = np.finfo(y_pred.dtype)
            np.clip(y_pred, finfo.tiny, 1 - finfo.epsneg, out=y_pred)
        return y_pred

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class RegressorNetwork(RegressorMixin, BaseNetwork):
    """A network ending in identity (squared error) or exp (Poisson) units."""

    _parameter_constraints: dict = {
        **BaseNetwork._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson", "absolute_error", "huber"})],
    }

    def _output_activation(self):
        return "exp" if self.loss == "poisson" else "identity"

    def _engine_output(self):
        # the robust losses train an identity output on their own loss
        return self.loss if self.loss in ("absolute_error", "huber") else self.out_activation_

    def _validate_input(self, X, y, incremental, reset):
        X, y = self._check_X_y(X, y, reset, y_numeric=True)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return X, y

    def _validation_targets(self, y):
        """(targets for the score, 2-D targets for the loss) of an
        eval_set's y."""
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if (y.ndim == 1) != (self.n_outputs_ == 1) or (y.ndim == 2 and y.shape[1] != self.n_outputs_):
            raise ValueError("eval_set's y has shape %r; the model has %d output(s)."
                             % (y.shape, self.n_outputs_))
        return y, y.reshape(len(y), -1)

    def predict(self, X):
        """Predicted values, shape (n_samples,) or (n_samples, n_outputs)."""
        self._check_is_fitted()
        return self._predict(X)

    _score_function = staticmethod(r2_score)

    def _predict_from_output(self, out):
        return out.ravel() if out.shape[1] == 1 else out

    # scikit-learn's regressor tests the method object, not its result, so
    # its partial_fit stays available with lbfgs (and runs lbfgs from the
    # current weights).  Kept for drop-in parity.
    @available_if(lambda est: est._check_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over the given data."""
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)
