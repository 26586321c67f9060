"""fastnn's CUDA engine, used by estimators made with device='cuda'.

Its kernels are CUDA C sources in kernels/, compiled at first use by
NVRTC for the GPU at hand (no CUDA toolkit needed: the 'cuda' extra
installs CuPy and NVIDIA's runtime compiler and cuBLAS as wheels); the
matrix products are cuBLAS's, through CuPy.  See docs/gpu.md."""
from ._backend import Availability, CudaBackend, availability
from ._device_network import DeviceNetwork, unsupported

__all__ = ["Availability", "availability", "backend", "cuda_available", "device_network",
           "unsupported"]


def backend():
    """The backend of the current GPU."""
    return CudaBackend.current()


def device_network(specs, output):
    """A DeviceNetwork of the layer specs on the current GPU."""
    return DeviceNetwork(specs, output, backend())


def cuda_available():
    """Whether estimators may be given ``device='cuda'`` here, and why not.

    That needs CuPy (with NVIDIA's runtime compiler and cuBLAS, all
    installed by ``pip install 'scikit-fastnn[cuda]'``), an NVIDIA driver
    and a GPU it sees.  No CUDA toolkit is needed: the kernels are
    compiled at first use.

    Returns
    -------
    available : Availability
        True or false as a bool; its ``reason`` (also its repr) says which
        GPU was found, or what is missing.

    See Also
    --------
    fastnn.MLPClassifier : Its ``device`` parameter, as every estimator's.

    Examples
    --------
    >>> import fastnn
    >>> device = "cuda" if fastnn.cuda_available() else "cpu"
    >>> model = fastnn.MLPClassifier(device=device)
    >>> isinstance(fastnn.cuda_available().reason, str)
    True
    """
    return availability()
