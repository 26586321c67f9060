"""The solvers (one class each; the fused engine step of adamw, rmsprop
and adagrad against NumPy, adamw's decoupled weight decay, learning on real
data) and the learning-rate schedule ('cosine', warm-up)."""
from dataclasses import replace

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils._param_validation import InvalidParameterError

from fastnn import (ConvClassifier, MLPClassifier, MLPRegressor, RNNRegressor,
                    _engine)
from fastnn._base import STOCHASTIC_SOLVERS
from fastnn._optimizer import StepSettings
from fastnn._solvers import SOLVERS
from fastnn._trainer import learning_rate_at

import _kernels  # tests/kernels: the single kernels
from conftest import rand, tol

NEW_SOLVERS = ["adamw", "rmsprop", "adagrad"]
SIZES = [1, 9, 70001]  # 70001: big enough for the threaded path


pytestmark = pytest.mark.usefixtures("quiet")


def settings(solver, alpha, lr=0.01, **kw):
    return StepSettings(solver=solver, learning_rate=lr, alpha=alpha, **kw)


def numpy_steps(params, grads, n_decay, scale, opt):
    """The solvers written out plainly, in float64, on the flat vector whose
    prefix [0:n_decay] holds the weights."""
    p = params.astype(np.float64)
    lr, alpha, eps = opt.learning_rate, opt.alpha, opt.epsilon
    decayed = np.arange(p.size) < n_decay
    m, v = np.zeros_like(p), np.zeros_like(p)
    for t, grad in enumerate(grads, start=1):
        grad = grad.astype(np.float64)
        if opt.solver in ("adam", "adamw"):
            l2 = 0.0 if opt.solver == "adamw" else alpha
            g = scale * (grad + l2 * p * decayed)
            b1, b2 = opt.beta_1, opt.beta_2
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            lr_t = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
            wd = lr * alpha if opt.solver == "adamw" else 0.0
            p = p - wd * p * decayed - lr_t * m / (np.sqrt(v) + eps)
        else:
            g = scale * (grad + alpha * p * decayed)
            if opt.solver == "rmsprop":
                v = opt.rho * v + (1 - opt.rho) * g * g
            else:
                v = v + g * g
            p = p - lr * g / (np.sqrt(v) + eps)
    return p


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("solver", NEW_SOLVERS)
@pytest.mark.parametrize("alpha", [0.0, 0.05])
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("n_threads", [1, 2])
def test_fused_step_matches_numpy(dtype, solver, alpha, n, n_threads):
    rng = np.random.default_rng(n)
    params = rand(rng, n, dtype=dtype)
    grads = [rand(rng, n, dtype=dtype) for _ in range(3)]
    n_decay, scale = n // 2 + 1, 0.25
    opt = settings(solver, alpha)
    state = np.zeros(_engine.optim_state_size(solver, n), dtype=dtype)
    assert state.size == (2 * n if solver == "adamw" else n)
    p = params.copy()
    for g in grads:
        before = p[:n_decay].astype(np.float64)
        sq = _kernels.optim_step(p, state, g, n_decay, scale, opt, n_threads=n_threads)
        np.testing.assert_allclose(sq, before @ before, rtol=1e-5)
    assert opt.t == (3 if solver == "adamw" else 0)
    expect = numpy_steps(params, grads, n_decay, scale, opt)
    np.testing.assert_allclose(p, expect, **tol(dtype))


@pytest.mark.parametrize("solver", STOCHASTIC_SOLVERS)
def test_clipping_works_for_every_solver(solver):
    """Clipping shrinks the data gradient only: the same as feeding the
    shrunk gradient to the unclipped step."""
    rng = np.random.default_rng(7)
    n, n_decay, scale, alpha, clip = 50, 30, 0.5, 0.1, 0.2
    params, grad = rand(rng, n), rand(rng, n)
    opt = settings(solver, alpha)
    shrunk = grad * clip / np.linalg.norm(grad * scale)
    by_hand, clipped = params.copy(), params.copy()
    _kernels.optim_step(by_hand, np.zeros(_engine.optim_state_size(solver, n)), shrunk,
                       n_decay, scale, replace(opt))
    _kernels.optim_step(clipped, np.zeros(_engine.optim_state_size(solver, n)), grad,
                       n_decay, scale, replace(opt, clip_norm=clip))
    np.testing.assert_allclose(clipped, by_hand, rtol=1e-12)
    free = params.copy()
    _kernels.optim_step(free, np.zeros(_engine.optim_state_size(solver, n)), grad,
                       n_decay, scale, replace(opt))
    assert not np.allclose(free, clipped)


