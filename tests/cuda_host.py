"""The device engine's kernels on the host, for the tests.

fastnn/_cuda/kernels/kernels.cu compiles as C too (fnn_cuda.h): each
kernel then walks its whole index range in one call.  `HostBackend` has
the five things a device network asks of a backend (_cuda/_backend.py),
with NumPy for CuPy and these host kernels, called through ctypes, for
the GPU's: the device engine's code, kernels and index arithmetic all run
here, and are held to the CPU engine's results."""
import ctypes
import os
import shlex
import subprocess
import sysconfig

import numpy as np

from fastnn._cuda import _compile

BUILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kernels", "build",
                     "cuda_host")


def build():
    """The host library's path, compiled when a source is newer; with
    FASTNN_SANITIZE (tools/sanitize.sh) under those sanitizers, so that an
    index past an array's end in a kernel is a report."""
    sanitize = os.environ.get("FASTNN_SANITIZE", "")
    lib = os.path.join(BUILD, "kernels_host%s.so" % ("_" + sanitize.replace(",", "_")
                                                     if sanitize else ""))
    flags = (["-O1", "-g", "-fno-omit-frame-pointer", "-fsanitize=" + sanitize] if sanitize
             else ["-O2"])
    newest = max(os.path.getmtime(os.path.join(_compile.KERNEL_DIR, name))
                 for name in _compile.sources())
    if os.path.exists(lib) and os.path.getmtime(lib) >= newest:
        return lib
    os.makedirs(BUILD, exist_ok=True)
    cc = shlex.split(sysconfig.get_config_var("CC") or "cc")
    command = (cc + ["-x", "c", "-std=c99", "-Wall", "-Wextra", "-Werror", "-shared",
                     "-fPIC", "-I", _compile.KERNEL_DIR] + flags
               + ["-D%s=%s" % item for item in sorted(_compile.defines().items())]
               + [os.path.join(_compile.KERNEL_DIR, _compile.UNIT), "-o", lib + ".tmp", "-lm"])
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError("compiling the kernels for the host failed:\n" + done.stderr)
    os.replace(lib + ".tmp", lib)
    return lib


_SCALARS = {np.int64: ctypes.c_int64, np.int32: ctypes.c_int32, np.uint64: ctypes.c_uint64,
            np.float32: ctypes.c_float, np.float64: ctypes.c_double}


class HostBackend:
    """NumPy and the host-compiled kernels, in the device engine's place."""

    xp = np

    def __init__(self):
        self.lib = ctypes.CDLL(build())
        self.launched = set()  # kernel names called, for the tests' coverage check

    @staticmethod
    def to_device(a):
        return np.array(a, copy=True)  # a copy, as an upload is

    @staticmethod
    def to_host(a):
        return np.array(a, copy=True)

    @staticmethod
    def matmul(a, b, out):
        with np.errstate(all="ignore"):  # a diverging fit's NaN, which cuBLAS passes quietly
            np.matmul(a, b, out=out)

    def launch(self, name, n, *args):
        if n <= 0:
            return
        self.launched.add(name)
        kernel = getattr(self.lib, name)
        converted = []
        for a in args:
            if a is None:
                converted.append(ctypes.c_void_p(None))
            elif isinstance(a, np.ndarray):
                # a pointer into the array, as a view of device memory is
                assert a.flags.c_contiguous, name
                converted.append(ctypes.c_void_p(a.ctypes.data))
            else:
                converted.append(_SCALARS[type(a)](a))
        kernel.restype = None
        kernel(*converted)
