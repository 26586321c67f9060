"""`python -m fastnn info` and `python -m fastnn demo`."""
import re
import subprocess
import sys


def run(*args):
    return subprocess.run([sys.executable, "-m", "fastnn", *args], capture_output=True,
                          text=True, timeout=300)


def test_info_reports_build_and_threads():
    import fastnn
    from fastnn import _engine

    out = run("info")
    assert out.returncode == 0, out.stderr
    assert "fastnn %s" % fastnn.__version__ in out.stdout
    expected = "yes" if _engine.has_openmp() else "no"
    assert re.search(r"OpenMP compiled in: %s" % expected, out.stdout)
    assert re.search(r"threads used by default: [1-9]\d*", out.stdout)
    assert re.search(r"^blas\s", out.stdout, re.M), "threadpoolctl should see scipy's BLAS"


def test_demo_trains_digits():
    out = run("demo")
    assert out.returncode == 0, out.stderr
    accuracies = [float(a) for a in re.findall(r"test accuracy (\d\.\d+)", out.stdout)]
    assert len(accuracies) == 2, out.stdout
    assert accuracies[0] > 0.95


def test_unknown_command_is_an_error():
    out = run("nonsense")
    assert out.returncode != 0
    assert "invalid choice" in out.stderr
