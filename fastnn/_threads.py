"""Thread counts for the engine.

The engine runs on one pool, OpenMP's, and splits large matrix products
into one single-threaded BLAS call per thread.  BLAS's own threads are
therefore held at 1 while the engine works (scikit-learn's KMeans does the
same), so the two pools never compete for the cores.
"""
import functools
import os

from threadpoolctl import ThreadpoolController

from . import _engine


def effective_n_threads(n_threads):
    """Threads to use: None -> OpenMP's default (OMP_NUM_THREADS, or what
    threadpoolctl limits it to), negative -> cpu_count + 1 + n_threads."""
    cpus = os.cpu_count() or 1
    if n_threads is None:
        return max(1, min(_engine.max_threads(), cpus))
    if n_threads < 0:
        return max(1, cpus + 1 + n_threads)
    return n_threads


@functools.lru_cache(maxsize=1)
def _controller():
    # Scanning the loaded libraries is slow; scipy's BLAS is loaded by the
    # time the engine is imported, so one scan serves every later call.
    return ThreadpoolController()


def single_threaded_blas():
    """Context manager holding BLAS to one thread for an engine call."""
    return _controller().limit(limits=1, user_api="blas")
