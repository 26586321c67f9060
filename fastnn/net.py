"""Networks of any layer stack: NetClassifier and NetRegressor.

The user lists layers from fastnn.layers; their shapes are inferred from
the data at fit, the output layer is added, and everything else (solvers,
schedules, early stopping, partial_fit, warm_start, sample_weight, the
fitted attributes) is the machinery every fastnn estimator shares.
"""
from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval

from . import layers as fastnn_layers
from ._docstrings import attributes_section, document
from ._shaped_input import (ShapedInputMixin, check_ids, image_rows, image_shape,
                            sequence_shape, shape_values)
from ._tasks import ClassifierNetwork, RegressorNetwork

# One hidden layer of 100 relu units, as MLPClassifier's default.
DEFAULT_LAYERS = (fastnn_layers.Dense(100),)


class NetMixin(ShapedInputMixin):
    """Reading the input the first layer asks for, and building the
    network from the layer list."""

    _parameter_constraints: dict = {
        "layers": [None, list, tuple],
        "input_shape": [None, "array-like"],
        "clip_grad_norm": [None, Interval(Real, 0, None, closed="neither")],
    }

    def _layer_list(self):
        return DEFAULT_LAYERS if self.layers is None else self.layers

    def _input_form(self, X):
        """(kind, dims) of the samples in validated X, as the first layer
        reads them: images (h, w, c), sequences (steps, features), or flat
        rows (a leading Flatten takes any form and flattens it)."""
        layers = self._layer_list()
        if not isinstance(layers, (list, tuple)):
            raise ValueError("layers must be a list of fastnn.layers, got %r." % (layers,))
        if self.input_shape is not None:
            shape_values(self.input_shape)  # checked even where flat rows leave it unread
        kind = fastnn_layers.input_kind(layers)
        if kind == "image":
            return "image", image_shape(X, self.input_shape)
        if kind == "sequence":
            return "sequence", sequence_shape(X, self.input_shape)
        if kind == "flat" and X.ndim != 2:
            first = "The first layer, %r," % (layers[0],) if layers else "A network of no layers"
            raise ValueError("%s takes flat rows (n, features), but X has shape %r; start "
                             "with Flatten() to flatten it." % (first, X.shape))
        n_values = int(np.prod(X.shape[1:]))
        if self.input_shape is not None and np.prod(self.input_shape) != n_values:
            raise ValueError("input_shape=%r does not fit samples of %d values."
                             % (self.input_shape, n_values))
        return "flat", (n_values,)

    def _engine_rows(self, X, reset):
        form = self._input_form(X)
        if reset:
            self._net_input = form
        elif form != self._net_input:
            raise ValueError("X holds samples read as %s; the model was fitted on %s."
                             % (fastnn_layers.describe((form[0],) + tuple(form[1])),
                                fastnn_layers.describe((self._net_input[0],)
                                                       + tuple(self._net_input[1]))))
        kind, dims = form
        if kind == "image":
            return image_rows(X, dims)
        layers = self._layer_list()
        if layers and isinstance(layers[0], fastnn_layers.Embedding):
            check_ids(X, layers[0])
        return np.ascontiguousarray(X, dtype=X.dtype).reshape(X.shape[0], -1)

    def _layers(self):
        return list(self._layer_list())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # (an invalid layers value is fit's to refuse; tags are read before that)
        layers = self.layers if isinstance(self.layers, (list, tuple)) else ()
        if isinstance(next(iter(layers), None), fastnn_layers.Embedding):
            # ids: categories, never negative (scikit-learn's checks then
            # feed whole numbers from 0 up)
            tags.input_tags.categorical = tags.input_tags.positive_only = True
        return tags

    def _layer_input(self, n_features):
        kind, dims = self._net_input
        return (kind,) + tuple(dims)

    def _glorot_factor(self, spec):
        # each layer's own activation (a stack has no estimator-wide one)
        activation = spec.declared_activation or spec.activation
        return 2.0 if activation == "logistic" else 6.0


