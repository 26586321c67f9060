"""Multi-layer perceptrons: drop-in replacements for scikit-learn's."""
from ._tasks import ClassifierNetwork, RegressorNetwork

_COMMON_DOC = """
    Parameters
    ----------
    The same as scikit-learn's ``{name}``, with the same defaults, plus:

    activation : {{'identity', 'logistic', 'tanh', 'relu', 'leaky_relu', 'elu', 'gelu', 'softplus'}}, default='relu'
        Four hidden-layer activations beyond scikit-learn's: 'leaky_relu'
        (slope 0.01 below 0), 'elu' (``exp(z) - 1`` below 0), 'gelu' (the
        exact ``z * Phi(z)``, Phi the standard normal CDF, as PyTorch's
        default) and 'softplus' (``log(1 + exp(z))``).

    solver : {{'lbfgs', 'sgd', 'adam', 'adamw', 'rmsprop', 'adagrad'}}, default='adam'
        Three stochastic solvers beyond scikit-learn's.  'adamw': Adam
        (``beta_1``, ``beta_2``, ``epsilon``) on the data gradient only, plus
        decoupled weight decay: for adamw, alpha is the decoupled weight
        decay, each step takes ``learning_rate * alpha * w`` off every weight
        (not the biases), as PyTorch's ``AdamW(weight_decay=alpha)`` does,
        and ``loss_`` has no L2 term; with ``alpha=0`` it is exactly 'adam'.
        'rmsprop': ``v = rho v + (1 - rho) g**2``, ``w -= lr g / (sqrt(v) +
        epsilon)`` with a fixed ``rho = 0.9`` (``beta_1`` and ``beta_2`` are
        not used).  'adagrad': ``G += g**2``, ``w -= lr g / (sqrt(G) +
        epsilon)``.  For both, as for 'sgd' and 'adam', the gradient ``g``
        includes the L2 term ``alpha * w``.

    learning_rate : {{'constant', 'invscaling', 'adaptive', 'cosine'}}, default='constant'
        'invscaling' and 'adaptive' act on 'sgd' only, as in scikit-learn.
        'cosine' acts on every stochastic solver: after the warm-up, epoch
        ``e`` trains with ``learning_rate_init * 0.5 * (1 + cos(pi * (e - W)
        / (max_iter - W)))``, ``W = warmup_epochs``, from the full rate at
        epoch ``W`` down towards 0 at epoch ``max_iter`` (successive
        ``partial_fit`` calls count as epochs; past ``max_iter`` the rate is 0).

    warmup_epochs : int, default=0
        Linear warm-up, for every stochastic solver and schedule: epoch ``e
        < warmup_epochs`` (0-based) trains with ``(e + 1) / (warmup_epochs +
        1)`` times the rate the schedule gives.

    dropout : float or tuple of float, default=0.0
        Inverted dropout on the hidden layers' outputs while training: each
        value is zeroed with this probability and the rest scaled by ``1 /
        (1 - dropout)``; off at predict time.  A float applies to every
        hidden layer, a tuple gives one rate per hidden layer (Conv: each
        conv block's output, then each dense hidden layer; RNN: each
        recurrent layer's output, i.e. between stacked layers and before the
        head, then each dense hidden layer).  The masks come from
        ``random_state``.  Stochastic solvers only.

    batch_norm : bool, default=False
        Batch normalisation of every hidden dense or conv layer, before its
        activation: over the mini-batch while training (running mean and
        variance kept with momentum 0.1), by the running statistics at
        predict time; a learnable scale per feature, and the layer's bias as
        the shift.  Stochastic solvers only.

    monitor : {{'score', 'loss'}}, default='score'
        What early stopping watches on the held-out data: the score, as
        scikit-learn does, or the validation loss (the mean data loss,
        without the L2 term).  Either way the best weights by that measure
        are kept.  Only used with ``early_stopping=True``.

    loss : {{'squared_error', 'poisson', 'absolute_error', 'huber'}}, default='squared_error'
        Regressors only.  Two beyond scikit-learn's: 'absolute_error'
        (``|p - y|``, robust to outliers, predicts a median) and 'huber'
        (``(p - y)**2 / 2`` within 1 of the target, ``|p - y| - 1/2``
        beyond: PyTorch's ``HuberLoss`` with ``delta=1``; scale y so that
        an error of 1 marks an outlier).  ``loss_`` reports either averaged
        over the outputs, like the squared error.

    class_weight : None, 'balanced' or dict, default=None
        Classifiers only: a weight per class, multiplying ``sample_weight``
        (scikit-learn's ``compute_sample_weight`` rules; 'balanced' counts
        the classes of the ``y`` given to each fit or partial_fit call).

    n_threads : int, default=None
        Threads for the engine (its OpenMP loops and its matrix products).
        None uses OpenMP's default (``OMP_NUM_THREADS`` or the limit set with
        threadpoolctl); -1 uses every core.

    device : str, default='cpu'
        Where the network trains and predicts; 'cpu' is the only device of
        this version (any other value is refused at fit).

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
                 n_iter_no_change=10, max_fun=15000, dropout=0.0, batch_norm=False,
                 warmup_epochs=0, monitor="score", class_weight=None, n_threads=None,
                 callbacks=None, device="cpu"):
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
                 n_iter_no_change=10, max_fun=15000, dropout=0.0, batch_norm=False,
                 warmup_epochs=0, monitor="score", n_threads=None,
                 callbacks=None, device="cpu"):
        self._store_params(locals())
