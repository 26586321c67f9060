"""The stochastic training loop: epochs, early stopping, schedules.

What the loop does follows scikit-learn's MLP code (its `_fit_stochastic`,
`_update_no_improvement_count`, learning-rate rules), so an MLP trains on
the same trajectory; the epochs themselves run in the engine
(`Network.train_epoch`).  The estimator keeps the fitted attributes
(`loss_curve_`, `n_iter_`, `validation_scores_`...), which the loop writes;
the solver (fastnn/_solvers.py) gives each step's settings and the rules
that move the rate.
"""
import time
import warnings

import numpy as np
from sklearn.base import is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import _check_sample_weight

from . import _engine
from ._held_out import HeldOut, split_by_index
from ._optimizer import OptimizerState
from ._progress import EpochProgress
from ._threads import single_threaded_blas

DIVERGED_MESSAGE = ("Solver produced non-finite parameter weights. The input data may"
                    " contain large values and need to be preprocessed.")


class Diverged(ValueError):
    """A fit whose weights stopped being finite: it ends with the last
    finite weights kept, not with the state from before the fit."""


def learning_rate_at(epoch, rate, schedule, max_iter, warmup_epochs=0):
    """The learning rate of epoch `epoch` (0-based, counted from the start
    of the schedule: the fit, or the first of a run of partial_fit calls).

    `rate` is learning_rate_init, or where the stateful 'invscaling' and
    'adaptive' rules (sgd only, as in scikit-learn) have moved it.  Warm-up,
    for every schedule: epoch e < warmup_epochs trains with
    rate * (e + 1) / (warmup_epochs + 1).  'cosine' then decays the rate to
    0 over the remaining epochs: with W = warmup_epochs, epoch e >= W trains
    with rate * 0.5 * (1 + cos(pi * min(1, (e - W) / (max_iter - W)))), so
    epoch W has the full rate and the rate would reach 0 at epoch max_iter
    (just after the last one).
    """
    if epoch < warmup_epochs:
        return rate * (epoch + 1) / (warmup_epochs + 1)
    if schedule == "cosine":
        progress = min(1.0, (epoch - warmup_epochs) / max(1, max_iter - warmup_epochs))
        return float(rate * 0.5 * (1.0 + np.cos(np.pi * progress)))
    return rate


class KeptWeights:
    """The weights a stochastic fit falls back on: the last finite ones
    (for a loss that turns non-finite) and those of the lowest training
    loss so far (for an interrupted fit)."""

    def __init__(self, params):
        self.last_finite = params.copy()
        self.best, self.best_loss, self.best_epoch = params.copy(), np.inf, 0

    def after_epoch(self, params, loss, epoch):
        if np.isfinite(params).all():
            self.last_finite[:] = params
            if loss < self.best_loss:
                self.best[:], self.best_loss, self.best_epoch = params, loss, epoch

    def restore_best(self, params):
        """Puts the best weights seen into params; says which they are."""
        if self.best_epoch:
            params[:] = self.best
            return "the weights of epoch %d, the lowest training loss" % self.best_epoch
        if not np.isfinite(params).all():
            params[:] = self.last_finite
        return "the weights reached before the first epoch ended"


def start_curves(est):
    """A first fit's empty curves and records, as scikit-learn sets them."""
    est.loss_curve_ = []
    est._no_improvement_count = 0
    if est.early_stopping:
        est.validation_scores_ = []
        est.validation_loss_curve_ = []
        est.best_validation_score_ = -np.inf
        est.best_validation_loss_ = np.inf
        est.best_loss_ = None
    else:
        est.best_loss_ = np.inf
        est.validation_scores_ = None
        est.validation_loss_curve_ = None
        est.best_validation_score_ = None
        est.best_validation_loss_ = None


