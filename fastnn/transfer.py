"""Starting from a fitted network: its first layers as a feature extractor
in a Pipeline (NetTransformer), or as the first layers of a new estimator
with a new head (Pretrained), frozen or fine-tuned.

Both cut a fitted fastnn estimator's layer list (``model._layers()``, the
output layer left out) after the layer `upto` names: an index into that
list (negative from the end, as Python's) or the class name of a layer
("Flatten": up to and including its first Flatten)."""
from dataclasses import dataclass
from numbers import Integral

import numpy as np

from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import NotFittedError

from ._base import BaseNetwork
from .layers import _Block, _build_sequence, _trainable_field, describe

__all__ = ["NetTransformer", "Pretrained"]

# The fields that make two specs the same layer with the same values.
_STRUCTURE = ("kind", "h", "w", "c", "oh", "ow", "oc", "kh", "kw", "sh", "sw", "cell", "dirs",
              "batch_norm", "vocab", "src", "src_at", "heads")


def _fitted(model, owner):
    if not isinstance(model, BaseNetwork):
        raise ValueError("%s needs a fitted fastnn estimator, got %r." % (owner, model))
    if not model.__sklearn_is_fitted__():
        raise NotFittedError("%s needs a fitted model: fit %s first."
                             % (owner, type(model).__name__))
    return model


def _cut(stack, upto, owner):
    """How many layers of stack `upto` keeps."""
    if isinstance(upto, Integral) and not isinstance(upto, bool):
        if -len(stack) <= upto < len(stack):
            return upto % len(stack) + 1
        raise ValueError("%s: upto=%r is outside the model's %d layers." % (owner, upto,
                                                                         len(stack)))
    if isinstance(upto, str):
        for i, layer in enumerate(stack):
            if type(layer).__name__.lower() == upto.lower():
                return i + 1
        raise ValueError("%s: the model has no %s layer; its layers are %s."
                         % (owner, upto, ", ".join(type(layer).__name__ for layer in stack)))
    raise ValueError("%s: upto must be a layer's index or class name, got %r." % (owner, upto))


def fitted_prefix(model, upto, owner):
    """(the model's layers up to `upto`, the shape its first layer reads,
    how many layer specs they build), checked against the fitted network."""
    model = _fitted(model, owner)
    stack = list(model._layers())
    if upto is None:  # the output layer too
        return stack, model._layer_input(model.n_features_in_), len(model._specs)
    if not stack:
        raise ValueError("%s: %s has no layers before its output layer." % (owner, model))
    stack = stack[:_cut(stack, upto, owner)]
    shape = model._layer_input(model.n_features_in_)
    specs = []
    _build_sequence(stack, shape, specs, False)
    fitted = model._specs[:len(specs)]
    if [[getattr(s, f) for f in _STRUCTURE] for s in specs] != \
            [[getattr(s, f) for f in _STRUCTURE] for s in fitted]:
        raise ValueError("%s: the model's layers are not those it was fitted with (were they "
                         "set after fit?); fit it again." % owner)
    return stack, shape, len(specs)


