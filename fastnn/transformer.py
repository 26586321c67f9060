"""Transformer encoders for sequences: TransformerClassifier and
TransformerRegressor.

Token ids (vocab_size given: an Embedding with the padding mask) or numeric
sequences (a per-step projection) get their positions added, go through
`encoder_layers` pre-norm Transformer encoder blocks, are pooled over the
steps and feed a dense head: the presets over fastnn.layers'
TransformerEncoder, as easy to use as RNNClassifier.
"""
from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, StrOptions

from . import layers
from ._docstrings import attributes_section, document
from ._shaped_input import SequenceInputMixin, check_ids
from ._tasks import ClassifierNetwork, RegressorNetwork


class TransformerMixin(SequenceInputMixin):
    """The encoder's layers, built from the estimator's parameters."""

    _parameter_constraints: dict = {
        "vocab_size": [None, Interval(Integral, 1, None, closed="left")],
        "d_model": [Interval(Integral, 1, None, closed="left")],
        "heads": [Interval(Integral, 1, None, closed="left")],
        "ff": [None, Interval(Integral, 1, None, closed="left")],
        "encoder_layers": [Interval(Integral, 1, None, closed="left")],
        "positions": [StrOptions({"learned", "sinusoidal"})],
        "pooling": [StrOptions({"avg", "max"})],
        "encoder_dropout": [Interval(Real, 0, 1, closed="left")],
        "causal": ["boolean"],
        "clip_grad_norm": [None, Interval(Real, 0, None, closed="neither")],
        "input_shape": [None, "array-like"],
    }

    def _embedding(self):
        return layers.Embedding(self.vocab_size, self.d_model)

    def _engine_rows(self, X, reset):
        rows = super()._engine_rows(X, reset)
        if self.vocab_size is not None:
            check_ids(X, self._embedding())
        return rows

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if self.vocab_size is not None:  # ids: categories, never negative
            tags.input_tags.categorical = tags.input_tags.positive_only = True
        return tags

    def _layers(self):
        if self.d_model % self.heads:
            raise ValueError("d_model=%d must be a multiple of heads=%d."
                             % (self.d_model, self.heads))
        if self.vocab_size is not None:
            if self._sequence_tf[1] != 1:
                raise ValueError("vocab_size is given, so X must hold token ids, one per step "
                                 "((n, steps)); got sequences of %d features per step."
                                 % self._sequence_tf[1])
            stack = [self._embedding()]
        else:
            stack = [layers.Conv1D(self.d_model, 1, activation="identity")]
        stack += [layers.PositionalEmbedding(self.positions),
                  layers.TransformerEncoder(heads=self.heads, ff=self.ff,
                                            layers=self.encoder_layers,
                                            dropout=float(self.encoder_dropout),
                                            causal=bool(self.causal)),
                  layers.GlobalAvgPool() if self.pooling == "avg" else layers.GlobalMaxPool()]
        sizes = self._hidden_sizes()
        return stack + self._dense_head(sizes, self._dropout_rates(len(sizes)))


_DOC = """{title}

    Token ids (``vocab_size`` given: each id embedded in ``d_model`` values,
    id 0 padding, never attended to) or numeric sequences (each step
    projected to ``d_model`` values), plus each step's position
    (``positions``), through ``encoder_layers`` pre-norm Transformer encoder
    blocks (``heads`` attention heads, a feed-forward part of ``ff`` units,
    ``encoder_dropout``), pooled over the steps (``pooling``), then a dense
    head of ``hidden_layer_sizes`` ``activation`` units -> {out}.  The
    layers are those of fastnn.layers (``TransformerEncoder``...); use
    NetClassifier or NetRegressor to arrange them otherwise.

    Input: ``(n, steps)`` ids or values (one feature per step), ``(n,
    steps, features)``, or flat rows with ``input_shape=(steps,
    features)``, so a SequenceVectorizer or a scaler can precede it in a
    Pipeline.

    Every training parameter and fitted attribute is the MLP's (solvers,
    schedules, early stopping, partial_fit, warm_start, sample_weight,
    ``loss_curve_``...), with ``hidden_layer_sizes=()`` and
    ``learning_rate_init=0.001``; ``learning_rate='cosine'`` with
    ``warmup_epochs`` is the usual Transformer schedule.
"""


