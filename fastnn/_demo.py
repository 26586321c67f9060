"""`python -m fastnn demo`: a tour of what fastnn does, on data that ships
with scikit-learn, Python or fastnn, in about a minute on 2 cores."""
import time
import warnings

import numpy as np

# Each part: (title, fastnn's model, its score, the comparison, its score,
# fastnn's fit seconds, scikit-learn's seconds for the same fit or None),
# printed as a table.  Only a like-for-like fit gets a time to compare: a
# conv net against an MLP on the pixels is a comparison of scores.
COLUMNS = ("part", "fastnn", "score", "compared with", "score", "fit s",
           "same fit in scikit-learn, s")


def _timed(fit):
    start = time.perf_counter()
    result = fit()
    return result, time.perf_counter() - start


def grid_search_digits(X_train, X_test, y_train, y_test):
    """The same GridSearchCV over Pipeline(StandardScaler, MLPClassifier),
    fastnn's MLP against scikit-learn's."""
    from sklearn.model_selection import GridSearchCV
    from sklearn.neural_network import MLPClassifier as SklearnMLP
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from . import MLPClassifier

    grid = {"mlp__hidden_layer_sizes": [(64,), (128, 64)], "mlp__alpha": [1e-4, 1e-2]}
    searches = {}
    for name, mlp in [("fastnn", MLPClassifier), ("scikit-learn", SklearnMLP)]:
        pipe = Pipeline([("scale", StandardScaler()),
                         ("mlp", mlp(max_iter=60, random_state=0))])
        search = GridSearchCV(pipe, grid, cv=3)
        searches[name] = _timed(lambda: search.fit(X_train, y_train))
    (ours, ours_s), (theirs, theirs_s) = searches["fastnn"], searches["scikit-learn"]
    best = ours.best_params_["mlp__hidden_layer_sizes"]
    return ("grid search, digits", "MLP %s" % (best,), ours.score(X_test, y_test),
            "scikit-learn's MLP, same search", theirs.score(X_test, y_test), ours_s, theirs_s,
            ours.best_estimator_[-1])


def conv_images(X_train, X_test, y_train, y_test, title, epochs):
    """A ConvClassifier on images against scikit-learn's MLP on their
    pixels: scores only, since the two are different models."""
    from sklearn.neural_network import MLPClassifier as SklearnMLP

    from . import ConvClassifier

    conv = ConvClassifier(filters=(16, 32), hidden_layer_sizes=(64,), max_iter=epochs,
                          learning_rate_init=3e-3, random_state=0)
    _, conv_s = _timed(lambda: conv.fit(X_train, y_train))
    flat = X_train.reshape(len(X_train), -1)
    mlp = SklearnMLP((64,), max_iter=epochs, random_state=0)
    mlp.fit(flat, y_train)
    return (title, "ConvClassifier(16, 32)", conv.score(X_test, y_test),
            "scikit-learn's MLP on the pixels", mlp.score(X_test.reshape(len(X_test), -1), y_test),
            conv_s, None, conv)


def sunspot_forecast():
    """Next year's sunspot number from the last 12, against 'next year =
    this year'; RMSE on the last fifth of the years (score: minus RMSE)."""
    from . import RNNRegressor, make_windows
    from .datasets import load_sunspots

    series = load_sunspots().target
    split = int(0.8 * len(series))
    mean, std = series[:split].mean(), series[:split].std()
    X, y = make_windows((series - mean) / std, 12)
    target_year = np.arange(len(y)) + 12
    train, test = target_year < split, target_year >= split
    model = RNNRegressor(cell="lstm", recurrent_layer_sizes=(32,), learning_rate_init=0.01,
                         max_iter=100, random_state=0)
    _, seconds = _timed(lambda: model.fit(X[train], y[train]))
    truth = series[target_year[test]]
    rmse = np.sqrt(np.mean((model.predict(X[test]) * std + mean - truth) ** 2))
    naive = np.sqrt(np.mean((series[target_year[test] - 1] - truth) ** 2))
    return ("sunspots, next year (-RMSE)", "RNNRegressor(lstm 32)", -rmse,
            "this year's number", -naive, seconds, None, model)


def code_or_prose():
    """Is a line of Python's help text code or English?  Characters in,
    a text CNN, against always answering the commoner kind."""
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline

    from . import NetClassifier
    from .datasets import load_python_help
    from .layers import Conv1D, Dense, Embedding, GlobalMaxPool
    from .text import SequenceVectorizer

    lines, kinds = [], []
    for text in load_python_help("all").data:
        for line in text.splitlines():
            if len(line.strip()) >= 20:
                lines.append(line.strip())  # the indent would give code away
                kinds.append(int(line.startswith("   ")))
    train, test, y_train, y_test = train_test_split(lines, np.array(kinds), train_size=4000,
                                                    test_size=2000, random_state=0,
                                                    stratify=kinds)
    model = make_pipeline(SequenceVectorizer(max_length=60, max_tokens=100, lowercase=False),
                          NetClassifier([Embedding(100, 16), Conv1D(64, 3), GlobalMaxPool(),
                                         Dense(32)],
                                        max_iter=10, learning_rate_init=3e-3, random_state=0))
    _, seconds = _timed(lambda: model.fit(train, y_train))
    majority = max(np.mean(y_test), 1 - np.mean(y_test))
    return ("text: code or prose?", "text CNN on characters", model.score(test, y_test),
            "always the commoner kind", majority, seconds, None, model[-1])


def _table(rows):
    cells = [COLUMNS] + [(r[0], r[1], "%.3f" % r[2], r[3], "%.3f" % r[4], "%.2f" % r[5],
                          "" if r[6] is None else "%.2f" % r[6]) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join([lines[0], "-" * len(lines[0])] + lines[1:])


def _plot(path, models):
    try:
        import matplotlib
    except ImportError:
        raise SystemExit("--plot needs matplotlib: pip install matplotlib") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(models), figsize=(4 * len(models), 3.2))
    for ax, (title, model) in zip(np.atleast_1d(axes), models):
        ax.plot(np.arange(1, len(model.loss_curve_) + 1), model.loss_curve_)
        ax.set(title=title, xlabel="epoch", ylabel="training loss")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def run(plot=None, dataset="digits"):
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    split = train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)
    if dataset == "fashion-mnist":
        from .datasets import load_fashion_mnist

        try:
            train = load_fashion_mnist("train", download_if_missing=False)
            test = load_fashion_mnist("test", download_if_missing=False)
        except OSError as err:
            raise SystemExit("--dataset fashion-mnist: %s" % err) from None
        images = (train.images[:10000] / 255.0, test.images / 255.0,
                  train.target[:10000], test.target)
        image_title, epochs = "Fashion-MNIST, 10k images", 3
    else:
        images = tuple(a.reshape(-1, 8, 8) if a.ndim == 2 else a for a in split)
        image_title, epochs = "digit images, 8x8", 15
    print("fastnn demo: every fit capped at a few epochs (their convergence "
          "warnings are silenced); scores on held-out data.\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        rows = [grid_search_digits(*split), conv_images(*images, image_title, epochs),
                sunspot_forecast(), code_or_prose()]
    print(_table(rows))
    if plot:
        _plot(plot, [(row[0], row[7]) for row in rows])
        print("\nlearning curves saved to %s" % plot)