def hold_out(est, X, y, sample_weight, dtype):
    """(training rows, HeldOut) for early stopping: validation_fraction of
    the rows, by index."""
    # scikit-learn stratifies binary targets on its boolean encoding: the
    # same split, and the same error naming a too-small class
    stratify = y.astype(bool) if is_classifier(est) and est.n_outputs_ == 1 else None
    train, rows = split_by_index(y.shape[0], est.validation_fraction, est._random_state,
                                 stratify)
    if rows.shape[0] < 2:
        raise ValueError(
            "The validation set is too small. Increase 'validation_fraction' "
            "or the size of your dataset."
        )
    # the encoded targets give the validation loss, the labels its score
    Y_val = y[rows]
    labels = est._label_binarizer.inverse_transform(Y_val) if is_classifier(est) else Y_val
    sw_val = None if sample_weight is None else sample_weight[rows]
    return train, HeldOut(X, rows, labels, sw_val, np.ascontiguousarray(Y_val, dtype=dtype),
                          None if sw_val is None else sw_val.astype(dtype))


def eval_set_rows(est, eval_set):
    """eval_set's rows (validated as predict's), labels, encoded targets
    and weights."""
    if not isinstance(eval_set, (list, tuple)) or len(eval_set) != 1 \
            or not isinstance(eval_set[0], tuple) or len(eval_set[0]) not in (2, 3):
        raise ValueError("eval_set must be a list of one (X_val, y_val) or (X_val, y_val, "
                         "sample_weight_val) tuple, got %r." % (eval_set,))
    X_val, y_val = eval_set[0][:2]
    sw_val = eval_set[0][2] if len(eval_set[0]) == 3 else None
    X_val, y_val = est._check_X_y(X_val, y_val, reset=False)
    if sw_val is not None:
        sw_val = _check_sample_weight(sw_val, X_val, dtype=X_val.dtype)
    labels, Y_val = est._validation_targets(y_val)
    return X_val, labels, Y_val, sw_val


def batch_rows(batch_size, n_samples):
    """The mini-batch size scikit-learn uses for batch_size."""
    if batch_size == "auto":
        return min(200, n_samples)
    if batch_size > n_samples:
        warnings.warn("Got `batch_size` less than 1 or larger than "
                      "sample size. It is going to be clipped")
    return int(np.clip(batch_size, 1, n_samples))