_NET_DOC = """{title}

    ``layers``: a list from ``fastnn.layers`` (``Dense``, ``Conv2D``,
    ``MaxPool2D``, ``AvgPool2D``, ``Flatten``, ``Dropout``, ``BatchNorm``,
    ``LayerNorm``, ``SimpleRNN``, ``LSTM``, ``GRU``, ``Embedding``, ``Conv1D``,
    ``MaxPool1D``, ``AvgPool1D``, ``GlobalMaxPool``, ``GlobalAvgPool``),
    default one ``Dense(100)`` layer.
    Shapes are inferred from the data at fit; a layer that cannot take its
    input says which layer and which sizes.  The output layer, {out}, is
    added after the last one, which must hand on flat rows (end image or
    sequence layers with ``Flatten()``, or a recurrent layer without
    ``return_sequences``).

    Input: what the first layer takes.  ``Conv2D`` or a 2-D pooling
    layer: images as ``(n, h, w)``, ``(n, c, h, w)`` or flat rows with
    ``input_shape=(c, h, w)`` (as ConvClassifier); a recurrent, ``Conv1D``,
    1-D or global pooling layer: sequences as ``(n, steps, features)``,
    ``(n, steps)`` or flat rows with ``input_shape=(steps, features)`` (as
    RNNClassifier); ``Embedding``: ``(n, steps)`` integer ids (as
    SequenceVectorizer gives them); ``Dense``: flat rows; ``Flatten``: any
    of these, flattened.  Float input trains in
    its own dtype; integer and bool input in float32.  Sparse input is not
    accepted.

    Every training parameter and fitted attribute is the MLP's (solvers
    including 'adamw', 'rmsprop' and 'adagrad', schedules including
    'cosine' and ``warmup_epochs``, early stopping with ``monitor``,
    partial_fit, warm_start, sample_weight{extra}, ``loss_curve_``,
    ``coefs_`` shaped as in the Conv and RNN estimators...), plus
    ``clip_grad_norm`` (rescale each mini-batch gradient to at most this
    global norm).  Weights start Glorot-uniform (bound sqrt(2 / (fan_in +
    fan_out)) for a logistic layer, sqrt(6 / ...) otherwise); recurrent
    layers as RNNClassifier's.
"""


class NetClassifier(NetMixin, ClassifierNetwork):
    __doc__ = _NET_DOC.format(title="Classifier over any layer stack.",
                              out="softmax (or logistic units) over the classes",
                              extra=", class_weight")

    _parameter_constraints: dict = {**ClassifierNetwork._parameter_constraints,
                                    **NetMixin._parameter_constraints}

    def __init__(self, layers=None, input_shape=None, *, solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate="constant", learning_rate_init=0.001,
                 power_t=0.5, max_iter=200, shuffle=True, random_state=None, tol=1e-4,
                 verbose=False, warm_start=False, momentum=0.9, nesterovs_momentum=True,
                 early_stopping=False, validation_fraction=0.1, beta_1=0.9,
                 beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 warmup_epochs=0, monitor="score", class_weight=None, clip_grad_norm=None,
                 n_threads=None,
                 callbacks=None, device="cpu", precision=None):
        self._store_params(locals())


class NetRegressor(NetMixin, RegressorNetwork):
    __doc__ = _NET_DOC.format(title="Regressor over any layer stack.",
                              out="identity outputs (exp for loss='poisson'; loss may also be 'absolute_error' or 'huber', as for MLPRegressor)", extra="")

    _parameter_constraints: dict = {**RegressorNetwork._parameter_constraints,
                                    **NetMixin._parameter_constraints}

    def __init__(self, layers=None, input_shape=None, *, loss="squared_error", solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10,
                 max_fun=15000, warmup_epochs=0, monitor="score", clip_grad_norm=None,
                 n_threads=None,
                 callbacks=None, device="cpu", precision=None):
        self._store_params(locals())


def _sections(classifier, task):
    return dict(attributes=attributes_section(
        classifier, per_sample=" (flat: an image's h * w * c, a sequence's steps * features)",
        layer_count=", and every layer but Flatten, Dropout and BatchNorm"),
        see_also=[("fastnn.layers", "The layers to stack."),
                  ("fastnn.text.SequenceVectorizer", "Text to the ids an Embedding reads."),
                  ("fastnn.MLP" + task, "Dense layers only, as scikit-learn's.")])


document(NetClassifier, NetClassifier.__doc__, after="""
    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from fastnn import NetClassifier
    >>> from fastnn.layers import Conv2D, Dense, Flatten, MaxPool2D
    >>> X, y = load_digits(return_X_y=True)
    >>> model = NetClassifier([Conv2D(8), MaxPool2D(), Flatten(), Dense(32)], max_iter=5)
    >>> model.fit(X.reshape(-1, 8, 8) / 16, y).n_layers_  # input, conv, pool, dense, output
    5""", **_sections(True, "Classifier"))
document(NetRegressor, NetRegressor.__doc__, after="""
    Examples
    --------
    >>> import numpy as np
    >>> from fastnn import NetRegressor
    >>> from fastnn.layers import Dense, Dropout
    >>> X = np.random.default_rng(0).standard_normal((100, 3))
    >>> model = NetRegressor([Dense(16), Dropout(0.1)], loss="huber", max_iter=5)
    >>> model.fit(X, X.sum(axis=1)).predict(X[:2]).shape
    (2,)""", **_sections(False, "Regressor"))
