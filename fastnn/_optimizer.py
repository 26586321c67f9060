"""A stochastic solver's settings for the engine and its state between
epochs."""
from dataclasses import dataclass

import numpy as np


@dataclass
class StepSettings:
    """What the engine's update rule reads (fnn_optim in src_c/fastnn.h),
    by scikit-learn's names; the defaults are scikit-learn's.  `rho` is
    rmsprop's decay of its squared-gradient average, `clip_norm` the
    largest norm of a batch's data gradient (0: no clipping), and `t`
    adam's and adamw's step count, which the engine advances."""
    solver: str
    learning_rate: float
    alpha: float = 0.0001
    momentum: float = 0.9
    nesterov: bool = True
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-8
    rho: float = 0.9
    clip_norm: float = 0.0
    t: int = 0


class OptimizerState:
    """What a stochastic solver carries between epochs and partial_fit
    calls: its name, the engine's step count and state vector (velocities,
    moments), and the schedule's place.  `learning_rate` is the base rate
    where the 'invscaling' and 'adaptive' rules have moved it, read as in
    scikit-learn's `_optimizer.learning_rate`."""

    def __init__(self, solver, learning_rate, size, dtype):
        self.solver = solver
        self.learning_rate = learning_rate
        self.t = 0
        self.epoch = 0
        self.rates = []
        self.state = np.zeros(size, dtype=dtype)

    def as_state(self):
        """The state as plain values and one array, for persistence: a
        saved estimator then names no private fastnn type."""
        return {"solver": self.solver, "learning_rate": float(self.learning_rate),
                "t": int(self.t), "epoch": int(self.epoch),
                "rates": [float(r) for r in self.rates], "state": self.state}

    @classmethod
    def from_state(cls, saved):
        """The OptimizerState that as_state described."""
        if not isinstance(saved, dict) or set(saved) != {"solver", "learning_rate", "t", "epoch",
                                                         "rates", "state"}:
            raise ValueError("A saved optimizer state must be as_state's dict, got %r."
                             % (saved,))
        state = saved["state"]
        if not isinstance(state, np.ndarray) or state.ndim != 1 \
                or state.dtype not in (np.float32, np.float64):
            raise ValueError("A saved optimizer state's vector must be a 1-D float array.")
        opt = cls(str(saved["solver"]), float(saved["learning_rate"]), 0, state.dtype)
        opt.t, opt.epoch = int(saved["t"]), int(saved["epoch"])
        opt.rates = [float(r) for r in saved["rates"]]
        opt.state = np.ascontiguousarray(state)
        return opt

