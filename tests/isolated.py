"""Run estimator calls in a child process, so that a crash of the C engine
(a segfault, an abort) or a hang becomes a test failure that names the
case instead of taking pytest down.

A `Worker` is one child process that serves many cases: the parent sends a
pickled case, the child runs it and sends back one outcome per call.  The
child reads and writes its own pipe (file descriptors handed over at
start), so whatever the code under test prints cannot garble the protocol.
When the child dies or stops answering, the worker names the case it was
running, checks whether that case alone does it (a fresh child), and if
not, replays the earlier cases of this child one at a time before it to
find the one that left the process broken; then it starts a new child.

A case is a dict: "estimator" (an unfitted estimator, pickled as it is)
and "calls", a list of (method name, args, kwargs), run in order on that
estimator.  Each call's outcome is ("ok", summary, warnings) or ("raised",
exception class names (its MRO), message, traceback, warnings, the
estimator's summary after the call); see `summarise`.
"""
import os
import pickle
import select
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import warnings

import numpy as np

HEADER = struct.Struct("<Q")


# ---- the child ---------------------------------------------------------------

def summarise(method, result, estimator):
    """What the parent needs of a call's result: arrays and numbers as they
    are (the data is small), a fitted estimator as its key facts."""
    if result is estimator:
        coefs = getattr(estimator, "coefs_", None)
        return {"fitted": coefs is not None,
                "finite_weights": coefs is not None and all(
                    np.isfinite(a).all() for a in coefs + estimator.intercepts_),
                "classes": getattr(estimator, "classes_", None),
                "n_features_in": getattr(estimator, "n_features_in_", None),
                "coef_dtype": coefs[0].dtype if coefs else None,
                "n_outputs": getattr(estimator, "n_outputs_", None),
                "code_width": getattr(estimator, "_n_features_out", None)}
    return result


def run_case(case):
    estimator, outcomes = case["estimator"], []
    for method, args, kwargs in case["calls"]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = getattr(estimator, method)(*[_made(a) for a in args],
                                                    **{k: _made(v) for k, v in kwargs.items()})
                outcome = ("ok", summarise(method, result, estimator))
            except Exception as exc:  # every kind is reported; the parent judges it
                outcome = ("raised", [c.__name__ for c in type(exc).__mro__], str(exc),
                           traceback.format_exc(limit=-4))
        outcome += ([(w.category.__name__, str(w.message)) for w in caught],)
        if outcome[0] == "raised":  # the state the failed call left
            outcome += (summarise(method, estimator, estimator),)
        outcomes.append(outcome)
    return outcomes


def _read_exact(fd, n):
    chunks = []
    while n:
        chunk = os.read(fd, n)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _send(fd, obj):
    data = pickle.dumps(obj)
    data = HEADER.pack(len(data)) + data
    while data:
        data = data[os.write(fd, data):]


def _receive(fd):
    return pickle.loads(_read_exact(fd, HEADER.unpack(_read_exact(fd, HEADER.size))[0]))


def serve(read_fd, write_fd):
    """The child's loop: a case in, its outcomes out, until EOF."""
    import fastnn  # noqa: F401  imported once, before the first case
    _send(write_fd, "ready")
    while True:
        try:
            case = _receive(read_fd)
        except EOFError:
            return
        _send(write_fd, run_case(case))


# ---- the parent --------------------------------------------------------------

class Broken(Exception):
    """The child died or hung on a case; the message says how and which."""


