"""Command line: `python -m fastnn demo` or `python -m fastnn info`."""
import argparse
import os
import sys
import time


def info():
    """Version, OpenMP, threads, and the native libraries threadpoolctl sees."""
    import numpy
    import scipy
    import sklearn
    from threadpoolctl import threadpool_info

    from . import __version__, _engine
    from ._threads import effective_n_threads
    from ._wait_policy import USER_CHOICES, WAIT_POLICY

    print("fastnn %s" % __version__)
    print("python %s" % sys.version.split()[0])
    print("numpy %s, scipy %s, scikit-learn %s"
          % (numpy.__version__, scipy.__version__, sklearn.__version__))
    print("OpenMP compiled in: %s" % ("yes" if _engine.has_openmp() else "no (serial build)"))
    print("threads used by default: %d" % effective_n_threads(None))
    print("OpenMP wait policy: %s" % (WAIT_POLICY or "the environment's (%s)" % ", ".join(
        "%s=%s" % (k, os.environ[k]) for k in USER_CHOICES if k in os.environ)))
    for lib in threadpool_info():
        print("%-8s %-10s %-12s threads=%-3d %s" % (
            lib.get("user_api"), lib.get("internal_api"), lib.get("version"),
            lib.get("num_threads"), lib.get("filepath")))


def demo():
    """Train an MLP on scikit-learn's digits and report accuracy and time."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier as SklearnMLP

    from . import MLPClassifier

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=0.25, random_state=0, stratify=y)
    print("digits: %d training and %d test images of 8x8 pixels, 10 classes"
          % (len(y_train), len(y_test)))
    params = dict(hidden_layer_sizes=(128, 64), max_iter=100, random_state=0)
    for name, cls in [("fastnn", MLPClassifier), ("scikit-learn", SklearnMLP)]:
        start = time.perf_counter()
        model = cls(**params).fit(X_train, y_train)
        seconds = time.perf_counter() - start
        print("%-13s MLPClassifier%s: test accuracy %.4f, %d epochs in %.2f s"
              % (name, params["hidden_layer_sizes"], model.score(X_test, y_test),
                 model.n_iter_, seconds))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m fastnn", description=__doc__)
    parser.add_argument("command", choices=["demo", "info"])
    args = parser.parse_args(argv)
    {"demo": demo, "info": info}[args.command]()


if __name__ == "__main__":
    main()
