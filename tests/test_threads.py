"""Thread counts: results do not depend on them, the engine's hold on BLAS
threads is released correctly even when fits overlap, and idle OpenMP
threads sleep."""
import os
import subprocess
import sys
import threading

import numpy as np
import pytest
from sklearn.datasets import load_digits
from threadpoolctl import threadpool_info

from fastnn import MLPClassifier, MLPRegressor


def blas_threads():
    return sorted(lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas")


def test_one_and_two_threads_agree_on_a_wide_network():
    """Wide enough (256 units, batches of 256) that the threaded GEMM split
    and the parallel optimizer step run."""
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    probas = []
    for n_threads in (1, 2):
        model = MLPClassifier(hidden_layer_sizes=(256, 256), batch_size=256, max_iter=3,
                              random_state=0, n_threads=n_threads, tol=0)
        probas.append(model.fit(X, y).predict_proba(X))
    np.testing.assert_allclose(probas[0], probas[1], rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("solver", ["sgd", "adam", "adamw", "rmsprop", "adagrad"])
def test_the_step_fused_into_the_band_sum_matches_one_thread(solver):
    """Two threads add their bands' gradient blocks and update each slice
    of the weights in the same pass; the weights, the L2 term of the loss
    curve and adam's step count must be those of the one-thread step."""
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    fits = []
    for n_threads in (1, 2):
        model = MLPClassifier(hidden_layer_sizes=(256, 256), batch_size=256, max_iter=3,
                              solver=solver, alpha=1e-2, random_state=0, tol=0,
                              n_threads=n_threads, nesterovs_momentum=True)
        fits.append(model.fit(X, y))
    one, two = fits
    for a, b in zip(one.coefs_ + one.intercepts_, two.coefs_ + two.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(one.loss_curve_, two.loss_curve_, rtol=1e-9)
    assert one.t_ == two.t_


def test_overlapping_calls_restore_blas_threads():
    before = blas_threads()
    X, y = load_digits(return_X_y=True)
    model = MLPRegressor(hidden_layer_sizes=(64,), max_iter=2, random_state=0, tol=0)
    model.fit(X, y.astype(float))
    errors = []

    def work():
        try:
            for _ in range(20):
                model.predict(X)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert blas_threads() == before


def test_blas_is_single_threaded_only_during_engine_calls(monkeypatch):
    """Inside an engine call BLAS runs at one thread (the engine brings its
    own threads); outside it, the user's setting is untouched.  A predict
    of fewer than SERIAL_ROWS rows runs the engine on one thread and leaves
    BLAS alone."""
    from fastnn import _base

    seen = []
    real_network = _base.BaseNetwork._inference_network

    def spy(self, n_threads):
        seen.append((n_threads, blas_threads()))
        return real_network(self, n_threads)

    monkeypatch.setattr(_base.BaseNetwork, "_inference_network", spy)
    X, y = load_digits(return_X_y=True)
    before = blas_threads()
    model = MLPClassifier(hidden_layer_sizes=(8,), max_iter=1, random_state=0).fit(X, y)
    assert blas_threads() == before
    model.predict(X)
    assert seen[-1][1] == [1] * len(before)
    model.predict(X[:_base.SERIAL_ROWS - 1])
    assert seen[-1] == (1, before)
    assert blas_threads() == before


IDLE_CPU_SCRIPT = """
import os, time
import numpy as np
import fastnn
from fastnn import _engine
from fastnn._network import dense_layers
from fastnn._threads import single_threaded_blas
rng = np.random.default_rng(0)
net = _engine.Network(dense_layers([512, 512, 512], "relu"), "identity", 2)
params, X = rng.random(int(net.param_blocks()[-1, 2:4].sum())), rng.random((512, 512))
with single_threaded_blas():  # as in a fit: OpenMP's threads only
    for _ in range(20):
        net.forward(params, X)  # parallel regions, then idle
start = time.process_time()
time.sleep(0.5)
print(fastnn.WAIT_POLICY, os.environ.get("OMP_WAIT_POLICY"), time.process_time() - start)
"""


def idle_cpu_seconds(env):
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT",
                                                            "KMP_BLOCKTIME")} | env
    out = subprocess.run([sys.executable, "-c", IDLE_CPU_SCRIPT], env=env, check=True,
                         capture_output=True, text=True, timeout=120).stdout.split()
    return out[0], out[1], float(out[2])


def test_idle_engine_threads_sleep_unless_the_user_chose_otherwise():
    """By default the engine is loaded with passive OpenMP waiting, so its
    idle threads use no CPU (a spinning one would take a busy core's time
    slices), and the process environment is left as it was; a policy the
    user set is theirs (active: the idle thread spins through the sleep)."""
    policy, env_after, idle = idle_cpu_seconds({})
    assert (policy, env_after) == ("passive", "None")
    assert idle < 0.02
    policy, env_after, idle = idle_cpu_seconds({"OMP_WAIT_POLICY": "active"})
    assert (policy, env_after) == ("None", "active")
    assert idle > 0.1  # of 0.5 s


# ---- more threads than cores, and fork ----------------------------------------

def test_more_threads_than_cores_use_the_cores():
    """n_threads beyond the machine is clamped to the processors OpenMP
    reports, and scratch is sized for the threads actually used."""
    from fastnn import _engine
    from fastnn._network import dense_layers
    from fastnn._threads import effective_n_threads

    cores = _engine.num_procs()
    assert effective_n_threads(10**6) == cores
    assert effective_n_threads(-10**6) == 1
    specs = dense_layers([64, 300, 10], "relu")
    assert (_engine.Network(specs, "softmax", 10**6).scratch().nbytes
            == _engine.Network(specs, "softmax", cores).scratch().nbytes)
    X, y = load_digits(return_X_y=True)
    model = MLPClassifier(hidden_layer_sizes=(32,), max_iter=2, random_state=0,
                          n_threads=10**6).fit(X / 16, y)
    same = MLPClassifier(hidden_layer_sizes=(32,), max_iter=2, random_state=0,
                         n_threads=cores).fit(X / 16, y)
    np.testing.assert_array_equal(model.coefs_[0], same.coefs_[0])


FORK_SCRIPT = r"""
import multiprocessing, pickle, sys, warnings
import numpy as np
from fastnn import MLPClassifier, _engine
from fastnn._threads import effective_n_threads

rng = np.random.default_rng(0)
X = rng.standard_normal((2000, 50))
y = (X[:, 0] + X[:, 1] > 0).astype(int)
kw = dict(hidden_layer_sizes=(64,), max_iter=3, random_state=0)
warnings.simplefilter("ignore")

def child(conn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fitted = MLPClassifier(n_threads=2, **kw).fit(X, y)
        proba = parent_model.predict_proba(X)
    said = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    conn.send((fitted.coefs_, proba, said, effective_n_threads(2)))

ctx = multiprocessing.get_context("fork")
if sys.argv[1] == "before":  # a fork before any threaded call keeps its threads
    parent, mine = ctx.Pipe()
    p = ctx.Process(target=lambda c: c.send(effective_n_threads(2)), args=(mine,))
    p.start()
    print(parent.recv() if parent.poll(60) else "hung")
    p.join()
    sys.exit()

parent_model = MLPClassifier(n_threads=2, **kw).fit(X, y)  # the pool is started
parent, mine = ctx.Pipe()
p = ctx.Process(target=child, args=(mine,))
p.start()
if not parent.poll(120):
    p.kill()
    print("hung")
    sys.exit()
coefs, proba, said, threads = parent.recv()
p.join()
one = MLPClassifier(n_threads=1, **kw).fit(X, y)
for a, b in zip(coefs, one.coefs_):
    np.testing.assert_array_equal(a, b)
parent_model.n_threads = 1
np.testing.assert_array_equal(proba, parent_model.predict_proba(X))
assert threads == 1, threads
assert len(said) == 1 and "'spawn'" in said[0], said
print("ok")
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_child_forked_after_a_threaded_fit_runs_on_one_thread():
    """GNU OpenMP's pool does not survive fork: a child that started a team
    would wait forever.  The child's fit and predict finish on one thread,
    equal to one-thread results, and it says so once."""
    from fastnn import _engine
    if _engine.num_procs() < 2 or not _engine.has_openmp():
        pytest.skip("needs OpenMP and two processors to start a pool before the fork")
    run = subprocess.run([sys.executable, "-c", FORK_SCRIPT, "after"], capture_output=True,
                         text=True, timeout=300)
    assert run.stdout.strip().splitlines()[-1:] == ["ok"], run.stdout + run.stderr
    run = subprocess.run([sys.executable, "-c", FORK_SCRIPT, "before"], capture_output=True,
                         text=True, timeout=300)
    assert run.stdout.strip().splitlines()[-1:] == ["2"], run.stdout + run.stderr
