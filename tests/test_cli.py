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


def test_demo_prints_its_table_and_plots(tmp_path):
    png = tmp_path / "curves.png"
    out = run("demo", "--plot", str(png))
    assert out.returncode == 0, out.stderr
    assert "Warning" not in out.stderr + out.stdout  # no warning noise
    rows = {line.split("  ")[0]: re.findall(r"-?\d+\.\d{3}", line)
            for line in out.stdout.splitlines()}
    grid = [float(v) for v in rows["grid search, digits"]]
    assert grid[0] > 0.95 and grid[1] > 0.95
    assert float(rows["digit images, 8x8"][0]) > 0.95
    # a time to compare only for the like-for-like fit: the grid search
    times = {line.split("  ")[0]: re.findall(r"\b\d+\.\d{2}\b", line)
             for line in out.stdout.splitlines()}
    assert "same fit in scikit-learn, s" in out.stdout
    assert len(times["grid search, digits"]) == 2 and len(times["digit images, 8x8"]) == 1
    forecast, naive = (float(v) for v in rows["sunspots, next year (-RMSE)"][:2])
    assert forecast > naive  # a smaller error than "next year = this year"
    text, majority = (float(v) for v in rows["text: code or prose?"][:2])
    assert text > majority + 0.05
    import matplotlib.image
    image = matplotlib.image.imread(png)
    assert image.shape[0] > 100 and image.std() > 0.01  # not blank


def test_every_command_says_what_it_does():
    out = run("--help")
    assert out.returncode == 0
    for command in ("demo", "info", "bench"):
        assert re.search(r"^\s+%s\s+\S" % command, out.stdout, re.M), out.stdout
    demo = run("demo", "--help")
    assert "--plot" in demo.stdout and "fashion-mnist" in demo.stdout
    assert "BLAS" in run("info", "--help").stdout
    bench = run("bench", "--help")  # compare.py's own help, in a source checkout
    assert bench.returncode == 0 and "--workload" in bench.stdout


def test_unknown_command_is_an_error():
    out = run("nonsense")
    assert out.returncode != 0
    assert "invalid choice" in out.stderr