def test_rmsprop_rho_is_used():
    rng = np.random.default_rng(3)
    params, grad = rand(rng, 20), rand(rng, 20)
    moved = []
    for rho in (0.5, 0.9):
        p, state = params.copy(), np.zeros(20)
        _kernels.optim_step(p, state, grad, 10, 1.0, settings("rmsprop", 0.0, rho=rho))
        np.testing.assert_allclose(state, (1 - rho) * grad ** 2)
        moved.append(p)
    assert not np.allclose(*moved)
    with pytest.raises(ValueError, match="invalid argument"):
        _kernels.optim_step(params.copy(), np.zeros(20), grad, 10, 1.0,
                           settings("rmsprop", 0.0, rho=1.0))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_threads", [1, 2])
@pytest.mark.parametrize("clip", [0.0, 1.0])
def test_adamw_without_decay_is_adam_bit_for_bit(dtype, n_threads, clip):
    rng = np.random.default_rng(11)
    n, n_decay = 70001, 50000
    params = rand(rng, n, dtype=dtype)
    results = []
    for solver in ("adam", "adamw"):
        p, state = params.copy(), np.zeros(2 * n, dtype=dtype)
        opt = settings(solver, 0.0, clip_norm=clip)
        for seed in range(3):
            g = rand(np.random.default_rng(seed), n, dtype=dtype)
            _kernels.optim_step(p, state, g, n_decay, 0.1, opt, n_threads=n_threads)
        results.append((p, state))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [9, 70001])
def test_adamw_differs_from_adam_only_by_the_decay(dtype, n):
    """One step: adamw(alpha) - adam(alpha=0) = -lr * alpha * p on the
    weights, 0 on the biases; the moments do not see the decay at all."""
    rng = np.random.default_rng(5)
    params, grad = rand(rng, n, dtype=dtype), rand(rng, n, dtype=dtype)
    n_decay, lr, alpha = n // 2 + 1, 0.01, 0.3
    out = {}
    for solver, a in (("adam", 0.0), ("adamw", alpha), ("adam", alpha)):
        p, state = params.copy(), np.zeros(2 * n, dtype=dtype)
        _kernels.optim_step(p, state, grad, n_decay, 0.5, settings(solver, a, lr=lr), n_threads=2)
        out[solver, a] = p, state
    (adam, adam_state), (adamw, adamw_state) = out["adam", 0.0], out["adamw", alpha]
    diff = adamw.astype(np.float64) - adam
    expect = np.where(np.arange(n) < n_decay, -lr * alpha * params.astype(np.float64), 0)
    np.testing.assert_allclose(diff, expect, rtol=1e-3 if dtype == np.float32 else 1e-7,
                               atol=1e-7 if dtype == np.float32 else 1e-15)
    np.testing.assert_array_equal(diff[n_decay:], 0)
    np.testing.assert_array_equal(adamw_state, adam_state)
    # adam's alpha is an L2 term in the gradient: a different step
    assert not np.allclose(out["adam", alpha][0], adamw, rtol=1e-3, atol=0)


# ---- estimators -------------------------------------------------------------

@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16.0, y, test_size=0.3, random_state=0, stratify=y)


