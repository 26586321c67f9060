"""Multi-layer perceptrons: drop-in replacements for scikit-learn's."""
from ._tasks import ClassifierNetwork, RegressorNetwork

_COMMON_DOC = """
    Parameters
    ----------
    The same as scikit-learn's ``{name}``, with the same defaults, plus:

    n_threads : int, default=None
        Threads for the engine (its OpenMP loops and its matrix products).
        None uses OpenMP's default (``OMP_NUM_THREADS`` or the limit set with
        threadpoolctl); -1 uses every core.

    Attributes
    ----------
    As scikit-learn's ``{name}``: ``loss_``, ``best_loss_``, ``loss_curve_``,
    ``validation_scores_``, ``best_validation_score_``, ``t_``, ``coefs_``,
    ``intercepts_``, ``n_features_in_``, ``feature_names_in_``, ``n_iter_``,
    ``n_layers_``, ``n_outputs_``, ``out_activation_``{extra}.  ``coefs_`` and
    ``intercepts_`` are views into one flat parameter buffer.
"""


class MLPClassifier(ClassifierNetwork):
    __doc__ = (
        "Multi-layer perceptron classifier trained by fastnn's C engine.\n"
        + _COMMON_DOC.format(name="MLPClassifier", extra=", ``classes_``")
    )

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, n_threads=None):
        self._store_params(locals())


class MLPRegressor(RegressorNetwork):
    __doc__ = (
        "Multi-layer perceptron regressor trained by fastnn's C engine.\n"
        + _COMMON_DOC.format(name="MLPRegressor", extra="")
    )

    def __init__(self, loss="squared_error", hidden_layer_sizes=(100,), activation="relu",
                 *, solver="adam", alpha=0.0001, batch_size="auto",
                 learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4,
                 verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, n_threads=None):
        self._store_params(locals())
