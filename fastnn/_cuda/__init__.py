"""fastnn's CUDA engine, used by estimators made with device='cuda'.

Its kernels are CUDA C sources in kernels/, compiled at first use by
NVRTC for the GPU at hand (no CUDA toolkit needed: the 'cuda' extra
installs CuPy and NVIDIA's runtime compiler and cuBLAS as wheels); the
matrix products are cuBLAS's, through CuPy.  See docs/gpu.md."""
from ._backend import Availability, CudaBackend, availability
from ._device_network import DeviceNetwork, unsupported

__all__ = ["Availability", "availability", "backend", "device_network", "unsupported"]


def backend():
    """The backend of the current GPU."""
    return CudaBackend.current()


def device_network(specs, output):
    """A DeviceNetwork of the layer specs on the current GPU."""
    return DeviceNetwork(specs, output, backend())
