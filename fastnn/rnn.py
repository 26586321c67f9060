"""Recurrent networks for sequences: RNNRegressor and RNNClassifier.

Stacked recurrent layers (plain tanh RNN, LSTM or GRU, optionally
bidirectional); the last one's final hidden state feeds a dense head.
Sequences enter as (n, steps, features), (n, steps) or flat rows with
input_shape=(steps, features); inside, the engine works on rows of
steps * features values, the features of one step next to each other.
"""
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ._network import bias_size, coef_shape, dense_layers, recurrent_layer
from ._shaped_input import ShapedInputMixin
from ._tasks import ClassifierNetwork, RegressorNetwork


class RNNMixin(ShapedInputMixin):
    """What the recurrent estimators add to a network: reading sequences,
    building the recurrent layers, and their initialisation."""

    _parameter_constraints: dict = {
        "cell": [StrOptions({"rnn", "lstm", "gru"})],
        "recurrent_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "bidirectional": ["boolean"],
        "clip_grad_norm": [None, Interval(Real, 0, None, closed="neither")],
        "input_shape": [None, "array-like"],
    }

    # ---- reading sequences --------------------------------------------------
    def _sequence_shape(self, X):
        """(steps, features) of the sequences in validated X."""
        given = None
        if self.input_shape is not None:
            given = tuple(int(v) for v in self.input_shape)
            if len(given) != 2 or min(given) < 1:
                raise ValueError("input_shape must be (steps, features) with both >= 1, "
                                 "got %r." % (self.input_shape,))
        if X.ndim == 3:
            if given is not None and given != X.shape[1:]:
                raise ValueError("input_shape=%r disagrees with sequences shaped %r "
                                 "(steps, features)." % (self.input_shape, X.shape[1:]))
            return X.shape[1:]
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
                             % (self.input_shape, X.shape[1], X.shape[1]))
        return given

    def _engine_rows(self, X, reset):
        shape = tuple(int(v) for v in self._sequence_shape(X))
        if reset:
            self._sequence_tf = shape
        elif shape != self._sequence_tf:
            raise ValueError("X holds sequences of shape (steps, features) = %r; the model "
                             "was fitted on %r." % (shape, self._sequence_tf))
        return np.ascontiguousarray(X, dtype=X.dtype).reshape(X.shape[0], shape[0] * shape[1])

    # ---- the layers -----------------------------------------------------------
    def _recurrent_sizes(self):
        sizes = self.recurrent_layer_sizes
        sizes = [sizes] if isinstance(sizes, Integral) else list(sizes)
        if not sizes or not all(isinstance(s, Integral) and s >= 1 for s in sizes):
            raise ValueError("recurrent_layer_sizes must be positive ints naming at least one "
                             "recurrent layer, got %r." % (self.recurrent_layer_sizes,))
        return [int(s) for s in sizes]

    def _layer_specs(self, n_features, n_outputs):
        steps, features = self._sequence_tf
        dirs = 2 if self.bidirectional else 1
        sizes = self._recurrent_sizes()
        specs = []
        for i, units in enumerate(sizes):
            # every layer but the last hands its whole output sequence on
            specs.append(recurrent_layer(steps, features, units, self.cell, dirs,
                                         i < len(sizes) - 1))
            features = dirs * units
        return specs + dense_layers([features] + self._hidden_sizes() + [n_outputs],
                                    self.activation)

    def _init_coef(self, spec, dtype):
        if spec["kind"] != "recurrent":
            return super()._init_coef(spec, dtype)
        # PyTorch's uniform(-1/sqrt(units), 1/sqrt(units)) for the weights;
        # zero biases, except that an LSTM's forget gates start at 1 (open),
        # so that early gradients reach back through many steps.
        units = spec["oc"] // spec["dirs"]
        bound = 1.0 / np.sqrt(units)
        coef = self._random_state.uniform(-bound, bound, coef_shape(spec))
        intercept = np.zeros(bias_size(spec))
        if spec["cell"] == "lstm":
            for d in range(spec["dirs"]):
                intercept[(4 * d + 1) * units:(4 * d + 2) * units] = 1.0
        return coef.astype(dtype, copy=False), intercept.astype(dtype, copy=False)

    def _clip_norm(self):
        return float(self.clip_grad_norm or 0.0)


