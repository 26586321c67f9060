"""fastnn.plot, drawn with matplotlib's Agg backend."""
import io

import numpy as np
import pytest

from fastnn import ConvClassifier, MLPClassifier

matplotlib = pytest.importorskip("matplotlib", reason="matplotlib is not installed")
matplotlib.use("Agg")
import matplotlib.image  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

from fastnn.plot import FilterDisplay, TrainingCurveDisplay  # noqa: E402

pytestmark = pytest.mark.usefixtures("quiet")


def rendered(figure):
    """The figure as an RGBA array (PNG round trip), then closed."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=60)
    plt.close(figure)
    buffer.seek(0)
    return matplotlib.image.imread(buffer)


def test_training_curves_with_early_stopping(digits):
    X, y = digits
    model = MLPClassifier((16,), max_iter=30, early_stopping=True, n_iter_no_change=3,
                          random_state=0).fit(X, y)
    display = TrainingCurveDisplay.from_estimator(model)
    np.testing.assert_array_equal(display.lines_["loss"].get_ydata(), model.loss_curve_)
    np.testing.assert_array_equal(display.lines_["validation_score"].get_ydata(),
                                  model.validation_scores_)
    assert display.best_epoch == int(np.argmax(model.validation_scores_)) + 1
    assert display.score_ax_ is not None and display.ax_.get_title() == "MLPClassifier"
    assert rendered(display.figure_).std() > 0.05  # not blank


def test_training_curves_on_given_axes_without_validation(digits):
    X, y = digits
    model = MLPClassifier((8,), max_iter=5, random_state=0).fit(X, y)
    fig, ax = plt.subplots()
    display = TrainingCurveDisplay.from_estimator(model, ax=ax, name="mine")
    assert display.ax_ is ax and display.figure_ is fig and display.score_ax_ is None
    assert set(display.lines_) == {"loss", "best_epoch"}
    assert rendered(fig).std() > 0.05
    with pytest.raises(ValueError, match="stochastic"):
        TrainingCurveDisplay.from_estimator(MLPClassifier((4,), solver="lbfgs",
                                                          max_iter=3).fit(X, y))


def test_filters_of_a_conv_model(digits):
    X, y = digits
    model = ConvClassifier(filters=(6,), hidden_layer_sizes=(), max_iter=3,
                           random_state=0).fit(X.reshape(-1, 8, 8), y)
    display = FilterDisplay.from_estimator(model)
    assert display.filters_.shape == (6, 3, 3) and len(display.axes_) == 6
    np.testing.assert_allclose(display.filters_[2], model.coefs_[0][:, :, 0, 2])
    assert rendered(display.figure_).std() > 0.05
    with pytest.raises(ValueError, match="no convolution"):
        FilterDisplay.from_estimator(MLPClassifier((4,), max_iter=2).fit(X, y))
