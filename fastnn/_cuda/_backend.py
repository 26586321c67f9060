"""The GPU under the device engine: CuPy's arrays and cuBLAS products,
and fastnn's own kernels (kernels/, compiled by NVRTC at first use).

The device network (_device_network.py) only talks to a backend: `xp`
(the array module), `to_device`, `to_host`, `launch` and `matmul`.  The
tests give it another backend with the same five, NumPy and the same
kernel sources compiled for the host, so everything but the GPU itself
runs on any machine."""
import threading

import numpy as np

from . import _compile, _nvrtc

BLOCK = 256  # threads per block; every kernel walks its range grid-stride
MAX_BLOCKS = 65535


class Availability:
    """Whether the device engine can run here, and why not: true or false
    as a bool, the reason in ``reason`` (and in its repr)."""

    def __init__(self, available, reason):
        self.available, self.reason = bool(available), reason

    def __bool__(self):
        return self.available

    def __repr__(self):
        return "CUDA available: %s" % self.reason if self.available else \
            "CUDA not available: %s" % self.reason


_lock = threading.Lock()
_backends = {}


def availability():
    """An Availability: CuPy importable, a GPU visible to its driver, and
    NVRTC loadable."""
    try:
        import cupy
    except Exception as exc:  # ImportError, or a broken CUDA install
        return Availability(False, "CuPy could not be imported (%s: %s); install fastnn's "
                            "'cuda' extra: pip install 'scikit-fastnn[cuda]'"
                            % (type(exc).__name__, exc))
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # no driver, no device
        return Availability(False, "CuPy finds no usable CUDA driver or GPU (%s)" % exc)
    if count < 1:
        return Availability(False, "no CUDA GPU is visible")
    try:
        major, minor = _nvrtc.version()
    except _nvrtc.NVRTCError as exc:
        return Availability(False, str(exc))
    name = cupy.cuda.runtime.getDeviceProperties(0)["name"]
    if isinstance(name, bytes):
        name = name.decode()
    return Availability(True, "%d GPU(s), the first a %s; NVRTC %d.%d"
                        % (count, name, major, minor))


class CudaBackend:
    """CuPy on the current GPU, with the kernels compiled for it."""

    def __init__(self):
        import cupy
        self.xp = cupy
        arch = "sm_" + cupy.cuda.Device().compute_capability  # '90' on a Hopper GPU
        self.module = cupy.RawModule(path=_compile.cached_binary(arch))
        self._kernels = {}

    @staticmethod
    def current():
        """The backend of the current GPU, made once per device."""
        import cupy
        device = cupy.cuda.Device().id
        with _lock:
            if device not in _backends:
                _backends[device] = CudaBackend()
            return _backends[device]

    def to_device(self, a):
        return self.xp.asarray(a)

    def to_host(self, a):
        return self.xp.asnumpy(a)

    def matmul(self, a, b, out):
        self.xp.matmul(a, b, out=out)

    def launch(self, name, n, *args):
        """Kernel `name` over n indices; args: device arrays, None (a NULL
        pointer) and NumPy scalars of the kernel's parameter types."""
        if n <= 0:
            return
        kernel = self._kernels.get(name)
        if kernel is None:
            kernel = self._kernels[name] = self.module.get_function(name)
        blocks = min((int(n) + BLOCK - 1) // BLOCK, MAX_BLOCKS)
        # a NULL pointer: eight zero bytes, as a pointer parameter takes
        kernel((blocks,), (BLOCK,), tuple(np.uint64(0) if a is None else a for a in args))