def test_adamw_without_decay_fits_like_adam(digits):
    X, _, y, _ = digits
    model = MLPClassifier(hidden_layer_sizes=(32,), alpha=0.0, max_iter=5, random_state=0)
    adam = clone(model).set_params(solver="adam").fit(X, y)
    adamw = clone(model).set_params(solver="adamw").fit(X, y)
    for a, b in zip(adam.coefs_ + adam.intercepts_, adamw.coefs_ + adamw.intercepts_):
        np.testing.assert_array_equal(a, b)
    assert adam.loss_curve_ == adamw.loss_curve_
    # with a decay they part
    decayed = clone(model).set_params(solver="adamw", alpha=0.1).fit(X, y)
    assert not np.allclose(decayed.coefs_[0], adam.coefs_[0])
    assert np.linalg.norm(decayed.coefs_[0]) < np.linalg.norm(adam.coefs_[0])


def test_adamw_loss_has_no_penalty_term():
    """One full batch, one epoch: the loss is that of the initial weights,
    which are the same whatever alpha; adam's includes alpha's L2 term."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((60, 4)), rng.standard_normal(60)
    loss = {}
    for solver in ("adam", "adamw"):
        for alpha in (0.0, 10.0):
            model = MLPRegressor(hidden_layer_sizes=(8,), solver=solver, alpha=alpha,
                                 batch_size=60, max_iter=1, random_state=0).fit(X, y)
            loss[solver, alpha] = model.loss_
    assert loss["adamw", 10.0] == loss["adamw", 0.0] == loss["adam", 0.0]
    assert loss["adam", 10.0] > loss["adam", 0.0] + 0.1


LEARNING_RATES = {"sgd": 0.1, "adam": 0.01, "adamw": 0.01, "rmsprop": 0.01,
                  "adagrad": 0.1}


@pytest.mark.parametrize("solver", STOCHASTIC_SOLVERS)
def test_every_solver_decreases_the_training_loss(solver):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((200, 5))
    y = np.sin(X[:, 0]) + X[:, 1] * X[:, 2]
    model = MLPRegressor(hidden_layer_sizes=(16,), solver=solver, max_iter=30,
                         learning_rate_init=LEARNING_RATES[solver], random_state=0).fit(X, y)
    assert model.loss_curve_[-1] < 0.5 * model.loss_curve_[0]
    assert np.all(np.isfinite(model.loss_curve_))


@pytest.mark.parametrize("solver", NEW_SOLVERS)
def test_new_solvers_classify_digits(solver, digits):
    X_train, X_test, y_train, y_test = digits
    model = MLPClassifier(hidden_layer_sizes=(64,), solver=solver, max_iter=50,
                          learning_rate_init=LEARNING_RATES[solver], random_state=0)
    assert model.fit(X_train, y_train).score(X_test, y_test) >= 0.9


@pytest.mark.parametrize("solver", NEW_SOLVERS)
def test_new_solvers_train_conv_and_rnn(solver, digits):
    X, _, y, _ = digits
    conv = ConvClassifier(filters=(4,), hidden_layer_sizes=(16,), solver=solver,
                          learning_rate="cosine", warmup_epochs=1, max_iter=4,
                          learning_rate_init=LEARNING_RATES[solver], random_state=0)
    conv.fit(X[:300], y[:300])
    assert conv.loss_curve_[-1] < conv.loss_curve_[0]
    rng = np.random.default_rng(0)
    S = rng.standard_normal((200, 6, 2))
    target = S[:, -2:, 0].sum(axis=1)
    rnn = RNNRegressor(cell="gru", recurrent_layer_sizes=(8,), solver=solver, max_iter=10,
                       learning_rate_init=LEARNING_RATES[solver], random_state=0)
    rnn.fit(S, target)
    assert rnn.loss_curve_[-1] < 0.8 * rnn.loss_curve_[0]


def test_partial_fit_with_new_solvers_keeps_their_state():
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((50, 3)), rng.standard_normal(50)
    model = MLPRegressor(hidden_layer_sizes=(4,), solver="adagrad", random_state=0)
    model.partial_fit(X, y)
    state = model._optimizer.state.copy()
    model.partial_fit(X, y)
    # adagrad's sum of squared gradients only grows
    assert np.all(model._optimizer.state >= state)
    assert np.any(model._optimizer.state > state)


# ---- the schedule -------------------------------------------------------------

def test_cosine_rate_values():
    r, T = 0.1, 10
    assert learning_rate_at(0, r, "cosine", T) == r
    assert learning_rate_at(5, r, "cosine", T) == pytest.approx(r / 2)
    assert learning_rate_at(T - 1, r, "cosine", T) == pytest.approx(
        r * 0.5 * (1 + np.cos(np.pi * 0.9)))
    assert 0 < learning_rate_at(T - 1, r, "cosine", T) < 0.03 * r
    assert learning_rate_at(T, r, "cosine", T) == pytest.approx(0, abs=1e-18)
    assert learning_rate_at(T + 5, r, "cosine", T) == pytest.approx(0, abs=1e-18)
    rates = [learning_rate_at(e, r, "cosine", T) for e in range(T + 1)]
    assert np.all(np.diff(rates) < 0)


def test_warmup_rate_values():
    r, T, W = 0.1, 13, 3
    warm = [learning_rate_at(e, r, "cosine", T, W) for e in range(W)]
    np.testing.assert_allclose(warm, [r / 4, 2 * r / 4, 3 * r / 4])
    assert learning_rate_at(W, r, "cosine", T, W) == r
    # half-way through the cosine part, which spans epochs W .. T
    assert learning_rate_at(W + 5, r, "cosine", T, W) == pytest.approx(r / 2)
    assert learning_rate_at(T, r, "cosine", T, W) == pytest.approx(0, abs=1e-18)
    # warm-up applies to the other schedules too, on top of their rate
    for schedule in ("constant", "invscaling", "adaptive"):
        assert learning_rate_at(1, r, schedule, T, W) == pytest.approx(r / 2)
        assert learning_rate_at(W, r, schedule, T, W) == r
        assert learning_rate_at(T + 1, r, schedule, T, W) == r
    # every epoch is warm-up when warmup_epochs >= max_iter
    assert learning_rate_at(4, r, "cosine", 5, 9) == pytest.approx(r / 2)


@pytest.mark.parametrize("solver", STOCHASTIC_SOLVERS)
def test_fit_records_the_scheduled_rates(solver, digits):
    X, _, y, _ = digits
    T, W, r = 8, 2, 0.002
    model = MLPClassifier(hidden_layer_sizes=(8,), solver=solver, learning_rate="cosine",
                          warmup_epochs=W, learning_rate_init=r, max_iter=T,
                          n_iter_no_change=100, random_state=0).fit(X[:200], y[:200])
    assert model.n_iter_ == T
    expect = [learning_rate_at(e, r, "cosine", T, W) for e in range(T)]
    np.testing.assert_allclose(model._optimizer.rates, expect, rtol=1e-15)
    # a new fit (warm_start included) starts the schedule again
    model.set_params(warm_start=True, max_iter=3).fit(X[:200], y[:200])
    np.testing.assert_allclose(model._optimizer.rates,
                               [learning_rate_at(e, r, "cosine", 3, W) for e in range(3)])


def test_partial_fit_calls_are_epochs_of_the_schedule(digits):
    X, _, y, _ = digits
    model = MLPClassifier(hidden_layer_sizes=(8,), learning_rate="cosine", max_iter=4,
                          warmup_epochs=1, random_state=0)
    for _ in range(6):
        model.partial_fit(X[:100], y[:100], classes=np.arange(10))
    np.testing.assert_allclose(model._optimizer.rates,
                               [learning_rate_at(e, 0.001, "cosine", 4, 1) for e in range(6)])


def test_the_engine_trains_with_the_scheduled_rate():
    """sgd without momentum on one full batch has no state: a cosine fit
    equals epoch-by-epoch warm-started fits at the scheduled constant rates."""
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((40, 3)), rng.standard_normal(40)
    T, W, r = 6, 2, 0.05
    common = dict(hidden_layer_sizes=(5,), solver="sgd", momentum=0.0, batch_size=40,
                  shuffle=False, n_iter_no_change=100, random_state=0)
    scheduled = MLPRegressor(learning_rate="cosine", warmup_epochs=W, max_iter=T,
                             learning_rate_init=r, **common).fit(X, y)
    by_hand = MLPRegressor(max_iter=1, warm_start=True, **common)
    for e in range(T):
        by_hand.set_params(learning_rate_init=learning_rate_at(e, r, "cosine", T, W)).fit(X, y)
    for a, b in zip(scheduled.coefs_ + scheduled.intercepts_,
                    by_hand.coefs_ + by_hand.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    # and the schedule mattered
    constant = MLPRegressor(max_iter=T, learning_rate_init=r, **common).fit(X, y)
    assert not np.allclose(constant.coefs_[0], scheduled.coefs_[0])


def test_invscaling_and_adaptive_keep_their_sklearn_meaning():
    """Without warm-up the stateful schedules are untouched: invscaling's
    rate after an epoch is init / (t_ + 1) ** power_t (sgd only)."""
    rng = np.random.default_rng(6)
    X, y = rng.standard_normal((30, 3)), rng.standard_normal(30)
    model = MLPRegressor(hidden_layer_sizes=(4,), solver="sgd", learning_rate="invscaling",
                         max_iter=3, n_iter_no_change=100, random_state=0).fit(X, y)
    rates = model._optimizer.rates
    assert rates[0] == 0.001
    np.testing.assert_allclose(rates[1:], [0.001 / (30 * k + 1) ** 0.5 for k in (1, 2)])
    adam = clone(model).set_params(solver="adam").fit(X, y)
    assert adam._optimizer.rates == [0.001] * 3


@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor, ConvClassifier,
                                       RNNRegressor])
def test_parameter_validation(Estimator):
    X, y = np.zeros((4, 4)), np.array([0, 1, 0, 1])
    for name, value in [("solver", "adamx"), ("solver", "AdamW"), ("learning_rate", "cos"),
                        ("warmup_epochs", -1), ("warmup_epochs", 1.5),
                        ("warmup_epochs", "2")]:
        with pytest.raises(InvalidParameterError, match=f"The '{name}' parameter of"):
            Estimator(**{name: value}).fit(X, y)


# each solver's parameters: one it reads, and one it ignores (as scikit-learn's
# sgd ignores beta_1 and adam ignores momentum)
READS = {"sgd": ("momentum", "beta_1"), "adam": ("beta_1", "momentum"),
         "adamw": ("beta_2", "nesterovs_momentum"), "rmsprop": ("epsilon", "beta_1"),
         "adagrad": ("epsilon", "momentum")}


def test_every_engine_step_has_one_solver_class():
    assert set(SOLVERS) == {"lbfgs", *_engine.SOLVERS}
    assert set(READS) == set(STOCHASTIC_SOLVERS) == set(_engine.SOLVERS)
    for name, cls in SOLVERS.items():
        assert cls.name == name and cls.stochastic == (name != "lbfgs")


@pytest.mark.parametrize("solver", sorted(READS))
def test_a_solver_trains_with_its_own_parameters_only(solver):
    rng = np.random.default_rng(7)
    X, y = rng.standard_normal((60, 4)), rng.standard_normal(60)
    changes = {"momentum": 0.5, "beta_1": 0.5, "beta_2": 0.9, "nesterovs_momentum": False,
               "epsilon": 1e-3}
    base = MLPRegressor(hidden_layer_sizes=(6,), solver=solver, max_iter=3, random_state=0,
                        learning_rate_init=LEARNING_RATES[solver])
    with pytest.warns(ConvergenceWarning):
        fitted = clone(base).fit(X, y).coefs_[0]
    read, ignored = READS[solver]
    with pytest.warns(ConvergenceWarning):
        other = clone(base).set_params(**{ignored: changes[ignored]}).fit(X, y).coefs_[0]
        moved = clone(base).set_params(**{read: changes[read]}).fit(X, y).coefs_[0]
    np.testing.assert_array_equal(other, fitted)
    assert not np.allclose(moved, fitted)
