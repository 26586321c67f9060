"""Command line: `python -m fastnn demo`, `info` and `bench`."""
import argparse
import os
import sys


def info():
    """Version, OpenMP, threads, and the native libraries (BLAS, OpenMP) that
    threadpoolctl sees."""
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


def bench(args):
    """benchmarks/compare.py from a source checkout, with its options."""
    script = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          "benchmarks", "compare.py")
    if not os.path.exists(script):
        raise SystemExit("The benchmarks ship with fastnn's source repository, not with the "
                         "installed package: run `python benchmarks/compare.py --help` in a "
                         "checkout.")
    import subprocess

    raise SystemExit(subprocess.call([sys.executable, script] + args))


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m fastnn",
        description="fastnn: fast neural networks as scikit-learn estimators.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")
    demo = commands.add_parser(
        "demo", help="a one-minute tour: grid search, images, a forecast, text",
        description="Trains fastnn on data that ships with scikit-learn, Python and fastnn "
                    "(a grid search on digits against scikit-learn's, a conv net on images, "
                    "an LSTM forecasting sunspots, a text CNN) and prints a table of scores "
                    "and times.")
    demo.add_argument("--plot", metavar="FILE.png",
                      help="also save each model's learning curve (needs matplotlib)")
    demo.add_argument("--dataset", choices=["digits", "fashion-mnist"], default="digits",
                      help="images for the conv part: scikit-learn's digits (default), or "
                           "Fashion-MNIST's files where they are present (see "
                           "fastnn.datasets.load_fashion_mnist)")
    commands.add_parser("info", help="version, OpenMP, threads and the BLAS in use",
                        description=info.__doc__)
    commands.add_parser("bench", help="benchmarks/compare.py (from a source checkout)",
                        description=bench.__doc__ + "  Options after `bench` go to it.",
                        add_help=False)
    args, rest = parser.parse_known_args(argv)
    if args.command == "bench":
        bench(rest)
    if rest:
        parser.error("unrecognized arguments: %s" % " ".join(rest))
    if args.command == "demo":
        from . import _demo

        _demo.run(plot=args.plot, dataset=args.dataset)
    else:
        info()


if __name__ == "__main__":
    main()