class StochasticTraining:
    """One fit or partial_fit of a stochastic solver: the epoch loop over
    the engine's network `net`, training the flat buffer `params` (laid
    out by `layout`) in place."""

    def __init__(self, est, solver, net, layout, params):
        self.est, self.solver = est, solver
        self.net, self.layout, self.params = net, layout, params

    def optimizer(self, incremental):
        """The solver's state; partial_fit keeps it (velocities, moments,
        rate) while the solver and the network stay the same."""
        est, dtype = self.est, self.params.dtype
        size = self.solver.state_size(self.net.n_trainable)
        opt = getattr(est, "_optimizer", None)
        if (not incremental or opt is None or opt.solver != self.solver.name
                or opt.state.dtype != dtype or opt.state.size != size):
            opt = est._optimizer = OptimizerState(self.solver.name,
                                                  float(est.learning_rate_init), size, dtype)
        return opt

    def rows(self, X, y, sample_weight, eval_set):
        """(engine rows, targets, weights, the training rows' indices into
        them, the HeldOut validation set or None).  Early stopping holds
        rows out by index, so X is never copied whole."""
        est, dtype = self.est, self.params.dtype

        def weights(sw):
            return None if sw is None else np.ascontiguousarray(sw, dtype=dtype)

        train = np.arange(y.shape[0], dtype=np.int64)
        validation = None
        if eval_set is not None:
            X_val, y_val, Y_val, sw_val = eval_set_rows(est, eval_set)
            validation = HeldOut(X_val, None, y_val, sw_val,
                                 np.ascontiguousarray(Y_val, dtype=dtype), weights(sw_val))
        elif est.early_stopping:
            train, validation = hold_out(est, X, y, sample_weight, dtype)
        return (est._engine_input(X, dtype), np.ascontiguousarray(y, dtype=dtype),
                weights(sample_weight), train, validation)

    def run(self, X, y, sample_weight, incremental, eval_set=None):
        est, params = self.est, self.params
        if est.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        opt = self.optimizer(incremental)
        Xe, y_train, sw, sample_idx, validation = self.rows(X, y, sample_weight, eval_set)
        # early stopping decides by the validation set; without it a given
        # eval_set is only scored
        self.stop_on_validation = stop_on_validation = (est.early_stopping
                                                        and validation is not None)
        if stop_on_validation:
            self.best_params = params.copy()
        elif validation is not None:
            est.validation_scores_, est.validation_loss_curve_ = [], []
        n_samples = sample_idx.shape[0]
        batch_size = batch_rows(est.batch_size, n_samples)
        # dropout and batch norm behave differently in training
        training_mode = any(spec.dropout > 0 or spec.batch_norm for spec in est._specs)
        kept = KeptWeights(params)
        grad = np.empty_like(params)  # the engine's scratch, reused by every epoch
        if not incremental:
            for callback in est.callbacks or ():
                if hasattr(callback, "reset"):
                    callback.reset()
        try:
            est.n_iter_ = 0
            for _ in range(est.max_iter):
                if est.shuffle:
                    # the permutation sklearn.utils.shuffle draws (the same
                    # swaps on the same stream), without its validation
                    est._random_state.shuffle(sample_idx)
                step = self.solver.step_settings(self.epoch_learning_rate(opt), opt.t)
                # training mode with dropout masks: a fresh seed per epoch
                # from random_state (0: inference mode)
                seed = int(est._random_state.randint(1, 2**62)) if training_mode else 0
                start = time.perf_counter()
                progress = EpochProgress(est.n_iter_ + 1, n_samples) if est.verbose >= 2 else None
                try:
                    total = self.net.train_epoch(params, grad, opt.state, Xe, y_train, sw,
                                                 sample_idx, batch_size, step, est._loss_scale(),
                                                 seed, progress)
                finally:
                    opt.t = step.t
                    if progress is not None:
                        progress.close()
                self.end_epoch(total / n_samples, n_samples)
                kept.after_epoch(params, est.loss_, est.n_iter_)
                if validation is not None:
                    self.score_validation(validation)
                self.count_no_improvement()
                if est.verbose:
                    print("Epoch time: %.3f s" % (time.perf_counter() - start))
                opt.epoch += 1
                self.solver.after_epoch(opt)
                stop = self.run_callbacks(opt, time.perf_counter() - start,
                                          validation is not None)
                if stop or self.stop_or_go_on(opt) or incremental:
                    break
                if est.n_iter_ == est.max_iter:
                    warnings.warn(
                        "Stochastic Optimizer: Maximum iterations (%d) "
                        "reached and the optimization hasn't converged yet."
                        % est.max_iter,
                        ConvergenceWarning,
                    )
        except _engine.NonFiniteLoss:
            # Keep the last finite weights; without early stopping to fall
            # back on, say so the way scikit-learn does.
            params[:] = kept.last_finite
            if not stop_on_validation:
                est._set_params_from(self.layout, params)
                raise Diverged(DIVERGED_MESSAGE)
            warnings.warn("The training loss became non-finite; training stopped "
                          "and the best weights were kept.", ConvergenceWarning)
        except KeyboardInterrupt:
            # Stop here (the engine checks for Ctrl-C after every batch) and
            # leave a usable model: the best weights seen so far.
            if stop_on_validation:
                what = "the best weights by validation %s" % est.monitor
            else:
                what = kept.restore_best(params)
            warnings.warn("Training interrupted by the user after %d complete epoch(s); "
                          "the estimator keeps %s." % (est.n_iter_, what), UserWarning)

        if stop_on_validation:
            params[:] = self.best_params
        est._set_params_from(self.layout, params)

    def epoch_learning_rate(self, opt):
        """The rate the coming epoch trains with (recorded in opt.rates)."""
        est = self.est
        rate = learning_rate_at(opt.epoch, opt.learning_rate, est.learning_rate,
                                est.max_iter, est.warmup_epochs)
        opt.rates.append(rate)
        return rate

    def end_epoch(self, loss, n_samples):
        """The epoch's bookkeeping, as scikit-learn keeps it."""
        est = self.est
        est.n_iter_ += 1
        est.loss_ = loss
        est.t_ += n_samples
        est.loss_curve_.append(est.loss_)
        if est.verbose:
            print("Iteration %d, loss = %.8f" % (est.n_iter_, est.loss_))

    def run_callbacks(self, opt, seconds, validated):
        """Each callback with the epoch's figures (see fastnn.callbacks);
        True when one asks to stop.  A changed learning_rate becomes the
        base rate of the epochs to come."""
        est = self.est
        if not est.callbacks:
            return False
        est._set_params_from(self.layout, self.params)  # the model as it is now
        info = {"epoch": est.n_iter_, "loss": est.loss_,
                "validation_score": est.validation_scores_[-1] if validated else None,
                "validation_loss": est.validation_loss_curve_[-1] if validated else None,
                "learning_rate": opt.learning_rate, "seconds": seconds}
        stop = False
        for callback in est.callbacks:
            stop = bool(callback(est, info)) or stop
        opt.learning_rate = float(info["learning_rate"])
        return stop

    def stop_or_go_on(self, opt):
        """True when training should stop: n_iter_no_change epochs without
        progress, unless the solver's plateau rule goes on."""
        est = self.est
        if est._no_improvement_count <= est.n_iter_no_change:
            return False
        if self.stop_on_validation:
            msg = ("Validation %s did not improve more than "
                   "tol=%f for %d consecutive epochs."
                   % (est.monitor, est.tol, est.n_iter_no_change))
        else:
            msg = ("Training loss did not improve more than tol=%f"
                   " for %d consecutive epochs." % (est.tol, est.n_iter_no_change))
        if self.solver.stops_on_plateau(opt, msg):
            return True
        est._no_improvement_count = 0
        return False

    def score_validation(self, validation):
        """The validation set's score and mean data loss, recorded; its
        rows are read a chunk at a time."""
        est, params = self.est, self.params
        est._set_params_from(self.layout, params)
        dtype = params.dtype
        out = np.empty((len(validation), est.n_outputs_), dtype=dtype)
        total = 0.0
        with single_threaded_blas():
            for start, stop, rows in validation.chunks():
                rows = est._engine_input(rows, dtype)
                out[start:stop] = est._inference_network(est._threads()).forward(params, rows)
                # the data loss (no L2 term: scikit-learn's penalty depends
                # on the batch size)
                total += self.net.loss_grad(params, None, rows, validation.Y[start:stop],
                                            None if validation.weights is None
                                            else validation.weights[start:stop])
        score = est._score_predictions(validation.labels, est._predict_from_output(out),
                                       validation.sample_weight)
        est.validation_scores_.append(score)
        val_loss = total * est._loss_scale() / (
            len(validation) if validation.weights is None else float(validation.weights.sum()))
        est.validation_loss_curve_.append(val_loss)
        if est.verbose:  # scikit-learn's line, then the loss
            print("Validation score: %f" % score)
            print("Validation loss: %f" % val_loss)

    def count_no_improvement(self):
        """scikit-learn's _update_no_improvement_count, with the monitored
        validation quantity (score or loss) where it has a score."""
        est = self.est
        if self.stop_on_validation:
            score, val_loss = est.validation_scores_[-1], est.validation_loss_curve_[-1]
            # the monitored quantity, turned into "higher is better"
            if est.monitor == "loss":
                value, best = -val_loss, -est.best_validation_loss_
            else:
                value, best = score, est.best_validation_score_
            if not value >= best + est.tol:  # a NaN never counts as progress
                est._no_improvement_count += 1
            else:
                est._no_improvement_count = 0
            if value > best:
                self.best_params = self.params.copy()
            est.best_validation_score_ = max(est.best_validation_score_, score)
            est.best_validation_loss_ = min(est.best_validation_loss_, val_loss)
        else:
            if est.loss_curve_[-1] > est.best_loss_ - est.tol:
                est._no_improvement_count += 1
            else:
                est._no_improvement_count = 0
            if est.loss_curve_[-1] < est.best_loss_:
                est.best_loss_ = est.loss_curve_[-1]
