"""NVRTC, NVIDIA's runtime compiler, through ctypes: CUDA C to a GPU
binary without a CUDA toolkit or a GPU.  The pip wheel
``nvidia-cuda-nvrtc-cu12`` (pulled in by ``fastnn[cuda]``) or a toolkit's
library provides it.  The device engine compiles its kernels with it at
first use; the tests compile them with it everywhere, a GPU or not."""
import ctypes
import glob
import os

# the libraries tried, first the wheel's (inside site-packages), then the
# system's (a CUDA toolkit, the driver's search path)
_NAMES = ("libnvrtc.so.12", "libnvrtc.so.13", "libnvrtc.so")


class NVRTCError(RuntimeError):
    """NVRTC is missing, or refused a source (its log is the message)."""


def _wheel_libraries():
    """NVRTC from NVIDIA's wheels: nvidia/cuda_nvrtc/lib (CUDA 12's) or
    nvidia/cu13/lib (CUDA 13's), any folder under the nvidia package."""
    try:
        import nvidia
    except ImportError:
        return []
    found = []
    for root in getattr(nvidia, "__path__", []):
        for name in _NAMES:
            found += sorted(glob.glob(os.path.join(root, "**", name), recursive=True))
    return found


def _toolkit_libraries():
    """NVRTC of a CUDA toolkit, where CUDA_PATH, CUDA_HOME or the usual
    folder has one."""
    roots = [os.environ.get("CUDA_PATH"), os.environ.get("CUDA_HOME"), "/usr/local/cuda"]
    return [os.path.join(root, "lib64", name) for root in roots if root for name in _NAMES
            if os.path.exists(os.path.join(root, "lib64", name))]


def load():
    """The NVRTC library (ctypes.CDLL); NVRTCError says why not."""
    tried = []
    for path in _wheel_libraries() + _toolkit_libraries() + list(_NAMES):
        try:
            return ctypes.CDLL(path)
        except OSError as exc:
            tried.append("%s (%s)" % (path, exc))
    raise NVRTCError("NVRTC was not found: install fastnn's 'cuda' extra "
                     "(pip install 'fastnn[cuda]') or a CUDA toolkit. Tried: "
                     + "; ".join(tried))


def version(lib=None):
    """NVRTC's (major, minor)."""
    lib = lib or load()
    major, minor = ctypes.c_int(), ctypes.c_int()
    lib.nvrtcVersion(ctypes.byref(major), ctypes.byref(minor))
    return major.value, minor.value


def _check(lib, status, what):
    if status != 0:
        lib.nvrtcGetErrorString.restype = ctypes.c_char_p
        raise NVRTCError("%s: %s" % (what, lib.nvrtcGetErrorString(status).decode()))


def compile_source(source, name, options, lib=None):
    """Compiles CUDA C `source` (a str) with NVRTC `options` (strs, e.g.
    '--gpu-architecture=sm_90'); returns (binary, log): a cubin for an
    sm_ architecture, PTX for a compute_ one.  A failed compile raises
    NVRTCError with the compiler's log."""
    lib = lib or load()
    prog = ctypes.c_void_p()
    _check(lib, lib.nvrtcCreateProgram(ctypes.byref(prog), source.encode(), name.encode(),
                                       0, None, None), "nvrtcCreateProgram")
    try:
        opts = (ctypes.c_char_p * len(options))(*[o.encode() for o in options])
        status = lib.nvrtcCompileProgram(prog, len(options), opts)
        size = ctypes.c_size_t()
        lib.nvrtcGetProgramLogSize(prog, ctypes.byref(size))
        buf = ctypes.create_string_buffer(size.value)
        lib.nvrtcGetProgramLog(prog, buf)
        log = buf.value.decode(errors="replace").strip()
        if status != 0:
            raise NVRTCError("NVRTC could not compile %s:\n%s" % (name, log))
        cubin = any(o.startswith(("--gpu-architecture=sm_", "-arch=sm_")) for o in options)
        get_size, get = ((lib.nvrtcGetCUBINSize, lib.nvrtcGetCUBIN) if cubin
                         else (lib.nvrtcGetPTXSize, lib.nvrtcGetPTX))
        _check(lib, get_size(prog, ctypes.byref(size)), "getting the binary's size")
        out = ctypes.create_string_buffer(size.value)
        _check(lib, get(prog, out), "getting the binary")
        return out.raw, log
    finally:
        lib.nvrtcDestroyProgram(ctypes.byref(prog))
