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
