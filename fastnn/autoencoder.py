"""AutoencoderTransformer: a network that learns to reconstruct X, used
for the compact code in its middle (where PCA would sit in a Pipeline)."""
import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context
from sklearn.metrics import mean_squared_error
from sklearn.utils import check_array
from sklearn.utils.validation import _check_feature_names

from . import layers as fastnn_layers
from ._base import BaseNetwork
from ._docstrings import attributes_section, document
from ._shaped_input import check_sample_dims, float_dtypes
from .net import NetMixin

DEFAULT_ENCODER = (fastnn_layers.Dense(64), fastnn_layers.Dense(8, activation="identity"))


class AutoencoderTransformer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, NetMixin,
                             BaseNetwork):
    """Learn to reconstruct X through a narrow code; transform returns the
    code.

    ``layers`` is the encoder, a list from ``fastnn.layers``; the output of
    its last layer (flat rows) is the code, ``transform``'s result.  The
    decoder is ``decoder_layers``, or by default the encoder's Dense layers
    but the last, in reverse order (same activations); an identity layer
    as wide as X's rows comes last.  Training minimises the squared
    reconstruction error with every training parameter of NetRegressor
    (solvers, schedules, early stopping, partial_fit, dropout and batch
    norm layers...).  ``inverse_transform`` decodes codes; ``score`` is the
    negative mean squared reconstruction error (higher is better).

    Input: as NetRegressor's, what the first layer takes; the
    reconstruction is of the flat rows.
    """

    _parameter_constraints: dict = {**BaseNetwork._parameter_constraints,
                                    **NetMixin._parameter_constraints,
                                    "decoder_layers": [None, list, tuple]}

    def __init__(self, layers=None, decoder_layers=None, input_shape=None, *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 warmup_epochs=0, monitor="score", clip_grad_norm=None, n_threads=None,
                 callbacks=None, device="cpu", precision=None):
        self._store_params(locals())

    # ---- the network: encoder, then decoder ----------------------------------
    def _encoder(self):
        return list(DEFAULT_ENCODER if self.layers is None else self.layers)

    def _layer_list(self):  # what NetMixin reads the input for
        return self._encoder()

    def _decoder(self):
        if self.decoder_layers is not None:
            bad = [layer for layer in self.decoder_layers
                   if not isinstance(layer, fastnn_layers.Layer)]
            if bad:
                raise ValueError("decoder_layers must hold fastnn.layers objects, got %r."
                                 % (bad[0],))
            return list(self.decoder_layers)
        dense = [layer for layer in self._encoder()[:-1]
                 if isinstance(layer, fastnn_layers.Dense)]
        return dense[::-1]

    def _layers(self):
        return self._encoder() + self._decoder()

    def _output_activation(self):
        return "identity"

    def _layer_specs(self, n_features, n_outputs):
        specs = super()._layer_specs(n_features, n_outputs)
        code = fastnn_layers.build(self._encoder(), self._layer_input(n_features), 1)[:-1]
        if not code:
            raise ValueError("The encoder needs at least one layer: its last layer's output "
                             "is the code.")
        if code[-1].batch_norm:
            raise ValueError("The encoder's last layer is its code; put BatchNorm() before "
                             "that layer, not after it.")
        self._n_code_specs = len(code)
        self._n_features_out = code[-1].n_outputs
        return specs

    # ---- fitting ---------------------------------------------------------------
    def _validate_input(self, X, y, incremental, reset):
        # the shaped-input checks without a target: a whole sample (an
        # image, a sequence) is what n_features_in_ counts
        _check_feature_names(self, X, reset=reset)
        X = check_array(X, allow_nd=True, dtype=float_dtypes(X), ensure_min_samples=2)
        check_sample_dims(X)
        if not reset:
            self._check_features(X)
        rows = self._engine_rows(X, reset)
        self.n_features_in_ = rows.shape[1]
        return rows, rows

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Learn to reconstruct X (y is ignored)."""
        return self._fit(X, None, sample_weight=sample_weight, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None, sample_weight=None):
        """One epoch over X (y is ignored)."""
        self._check_solver()
        return self._fit(X, None, sample_weight=sample_weight, incremental=True)

    # ---- the code and back -------------------------------------------------------
    def transform(self, X):
        """The code of each sample: (n_samples, code width)."""
        self._check_is_fitted()
        return self._run_part(0, self._n_code_specs,
                              self._engine_rows(self._predict_input(X), reset=False))

    def inverse_transform(self, X):
        """The reconstruction of each code: (n_samples, ``n_features_in_``)."""
        self._check_is_fitted()
        return self._run_part(self._n_code_specs, len(self._specs), self._check_codes(X))

    def _check_codes(self, Z):
        Z = check_array(Z, dtype=(np.float64, np.float32))
        if Z.shape[1] != self._n_features_out:
            raise ValueError("X has %d features, but the code has %d."
                             % (Z.shape[1], self._n_features_out))
        return Z

    def _predict_from_output(self, out):
        return out

    @staticmethod
    def _score_function(y, y_pred, sample_weight=None):
        return -mean_squared_error(y, y_pred, sample_weight=sample_weight)

    def score(self, X, y=None, sample_weight=None):
        """Negative mean squared reconstruction error of X (y is ignored)."""
        self._check_is_fitted()
        rows = self._engine_rows(self._predict_input(X), reset=False)
        return self._score(rows, np.asarray(rows, dtype=np.float64), sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.target_tags.required = False
        return tags


document(AutoencoderTransformer, AutoencoderTransformer.__doc__, after="""
    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from fastnn import AutoencoderTransformer
    >>> from fastnn.layers import Dense
    >>> X, _ = load_digits(return_X_y=True)
    >>> code = AutoencoderTransformer([Dense(32), Dense(4, "tanh")], max_iter=5)
    >>> code.fit_transform(X / 16).shape
    (1797, 4)""", attributes=attributes_section(
    False, layer_count=", and every encoder and decoder layer"), see_also=[
    ("sklearn.decomposition.PCA", "The linear code an autoencoder generalises."),
    ("fastnn.layers", "The layers of the encoder and decoder.")])