class TransformerClassifier(TransformerMixin, ClassifierNetwork):
    __doc__ = _DOC.format(title="Transformer encoder classifier.",
                          out="softmax (or logistic units) over the classes")

    _parameter_constraints: dict = {**ClassifierNetwork._parameter_constraints,
                                    **TransformerMixin._parameter_constraints}

    def __init__(self, vocab_size=None, d_model=64, heads=4, ff=None, encoder_layers=2,
                 positions="sinusoidal", pooling="avg", encoder_dropout=0.0, causal=False,
                 hidden_layer_sizes=(), activation="relu", clip_grad_norm=None,
                 input_shape=None, *, solver="adam", alpha=0.0001, batch_size="auto",
                 learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False,
                 warm_start=False, momentum=0.9, nesterovs_momentum=True,
                 early_stopping=False, validation_fraction=0.1, beta_1=0.9,
                 beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 dropout=0.0, batch_norm=False, warmup_epochs=0, monitor="score",
                 class_weight=None, n_threads=None, callbacks=None, device="cpu", precision=None):
        self._store_params(locals())


class TransformerRegressor(TransformerMixin, RegressorNetwork):
    __doc__ = _DOC.format(title="Transformer encoder regressor.",
                          out="identity outputs (exp for loss='poisson'; loss may also be "
                              "'absolute_error' or 'huber')")

    _parameter_constraints: dict = {**RegressorNetwork._parameter_constraints,
                                    **TransformerMixin._parameter_constraints}

    def __init__(self, vocab_size=None, d_model=64, heads=4, ff=None, encoder_layers=2,
                 positions="sinusoidal", pooling="avg", encoder_dropout=0.0, causal=False,
                 hidden_layer_sizes=(), activation="relu", clip_grad_norm=None,
                 input_shape=None, *, loss="squared_error", solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate="constant", learning_rate_init=0.001,
                 power_t=0.5, max_iter=200, shuffle=True, random_state=None, tol=1e-4,
                 verbose=False, warm_start=False, momentum=0.9, nesterovs_momentum=True,
                 early_stopping=False, validation_fraction=0.1, beta_1=0.9,
                 beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 dropout=0.0, batch_norm=False, warmup_epochs=0, monitor="score",
                 n_threads=None, callbacks=None, device="cpu", precision=None):
        self._store_params(locals())


def _sections(classifier, task):
    return dict(attributes=attributes_section(
        classifier, per_sample=" (one sequence: steps * features)",
        layer_count=", and every layer of the encoder and the head"),
        see_also=[("fastnn.RNN" + task, "Recurrent layers instead of attention."),
                  ("fastnn.Net" + task, "Any stack of fastnn.layers."),
                  ("fastnn.text.SequenceVectorizer", "Texts to token ids.")])


document(TransformerClassifier, TransformerClassifier.__doc__, after="""
    Examples
    --------
    >>> import numpy as np
    >>> from fastnn import TransformerClassifier
    >>> ids = np.random.default_rng(0).integers(1, 20, (80, 12))  # token ids, 0 = padding
    >>> model = TransformerClassifier(vocab_size=20, d_model=16, heads=2, max_iter=5)
    >>> model.fit(ids, ids[:, 0] > 10).predict_proba(ids[:3]).shape
    (3, 2)""", **_sections(True, "Classifier"))
document(TransformerRegressor, TransformerRegressor.__doc__, after="""
    Examples
    --------
    >>> import numpy as np
    >>> from fastnn import TransformerRegressor, make_windows
    >>> X, y = make_windows(np.sin(np.arange(300) / 5), window=12)
    >>> model = TransformerRegressor(d_model=16, heads=2, encoder_layers=1, max_iter=30,
    ...                              learning_rate_init=0.01, random_state=0)
    >>> bool(model.fit(X, y).score(X, y) > 0.9)
    True""", **_sections(False, "Regressor"))