_RNN_DOC = """{title}

    Stacked recurrent layers of ``recurrent_layer_sizes`` units (``cell``:
    ``'rnn'`` (tanh), ``'lstm'`` or ``'gru'``; both directions when
    ``bidirectional``, their outputs side by side); the last layer's final
    hidden state (forward and backward directions concatenated) feeds a dense
    head of ``hidden_layer_sizes`` ``activation`` units -> {out}.

    Input: ``(n, steps, features)``, ``(n, steps)`` as one feature per step,
    or flat rows ``(n, steps*features)`` with ``input_shape=(steps,
    features)``, so scikit-learn transformers can precede the estimator in a
    Pipeline.  ``fastnn.make_windows`` turns a series into such samples.
    Float input trains in its own dtype; integer and bool input in float32.

    ``clip_grad_norm`` (float, default None): before each optimizer step,
    rescale the mini-batch gradient (without the L2 term) to at most this
    global norm (stochastic solvers).

    Every training parameter and fitted attribute is the MLP's (solvers,
    schedules, early stopping, partial_fit, warm_start, sample_weight,
    ``loss_curve_``...), with the same defaults except
    ``hidden_layer_sizes=()``.  A recurrent layer's ``coefs_`` entry has
    shape ``(inputs + units, dirs * gates * units)``: the input weights
    above the recurrent ones, a block of columns per direction, gates in
    PyTorch's order (LSTM i, f, g, o; GRU r, z, n); a GRU's
    ``intercepts_`` entry also holds the candidate's recurrent bias (the
    last ``dirs * units`` values).  ``n_features_in_`` counts one sequence's
    values (steps * features).

    Solvers include 'adamw' (alpha is then the decoupled weight decay),
    'rmsprop' and 'adagrad', and ``learning_rate='cosine'`` and
    ``warmup_epochs`` give a cosine schedule and a linear warm-up, as for
    MLPClassifier; so do ``dropout`` (one rate, or one per hidden layer:
    each recurrent layer's output (between stacked layers and before the head), then each dense hidden layer), ``batch_norm``, ``monitor``, ``class_weight``
    (classifier) and the attributes ``validation_loss_curve_`` and
    ``batch_norm_``.
"""


class RNNClassifier(RNNMixin, ClassifierNetwork):
    __doc__ = _RNN_DOC.format(title="Recurrent network classifier.",
                              out="softmax (or logistic units) over the classes")

    _parameter_constraints: dict = {**ClassifierNetwork._parameter_constraints,
                                    **RNNMixin._parameter_constraints}

    def __init__(self, cell="lstm", recurrent_layer_sizes=(64,), bidirectional=False,
                 hidden_layer_sizes=(), activation="relu", clip_grad_norm=None,
                 input_shape=None, *, solver="adam", alpha=0.0001, batch_size="auto",
                 learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False,
                 warm_start=False, momentum=0.9, nesterovs_momentum=True,
                 early_stopping=False, validation_fraction=0.1, beta_1=0.9,
                 beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 dropout=0.0, batch_norm=False, warmup_epochs=0, monitor="score",
                 class_weight=None, n_threads=None):
        self._store_params(locals())


class RNNRegressor(RNNMixin, RegressorNetwork):
    __doc__ = _RNN_DOC.format(title="Recurrent network regressor.",
                              out="identity outputs (exp for loss='poisson'); "
                                  "several outputs for a multi-step forecast")

    _parameter_constraints: dict = {**RegressorNetwork._parameter_constraints,
                                    **RNNMixin._parameter_constraints}

    def __init__(self, cell="lstm", recurrent_layer_sizes=(64,), bidirectional=False,
                 hidden_layer_sizes=(), activation="relu", clip_grad_norm=None,
                 input_shape=None, *, loss="squared_error", solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate="constant", learning_rate_init=0.001,
                 power_t=0.5, max_iter=200, shuffle=True, random_state=None, tol=1e-4,
                 verbose=False, warm_start=False, momentum=0.9, nesterovs_momentum=True,
                 early_stopping=False, validation_fraction=0.1, beta_1=0.9,
                 beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 dropout=0.0, batch_norm=False, warmup_epochs=0, monitor="score", n_threads=None):
        self._store_params(locals())
