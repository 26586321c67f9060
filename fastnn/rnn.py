"""Recurrent networks for sequences: RNNRegressor and RNNClassifier.

Stacked recurrent layers (plain tanh RNN, LSTM or GRU, optionally
bidirectional); the last one's final hidden state feeds a dense head.
Sequences enter as (n, steps, features), (n, steps) or flat rows with
input_shape=(steps, features); inside, the engine works on rows of
steps * features values, the features of one step next to each other.
"""
from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, StrOptions

from . import _engine, layers
from ._docstrings import attributes_section, document
from ._shaped_input import SequenceInputMixin
from ._tasks import ClassifierNetwork, RegressorNetwork


class RNNMixin(SequenceInputMixin):
    """What the recurrent estimators add to a network: reading sequences,
    building the recurrent layers, and their initialisation."""

    _parameter_constraints: dict = {
        "cell": [StrOptions(set(_engine.CELLS))],
        "recurrent_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "bidirectional": ["boolean"],
        "clip_grad_norm": [None, Interval(Real, 0, None, closed="neither")],
        "input_shape": [None, "array-like"],
    }

    # ---- the layers -----------------------------------------------------------
    def _recurrent_sizes(self):
        sizes = self.recurrent_layer_sizes
        sizes = [sizes] if isinstance(sizes, Integral) else list(sizes)
        if not sizes or not all(isinstance(s, Integral) and s >= 1 for s in sizes):
            raise ValueError("recurrent_layer_sizes must be positive ints naming at least one "
                             "recurrent layer, got %r." % (self.recurrent_layer_sizes,))
        return [int(s) for s in sizes]

    def _layers(self):
        Cell = {"rnn": layers.SimpleRNN, "lstm": layers.LSTM, "gru": layers.GRU}[self.cell]
        recurrent = self._recurrent_sizes()
        sizes = self._hidden_sizes()
        rates = self._dropout_rates(len(recurrent) + len(sizes))
        stack = []
        for i, (units, rate) in enumerate(zip(recurrent, rates)):
            # every layer but the last hands its whole output sequence on
            stack.append(Cell(units, return_sequences=i < len(recurrent) - 1,
                              bidirectional=bool(self.bidirectional)))
            if rate:
                stack.append(layers.Dropout(rate))
        return stack + self._dense_head(sizes, rates[len(recurrent):])



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
                 class_weight=None, n_threads=None,
                 callbacks=None, device="cpu", precision=None):
        self._store_params(locals())


class RNNRegressor(RNNMixin, RegressorNetwork):
    __doc__ = _RNN_DOC.format(title="Recurrent network regressor.",
                              out="identity outputs (exp for loss='poisson'; loss may also be 'absolute_error' or 'huber', as for MLPRegressor); "
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
                 dropout=0.0, batch_norm=False, warmup_epochs=0, monitor="score", n_threads=None,
                 callbacks=None, device="cpu", precision=None):
        self._store_params(locals())


def _sections(classifier, task):
    return dict(attributes=attributes_section(
        classifier, per_sample=" (one sequence: steps * features)",
        layer_count=", and every recurrent and dense layer"),
        see_also=[("fastnn.make_windows", "A series cut into samples for forecasting."),
                  ("fastnn.Net" + task, "Any stack of fastnn.layers (Embedding, LSTM, GRU...)."),
                  ("fastnn.MLP" + task, "Dense layers only, as scikit-learn's.")])


document(RNNClassifier, RNNClassifier.__doc__, after="""
    Examples
    --------
    >>> import numpy as np
    >>> from fastnn import RNNClassifier
    >>> X = np.random.default_rng(0).standard_normal((60, 8, 2))  # (n, steps, features)
    >>> model = RNNClassifier(cell="gru", recurrent_layer_sizes=(8,), max_iter=5)
    >>> model.fit(X, X[:, :, 0].sum(axis=1) > 0).predict_proba(X[:3]).shape
    (3, 2)""", **_sections(True, "Classifier"))
document(RNNRegressor, RNNRegressor.__doc__, after="""
    Examples
    --------
    >>> import numpy as np
    >>> from fastnn import RNNRegressor, make_windows
    >>> X, y = make_windows(np.sin(np.arange(200) / 5), window=10)
    >>> model = RNNRegressor(recurrent_layer_sizes=(16,), max_iter=20,
    ...                      learning_rate_init=0.01, random_state=0)
    >>> bool(model.fit(X, y).score(X, y) > 0.9)
    True""", **_sections(False, "Regressor"))
