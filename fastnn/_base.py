"""Estimator machinery shared by the fastnn networks.

Validation, initialisation, the fitted attributes, persistence and
prediction follow scikit-learn's MLP code exactly; the arithmetic is the C
engine's.  Training is the solver's (fastnn/_solvers.py; the epoch loop,
early stopping and schedules in fastnn/_trainer.py).  The estimator talks
to the engine through a flat parameter buffer and gets back only numbers.
"""
import copy
import dataclasses
import math
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from . import _cuda, _engine
from . import _initial_weights as initial_weights
from . import layers
from ._held_out import CHUNK_VALUES
from ._input_hints import explained
from ._network import LayerSpec, Layout, coef_shape
from ._optimizer import OptimizerState
from ._solvers import SOLVERS, STOCHASTIC as STOCHASTIC_SOLVERS
from ._threads import SERIAL_ROWS, effective_n_threads, single_threaded_blas
from ._trainer import DIVERGED_MESSAGE, Diverged
from ._version import __version__
from .exceptions import InconsistentVersionWarning

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _all_finite(X):
    """np.isfinite(X).all(), a chunk of rows at a time: no boolean copy of
    a large X."""
    if X.size <= CHUNK_VALUES:  # one chunk: no generator (a one-row predict's 4 us)
        return bool(np.isfinite(X).all())
    step = max(1, CHUNK_VALUES // max(1, math.prod(X.shape[1:])))
    return all(np.isfinite(X[start:start + step]).all() for start in range(0, X.shape[0], step))


class BaseNetwork(BaseEstimator):
    """Base class of the fastnn estimators; not for direct use."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(layers.ACTIVATIONS))],
        "solver": [StrOptions(set(SOLVERS))],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive", "cosine"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "dropout": ["array-like", Interval(Real, 0, 1, closed="left")],
        "batch_norm": ["boolean"],
        "warmup_epochs": [Interval(Integral, 0, None, closed="left")],
        "monitor": [StrOptions({"score", "loss"})],
        "n_threads": [None, Interval(Integral, None, -1, closed="right"),
                      Interval(Integral, 1, None, closed="left")],
        "device": [StrOptions({"cpu", "cuda"})],
        "precision": [None, StrOptions({"bf16"})],
        "callbacks": [None, list, tuple],
    }

    def _store_params(self, values):
        """__init__'s body: keep every constructor argument as given (the
        scikit-learn contract), whatever the estimator's parameter list."""
        for name in self._get_param_names():
            setattr(self, name, values[name])

    # ---- what a subclass provides -------------------------------------
    def _validate_input(self, X, y, incremental, reset):
        """(X as 2-D engine rows, y); sets n_features_in_ and friends."""
        raise NotImplementedError

    def _layers(self):
        """The network as a list of fastnn.layers, the output layer left
        out: by default the dense stack of hidden_layer_sizes."""
        sizes = self._hidden_sizes()
        return self._dense_head(sizes, self._dropout_rates(len(sizes)))

    def _layer_input(self, n_features):
        """The shape the first layer receives (see fastnn/layers.py)."""
        return ("flat", n_features)

    def _engine_rows(self, X, reset):
        """Validated input -> 2-D engine rows (images: NHWC).  reset: fit
        time, when the input's shape may be learned."""
        return X

    def _check_X_y(self, X, y, reset, **kwargs):
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
                             dtype=(np.float64, np.float32), reset=reset, **kwargs)
        return self._engine_rows(X, reset), y

    def _output_activation(self):
        raise NotImplementedError

    def _clip_norm(self):
        """Largest gradient norm a stochastic step may take (0: no limit):
        clip_grad_norm, for the estimators that have it."""
        return float(getattr(self, "clip_grad_norm", None) or 0.0)

    def _weigh_classes(self, y, sample_weight):
        """sample_weight combined with class weights (classifiers)."""
        return sample_weight

    # score(y, y_pred, sample_weight=...): accuracy, R^2...
    _score_function = None

    def _predict(self, X, check_input=True):
        return self._predict_from_output(self._forward_pass_fast(X, check_input=check_input))

    def _predict_from_output(self, out):
        """Predictions from the network's output rows."""
        raise NotImplementedError

    # ---- threads --------------------------------------------------------
    def _threads(self):
        return effective_n_threads(self.n_threads)

    # ---- the network ------------------------------------------------------
    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        if not hasattr(sizes, "__iter__"):
            sizes = [sizes]
        sizes = list(sizes)
        # int(2.5) would quietly build 2 units; a str or None would fail on a comparison
        if not all(isinstance(s, Integral) and not isinstance(s, bool) for s in sizes):
            raise ValueError("hidden_layer_sizes must hold ints (units per hidden layer), "
                             "got %r." % (self.hidden_layer_sizes,))
        if np.any(np.array(sizes) <= 0):
            raise ValueError("hidden_layer_sizes must be > 0, got %s." % sizes)
        return [int(s) for s in sizes]

    def _dropout_rates(self, n_hidden):
        """The dropout parameter as one rate per hidden layer."""
        rates = self.dropout
        rates = [rates] * n_hidden if isinstance(rates, Real) else list(rates)
        if len(rates) != n_hidden:
            raise ValueError("dropout has %d rates for a network with %d hidden layers; give "
                             "one float for all of them or one per hidden layer."
                             % (len(rates), n_hidden))
        if not all(isinstance(r, Real) and 0 <= r < 1 for r in rates):
            raise ValueError("dropout rates must be in [0, 1), got %r." % (self.dropout,))
        return [float(r) for r in rates]

    def _dense_head(self, sizes, rates):
        """Dense hidden layers of the given sizes with the estimator's
        activation, each batch-normalised if batch_norm, then dropped out
        at its rate."""
        stack = []
        for size, rate in zip(sizes, rates):
            stack.append(layers.Dense(size, self.activation))
            if self.batch_norm:
                stack.append(layers.BatchNorm())
            if rate:
                stack.append(layers.Dropout(rate))
        return stack

    def _layer_specs(self, n_features, n_outputs):
        """The LayerSpecs (see _network.py), output layer included."""
        specs = layers.build(self._layers(), self._layer_input(n_features), n_outputs)
        if (any(s.dropout or s.batch_norm for s in specs)
                and self.solver not in STOCHASTIC_SOLVERS):
            raise ValueError("dropout and batch norm need a stochastic solver (%s): they act "
                             "per mini-batch, while lbfgs minimises one fixed objective."
                             % ", ".join(STOCHASTIC_SOLVERS))
        return specs

    def _engine_output(self):
        """The engine's output and loss for training (predicting applies
        out_activation_)."""
        return self.out_activation_

    def _engine_net(self, specs):
        return self._network(specs, self._engine_output(), self._threads())

    def _bf16(self):
        """precision='bf16': float32 values, products from bfloat16 operands."""
        return getattr(self, "precision", None) == "bf16"

    def _check_precision(self):
        if self._bf16() and not _engine.bf16_supported():
            raise ValueError(
                "precision='bf16' multiplies bfloat16 values with AVX512-BF16 instructions "
                "(Intel Cooper Lake, Sapphire Rapids and later, AMD Zen 4 and later), which "
                "this CPU or build lacks; use precision=None.")

    def _check_device(self, specs=None):
        """A ValueError, before a fit sets anything, when device='cuda'
        cannot run here or cannot run these layer specs."""
        if self.device != "cuda":
            return
        found = _cuda.availability()
        if not found:
            raise ValueError("device='cuda' is not available: %s. Use device='cpu'; a model "
                             "fitted on a GPU predicts on the CPU after "
                             "set_params(device='cpu')." % found.reason)
        if self._bf16():
            raise ValueError("precision='bf16' is a CPU mode (AVX512-BF16); with "
                             "device='cuda' use precision=None")
        why = _cuda.unsupported(specs) if specs is not None else None
        if why:
            raise ValueError(why)

    def _network(self, specs, output, n_threads):
        if self.device == "cuda":
            self._check_device(specs)
            return _cuda.device_network(specs, output)
        net = _engine.Network(specs, output, n_threads)
        if self._bf16():
            self._check_precision()
            net.use_bf16(True)
        return net

    def _loss_scale(self):
        # scikit-learn reports squared error averaged over outputs, while its
        # gradient is that of the sum over outputs; keep both as it does.
        return 1.0 / self.n_outputs_ if self.out_activation_ == "identity" else 1.0

    def _init_coef(self, spec, dtype):
        return initial_weights.initial(spec, self._random_state, self._glorot_factor(spec),
                                       dtype)

    def _glorot_factor(self, spec):
        # scikit-learn's: the estimator's activation decides for every
        # layer, so an MLP starts exactly where scikit-learn's would
        return 2.0 if self.activation == "logistic" else 6.0

    def _initialize(self, y, specs, dtype):
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = y.shape[1]
        self.n_layers_ = len(specs) + 1  # the input counts, as in scikit-learn
        self.out_activation_ = self._output_activation()
        self.coefs_, self.intercepts_ = [], []
        self.batch_norm_ = Layout.initial_norms(specs, dtype)
        # layers that come with values (fastnn.transfer.Pretrained) start from them
        starts = [getattr(spec, "initial", None) for spec in specs if spec.batch_norm]
        for i, start in enumerate(starts):
            if start is not None:
                self.batch_norm_[i] = start[2].reshape(3, -1).astype(dtype)
        for spec in specs:
            shape = coef_shape(spec)
            if shape is not None:
                # (weights, biases or None: the usual ones, ...) to start from
                start = getattr(spec, "initial", None)
                coef, intercept = self._init_coef(spec, dtype)
                if start is not None:
                    coef = start[0].reshape(shape).astype(dtype)
                    if start[1] is not None:
                        intercept = start[1].astype(dtype)
                self.coefs_.append(coef)
                self.intercepts_.append(intercept)
        SOLVERS[self.solver](self).start()

    # ---- fitting ------------------------------------------------------------
    def _fit(self, X, y, sample_weight=None, incremental=False, eval_set=None):
        """fit's and partial_fit's work.  An exception (bad input, a
        MemoryError, a callback's error, Ctrl-C outside the epochs) leaves
        the estimator as it was: fitted as before, or unfitted."""
        before = self._fitted_state()
        try:
            return self._fit_or_fail(X, y, sample_weight, incremental, eval_set)
        except Diverged:
            raise
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    def _fitted_state(self):
        """A copy of the state a fit changes: the attributes (fitted lists,
        such as loss_curve_, copied as fits append to them) and the
        optimizer's moments, which partial_fit updates in place.  The
        weights need no copy: a fit trains a new buffer."""
        state = {key: list(value) if key.endswith("_") and isinstance(value, list) else value
                 for key, value in self.__dict__.items()}
        if "_optimizer" in state:
            state["_optimizer"] = copy.deepcopy(state["_optimizer"])
        return state

    def _fit_or_fail(self, X, y, sample_weight, incremental, eval_set, values=None):
        """A fit; given values (coefs, intercepts, batch norm blocks), no
        training: the network X and y call for, fitted to those values
        (fastnn.onnx.from_onnx)."""
        self._check_device()  # before anything of a fitted model is set
        self._check_precision()
        first_pass = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        with explained(self, X):
            X, y = self._validate_input(X, y, incremental, reset=first_pass)
        if self._bf16():  # float32 values, whatever the input
            X = X.astype(np.float32, copy=False)
        dtype = X.dtype
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=dtype)
        if y.ndim == 1:
            y = y.reshape((-1, 1))
        sample_weight = self._weigh_classes(y, sample_weight)
        y = np.ascontiguousarray(y, dtype=dtype)
        specs = self._layer_specs(X.shape[1], y.shape[1])
        self._check_device(specs)
        self._random_state = check_random_state(self.random_state)
        if first_pass:
            self._initialize(y, specs, dtype)
        layout = Layout(specs)
        # Refuses weights of other shapes (warm_start after a change of
        # architecture) before anything of the fitted model is touched.
        # (coefs_ and intercepts_ set by hand, as scikit-learn allows before
        # partial_fit, come without batch_norm_: start its statistics anew)
        norms = getattr(self, "batch_norm_", None)
        if norms is None:
            norms = Layout.initial_norms(specs, dtype)
        params = layout.pack(*(values or (self.coefs_, self.intercepts_, norms)), dtype)
        self._specs = specs
        self.n_outputs_ = y.shape[1]
        if values is not None:  # fitted to them, no training
            self._set_params_from(layout, params)
            return self
        net = self._engine_net(specs)
        with single_threaded_blas():
            SOLVERS[self.solver](self).fit(net, layout, params, X, y, sample_weight,
                                           incremental, eval_set)
        if not np.isfinite(params).all():
            raise Diverged(DIVERGED_MESSAGE)
        return self

    @staticmethod
    def _engine_input(X, dtype):
        if hasattr(X, "tocsr"):
            return _engine.CSRBatches(X, dtype)
        return np.ascontiguousarray(X, dtype=dtype)

    def _set_params_from(self, layout, params):
        """coefs_, intercepts_ and batch_norm_ become views of the flat
        buffer params, which predict then uses as it is while those views
        are still the fitted attributes (edits in place show through)."""
        self.coefs_, self.intercepts_, self.batch_norm_ = layout.views(params)
        self._params = params
        self._param_views = self._current_param_arrays()
        # engine networks for predict, by thread count, made on first use
        # and kept while the layers stay (early stopping scores every
        # epoch); filling it leaves the estimator's __dict__ as it was
        if not hasattr(self, "_inference_nets"):
            self._inference_nets = {}

    def __sklearn_is_fitted__(self):
        # check_is_fitted's own test scans every attribute: 10 us a predict
        return hasattr(self, "coefs_")

    def _check_is_fitted(self):
        """check_is_fitted, without its look at the estimator's tags on a
        fitted model (about 25 us, a third of a one-row predict)."""
        if not self.__sklearn_is_fitted__():
            check_is_fitted(self)  # scikit-learn's NotFittedError

    def summary(self, print_fn=print):
        """Print the fitted network layer by layer: each layer, the shape
        of one sample's output, its parameter count, and the total (as
        Keras's model summary).  print_fn receives the text."""
        self._check_is_fitted()
        print_fn(layers.summary(self._layers(), self._layer_input(self.n_features_in_),
                                self.n_outputs_, self.out_activation_))

    def _current_param_arrays(self):
        return tuple(self.coefs_) + tuple(self.intercepts_) + tuple(self.batch_norm_)

    def _packed_params(self, dtype):
        """The parameters as one flat buffer of dtype for the engine."""
        views = getattr(self, "_param_views", None)
        current = self._current_param_arrays()
        if (views is not None and self._params.dtype == dtype and len(views) == len(current)
                and all(a is b for a, b in zip(views, current))):
            return self._params
        # set by hand, or a float32 model on float64 input: pack a copy
        return Layout(self._specs).pack(self.coefs_, self.intercepts_, self.batch_norm_, dtype)

    def _fitted_part(self, start, stop, dtype):
        """The fitted network's layer specs [start, stop) as an engine
        network, its parameters cut from the fitted ones, and the
        activation of its last layer, for the caller to apply: the engine
        ends a network on an identity layer.  (A conv layer whose
        activation moved behind the max pool after it gets it back.)"""
        specs = list(self._specs[start:stop])
        if not specs:
            raise ValueError("No layer with values to run: choose more layers.")
        last = specs[-1]
        activation = last.declared_activation or last.activation
        specs[-1] = dataclasses.replace(last, activation="identity", dropout=0.0,
                                        declared_activation=None)
        values = self._spec_values(stop, dtype)[start:]
        # the buffer's layout: every layer's weights, then the biases, then the norm blocks
        params = np.concatenate([v[part] for part in range(3) for v in values])
        return self._network(specs, "identity", self._threads()), params, activation

    def _run_part(self, start, stop, X):
        """The fitted network's specs [start, stop) on engine rows X."""
        dtype = np.float32 if self._bf16() else np.result_type(X.dtype, self.coefs_[0].dtype)
        net, params, activation = self._fitted_part(start, stop, dtype)
        with single_threaded_blas():
            out = net.forward(params, self._engine_input(X, dtype))
        if activation != "identity":
            _engine.activation_forward(out.ravel(), activation, self._threads())
        return out

    def _spec_values(self, stop, dtype=None):
        """(weights, biases, batch norm block) of each of the first `stop`
        layer specs, as flat arrays of the fitted buffer (in dtype; None:
        the model's)."""
        blocks = _engine.Network(self._specs, "identity", 1).param_blocks()[:stop]
        flat = self._packed_params(self.coefs_[0].dtype if dtype is None else dtype)
        return [(flat[w:w + nw], flat[b:b + nb], flat[n:n + nn])
                for w, nw, b, nb, n, nn in blocks.tolist()]

    def _inference_network(self, n_threads):
        """The engine network for predicting, kept between calls (it holds
        no data, so concurrent predicts may share it)."""
        key = n_threads, self._bf16()
        specs, net = self._inference_nets.get(key, (None, None))
        if specs is not self._specs:
            specs, net = self._specs, self._network(self._specs, self.out_activation_,
                                                    n_threads)
            self._inference_nets[key] = specs, net
        return net

    # The engine's buffer and networks are rebuilt, not pickled: the state
    # holds coefs_ and friends once.
    _UNPICKLED = ("_params", "_param_views", "_inference_nets")

    def __getstate__(self):
        # Arrays and plain values only (plus the public estimator and layer
        # types), for pickle and skops alike: skops.io then loads a model
        # without trusting any private fastnn type (fastnn/persistence.py).
        state = super().__getstate__()
        state = {k: v for k, v in state.items() if k not in self._UNPICKLED}
        if "_specs" in state:
            state["_specs"] = [spec.as_state() for spec in state["_specs"]]
        if "_optimizer" in state:
            state["_optimizer"] = state["_optimizer"].as_state()
        state["_fastnn_version"] = __version__
        return state

    def __setstate__(self, state):
        state = dict(state)
        saved_by = state.pop("_fastnn_version", None)
        if saved_by != __version__:
            warnings.warn(InconsistentVersionWarning(
                estimator_name=type(self).__name__, current_fastnn_version=__version__,
                original_fastnn_version=saved_by))
        # pickles made before the state was plain hold the objects themselves
        if "_specs" in state:
            state["_specs"] = [s if isinstance(s, LayerSpec) else LayerSpec.from_state(s)
                               for s in state["_specs"]]
        if isinstance(state.get("_optimizer"), dict):
            state["_optimizer"] = OptimizerState.from_state(state["_optimizer"])
        super().__setstate__(state)
        if hasattr(self, "coefs_") and hasattr(self, "_specs"):
            layout = Layout(self._specs)
            self._set_params_from(layout, layout.pack(self.coefs_, self.intercepts_,
                                                      self.batch_norm_, self.coefs_[0].dtype))

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, eval_set=None):
        """Fit the model to data matrix X and target(s) y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values (class labels in classification, real numbers
            in regression).
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.
        eval_set : list of one (X_val, y_val) or (X_val, y_val, sample_weight_val)
            tuple, default=None
            A validation set (as in LightGBM and XGBoost): each epoch
            records its score and loss (``validation_scores_``,
            ``validation_loss_curve_``), and early stopping, when on, uses it
            instead of holding out validation_fraction of X.  Stochastic
            solvers only.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False,
                         eval_set=eval_set)

    def _check_solver(self):
        if self.solver not in STOCHASTIC_SOLVERS:
            raise AttributeError(
                "partial_fit is only available for stochastic optimizers. "
                "%s is not stochastic." % self.solver)
        return True

    # ---- prediction ---------------------------------------------------------
    def _forward_pass_fast(self, X, check_input=True):
        """The network output for X (after the output activation)."""
        if check_input:
            X = self._engine_rows(self._predict_input(X), reset=False)
        # float64 data on a float32 model is computed in float64, as
        # scikit-learn's matrix products would.
        dtype = np.float32 if self._bf16() else np.result_type(X.dtype, self.coefs_[0].dtype)
        params = self._packed_params(dtype)
        X = self._engine_input(X, dtype)
        if X.shape[0] < SERIAL_ROWS:
            # the engine adds no threads of its own, so BLAS needs no hold
            return self._inference_network(1).forward(params, X)
        with single_threaded_blas():
            return self._inference_network(self._threads()).forward(params, X)

    # X.ndim that validation accepts: rows of features (the n-D samples of
    # images and sequences are allowed by ShapedInputMixin)
    _SAMPLE_NDIMS = (2,)

    def _predict_input(self, X):
        """X validated for predict.  A float ndarray of finite samples of
        the fitted size (rows, or the images and sequences of the
        estimators that read them), on a model fitted without feature
        names, is what scikit-learn's validation would pass through
        unchanged; it skips that validation, which would take most of a
        one-row predict."""
        if (type(X) is np.ndarray and X.ndim in self._SAMPLE_NDIMS and X.dtype in FLOAT_DTYPES
                and X.shape[0] > 0 and math.prod(X.shape[1:]) == self.n_features_in_
                and not hasattr(self, "feature_names_in_") and _all_finite(X)):
            return X
        with explained(self, X):
            return self._validate_predict_input(X)

    def _validate_predict_input(self, X):
        return validate_data(self, X, accept_sparse=["csr", "csc"], reset=False,
                             dtype=(np.float64, np.float32))

    def _score(self, X, y, sample_weight=None):
        return self._score_predictions(y, self._predict(X, check_input=False), sample_weight)

    def _score_predictions(self, y, y_pred, sample_weight):
        """score() from the predictions: NaN where they are not finite."""
        if np.issubdtype(y_pred.dtype, np.floating) and not np.isfinite(y_pred).all():
            return np.nan
        return self._score_function(y, y_pred, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