@dataclass(frozen=True)
class Pretrained(_Block):
    """The first layers of a fitted fastnn estimator, with their fitted
    values, as layers of a new network: the new estimator's fit trains
    its other layers (a new head) and, unless frozen, fine-tunes these.

    The new network must read the input the model read.  The values are
    copied at the new estimator's first fit; warm_start and partial_fit
    then go on from its own.

    Parameters
    ----------
    model : fitted fastnn estimator
        Where the layers and their values come from (an MLPClassifier,
        ConvClassifier, RNNRegressor, NetClassifier...).
    upto : int or str, default=-1
        The last layer taken: an index into the model's layers, output
        layer left out (-1: all of them), or a layer's class name (its
        first such layer).
    trainable : bool, default=False
        False: the layers keep these values in every fit (and batch norm
        its statistics, which then normalise in training too).  True:
        they start from them and train with the rest.

    See Also
    --------
    NetTransformer : The same layers as a Pipeline step.
    fastnn.layers.Dense : Its ``trainable`` freezes one layer.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from fastnn import MLPClassifier, NetClassifier
    >>> from fastnn.layers import Dense
    >>> from fastnn.transfer import Pretrained
    >>> X, y = load_digits(return_X_y=True)
    >>> base = MLPClassifier((64, 32), max_iter=20, random_state=0).fit(X / 16, y)
    >>> odd = NetClassifier([Pretrained(base), Dense(16)], max_iter=20, random_state=0)
    >>> odd.fit(X / 16, y % 2).score(X / 16, y % 2) > 0.9
    True
    """
    model: object
    upto: object = -1
    trainable: bool = False

    def __post_init__(self):
        _trainable_field(self)
        if self.upto is None:
            raise ValueError("Pretrained: upto must name a layer; the output layer stays "
                             "the model's.")
        fitted_prefix(self.model, self.upto, "Pretrained")

    @property
    def takes(self):  # what the model read
        return (self.model._layer_input(self.model.n_features_in_)[0],)

    def __repr__(self):
        return "Pretrained(%s, upto=%r, trainable=%r)" % (type(self.model).__name__, self.upto,
                                                          self.trainable)

    def build_into(self, shape, specs, masked):
        stack, source_shape, count = fitted_prefix(self.model, self.upto, "Pretrained")
        if shape != source_shape:
            raise ValueError("%r reads %s, as its model was fitted on, but receives %s."
                             % (self, describe(source_shape), describe(shape)))
        before = len(specs)
        shape, masked = _build_sequence(stack, shape, specs, masked)
        for spec, values in zip(specs[before:], self.model._spec_values(count)):
            spec.initial = values  # read by the estimator's first fit
            spec.frozen = not self.trainable
        return shape, masked


class NetTransformer(TransformerMixin, BaseEstimator):
    """A fitted fastnn estimator's first layers as a transformer: the
    output of layer `upto` for each sample, flat.  For features learned on
    one task in a Pipeline with another model (a fitted conv net's
    features into a LogisticRegression).

    The model stays as it was fitted: fit only checks it, and clone
    (GridSearchCV, cross_val_score) shares it rather than fitting a copy.

    Parameters
    ----------
    model : fitted fastnn estimator
    upto : int, str or None, default=-1
        The last layer run: an index into the model's layers, output layer
        left out (-1: all of them), a layer's class name (its first such
        layer), or None: the output layer too, before the output
        activation (a classifier's logits).

    Attributes
    ----------
    n_features_in_ : int
        The model's.
    n_features_out_ : int
        Values per sample out.

    See Also
    --------
    Pretrained : The same layers, inside a new estimator.
    fastnn.AutoencoderTransformer : Features learned without a target.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from fastnn import MLPClassifier
    >>> from fastnn.transfer import NetTransformer
    >>> X, y = load_digits(return_X_y=True)
    >>> net = MLPClassifier((64, 16), max_iter=30, random_state=0).fit(X / 16, y)
    >>> NetTransformer(net).fit_transform(X / 16).shape
    (1797, 16)
    >>> pipe = make_pipeline(NetTransformer(net), LogisticRegression()).fit(X / 16, y)
    """

    def __init__(self, model, upto=-1):
        self.model = model
        self.upto = upto

    def fit(self, X=None, y=None):
        """Checks the model and upto; the model is not refitted."""
        count = self._count()
        self.n_features_in_ = self.model.n_features_in_
        self.n_features_out_ = self.model._specs[count - 1].n_outputs
        return self

    def _count(self):
        return fitted_prefix(self.model, self.upto, "NetTransformer")[2]

    def transform(self, X):
        """The layer's output for each sample: (n_samples, ``n_features_out_``)."""
        count, model = self._count(), self.model
        return model._run_part(0, count,
                               model._engine_rows(model._predict_input(X), reset=False))

    def get_feature_names_out(self, input_features=None):
        """nettransformer0, nettransformer1..."""
        n = self.model._specs[self._count() - 1].n_outputs
        return np.array(["nettransformer%d" % i for i in range(n)], dtype=object)

    def __sklearn_clone__(self):
        # the fitted model is the point: share it, unfitted copies would not run
        return type(self)(self.model, self.upto)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.target_tags.required = False
        return tags
