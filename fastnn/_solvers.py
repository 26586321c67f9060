"""The solvers, one class per rule set.

A stochastic solver's step runs in the engine (src_c/optim.inc; the names
are FNN_SOLVERS in src_c/fastnn.h).  Its class here says which of the
estimator's parameters that step reads, and how the rate moves between
epochs beyond the common schedule (scikit-learn's 'invscaling' and
'adaptive' rules, which act on sgd only).  L-BFGS minimises the whole
objective through SciPy and has no epochs.
"""
import warnings

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning

from . import _engine
from ._optimizer import StepSettings
from ._trainer import StochasticTraining, start_curves


class StochasticSolver:
    """Mini-batch steps in the engine, epoch by epoch (fastnn/_trainer.py)."""
    name = None
    stochastic = True

    def __init__(self, estimator):
        self.est = estimator

    def rule_settings(self):
        """The estimator's parameters this solver's step reads."""
        return {}

    def step_settings(self, learning_rate, t):
        """The engine's settings for an epoch at this rate and step count."""
        est = self.est
        return StepSettings(solver=self.name, learning_rate=learning_rate,
                            alpha=float(est.alpha), clip_norm=est._clip_norm(), t=t,
                            **self.rule_settings())

    def state_size(self, n_params):
        """Length of the state the step keeps (velocities, moments)."""
        return _engine.optim_state_size(self.name, n_params)

    def start(self):
        """A first fit's fitted attributes of training progress."""
        start_curves(self.est)

    def after_epoch(self, opt):
        """Moves opt.learning_rate after an epoch; most solvers keep it."""

    def stops_on_plateau(self, opt, msg):
        """Whether n_iter_no_change epochs without progress end the fit."""
        if self.est.verbose:
            print(msg + " Stopping.")
        return True

    def fit(self, net, layout, params, X, y, sample_weight, incremental, eval_set):
        StochasticTraining(self.est, self, net, layout, params).run(
            X, y, sample_weight, incremental, eval_set)


class SGD(StochasticSolver):
    """Momentum sgd, with scikit-learn's two stateful schedules."""
    name = "sgd"

    def rule_settings(self):
        return {"momentum": float(self.est.momentum),
                "nesterov": bool(self.est.nesterovs_momentum)}

    def after_epoch(self, opt):
        # 'invscaling': learning_rate_init / (samples seen + 1) ** power_t
        est = self.est
        if est.learning_rate == "invscaling":
            opt.learning_rate = float(est.learning_rate_init) / (est.t_ + 1) ** est.power_t

    def stops_on_plateau(self, opt, msg):
        # 'adaptive' divides the rate by 5 on a plateau until it is 1e-6
        est = self.est
        if est.learning_rate != "adaptive":
            return super().stops_on_plateau(opt, msg)
        if opt.learning_rate <= 1e-6:
            if est.verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        opt.learning_rate /= 5.0
        if est.verbose:
            print(msg + " Setting learning rate to %f" % opt.learning_rate)
        return False


class Adam(StochasticSolver):
    """Adam, with the L2 penalty in the gradient (scikit-learn's)."""
    name = "adam"

    def rule_settings(self):
        est = self.est
        return {"beta_1": float(est.beta_1), "beta_2": float(est.beta_2),
                "epsilon": float(est.epsilon)}


class AdamW(Adam):
    """Adam with alpha as decoupled weight decay."""
    name = "adamw"


class RMSProp(StochasticSolver):
    """RMSProp: the step over a running mean of squared gradients."""
    name = "rmsprop"

    def rule_settings(self):
        return {"epsilon": float(self.est.epsilon)}


class Adagrad(RMSProp):
    """Adagrad: the step over the running sum of squared gradients."""
    name = "adagrad"


class LBFGS:
    """scikit-learn's lbfgs: SciPy's L-BFGS-B over the whole objective,
    with the engine's loss and gradient."""
    name = "lbfgs"
    stochastic = False

    def __init__(self, estimator):
        self.est = estimator

    def start(self):
        """lbfgs keeps no curves."""

    def fit(self, net, layout, params, X, y, sample_weight, incremental, eval_set):
        est = self.est
        if eval_set is not None:
            raise ValueError("eval_set needs a stochastic solver (%s); lbfgs has no "
                             "epochs to score." % ", ".join(STOCHASTIC))
        dtype = params.dtype
        Xe = est._engine_input(X, dtype)
        sw = None if sample_weight is None else np.ascontiguousarray(sample_weight, dtype=dtype)
        sw_sum = y.shape[0] if sw is None else float(sw.sum())
        scale, alpha = est._loss_scale(), est.alpha
        grad = np.empty(layout.n_params, dtype=dtype)
        # the values it moves: the trainable ones (frozen layers' stay), of
        # which the first n_weights are weights, under the L2 penalty
        free = np.concatenate([np.arange(a, b) for a, b in net.trainable_spans()]
                              + [np.arange(0)]).astype(np.int64)
        n_weights = int(np.count_nonzero(free < layout.n_coefs))
        p = params.copy()

        def loss_grad(packed):
            p[free] = packed
            grad[:] = 0
            data_loss = net.loss_grad(p, grad, Xe, y, sw)
            w = p[free[:n_weights]].astype(np.float64)
            loss = (data_loss * scale + 0.5 * alpha * np.dot(w, w)) / sw_sum
            g = grad[free].astype(np.float64)
            g[:n_weights] += alpha * w
            g /= sw_sum
            return loss, g

        result = scipy.optimize.minimize(
            loss_grad, params[free].astype(np.float64), method="L-BFGS-B", jac=True,
            options={"maxfun": est.max_fun, "maxiter": est.max_iter, "gtol": est.tol},
        )
        est.n_iter_ = min(result.nit, est.max_iter)
        if result.status != 0:
            msg = "lbfgs failed to converge after %d iteration(s) (status=%d):\n%s\n" % (
                est.n_iter_, result.status, result.message)
            if est.n_iter_ == est.max_iter:
                msg += ("\nIncrease the number of iterations to improve the "
                        "convergence (max_iter=%d)." % est.max_iter)
            warnings.warn(msg, ConvergenceWarning)
        est.loss_ = float(result.fun)
        params[free] = result.x
        est._set_params_from(layout, params)


SOLVERS = {cls.name: cls for cls in (LBFGS, SGD, Adam, AdamW, RMSProp, Adagrad)}
STOCHASTIC = tuple(name for name, cls in SOLVERS.items() if cls.stochastic)
# every step the engine has is a class here, and no other
assert set(STOCHASTIC) == set(_engine.SOLVERS), (STOCHASTIC, _engine.SOLVERS)
