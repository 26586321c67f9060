"""Plots of fitted fastnn models, in the style of scikit-learn's Display
objects (``from_estimator``, ``plot(ax=...)``, ``figure_``, ``ax_``).
Needs matplotlib (``pip install matplotlib``, or ``pip install -e ".[plot]"`` in a
checkout)."""
import numpy as np
from sklearn.utils.validation import check_is_fitted

__all__ = ["FilterDisplay", "TrainingCurveDisplay"]


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("fastnn.plot needs matplotlib: pip install matplotlib") from None
    return plt


class TrainingCurveDisplay:
    """Training loss per epoch, with the validation loss and score where
    the fit computed them, and the epoch whose weights the model kept.

    Parameters
    ----------
    loss_curve : list of float
        Training loss after each epoch (``loss_curve_``).
    validation_loss_curve, validation_scores : list of float or None
        The validation set's loss and score per epoch.
    best_epoch : int or None
        The epoch (from 1) to mark.
    name : str or None
        The model's name in the title.

    Attributes
    ----------
    figure_ : matplotlib Figure
        The figure drawn on.
    ax_ : matplotlib Axes
        The Axes of the losses.
    score_ax_ : matplotlib Axes or None
        The validation score's Axes (its own scale).
    lines_ : dict
        The drawn Line2D objects by curve name.

    See Also
    --------
    FilterDisplay : A conv model's first-layer filters.
    fastnn.callbacks.ModelCheckpoint : Keep the best epoch's model in a file.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_digits
    >>> from fastnn import MLPClassifier
    >>> from fastnn.plot import TrainingCurveDisplay
    >>> X, y = load_digits(return_X_y=True)
    >>> model = MLPClassifier(max_iter=20, early_stopping=True).fit(X / 16, y)
    >>> display = TrainingCurveDisplay.from_estimator(model)
    >>> sorted(display.lines_)
    ['best_epoch', 'loss', 'validation_loss', 'validation_score']
    """

    def __init__(self, loss_curve, validation_loss_curve=None, validation_scores=None,
                 best_epoch=None, name=None):
        self.loss_curve = loss_curve
        self.validation_loss_curve = validation_loss_curve
        self.validation_scores = validation_scores
        self.best_epoch = best_epoch
        self.name = name

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, name=None):
        """Draw the curves of a fitted estimator trained by a stochastic
        solver."""
        check_is_fitted(estimator)
        if getattr(estimator, "loss_curve_", None) is None:
            raise ValueError("%s has no loss_curve_: training curves need a stochastic "
                             "solver (not lbfgs)." % type(estimator).__name__)
        scores = getattr(estimator, "validation_scores_", None)
        losses = getattr(estimator, "validation_loss_curve_", None)
        if getattr(estimator, "early_stopping", False) and scores:
            # the kept weights: the best by the monitored figure
            best = (np.argmin(losses) if estimator.monitor == "loss" else np.argmax(scores)) + 1
        else:
            best = int(np.argmin(estimator.loss_curve_)) + 1
        display = cls(estimator.loss_curve_, losses, scores, int(best),
                      name or type(estimator).__name__)
        return display.plot(ax=ax)

    def plot(self, ax=None):
        plt = _pyplot()
        own_figure = ax is None
        if own_figure:
            _, ax = plt.subplots(figsize=(6, 3.5))
        epochs = np.arange(1, len(self.loss_curve) + 1)
        self.lines_ = {"loss": ax.plot(epochs, self.loss_curve, label="training loss")[0]}
        if self.validation_loss_curve:
            self.lines_["validation_loss"] = ax.plot(epochs, self.validation_loss_curve,
                                                     label="validation loss")[0]
        ax.set(xlabel="epoch", ylabel="loss", title=self.name)
        self.score_ax_ = None
        if self.validation_scores:
            self.score_ax_ = ax.twinx()
            self.lines_["validation_score"] = self.score_ax_.plot(
                epochs, self.validation_scores, color="tab:green", label="validation score")[0]
            self.score_ax_.set_ylabel("score")
        if self.best_epoch is not None:
            self.lines_["best_epoch"] = ax.axvline(self.best_epoch, color="grey", ls=":",
                                                   label="kept (epoch %d)" % self.best_epoch)
        handles = list(self.lines_.values())
        ax.legend(handles, [h.get_label() for h in handles], loc="best", fontsize=8)
        if own_figure:
            ax.figure.tight_layout()  # room for the axis labels
        self.ax_, self.figure_ = ax, ax.figure
        return self


class FilterDisplay:
    """The filters of a conv model's first Conv2D layer as small images.

    Each filter's weights are averaged over its input channels and drawn on
    one diverging colour scale (red positive, blue negative) shared by all.
    Make it with ``from_estimator``.

    Parameters
    ----------
    filters : ndarray of shape (n_filters, kh, kw)
        The images to show.
    name : str or None, default=None
        A title (the estimator's class name with from_estimator).

    Attributes
    ----------
    figure_ : matplotlib Figure
        The figure drawn on.
    axes_ : ndarray of matplotlib Axes
        One per filter.
    filters_ : ndarray of shape (n_filters, kh, kw)
        The images shown.

    See Also
    --------
    TrainingCurveDisplay : The training and validation curves.
    fastnn.ConvClassifier : A model with filters to show.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_digits
    >>> from fastnn import ConvClassifier
    >>> from fastnn.plot import FilterDisplay
    >>> X, y = load_digits(return_X_y=True)
    >>> model = ConvClassifier(filters=(6,), max_iter=2).fit(X.reshape(-1, 8, 8) / 16, y)
    >>> FilterDisplay.from_estimator(model).filters_.shape
    (6, 3, 3)
    """

    def __init__(self, filters, name=None):
        self.filters = filters
        self.name = name

    @classmethod
    def from_estimator(cls, estimator, *, name=None):
        check_is_fitted(estimator)
        conv = [c for c in estimator.coefs_ if c.ndim == 4]
        if not conv:
            raise ValueError("%s has no convolution layer to show."
                             % type(estimator).__name__)
        kernels = conv[0].mean(axis=2).transpose(2, 0, 1)  # (kh, kw, c, oc) -> (oc, kh, kw)
        return cls(kernels, name or type(estimator).__name__).plot()

    def plot(self):
        plt = _pyplot()
        n = len(self.filters)
        cols = int(np.ceil(np.sqrt(n)))
        rows = int(np.ceil(n / cols))
        fig, axes = plt.subplots(rows, cols, figsize=(1.2 * cols, 1.2 * rows + 0.4),
                                 squeeze=False)
        limit = float(np.abs(self.filters).max()) or 1.0
        for i, ax in enumerate(axes.ravel()):
            ax.set_axis_off()
            if i < n:
                ax.imshow(self.filters[i], cmap="RdBu_r", vmin=-limit, vmax=limit)
        fig.suptitle("%s: first-layer filters" % self.name if self.name else "filters",
                     fontsize=9)
        self.figure_, self.axes_, self.filters_ = fig, axes.ravel()[:n], self.filters
        return self
