"""The device kernels' sources and how they are compiled.

The kernels are CUDA C in ``kernels/`` (shipped with the package), one
translation unit, ``kernels.cu``.  The names of activations, outputs and
the leaky slope come in as -D definitions read from the CPU engine's own
tables, so the lists stay written once (src_c/fastnn.h).  The device
engine compiles the unit with NVRTC for the GPU it runs on, at first use,
and keeps the binary in a cache folder keyed by everything the binary
depends on; the tests compile it for several architectures on machines
without a GPU (tests/test_cuda_sources.py)."""
import hashlib
import os

from .. import _engine
from . import _nvrtc

KERNEL_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kernels")
UNIT = "kernels.cu"


def sources():
    """{file name: text} of every kernel source."""
    return {name: open(os.path.join(KERNEL_DIR, name)).read()
            for name in sorted(os.listdir(KERNEL_DIR)) if name.endswith((".cu", ".h"))}


def defines():
    """{macro: value} the sources read: FNN_ACT_<NAME> for each hidden
    activation, FNN_OUT_<NAME> for each output, FNN_LEAKY_SLOPE,
    FNN_NORM_EPS and FNN_NORM_MOMENTUM."""
    found = {"FNN_LEAKY_SLOPE": repr(float(_engine.LEAKY_SLOPE)),
             "FNN_NORM_EPS": repr(float(_engine.NORM_EPS)),
             "FNN_NORM_MOMENTUM": repr(float(_engine.NORM_MOMENTUM))}
    for prefix, table in (("FNN_ACT_", _engine.ACTIVATIONS), ("FNN_OUT_", _engine.OUTPUTS)):
        for name, number in table.items():
            found[prefix + name.upper()] = str(int(number))
    return found


def options(arch):
    """NVRTC's options for `arch` ('sm_90' gives a cubin, 'compute_90'
    PTX)."""
    return (["--gpu-architecture=" + arch, "--include-path=" + KERNEL_DIR, "--std=c++17"]
            + ["-D%s=%s" % item for item in sorted(defines().items())])


def compile_unit(arch):
    """The kernels compiled for `arch`: (binary, NVRTC's log)."""
    text = sources()[UNIT]
    return _nvrtc.compile_source(text, UNIT, options(arch))


def cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "fastnn", "cuda")


def cached_binary(arch):
    """A file holding the kernels compiled for `arch`, compiled when no
    cached one matches the sources, options and NVRTC version."""
    key = hashlib.sha256(repr((sorted(sources().items()), options(arch),
                               _nvrtc.version())).encode()).hexdigest()[:24]
    path = os.path.join(cache_dir(), "kernels-%s-%s.%s"
                        % (arch, key, "cubin" if arch.startswith("sm_") else "ptx"))
    if not os.path.exists(path):
        binary, _ = compile_unit(arch)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        partial = "%s.%d.tmp" % (path, os.getpid())  # concurrent first uses
        with open(partial, "wb") as f:
            f.write(binary)
        os.replace(partial, path)
    return path