class Worker:
    """One child process running cases one after another."""

    def __init__(self, timeout=120.0):
        self.timeout = timeout
        self.proc = None
        self.history = []  # the cases this child has run

    def _start(self):
        to_child, from_parent = os.pipe()
        from_child, to_parent = os.pipe()
        self.stderr = tempfile.TemporaryFile()
        code = "import sys; sys.path.insert(0, %r); import isolated; isolated.serve(%d, %d)" % (
            os.path.dirname(os.path.abspath(__file__)), to_child, to_parent)
        env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "2"))
        self.proc = subprocess.Popen([sys.executable, "-c", code], pass_fds=(to_child, to_parent),
                                     stdin=subprocess.DEVNULL, stdout=self.stderr,
                                     stderr=self.stderr, env=env, cwd=os.getcwd())
        os.close(to_child)
        os.close(to_parent)
        self.write_fd, self.read_fd = from_parent, from_child
        self.history = []
        self._await(max(self.timeout, 120.0))  # importing fastnn on a busy machine

    def _await(self, timeout):
        """The child's next message; Broken if it dies or takes too long."""
        start = time.monotonic()
        while True:
            ready, _, _ = select.select([self.read_fd], [], [], 1.0)
            if ready:
                try:
                    return _receive(self.read_fd)
                except EOFError:
                    self.proc.wait(timeout=10)
                    raise Broken(self._death())
            if time.monotonic() - start > timeout:
                raise Broken("no answer after %.0f s (a hang)" % timeout)

    def _death(self):
        code = self.proc.returncode
        how = ("killed by signal %d" % -code) if code is not None and code < 0 else (
            "exited with status %r" % code)
        self.stderr.seek(0)
        tail = self.stderr.read()[-3000:].decode("utf-8", "replace")
        return "the child process %s; its last output:\n%s" % (how, tail)

    def stop(self):
        if self.proc is not None:
            for fd in (self.write_fd, self.read_fd):
                try:
                    os.close(fd)
                except OSError:
                    pass
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
            self.stderr.close()
            self.proc = None

    def _run_one(self, case):
        if self.proc is None:
            self._start()
        self.history.append(case)
        try:
            _send(self.write_fd, case)
        except OSError:
            raise Broken(self._death())
        return self._await(self.timeout)

    def run(self, case, describe=repr):
        """The case's outcomes, or Broken naming the case that breaks the
        child (this one alone, or an earlier one of the same child)."""
        try:
            return self._run_one(case)
        except Broken as broken:
            earlier = self.history[:-1]
            self.stop()
            what = str(broken)
            culprit = self._culprit(case, earlier)
            self.stop()
            raise Broken("%s\nwhile running %s\n%s" % (what, describe(case), culprit)) from None

    def _breaks(self, cases):
        """Whether running these cases in order in a fresh child breaks it."""
        self.stop()
        try:
            for case in cases:
                self._run_one(case)
            return False
        except Broken:
            return True
        finally:
            self.stop()

    def _culprit(self, case, earlier, limit=20):
        if self._breaks([case]):
            return "(it breaks a fresh child on its own)"
        for previous in reversed(earlier[-limit:]):
            if self._breaks([previous, case]):
                return "(only after this earlier case: %r)" % (previous,)
        return "(not reproduced on its own nor after any one of the %d cases before it)" % len(
            earlier)


# ---- arguments built in the child --------------------------------------------

class Arg:
    """An array argument whose memory layout or container a pickle would
    not keep (read-only, non-contiguous) or that is better shown short:
    built in the child by `make`."""

    def __init__(self, values, layout="C", container="array", columns=None):
        self.values, self.layout, self.container, self.columns = (values, layout, container,
                                                                  columns)

    def make(self):
        a = np.asarray(self.values)
        if self.layout == "F":
            a = np.asfortranarray(a)
        elif self.layout == "strided" and a.ndim:
            # every other element of a twice-as-wide array: same values, not contiguous
            wide = np.repeat(a, 2, axis=-1)
            a = wide[..., ::2]
        elif self.layout == "readonly":
            a = a.copy()
            a.flags.writeable = False
        if self.container == "list":
            return a.tolist()
        if self.container == "frame":
            import pandas as pd
            return pd.DataFrame(a, columns=self.columns)
        return a

    def __repr__(self):
        a = np.asarray(self.values)
        with np.printoptions(threshold=12, edgeitems=2, precision=3):
            text = np.array2string(a.reshape(-1)[:12] if a.ndim else a)
        extra = "" if self.columns is None else ", columns=%r" % (list(self.columns),)
        return "Arg(shape=%r, dtype=%s, %s, %s%s, values=%s)" % (
            a.shape, a.dtype, self.layout, self.container, extra, text)


def _made(value):
    return value.make() if isinstance(value, Arg) else value
