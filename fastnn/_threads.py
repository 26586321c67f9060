"""Thread counts for the engine.

The engine runs on one pool, OpenMP's, and splits large matrix products
into one single-threaded BLAS call per thread.  BLAS's own threads are
therefore held at 1 while the engine works (scikit-learn's KMeans does the
same), so the two pools never compete for the cores.
"""
import contextlib
import functools
import threading
import warnings

from threadpoolctl import ThreadpoolController

from . import _engine


# Predicting fewer rows than this runs on the calling thread: a parallel
# region and the hold on BLAS's threads would cost more than they save.
SERIAL_ROWS = 16


def effective_n_threads(n_threads):
    """Threads to use: None -> OpenMP's default (OMP_NUM_THREADS, or what
    threadpoolctl limits it to), negative -> cores + 1 + n_threads; never
    more than the cores OpenMP reports, and 1 in a child forked after the
    engine ran on threads (GNU OpenMP's threads do not survive fork)."""
    cores = _engine.num_procs()
    if n_threads is None:
        n_threads = _engine.max_threads()
    elif n_threads < 0:
        n_threads = cores + 1 + n_threads
    n_threads = max(1, min(n_threads, cores))
    if n_threads > 1 and _engine.forked_after_threads():
        _warn_once_after_fork()
        return 1
    return n_threads


_warned_after_fork = []


def _warn_once_after_fork():
    if not _warned_after_fork:
        _warned_after_fork.append(True)
        warnings.warn(
            "fastnn runs on one thread in this process: it was forked after fastnn had "
            "started threads, and OpenMP's threads do not survive fork.  Start worker "
            "processes with multiprocessing's 'spawn' or 'forkserver' method to keep "
            "them.", RuntimeWarning, stacklevel=4)


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
