"""Multi-layer perceptrons: drop-in replacements for scikit-learn's."""
from ._docstrings import MLP_COEFS, attributes_section, document
from ._tasks import ClassifierNetwork, RegressorNetwork

class MLPClassifier(ClassifierNetwork):

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, dropout=0.0, batch_norm=False,
                 warmup_epochs=0, monitor="score", class_weight=None, n_threads=None,
                 callbacks=None, device="cpu", precision=None):
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
                 callbacks=None, device="cpu", precision=None):
        self._store_params(locals())


_DETAILS = """Multi-layer perceptron {kind} trained by fastnn's C engine.

    A drop-in replacement for ``sklearn.neural_network.{name}``: the same
    parameters, defaults, fitted attributes and behaviour (with the same
    random_state, sgd and adam fits follow scikit-learn's weights), plus
    options scikit-learn lacks (more activations and solvers, dropout,
    batch norm, schedules, class weights, threads, callbacks).

    Interrupting a fit (Ctrl-C, KeyboardInterrupt) stops it after the
    current mini-batch and leaves a fitted estimator holding the best
    weights seen so far (by the early-stopping measure, else by training
    loss), with a warning saying so.
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


def _document(cls, kind, task):
    document(cls, _DETAILS.format(kind=kind, name=cls.__name__),
             _EXAMPLES.format(name=cls.__name__, bar=0.95 if kind == "classifier" else 0.6),
             attributes_section(kind == "classifier", MLP_COEFS),
             [("sklearn.neural_network." + cls.__name__, "The estimator this one replaces."),
              ("fastnn.Conv" + task, "Convolutions for images."),
              ("fastnn.RNN" + task, "Recurrent layers for sequences."),
              ("fastnn.Net" + task, "Any stack of fastnn.layers.")])


_document(MLPClassifier, "classifier", "Classifier")
_document(MLPRegressor, "regressor", "Regressor")
