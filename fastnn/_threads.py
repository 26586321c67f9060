"""Thread counts for the engine.

The engine runs on one pool, OpenMP's, and splits large matrix products
into one single-threaded BLAS call per thread.  BLAS's own threads are
therefore held at 1 while the engine works (scikit-learn's KMeans does the
same), so the two pools never compete for the cores.
"""
import contextlib
import functools
import os
import threading

from threadpoolctl import ThreadpoolController

from . import _engine


# Predicting fewer rows than this runs on the calling thread: a parallel
# region and the hold on BLAS's threads would cost more than they save.
SERIAL_ROWS = 16


def effective_n_threads(n_threads):
    """Threads to use: None -> OpenMP's default (OMP_NUM_THREADS, or what
    threadpoolctl limits it to), negative -> cpu_count + 1 + n_threads."""
    cpus = os.cpu_count() or 1
    if n_threads is None:
        return max(1, min(_engine.max_threads(), cpus))
    if n_threads < 0:
        return max(1, cpus + 1 + n_threads)
    return min(n_threads, 1 << 16)  # far beyond any machine; keeps it an int


@functools.lru_cache(maxsize=1)
def _controller():
    # Scanning the loaded libraries is slow; scipy's BLAS is loaded by the
    # time the engine is imported, so one scan serves every later call.
    return ThreadpoolController()


class _BlasHold:
    """Process-wide: BLAS stays at one thread while any engine call runs.

    threadpoolctl's limits are global to the process, so overlapping calls
    from several threads (joblib's threading backend, Dask's threaded
    scheduler) share one limit: the first call in sets it and the last one
    out restores what was there before.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._users = 0
        self._limit = None

    @contextlib.contextmanager
    def __call__(self):
        with self._lock:
            if self._users == 0:
                self._limit = _controller().limit(limits=1, user_api="blas")
            self._users += 1
        try:
            yield
        finally:
            with self._lock:
                self._users -= 1
                if self._users == 0:
                    self._limit.restore_original_limits()
                    self._limit = None


single_threaded_blas = _BlasHold()
single_threaded_blas.__doc__ = "Context manager holding BLAS to one thread for engine calls."
