"""Load the engine with OpenMP's idle threads sleeping instead of spinning.

An OpenMP runtime reads its wait policy once, when it is loaded.  By
default libgomp spins an idle thread for about 300,000 iterations before
it sleeps, which pays on a quiet machine and is ruinous on a shared one:
with another process keeping one core busy, the thread that shares that
core spins away its time slices and every parallel region waits for it.
Measured with `benchmarks/compare.py --contention`, the mlp fit took
3.3-3.8 s with the default and 1.1-1.4 s with passive waiting (0.7-1.0 s
quiet, either way): the engine's parallel regions are long enough that
waking a sleeping thread costs little (docs/performance.md).

So unless the user chose a policy (OMP_WAIT_POLICY, or GOMP_SPINCOUNT /
KMP_BLOCKTIME for libgomp / LLVM's libomp), the engine is loaded with
OMP_WAIT_POLICY=PASSIVE, and the environment is put back at once, so child
processes and libraries loaded later see the user's own.  The setting has
no effect if the same OpenMP runtime was already loaded by another module.
"""
import importlib
import os

USER_CHOICES = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "KMP_BLOCKTIME")


def import_engine():
    """Import fastnn._engine; returns the wait policy it was loaded with
    ('passive', or None where the user's environment decides)."""
    if any(name in os.environ for name in USER_CHOICES):
        importlib.import_module("fastnn._engine")
        return None
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    try:
        importlib.import_module("fastnn._engine")
    finally:
        del os.environ["OMP_WAIT_POLICY"]
    return "passive"


WAIT_POLICY = import_engine()
