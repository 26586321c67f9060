"""Multi-layer perceptrons: drop-in replacements for scikit-learn's."""
from ._docstrings import document
from ._tasks import ClassifierNetwork, RegressorNetwork

_ATTRIBUTES_DOC = """
    Attributes
    ----------
    As scikit-learn's ``{name}``: ``loss_``, ``best_loss_``, ``loss_curve_``,
    ``validation_scores_``, ``best_validation_score_``, ``t_``, ``coefs_``,
    ``intercepts_``, ``n_features_in_``, ``feature_names_in_``, ``n_iter_``,
    ``n_layers_``, ``n_outputs_``, ``out_activation_``{extra}.  ``coefs_`` and
    ``intercepts_`` are views into one flat parameter buffer.  Also:

    validation_loss_curve_ : list of float or None
        With early stopping, the validation loss after each epoch (next to
        ``validation_scores_``); ``best_validation_loss_`` is its minimum.

    batch_norm_ : list of ndarray of shape (3, n_features)
        For each batch-normalised layer: its scale, running mean and running
        variance (its shift is the layer's ``intercepts_`` entry).

    Interrupting a fit (Ctrl-C, KeyboardInterrupt) stops it after the
    current mini-batch and leaves a fitted estimator holding the best
    weights seen so far (by the early-stopping measure, else by training
    loss), with a warning saying so.
"""


class MLPClassifier(ClassifierNetwork):

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, dropout=0.0, batch_norm=False,
                 warmup_epochs=0, monitor="score", class_weight=None, n_threads=None,
                 callbacks=None, device="cpu"):
        self._store_params(locals())


class MLPRegressor(RegressorNetwork):

    def __init__(self, loss="squared_error", hidden_layer_sizes=(100,), activation="relu",
                 *, solver="adam", alpha=0.0001, batch_size="auto",
                 learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4,
                 verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, dropout=0.0, batch_norm=False,
                 warmup_epochs=0, monitor="score", n_threads=None,
                 callbacks=None, device="cpu"):
        self._store_params(locals())


_DETAILS = """Multi-layer perceptron {kind} trained by fastnn's C engine.

    A drop-in replacement for ``sklearn.neural_network.{name}``: the same
    parameters, defaults, fitted attributes and behaviour (with the same
    random_state, sgd and adam fits follow scikit-learn's weights), plus
    options scikit-learn lacks (more activations and solvers, dropout,
    batch norm, schedules, class weights, threads, callbacks).
"""

_EXAMPLES = """
    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from fastnn import {name}
    >>> X, y = load_digits(return_X_y=True)
    >>> model = {name}(max_iter=50, random_state=0).fit(X / 16, y)
    >>> bool(model.score(X / 16, y) > {bar})
    True
"""

document(MLPClassifier, _DETAILS.format(kind="classifier", name="MLPClassifier"),
         _ATTRIBUTES_DOC.format(name="MLPClassifier", extra=", ``classes_``")
         + _EXAMPLES.format(name="MLPClassifier", bar=0.95))
document(MLPRegressor, _DETAILS.format(kind="regressor", name="MLPRegressor"),
         _ATTRIBUTES_DOC.format(name="MLPRegressor", extra="")
         + _EXAMPLES.format(name="MLPRegressor", bar=0.6))
